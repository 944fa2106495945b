"""tools/train.py, tools/test.py and tools/dist_train.sh as a user runs them."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from mmengine.runner import Runner

from coc.datasets import DigitsLT

DEMO = 'configs/demo/resnet_digits_lt.py'
OT_DEMO = 'configs/demo/coc_digits_lt_ot.py'
HELPERS_ON_PATH = dict(PYTHONPATH=str(Path(__file__).resolve().parents[1] / 'helpers'))
# Two short epochs keep each run to a few seconds; deterministic kernels for exact resume.
FAST = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=1', 'randomness.deterministic=True']
# The tools run on the CPU on every machine: the resume test compares weights bit for bit,
# which deterministic CPU kernels give (not every GPU op has a deterministic kernel), and the
# two processes of dist_train.sh would each want a GPU of their own.
NO_GPU = dict(CUDA_VISIBLE_DEVICES='')


def run_tool(repo_root, *args, env=None, check=True):
    result = subprocess.run([sys.executable, *args], cwd=repo_root, capture_output=True,
                            text=True, env={**os.environ, **NO_GPU, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f'{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result


def final_state(work_dir):
    ckpt = torch.load(work_dir / 'epoch_2.pth', map_location='cpu', weights_only=False)
    return ckpt['state_dict']


@pytest.mark.parametrize('config', [DEMO, OT_DEMO])
def test_run_killed_mid_epoch_resumes_to_the_same_weights_and_metrics(repo_root, tmp_path, config):
    """Straight 2 epochs vs. killed in the 2nd epoch and ``--resume`` (from the work dir's
    last checkpoint): identical weights and test metrics, deterministic mode. The OT demo also
    covers the two-stream sampler and the mixing schedule (mixing starts in epoch 2)."""
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    run_tool(repo_root, 'tools/train.py', config, '--work-dir', str(straight),
             '--cfg-options', *FAST)
    killed = run_tool(repo_root, 'tools/train.py', config, '--work-dir', str(resumed),
                      '--cfg-options', *FAST, '+custom_imports.imports=[kill_mid_epoch_hook]',
                      '+default_hooks.kill.type=KillMidEpochHook', '+default_hooks.kill.epoch=1',
                      '+default_hooks.kill.batch_idx=3', env=HELPERS_ON_PATH, check=False)
    assert killed.returncode == 37, killed.stderr[-3000:]
    assert (resumed / 'epoch_1.pth').exists() and not (resumed / 'epoch_2.pth').exists()
    run_tool(repo_root, 'tools/train.py', config, '--work-dir', str(resumed), '--resume',
             '--cfg-options', *FAST)
    a, b = final_state(straight), final_state(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key

    outputs = [run_tool(repo_root, 'tools/test.py', config, str(work / 'epoch_2.pth'),
                        '--work-dir', str(work / 'test'),
                        '--dump-metrics', str(work / 'metrics.json')).stdout
               for work in (straight, resumed)]
    metrics = [dict(line.split(': ') for line in out.splitlines() if line.startswith('lt/'))
               for out in outputs]
    assert metrics[0] == metrics[1]
    assert {'lt/top1', 'lt/top5', 'lt/many', 'lt/medium', 'lt/few', 'lt/ece', 'lt/ece_many',
            'lt/ece_medium', 'lt/ece_few'} <= metrics[0].keys()
    dumped = json.loads((straight / 'metrics.json').read_text())
    assert dumped.keys() == metrics[0].keys()
    assert all(f'{dumped[key]:.4f}' == value for key, value in metrics[0].items())

    # The pictures, one line each at the end, in the test run's folder.
    last_lines = outputs[0].strip().splitlines()[-3:]
    assert all(line.startswith('picture: ') for line in last_lines)
    pictures = [Path(line[len('picture: '):]) for line in last_lines]
    assert [p.name for p in pictures] == ['confusion_matrix.png', 'per_class_accuracy.png',
                                          'reliability_diagram.png']
    for picture in pictures:
        assert picture.parent.parent == straight / 'test'  # work_dir/<timestamp>/
        with Image.open(picture) as png:
            png.verify()


def test_two_cpu_processes_shard_the_data_and_agree_on_weights(repo_root, tmp_path):
    work = tmp_path / 'dist'
    env = dict(HELPERS_ON_PATH, **NO_GPU, PYTHON=sys.executable, PORT='29531',
               OMP_NUM_THREADS='1')
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', DEMO, '2', '--work-dir', str(work), '--cfg-options',
         'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         '+custom_imports.imports=[record_run_hook]', '+default_hooks.record.type=RecordRunHook'],
        cwd=repo_root, capture_output=True, text=True, env={**os.environ, **env})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = [json.loads((work / f'rank{r}.json').read_text()) for r in (0, 1)]
    seen = [set(r['sample_indices']) for r in ranks]
    # One epoch covers every sample; the shards overlap only by DefaultSampler's padding, which
    # repeats at most world_size - 1 = 1 index to make the two shards equal.
    train = DigitsLT(split='train', test_per_class=50, val_per_class=20)  # the demo's split
    assert seen[0] | seen[1] == set(range(len(train)))
    assert len(seen[0] & seen[1]) <= 1 and len(seen[0]) > 100
    assert ranks[0]['weights'] == ranks[1]['weights']


@pytest.mark.parametrize('args, message', [
    (['tools/train.py', 'configs/no_such.py'], 'config file configs/no_such.py does not exist'),
    (['tools/train.py', DEMO, '--cfg-options', 'train_cfg.max_epoch=1'],
     "unknown --cfg-options key 'train_cfg.max_epoch'"),
    (['tools/test.py', DEMO, 'README.md'], 'is not a PyTorch checkpoint'),
    (['tools/train.py', DEMO, '--resume', 'README.md'], 'is not a PyTorch checkpoint'),
    (['tools/train.py', DEMO, '--launcher', 'pytorch'], 'RANK expected, but not set'),
    (['tools/train.py', DEMO, '--amp', '--cfg-options', 'optim_wrapper.type=ApexOptimWrapper'],
     "--amp would replace the config's optim_wrapper type ApexOptimWrapper"),
    (['tools/train.py', DEMO, '--auto-scale-lr'],
     '--auto-scale-lr needs auto_scale_lr.base_batch_size in the config'),
])
def test_bad_input_gets_one_clear_line(repo_root, args, message):
    result = run_tool(repo_root, *args, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith('error: ')
    assert message in result.stderr


@pytest.fixture
def train_on_a_gpu_machine(load_tool, monkeypatch):
    """tools/train.py's ``resolve_config`` as on a machine with a CUDA GPU."""
    train = load_tool('train.py')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setenv('LOCAL_RANK', '0')  # parse_args sets it; the test leaves no trace
    return lambda *argv: train.resolve_config(train.parse_args([str(a) for a in argv]))


@pytest.mark.parametrize('flags, dtype', [([], 'float16'), (['--amp-dtype', 'bfloat16'],
                                                             'bfloat16')])
def test_amp_upgrades_the_optim_wrapper_to_the_chosen_dtype(repo_root, tmp_path,
                                                           train_on_a_gpu_machine, flags, dtype):
    cfg = train_on_a_gpu_machine(repo_root / DEMO, '--amp', *flags, '--work-dir', tmp_path)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == dtype and cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.optimizer.lr == 0.1  # the demo's SGD, untouched


def test_imagenet_schedule_trains_at_the_lr_auto_scale_lr_promises(repo_root, tmp_path,
                                                                   train_on_a_gpu_machine,
                                                                   monkeypatch):
    """configs/_base_/schedules/imagenet_coc_300e.py: lr 1e-3 for 8 x 128 images, so one
    process of 128 images trains at 1e-3 * 128 / 1024 in every parameter group."""
    cfg = train_on_a_gpu_machine(repo_root / 'configs/coc/coc_tiny_8xb128_in1k.py', '--amp',
                                 '--amp-dtype', 'bfloat16', '--auto-scale-lr',
                                 '--work-dir', tmp_path)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=1024)
    monkeypatch.undo()
    # This machine has no GPU for AmpOptimWrapper; the lr scaling does not depend on it.
    cfg.optim_wrapper.type = 'OptimWrapper'
    del cfg.optim_wrapper['dtype'], cfg.optim_wrapper['loss_scale']
    runner = Runner.from_cfg(cfg)
    wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.scale_lr(wrapper, runner.auto_scale_lr)
    groups = wrapper.optimizer.param_groups  # (wrapper.param_groups adds the config's, unscaled)
    assert len(groups) > 100  # one per parameter: paramwise_cfg's decay rules
    assert [group['lr'] for group in groups] == pytest.approx([1e-3 * 128 / 1024] * len(groups))

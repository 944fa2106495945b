"""tools/benchmarks/gpu_check.sh on a machine without a GPU: the dry run's list, the one line
it says without a GPU, and (with a stub python standing in for a GPU machine's) that a
failing step is recorded and the others still run; gpu_check_report.py's checks."""
import json
import os
import shlex
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

SCRIPT = 'tools/benchmarks/gpu_check.sh'
HEADLINE = 'configs/coc_s_cifar100lt_ot.py'


@pytest.fixture(scope='module')
def report(load_tool):
    return load_tool('benchmarks/gpu_check_report.py')


def gpu_check(repo_root, out, *args, python=None):
    env = {**os.environ, 'GPU_CHECK_OUT': str(out), 'CUDA_VISIBLE_DEVICES': ''}
    env.update(PYTHON=str(python)) if python else env.pop('PYTHON', None)
    return subprocess.run(['bash', SCRIPT, *args], cwd=repo_root, env=env, capture_output=True,
                          text=True)


def test_dry_run_lists_every_step_and_runs_nothing(repo_root, tmp_path, report):
    result = gpu_check(repo_root, tmp_path / 'out', '--dry-run')
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0]: shlex.split(line.split(': ', 1)[1])
              for line in result.stdout.splitlines()[1:]}
    assert list(listed) == list(report.KEYS)  # every step has its key number
    for command in listed.values():
        scripts = [word for word in command if word.endswith(('.py', '.sh')) and '/' in word]
        assert scripts and all((repo_root / word).is_file() for word in scripts), command
    for dtype in ('float16', 'bfloat16'):
        command = listed[f'headline_amp_{dtype}']
        assert command[command.index('--amp-dtype') + 1] == dtype and HEADLINE in command
    # 200 iterations of the headline's images per stream in the one epoch
    images = Config.fromfile(repo_root / HEADLINE).train_dataloader.batch_size * 200
    assert f'+train_dataloader.dataset.indices={images}' in listed['headline_amp_float16']
    assert 'randomness.deterministic=True' in listed['deterministic_b']
    assert '--device' in listed['coc_speed'] and '--amp' in listed['coc_speed']
    assert not (tmp_path / 'out').exists()


def test_without_a_gpu_it_says_so_in_one_line_and_runs_nothing(repo_root, tmp_path):
    result = gpu_check(repo_root, tmp_path / 'out')
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        'gpu_check: no CUDA GPU visible (torch.cuda.device_count() is 0), nothing to check here']
    assert not (tmp_path / 'out').exists()


def test_a_failing_step_is_recorded_and_the_others_still_run(repo_root, tmp_path, report):
    """A python that reports one GPU, fails mix_step, and only echoes the other steps."""
    stub = tmp_path / 'python'
    stub.write_text(f'''#!/bin/bash
case "$*" in
  *gpu_check_report.py*) exec {sys.executable} "$@" ;;
  *device_count*) echo 1 ;;
  *mix_step.py*) echo "mix_step broke" >&2; exit 3 ;;
  *) echo "stub ran: $*" ;;
esac
''')
    stub.chmod(0o755)
    out = tmp_path / 'out'
    result = gpu_check(repo_root, out, python=stub)
    assert result.returncode == 0, result.stderr
    steps = {step: json.loads((out / f'{step}.json').read_text()) for step in report.KEYS}
    assert (steps['mix_step']['status'], steps['mix_step']['rc']) == ('failed', 3)
    assert 'mix_step broke' in (out / 'mix_step.log').read_text()
    assert steps['ddp_2_gpus']['status'] == 'skipped'  # one GPU
    for step in set(report.KEYS) - {'mix_step', 'ddp_2_gpus'}:
        assert steps[step]['status'] == 'ok', steps[step]
    mask_rcnn_log = (out / 'mask_rcnn_step.log').read_text()
    assert 'stub ran: tools/benchmarks/detection_step.py' in mask_rcnn_log
    table = [line for line in result.stdout.splitlines() if line.startswith('| ')]
    assert [line.split(' | ')[0][2:] for line in table[1:]] == list(report.KEYS)
    assert 'not ok: mix_step' in result.stdout
    assert (out / 'summary.md').read_text().strip() in result.stdout


def write_run(out, step, records):
    folder = out / step / '20261202_000000' / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text(''.join(json.dumps(r) + '\n' for r in records))


@pytest.mark.parametrize('last_iter, loss, status', [(200, 4.5, 'ok'), (150, 4.5, 'failed'),
                                                     (200, float('nan'), 'failed')])
def test_a_headline_run_must_train_200_finite_iterations(report, tmp_path, last_iter, loss,
                                                         status):
    write_run(tmp_path, 'headline_amp_float16',
              [dict(iter=50, loss=4.6, time=0.1), dict(iter=last_iter, loss=loss, time=0.08),
               {'lt/top1': 1.25, 'step': 1}])
    report.record(str(tmp_path), 'headline_amp_float16', 'ok', '42', '0', 'train.py ...')
    recorded = json.loads((tmp_path / 'headline_amp_float16.json').read_text())
    assert recorded['status'] == status and recorded['seconds'] == 42
    assert f'iter {last_iter}, loss {loss:.3f}, 0.080 s/iter, val top-1 1.25' in recorded['key']


@pytest.mark.parametrize('change, status', [(0.0, 'ok'), (1e-3, 'failed')])
def test_deterministic_runs_must_end_with_equal_weights(report, tmp_path, change, status):
    weights = torch.arange(6.).reshape(2, 3)
    for run, delta in (('deterministic_a', 0.0), ('deterministic_b', change)):
        (tmp_path / run).mkdir()
        torch.save(dict(state_dict=dict(w=weights + delta, steps=torch.tensor(4))),
                   tmp_path / run / 'epoch_1.pth')
        write_run(tmp_path, run, [dict(iter=4, loss=4.6, time=0.1)])
    report.record(str(tmp_path), 'deterministic_b', 'ok', '9', '0', 'train.py ...')
    recorded = json.loads((tmp_path / 'deterministic_b.json').read_text())
    assert recorded['status'] == status
    assert ('weights equal to deterministic_a' in recorded['key']) == (status == 'ok')


def test_the_headline_step_trains_200_iterations_on_the_synthetic_files(repo_root, tmp_path,
                                                                        load_tool, monkeypatch):
    """The dry run's headline command, resolved by tools/train.py as on a GPU machine, on
    the files of the synthetic_cifar step: one epoch of 200 two-stream batches."""
    listed = {line.split()[0]: shlex.split(line.split(': ', 1)[1]) for line in
              gpu_check(repo_root, tmp_path, '--dry-run').stdout.splitlines()[1:]}
    subprocess.run(listed['synthetic_cifar'], cwd=repo_root, check=True, capture_output=True)
    train = load_tool('train.py')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setenv('LOCAL_RANK', '0')
    command = listed['headline_amp_bfloat16']
    monkeypatch.chdir(repo_root)
    cfg = train.resolve_config(train.parse_args(command[command.index(HEADLINE):]))
    assert cfg.optim_wrapper.dtype == 'bfloat16' and cfg.train_cfg.max_epochs == 1
    monkeypatch.undo()  # back to this machine for building the loader
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    loader = Runner.build_dataloader(cfg.train_dataloader)
    assert len(loader) == 200 and cfg.model.schedule.start_epoch == 0

"""tools/*.sh as a newcomer runs them: which Python, the slurm command, the demo's output."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

SCRIPTS = {  # script: arguments
    'dist_train.sh': ['cfg.py', '2'],
    'dist_test.sh': ['cfg.py', 'ckpt.pth', '2'],
    'slurm_train.sh': ['part', 'job', 'cfg.py', 'work'],
    'slurm_test.sh': ['part', 'job', 'cfg.py', 'ckpt.pth'],
    'demo.sh': ['cfg.py', 'work'],
}
# A stand-in for python / srun: writes its own path and arguments, one per line, and exits 0.
RECORDER = '#!/usr/bin/env bash\nprintf "%s\\n" "$0" "$@" > "$RECORD"\n'
# Where bash and coreutils are; no venv Python is on it.
SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin'


def make_recorder(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RECORDER)
    path.chmod(0o755)
    return path


@pytest.fixture
def fake_repo(repo_root, tmp_path):
    """The shell tools in a repository of their own, with stand-ins for python and srun."""
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    for script in [*SCRIPTS, 'python_env.sh', 'slurm_srun.sh']:
        shutil.copy(repo_root / 'tools' / script, repo / 'tools' / script)
    make_recorder(tmp_path / 'bin' / 'python')
    make_recorder(tmp_path / 'bin' / 'srun')
    return repo


def run_script(repo: Path, script: str, args, record: Path, **env):
    env = dict(PATH=f'{record.parent / "bin"}:{SYSTEM_PATH}', RECORD=str(record), **env)
    return subprocess.run(['bash', str(repo / 'tools' / script), *args], capture_output=True,
                          text=True, env=env, cwd=repo)


@pytest.mark.parametrize('script', list(SCRIPTS))
def test_every_tool_runs_the_venv_python_else_python_and_says_which(fake_repo, tmp_path, script):
    record = tmp_path / 'record.txt'
    no_venv = run_script(fake_repo, script, SCRIPTS[script], record)
    # The slurm scripts start srun, which gets `python` to find on the compute node.
    python = 'python' if script.startswith('slurm') else str(tmp_path / 'bin' / 'python')
    assert python in record.read_text().splitlines()
    assert no_venv.stderr.splitlines()[0].startswith(
        '[coc] Python: python (no .venv here (bash tools/install.sh makes it)')

    venv_python = make_recorder(fake_repo / '.venv' / 'bin' / 'python')
    with_venv = run_script(fake_repo, script, SCRIPTS[script], record)
    assert str(venv_python) in record.read_text().splitlines()
    assert with_venv.stderr.splitlines()[0] == \
        f"[coc] Python: {venv_python} (the project's venv)"

    chosen = make_recorder(tmp_path / 'other' / 'python3')
    overridden = run_script(fake_repo, script, SCRIPTS[script], record, PYTHON=str(chosen))
    assert str(chosen) in record.read_text().splitlines()
    assert overridden.stderr.splitlines()[0] == f'[coc] Python: {chosen} (set by PYTHON)'


@pytest.mark.parametrize('script, fourth_arg, tool_args', [
    ('slurm_train.sh', 'work_dirs/run', ['train.py', 'configs/x.py', '--work-dir=work_dirs/run']),
    ('slurm_test.sh', 'epoch_1.pth', ['test.py', 'configs/x.py', 'epoch_1.pth']),
])
def test_slurm_scripts_run_the_openmmlab_srun_command(fake_repo, tmp_path, script, fourth_arg,
                                                        tool_args):
    record = tmp_path / 'record.txt'
    python = make_recorder(fake_repo / '.venv' / 'bin' / 'python')
    tool, *args = tool_args
    command = [str(python), '-u', str(fake_repo / 'tools' / tool), *args, '--launcher', 'slurm',
               '--amp']

    result = run_script(fake_repo, script, ['gpu', 'coc', 'configs/x.py', fourth_arg, '--amp'],
                        record)
    assert result.returncode == 0, result.stderr
    assert record.read_text().splitlines() == [
        str(tmp_path / 'bin' / 'srun'), '-p', 'gpu', '--job-name=coc', '--gres=gpu:8',
        '--ntasks=8', '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        *command]

    # Two 4-GPU nodes, srun options in one variable; a partition without GPUs asks for none.
    run_script(fake_repo, script, ['cpu', 'coc', 'configs/x.py', fourth_arg, '--amp'], record,
               GPUS='8', GPUS_PER_NODE='4', CPUS_PER_TASK='2', GRES='',
               SRUN_ARGS='--time=1:00:00 --quotatype=auto')
    assert record.read_text().splitlines()[1:] == [
        '-p', 'cpu', '--job-name=coc', '--ntasks=8', '--ntasks-per-node=4',
        '--cpus-per-task=2', '--kill-on-bad-exit=1', '--time=1:00:00', '--quotatype=auto',
        *command]


def test_slurm_script_without_arguments_prints_its_usage(fake_repo, tmp_path):
    result = run_script(fake_repo, 'slurm_train.sh', ['gpu', 'coc'], tmp_path / 'record.txt')
    assert result.returncode == 2
    assert 'usage: ' in result.stderr and 'PARTITION JOB_NAME CONFIG WORK_DIR' in result.stderr


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def clean_env(**extra) -> dict:
    """A shell that has activated nothing: no venv on PATH, GPUs hidden."""
    return dict(PATH=SYSTEM_PATH, HOME=os.environ.get('HOME', '/tmp'), CUDA_VISIBLE_DEVICES='',
                OMP_NUM_THREADS='1', **extra)


def test_slurm_train_on_a_partition_without_gpus_trains_on_the_cpu(repo_root, tmp_path):
    """srun (a stand-in that starts the one task as srun would, with its SLURM_* variables)
    -> train.py --launcher slurm -> a gloo process group, as dist_train.sh's CPU path."""
    srun = tmp_path / 'bin' / 'srun'
    srun.parent.mkdir()
    srun.write_text('#!/usr/bin/env bash\nshift 2  # -p PARTITION\n'
                    'while [[ $1 == -* ]]; do shift; done\n'
                    'SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_LOCALID=0 SLURM_NODELIST=localhost '
                    'MASTER_ADDR=127.0.0.1 exec "$@"\n')
    srun.chmod(0o755)
    work = tmp_path / 'work'
    env = clean_env(GPUS='1', GPUS_PER_NODE='1', GRES='', MASTER_PORT=free_port())
    env['PATH'] = f'{srun.parent}:{env["PATH"]}'
    result = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'cpu', 'coc', 'configs/demo/resnet_digits_lt.py',
         str(work), '--cfg-options', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1'],
        cwd=repo_root, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (work / 'epoch_1.pth').is_file()
    assert 'Distributed launcher: slurm' in result.stdout
    assert 'Distributed training: True' in result.stdout


def test_dist_train_works_from_a_shell_that_activated_nothing(repo_root, tmp_path):
    """The README's first multi-process command on a fresh clone after `make demo`."""
    assert shutil.which('python', path=SYSTEM_PATH) != str(repo_root / '.venv' / 'bin' / 'python')
    if not (repo_root / '.venv' / 'bin' / 'python').exists():
        pytest.skip('no .venv in this checkout (bash tools/install.sh makes it)')
    work = tmp_path / 'work'
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', 'configs/demo/coc_digits_lt_ot.py', '2',
         '--work-dir', str(work), '--cfg-options', 'train_cfg.max_epochs=1'],
        cwd=repo_root, capture_output=True, text=True, env=clean_env(PORT=free_port()))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stderr.startswith(f"[coc] Python: {repo_root}/.venv/bin/python")
    assert (work / 'epoch_1.pth').is_file()
    assert 'Distributed training: True' in result.stdout


def test_demo_shows_progress_and_metrics_and_keeps_the_log(repo_root, tmp_path):
    work = tmp_path / 'demo'
    result = subprocess.run(
        ['bash', 'tools/demo.sh', 'configs/demo/coc_digits_lt_ot.py', str(work),
         '--cfg-options', 'train_cfg.max_epochs=2', 'train_cfg.val_interval=1'],
        cwd=repo_root, capture_output=True, text=True, env=clean_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == f'training configs/demo/coc_digits_lt_ot.py; full log: {work}/train.log'
    assert lines[1].startswith('epoch 1/2, ETA 0:') and lines[2].startswith('epoch 2/2, ETA 0:')
    assert lines[3] == f'testing {work}/epoch_2.pth; full log: {work}/test.log'
    metrics = dict(line.split(': ') for line in lines[4:-1] if not line.startswith('picture'))
    assert {'lt/top1', 'lt/top5', 'lt/many', 'lt/medium', 'lt/few'} <= metrics.keys()
    assert 0 <= float(metrics['lt/top1']) <= 100
    assert lines[-1].startswith('demo finished in')
    assert ' - mmengine - ' not in result.stdout  # MMEngine's lines are in the log files
    train_log = (work / 'train.log').read_text()
    assert 'Epoch(train) [2][' in train_log and 'Exp name: ' in train_log
    assert 'Epoch(test)' in (work / 'test.log').read_text()
    assert (work / 'test_metrics.txt').read_text().splitlines() == lines[4:-1]


def test_demo_failure_shows_the_error_and_where_the_log_is(repo_root, tmp_path):
    work = tmp_path / 'demo'
    result = subprocess.run(
        ['bash', 'tools/demo.sh', 'configs/demo/coc_digits_lt_ot.py', str(work),
         '--cfg-options', 'train_cfg.max_epoch=2'],
        cwd=repo_root, capture_output=True, text=True, env=clean_env())
    assert result.returncode == 2
    assert f'training failed (exit status 2); full log: {work}/train.log' in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "error: unknown --cfg-options key 'train_cfg.max_epoch'")

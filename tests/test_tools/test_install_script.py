"""tools/install.sh --dry-run: the mmcv build it chooses on a machine without a GPU, with a GPU
and nvcc, and with a GPU but no nvcc (stub nvidia-smi / nvcc scripts stand in for them)."""
import os
import shlex
import subprocess

import pytest

NO_DRIVER = ('echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA '
             'driver."; exit 9')


def stub(path, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\n{body}\n')
    path.chmod(0o755)


def dry_run(repo_root, tmp_path, nvidia_smi, nvcc=False):
    """Output of ``install.sh --dry-run`` where ``nvidia-smi`` runs ``nvidia_smi`` and
    CUDA_HOME holds an nvcc (CUDA 12.8) if ``nvcc``."""
    stub(tmp_path / 'bin' / 'nvidia-smi', nvidia_smi)
    cuda_home = tmp_path / 'cuda'
    if nvcc:
        stub(cuda_home / 'bin' / 'nvcc', 'echo "Cuda compilation tools, release 12.8, V12.8.93"')
    env = dict(PATH=f"{tmp_path / 'bin'}:/usr/bin:/bin", HOME=str(tmp_path / 'home'),
               COC_CACHE=str(tmp_path / 'cache'), CUDA_HOME=str(cuda_home))
    link_before = os.readlink(repo_root / '.venv')
    result = subprocess.run(['bash', 'tools/install.sh', '--dry-run'], cwd=repo_root, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / 'cache').exists()  # nothing installed, nothing cached
    assert os.readlink(repo_root / '.venv') == link_before
    lines = result.stdout.strip().splitlines()
    build = dict(word.split('=', 1) for word in shlex.split(lines[-1]) if '=' in word)
    venv = lines[-3].split('venv ')[1].split(' ')[0]
    return lines, build, venv, tmp_path / 'cache'


def test_no_gpu_builds_cpu_ops_into_the_torch_keyed_wheelhouse(repo_root, tmp_path):
    lines, build, venv, cache = dry_run(repo_root, tmp_path, NO_DRIVER, nvcc=True)
    assert (build['FORCE_CUDA'], build['CUDA_VISIBLE_DEVICES']) == ('0', '')
    assert 'TORCH_CUDA_ARCH_LIST' not in build
    assert lines[-1].endswith(f"-w {cache / 'wheelhouse' / 'torch-2.14.1'}")
    assert len(lines) == 3 and not any('GPU found' in line for line in lines)
    assert '-' not in os.path.basename(venv)  # the plain input hash, as before GPU support


def test_gpu_and_nvcc_build_cuda_ops_for_the_visible_architectures(repo_root, tmp_path):
    lines, build, venv, cache = dry_run(repo_root, tmp_path, "printf '9.0\\n8.0\\n9.0\\n'",
                                    nvcc=True)
    assert build['FORCE_CUDA'] == '1' and 'CUDA_VISIBLE_DEVICES' not in build
    assert build['TORCH_CUDA_ARCH_LIST'] == '8.0;9.0'
    assert build['CUDA_HOME'] == str(tmp_path / 'cuda')
    key = 'torch-2.14.1-cuda12.8-sm80_90'
    assert shlex.split(lines[-1])[-1] == str(cache / 'wheelhouse' / key)
    assert venv.endswith('-cuda12.8-sm80_90')  # never the CPU machines' venv


def test_gpu_without_nvcc_says_what_detection_needs_and_builds_cpu_ops(repo_root, tmp_path):
    lines, build, venv, cache = dry_run(repo_root, tmp_path, "echo 9.0", nvcc=False)
    assert build['FORCE_CUDA'] == '0' and build['CUDA_VISIBLE_DEVICES'] == ''
    assert lines[-1].endswith(f"-w {cache / 'wheelhouse' / 'torch-2.14.1'}")
    message, = [line for line in lines if 'GPU found but no nvcc' in line]
    assert 'detection on the GPU needs' in message and 'CUDA_HOME' in message
    no_gpu = dry_run(repo_root, tmp_path / 'no_gpu', NO_DRIVER)[2]
    assert venv == no_gpu.replace(str(tmp_path / 'no_gpu'), str(tmp_path))


@pytest.mark.parametrize('argument', ['--dryrun', 'extra'])
def test_an_unknown_argument_is_refused(repo_root, argument):
    result = subprocess.run(['bash', 'tools/install.sh', argument], cwd=repo_root,
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith('error: unknown argument')

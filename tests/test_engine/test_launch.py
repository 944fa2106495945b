"""coc.engine.launch: the LOCAL_RANK each launcher gives a process (MMEngine's DDP wrapper
puts the model on GPU LOCAL_RANK)."""
import argparse
import os

import pytest

from coc.engine.launch import (UsageError, add_config_arguments, load_config, local_rank,
                               parse_tool_args)


@pytest.mark.parametrize('launcher, environ, flag, expected', [
    # mpirun sets only Open MPI's variables; a stale LOCAL_RANK must not win
    ('mpi', {'OMPI_COMM_WORLD_LOCAL_RANK': '3', 'LOCAL_RANK': '0'}, 0, '3'),
    ('slurm', {'SLURM_LOCALID': '2', 'SLURM_PROCID': '6'}, 0, '2'),
    ('slurm', {'SLURM_PROCID': '6'}, 0, '0'),  # MMEngine then takes SLURM_PROCID % GPUs
    ('pytorch', {'LOCAL_RANK': '1'}, 0, '1'),  # torchrun
    ('pytorch', {}, 4, '4'),  # torch.distributed.launch passes --local-rank
    ('none', {}, 0, '0'),
])
def test_local_rank_comes_from_the_launchers_variable(launcher, environ, flag, expected):
    assert local_rank(launcher, flag, environ) == expected


def test_mpi_without_open_mpi_variables_is_one_clear_error():
    with pytest.raises(UsageError, match='OMPI_COMM_WORLD_LOCAL_RANK is not set; start the '
                                         "processes with Open MPI's mpirun"):
        local_rank('mpi', 0, {'LOCAL_RANK': '0'})


def test_parsed_mpi_arguments_set_local_rank_for_mmengine(monkeypatch):
    monkeypatch.setenv('OMPI_COMM_WORLD_LOCAL_RANK', '5')
    monkeypatch.setenv('LOCAL_RANK', '0')
    parser = argparse.ArgumentParser()
    add_config_arguments(parser, distributed=True)
    args = parse_tool_args(parser, ['--launcher', 'mpi'])
    assert args.launcher == 'mpi'
    assert os.environ['LOCAL_RANK'] == '5'


@pytest.mark.parametrize('deterministic, expected', [(True, ':4096:8'), (False, None)])
def test_deterministic_runs_give_cublas_its_fixed_workspace(repo_root, tmp_path, monkeypatch,
                                                            deterministic, expected):
    """Without CUBLAS_WORKSPACE_CONFIG, torch.use_deterministic_algorithms (MMEngine's
    randomness.deterministic) makes the first GPU matmul raise."""
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    load_config(str(repo_root / 'configs/demo/resnet_digits_lt.py'),
                {'randomness.deterministic': deterministic}, work_dir=str(tmp_path))
    assert os.environ.get('CUBLAS_WORKSPACE_CONFIG') == expected

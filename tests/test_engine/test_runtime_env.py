"""The runtime's cuDNN settings: benchmark for the fixed-size classification configs, and a
deterministic run that turns it off (the two conflict; deterministic must win)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_torch_flags():
    flags = (torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic,
             torch.are_deterministic_algorithms_enabled())
    yield
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = flags[:2]
    torch.use_deterministic_algorithms(flags[2])


@pytest.mark.parametrize('deterministic', [False, True])
def test_cudnn_benchmark_unless_deterministic(tmp_path, restore_torch_flags, deterministic):
    cfg = Config.fromfile(REPO / 'configs/resnet32/resnet32_cifar100lt_r100_cmo.py')
    assert cfg.env_cfg.cudnn_benchmark
    cfg.work_dir = str(tmp_path)
    cfg.randomness = dict(seed=0, deterministic=deterministic)
    Runner.from_cfg(cfg)
    assert torch.backends.cudnn.benchmark is not deterministic
    assert torch.backends.cudnn.deterministic is deterministic
    assert torch.are_deterministic_algorithms_enabled() is deterministic

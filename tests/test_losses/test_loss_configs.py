"""The plain long-tail configs of ResNet-32 (CE, Balanced Softmax, LDAM-DRW, class-balanced
sampler) train 2 iterations and validate on small synthetic CIFAR-100 files."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from coc.datasets.long_tail_profile import long_tail_counts

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / 'resnet32'
VARIANTS = ('ce', 'bs', 'ldam_drw', 'cb_sampler')


@pytest.mark.parametrize('ratio', [100, 50, 10])
@pytest.mark.parametrize('variant', VARIANTS)
def test_every_ratio_and_variant_has_a_config(ratio, variant):
    cfg = Config.fromfile(CONFIGS / f'resnet32_cifar100lt_r{ratio}_{variant}.py')
    assert cfg.train_dataloader.dataset.imbalance_ratio == ratio
    assert cfg.train_cfg.max_epochs == 200 and cfg.train_dataloader.batch_size == 128


# 'ce' is 'bs' without its loss and hook: the three below cover every part of the four.
@pytest.mark.parametrize('variant', ('bs', 'ldam_drw', 'cb_sampler'))
def test_config_trains_and_reports_shot_metrics(variant, tiny_cifar100_lt, tmp_path):
    cfg = Config.fromfile(CONFIGS / f'resnet32_cifar100lt_r100_{variant}.py')
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.update(data_root=str(tiny_cifar100_lt), verify_md5=False)
        loader.update(num_workers=0, persistent_workers=False)
    cfg.train_dataloader.batch_size = 2
    cfg.test_dataloader = cfg.test_evaluator = cfg.test_cfg = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.default_hooks.update(checkpoint=None)
    for hook in cfg.custom_hooks:
        if 'drw_start_epoch' in hook:
            hook.drw_start_epoch = 0  # so the 2 iterations run re-weighted
    runner = Runner.from_cfg(cfg)
    runner.train()
    logged = runner.message_hub.log_scalars
    assert np.isfinite(logged['train/loss'].current())
    for key in ('top1', 'top5', 'many', 'medium', 'few', 'mean_class'):
        assert f'val/lt/{key}' in logged
    assert (Path(runner.log_dir) / 'per_class_accuracy.png').is_file()
    loss = runner.model.head.loss_module
    if variant in ('bs', 'ldam_drw'):
        assert loss.class_counts == long_tail_counts(100, 100, 100)
    if variant == 'ldam_drw':
        assert loss.class_weight is not None and len(loss.class_weight) == 100

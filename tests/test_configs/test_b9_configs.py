"""Every guided-mixing config of docs/guided_cutmix.md ("Configs") builds and trains 2
iterations on tiny synthetic CIFAR-100 files (same format as the real ones, random pixels)."""
import re
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]
# The mixing rows (plain-loss rows such as r100_ce / r100_bs belong to the loss configs).
MIX_ROW = re.compile(r'resnet32_cifar100lt_r\d+_(cmo|conf|ot|cost|sal|predict|align|otmix|bs_cmo|ldam_drw_cmo)')
MIX_CONFIGS = sorted(
    [p for p in (REPO / 'configs' / 'resnet32').glob('*.py') if MIX_ROW.match(p.stem)]
    + list((REPO / 'configs' / 'coc').glob('coc_s_cifar100lt_*.py'))
    + [p for p in [REPO / 'configs' / 'coc_s_cifar100lt_ot.py'] if p.exists()])


def test_every_b9_row_has_a_config():
    names = {p.stem for p in MIX_CONFIGS}
    rows = ['cmo', 'conf_ce', 'conf_cmo', 'ot_row', 'ot_col', 'ot_argmin', 'ot_col_cost',
            'ot_col_cost_ddp8', 'cost_feat_col', 'sal_corr']
    assert {f'resnet32_cifar100lt_r100_{row}' for row in rows} <= names
    for ratio in (50, 10):
        assert {f'resnet32_cifar100lt_r{ratio}_{row}' for row in
                ('cmo', 'ot_col', 'ot_col_cost', 'ot_col_cost_ghost16')} <= names


@pytest.mark.parametrize('path', MIX_CONFIGS, ids=[p.stem for p in MIX_CONFIGS])
def test_config_trains_two_iterations(path, tiny_cifar100_lt, tmp_path):
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    data = cfg.train_dataloader
    data.dataset.update(data_root=str(tiny_cifar100_lt), verify_md5=False)
    data.update(batch_size=2, num_workers=0, persistent_workers=False)
    for key in ('val_dataloader', 'val_evaluator', 'val_cfg', 'test_dataloader',
                'test_evaluator', 'test_cfg'):
        cfg[key] = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
    cfg.default_hooks.update(checkpoint=None)
    # Every step mixes, so the guided path of each row runs.
    cfg.model.schedule.update(mix_prob=1.0, start_epoch=0, end_epochs=0)
    if isinstance(cfg.model.pairing.get('confusion'), str):
        # Stands in for the training-set confusion matrix of a trained model.
        np.save(tmp_path / 'confusion.npy', np.ones((100, 100)))
        cfg.model.pairing.confusion = str(tmp_path / 'confusion.npy')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    logged = runner.message_hub.log_scalars
    assert np.isfinite(logged['train/loss'].current())
    if cfg.model.get('ot_cost_weight'):
        assert np.isfinite(logged['train/loss_ot_cost_on_mixing_steps'].current())

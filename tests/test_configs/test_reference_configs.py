"""Configs named after a published method do what that method's code does, checked on
hand-built cases whose expected values come from the reference code, not from coc."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers the parts)

REPO = Path(__file__).resolve().parents[2]


class BranchRecorder:
    """Stands in for the classifier inside a mixer call: records how many images each
    ``classify`` call gets (B: input mixup, 2B: the aligned pass) without a forward."""

    def __init__(self, model):
        self.model, self.batches = model, []

    def get_submodule(self, name):
        return self.model.get_submodule(name)

    def classify(self, inputs):
        self.batches.append(len(inputs))
        return torch.zeros(len(inputs), 100)


@pytest.mark.parametrize('config', ['resnet32/resnet32_cifar100lt_r100_align.py',
                                    'coc/coc_s_cifar100lt_align.py'])
def test_alignmixup_configs_mix_every_batch(config):
    """AlignMixup's code (cifar10_100/main.py) mixes every batch of every epoch, input mixup
    or aligned mixing with probability 1/2 each: fractions 0 / 0.5 / 0.5."""
    model = MODELS.build(Config.fromfile(REPO / 'configs' / config).model)
    hub = MessageHub.get_current_instance()
    hub.update_info('max_epochs', 200)
    recorder, steps, background_only = BranchRecorder(model), 2000, 0
    images = torch.zeros(2, 3, 32, 32)
    torch.manual_seed(0)
    for step in range(steps):
        hub.update_info('epoch', step % 200)  # every epoch, the first and last ones included
        mix, _ = model._decide('cpu')
        if not mix:
            background_only += 1
            continue
        model.mixer(recorder, images, images)
    input_mixup = recorder.batches.count(2) / steps
    aligned = recorder.batches.count(4) / steps
    # 4.5 standard errors of a fraction 1/2 over 2000 draws
    assert background_only == 0
    assert input_mixup == pytest.approx(0.5, abs=0.05)
    assert aligned == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize('row', ['bs_cmo', 'ldam_drw_cmo'])
def test_published_cmo_rows_use_cmos_loss_form(row):
    """The rows that reproduce CMO's table weigh the label pair as CMO's code does
    (tests/test_losses/test_long_tail_losses.py pins the form's values)."""
    cfg = Config.fromfile(REPO / f'configs/resnet32/resnet32_cifar100lt_r100_{row}.py')
    assert cfg.model.head.loss.pair_form == 'per_label'
    assert MODELS.build(cfg.model).head.loss_module.pair_form == 'per_label'

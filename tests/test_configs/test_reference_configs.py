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
        model.mixer(images, images, model=recorder)
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


def test_otmix_config_is_otmixs_code():
    """final_otmix/cifar_train.py: features model_f(input).reshape(B, -1) (unpooled last map),
    cf / cf.sum(1) then zero diagonal, the matrix recomputed every epoch (here from training
    images), one (epoch / E)^u draw per epoch, w 0.05, reg 0.01, Beta(4, 4)."""
    cfg = Config.fromfile(REPO / 'configs/resnet32/resnet32_cifar100lt_r100_otmix.py')
    model = MODELS.build(cfg.model)
    assert model.features == 'backbone_map'
    assert model.pairing.recomputed and model.pairing.rates == 'otmix'
    assert (model.pairing.feature_weight, model.pairing.eps) == (0.05, 0.01)
    assert model.schedule.guide_per == 'epoch' and model.schedule.guide_power == 1.0
    assert model.mixer.alpha == 4.0
    assert any(h['type'].__name__ == 'EpochConfusionHook' for h in cfg.custom_hooks)
    maps = model.backbone(torch.zeros(2, 3, 32, 32))
    assert model._features_of(maps).shape == (2, 64 * 8 * 8)  # ResNet-32's 64 x 8 x 8 map


def test_otmix_notes_variant_keeps_the_notes_choices():
    cfg = Config.fromfile(REPO / 'configs/resnet32/resnet32_cifar100lt_r100_otmix_notes.py')
    assert cfg.model.get('features', 'logits') == 'logits'
    assert cfg.model.pairing.confusion_rates == 'off_diagonal'
    assert isinstance(cfg.model.pairing.confusion, str)  # a fixed training-set matrix
    assert cfg.model.schedule.guide_per == 'step'


def test_coc_lt_lr_is_the_balanced_baselines_not_the_recipe_rule():
    """The CoC ImageNet recipe scales lr as bs / 1024 * 1e-3 (1.25e-4 at 128); the LT rows keep
    8x that, the lr of the balanced CIFAR-100 baseline, as their config says."""
    lt = Config.fromfile(REPO / 'configs/coc/coc_s_cifar100lt_cmo.py')
    balanced = Config.fromfile(REPO / 'configs/coc/coc_small_1xb128_cifar100.py')
    rule = lt.train_dataloader.batch_size / 1024 * 1e-3
    assert lt.optim_wrapper.optimizer.lr == pytest.approx(8 * rule)
    assert lt.optim_wrapper.optimizer.lr == balanced.optim_wrapper.optimizer.lr

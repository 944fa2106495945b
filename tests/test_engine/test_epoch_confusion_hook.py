"""EpochConfusionHook: OTmix's per-epoch confusion matrix, counted on training images."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import ConfigDict
from mmpretrain.structures import DataSample
from torch import nn

from coc.engine.hooks import EpochConfusionHook
from coc.mixing import OTmixPairing

# (true, predicted) of the five images the stub model sees, in two batches
BATCHES = [[(0, 0), (0, 2), (1, 1)], [(2, 0), (2, 0)]]


class StubClassifier(nn.Module):
    """Its test_step answers the predictions of ``BATCHES``; records its mode."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.pairing = OTmixPairing(num_classes=3, confusion=None)
        self.modes = []

    def test_step(self, batch):
        self.modes.append(self.training)
        return [DataSample().set_gt_label(y).set_pred_label(p) for y, p in batch]


def fake_runner(epoch, dataloader_seen):
    train_set = dict(type='CIFAR100LT', split='train', pipeline=['RandomCrop', 'PackInputs'])
    val_set = dict(type='CIFAR100LT', split='test', pipeline=['PackInputs'])
    cfg = ConfigDict(train_dataloader=dict(batch_size=128, dataset=train_set),
                     val_dataloader=dict(batch_size=100, num_workers=2, dataset=val_set),
                     test_dataloader=dict(batch_size=100, dataset=val_set))

    def build_dataloader(loader_cfg, seed=None):
        dataloader_seen.append(loader_cfg)
        return BATCHES

    return SimpleNamespace(model=StubClassifier().train(), epoch=epoch, cfg=cfg, seed=0,
                           build_dataloader=build_dataloader)


def test_matrix_counts_the_models_predictions_before_each_epoch():
    seen = []
    runner = fake_runner(epoch=3, dataloader_seen=seen)
    hook = EpochConfusionHook()
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    # rows = true class: class 0 right once and taken for 2 once, class 1 right, class 2
    # taken for 0 twice
    expected = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    torch.testing.assert_close(runner.model.pairing.confusion, expected)
    assert runner.model.modes == [False, False] and runner.model.training
    # the training images, through the validation pipeline, in order, none repeated
    loader = seen[0]
    assert loader['dataset']['split'] == 'train'
    assert loader['dataset']['pipeline'] == ['PackInputs']
    assert loader['sampler'] == dict(type='DefaultSampler', shuffle=False, round_up=False)
    assert loader['batch_size'] == 100


def test_first_epoch_has_no_model_to_count():
    """OTmix guides epoch e with the model after epoch e - 1; (0 / E)^u never guides epoch 0."""
    runner = fake_runner(epoch=0, dataloader_seen=[])
    EpochConfusionHook().before_train_epoch(runner)
    assert not runner.model.pairing.confusion.any()


def test_test_set_and_fixed_matrices_are_refused():
    seen = []
    runner = fake_runner(epoch=1, dataloader_seen=seen)
    hook = EpochConfusionHook(dataloader=dict(batch_size=8, dataset=runner.cfg.val_dataloader
                                              .dataset))
    with pytest.raises(ValueError, match='reads the val set'):
        hook.before_train_epoch(runner)
    runner.model.pairing = OTmixPairing(num_classes=3, confusion=torch.ones(3, 3).numpy())
    with pytest.raises(RuntimeError, match='confusion=None'):
        EpochConfusionHook().before_train(runner)

from types import SimpleNamespace

import numpy as np
import pytest
import torch.nn as nn
from mmpretrain.registry import HOOKS, MODELS

from coc.engine.hooks import LongTailLossHook
from coc.engine.hooks.long_tail_loss_hook import effective_number_weights


class TrainSet:
    """Counts are all the hook reads from the training set."""
    class_counts = np.array([100, 10])


def fake_runner(epoch=0):
    model = nn.ModuleDict(dict(ldam=MODELS.build(dict(type='LDAMLoss')),
                               bs=MODELS.build(dict(type='BalancedSoftmaxLoss'))))
    return SimpleNamespace(model=model, epoch=epoch,
                           train_dataloader=SimpleNamespace(dataset=TrainSet()))


def test_effective_number_weights_by_hand():
    # (1 - 0.9) / (1 - 0.9^n): 0.1000027 and 0.1535398, scaled to sum to 2 classes.
    raw = np.array([0.1 / (1 - 0.9**100), 0.1 / (1 - 0.9**10)])
    np.testing.assert_allclose(effective_number_weights([100, 10], 0.9), 2 * raw / raw.sum())
    assert effective_number_weights([100, 10], 0.9)[1] == pytest.approx(1.2111, abs=1e-4)


def test_counts_are_filled_before_training():
    runner = fake_runner()
    LongTailLossHook().before_train(runner)
    assert runner.model['ldam'].class_counts == [100, 10]
    assert runner.model['bs'].class_counts == [100, 10]


def test_drw_switches_weights_on_at_its_epoch_and_off_before():
    hook = HOOKS.build(dict(type='LongTailLossHook', drw_start_epoch=3, drw_beta=0.9))
    runner = fake_runner(epoch=2)
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    assert runner.model['ldam'].class_weight is None
    runner.epoch = 3
    hook.before_train_epoch(runner)
    np.testing.assert_allclose(runner.model['ldam'].class_weight,
                               effective_number_weights([100, 10], 0.9))
    runner.epoch = 1  # e.g. a resumed earlier checkpoint
    hook.before_train_epoch(runner)
    assert runner.model['bs'].class_weight is None


def test_bad_arguments_and_missing_losses():
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        LongTailLossHook(drw_start_epoch=1, drw_beta=1.0)
    runner = fake_runner()
    runner.model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match='no loss with a class_weight'):
        LongTailLossHook(drw_start_epoch=0).before_train(runner)
    with pytest.raises(ValueError, match='every class in the training set'):
        effective_number_weights([5, 0], 0.99)

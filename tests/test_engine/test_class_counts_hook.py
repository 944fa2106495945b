from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.runner import TestLoop

from coc.datasets import DigitsLT
from coc.engine.hooks import ClassCountsHook
from coc.evaluation import LongTailAccuracy


def fake_test_runner(train_dataloader):
    """A runner in ``test()``: the test loop is built, the train loop is still a config."""
    loop = object.__new__(TestLoop)
    loop.evaluator = SimpleNamespace(metrics=[LongTailAccuracy(save_outputs=False)])
    cfg = Config(dict(train_dataloader=train_dataloader) if train_dataloader else {})
    return SimpleNamespace(_train_loop=dict(), _val_loop=None, _test_loop=loop, cfg=cfg)


def test_a_test_only_run_counts_the_configured_training_set():
    dataset = dict(type='DigitsLT', split='train', imbalance_ratio=5)
    runner = fake_test_runner(dict(dataset=dataset))
    ClassCountsHook().before_run(runner)
    counts = runner._test_loop.evaluator.metrics[0].class_counts
    assert counts.tolist() == DigitsLT(split='train', imbalance_ratio=5).class_counts.tolist()


def test_a_config_without_training_set_is_explained():
    with pytest.raises(RuntimeError, match='no train_dataloader.*class_counts'):
        ClassCountsHook().before_run(fake_test_runner(None))

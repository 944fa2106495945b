"""Gives long-tail metrics the per-class counts of the training set."""
from typing import Callable

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmpretrain.registry import DATASETS, HOOKS

from coc.datasets.class_counts import get_class_counts


def training_class_counts(runner, needed_by: str, counted: str = 'metric'):
    """Class counts of the run's training set; a test-only run builds it from the config."""
    if isinstance(runner._train_loop, BaseLoop):
        train_set = runner._train_loop.dataloader.dataset
    elif runner.cfg.get('train_dataloader'):
        train_set = DATASETS.build(runner.cfg.train_dataloader.dataset)
    else:
        raise RuntimeError(
            f'{needed_by} needs the training set to count its classes, but the config '
            f'has no train_dataloader; add it, or give the {counted} class_counts=[...]')
    return get_class_counts(train_set)


def fill_model_class_counts(runner, count: Callable[[], np.ndarray]) -> None:
    """Sets ``class_counts`` of every module of the model that has it unset (long-tail losses,
    the post-hoc prior) to ``count()``, as a list; ``count`` runs only if one is unset."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    unset = [m for m in model.modules() if hasattr(m, 'class_counts') and m.class_counts is None]
    if unset:
        counts = count().tolist()
        for module in unset:
            module.class_counts = counts


@HOOKS.register_module()
class ClassCountsHook(Hook):
    """Fills ``class_counts`` of every val/test metric that has that attribute unset.

    Shot groups are defined by *training* counts, which a test-only run never loads: then
    the training set is built from the config just to count it.
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        metrics = [m for loop in (runner._val_loop, runner._test_loop) if isinstance(loop, BaseLoop)
                   for m in loop.evaluator.metrics
                   if hasattr(m, 'class_counts') and m.class_counts is None]
        if not metrics:
            return
        counts = training_class_counts(runner, 'ClassCountsHook')
        for metric in metrics:
            metric.class_counts = counts

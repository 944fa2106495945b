"""Gives long-tail losses the training-set class statistics: counts, and DRW weights (LDAM-DRW)."""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from coc.datasets.class_counts import get_class_counts
from .class_counts_hook import fill_model_class_counts


def effective_number_weights(class_counts, beta: float) -> np.ndarray:
    """``(1 - beta) / (1 - beta^n_k)`` (Cui et al. 2019), scaled to sum to C as in LDAM-DRW."""
    counts = np.asarray(class_counts, dtype=np.float64)
    if (counts <= 0).any():
        raise ValueError(f'effective-number weights need every class in the training set, '
                         f'got counts {counts.astype(int).tolist()}')
    weights = (1.0 - beta) / (1.0 - np.power(beta, counts))
    return weights / weights.sum() * len(counts)


@HOOKS.register_module()
class LongTailLossHook(Hook):
    """Fills the losses of the model from the training set's per-class counts.

    - Before the run: ``class_counts`` of every loss that has it unset (Balanced Softmax's
      prior, LDAM's margins).
    - Deferred re-weighting, when ``drw_start_epoch`` is given: at each epoch start,
      ``class_weight`` of every loss that has that attribute is ``None`` before
      ``drw_start_epoch`` (0-based: 160 = LDAM-DRW's ``epoch // 160``) and the
      effective-number weights from then on; set every epoch, so resuming is exact. This
      also drives MMPretrain's ``CrossEntropyLoss``, which averages over samples rather
      than over weights as LDAM-DRW's code (and this package's losses) do.

    Args:
        drw_start_epoch: first epoch with class-balanced weights; None = no DRW.
        drw_beta: effective-number beta in [0, 1) (LDAM-DRW: 0.9999).
    """
    priority = 'NORMAL'

    def __init__(self, drw_start_epoch: Optional[int] = None, drw_beta: float = 0.9999) -> None:
        if not 0 <= drw_beta < 1:
            raise ValueError(f'LongTailLossHook drw_beta must be in [0, 1), got {drw_beta}')
        if drw_start_epoch is not None and drw_start_epoch < 0:
            raise ValueError(f'LongTailLossHook drw_start_epoch must be >= 0, got '
                             f'{drw_start_epoch}')
        self.drw_start_epoch, self.drw_beta = drw_start_epoch, drw_beta

    @staticmethod
    def _losses(runner, attribute: str) -> list:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return [m for m in model.modules() if hasattr(m, attribute)]

    def before_train(self, runner) -> None:
        fill_model_class_counts(runner, lambda: get_class_counts(runner.train_dataloader.dataset))
        if self.drw_start_epoch is not None and not self._losses(runner, 'class_weight'):
            raise RuntimeError('LongTailLossHook(drw_start_epoch=...) found no loss with a '
                               'class_weight attribute; use e.g. LDAMLoss or SoftCrossEntropyLoss')

    def before_train_epoch(self, runner) -> None:
        if self.drw_start_epoch is None:
            return
        weights = None
        if runner.epoch >= self.drw_start_epoch:
            counts = get_class_counts(runner.train_dataloader.dataset)
            weights = effective_number_weights(counts, self.drw_beta).tolist()
        for loss in self._losses(runner, 'class_weight'):
            loss.class_weight = weights

"""Balanced Softmax loss (Ren et al. 2020): cross-entropy of the logits shifted by the log prior."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .soft_cross_entropy import LongTailLossBase


def check_class_counts(class_counts, loss_name: str, num_classes: int) -> torch.Tensor:
    """Training counts as a float tensor; a clear error when unset, not positive or not one
    per logit."""
    counts = _positive_counts(class_counts, loss_name)
    _check_num_counts(len(counts), loss_name, num_classes)
    return counts


def _positive_counts(class_counts, loss_name: str) -> torch.Tensor:
    if class_counts is None:
        raise RuntimeError(f'{loss_name} has no training class counts: pass class_counts or add '
                           "dict(type='LongTailLossHook') to custom_hooks")
    counts = torch.as_tensor(class_counts, dtype=torch.float32)
    if counts.dim() != 1 or (counts <= 0).any():
        raise ValueError(f'{loss_name} needs a positive training count for every class, got '
                         f'{counts.tolist()}; remove classes without training images')
    return counts


def _check_num_counts(num_counts: int, loss_name: str, num_classes: int) -> None:
    if num_counts != num_classes:
        raise ValueError(f'{loss_name} has {num_counts} class counts for {num_classes} logits; '
                         "class_counts must match the head's num_classes")


def log_prior(counts: torch.Tensor) -> torch.Tensor:
    """``log(n_k / N)`` of training counts ``[C]``."""
    return torch.log(counts / counts.sum())


class ClassCountsLoss(LongTailLossBase):
    """A long-tail loss with a per-class term derived from the training class counts.

    ``class_counts`` may be set after construction (``LongTailLossHook`` does, before
    training); the term (:meth:`from_counts`) is then computed once and kept as a
    non-persistent buffer on the loss's device, not rebuilt from the list every step.
    """

    def __init__(self, class_counts: Optional[Sequence[int]] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.register_buffer('per_class', torch.zeros(0), persistent=False)
        self.class_counts = class_counts

    @property
    def class_counts(self) -> Optional[Sequence[int]]:
        return self._class_counts

    @class_counts.setter
    def class_counts(self, class_counts: Optional[Sequence[int]]) -> None:
        self._class_counts = class_counts
        if class_counts is not None:
            counts = _positive_counts(class_counts, type(self).__name__)
            self.per_class = self.from_counts(counts).to(self.per_class.device)

    def from_counts(self, counts: torch.Tensor) -> torch.Tensor:
        """The per-class term ``[C]`` of counts ``[C]`` (float32)."""
        raise NotImplementedError

    def per_class_term(self, num_classes: int) -> torch.Tensor:
        """The per-class term; a clear error when the counts are unset or not one per logit."""
        if self._class_counts is None:
            _positive_counts(None, type(self).__name__)
        _check_num_counts(len(self.per_class), type(self).__name__, num_classes)
        return self.per_class


@MODELS.register_module()
class BalancedSoftmaxLoss(ClassCountsLoss):
    """``CE(logits + log(n_k / N), target)``: a softmax calibrated to the balanced test set.

    Takes the same targets as ``SoftCrossEntropyLoss`` (labels, soft scores, label pairs).

    Args:
        class_counts: training images per class; ``None`` in configs, where
            ``LongTailLossHook`` fills it before training.
        class_weight, loss_weight, reduction, pair_form: as ``SoftCrossEntropyLoss``.
    """

    def from_counts(self, counts: torch.Tensor) -> torch.Tensor:
        return log_prior(counts)

    def log_probs(self, cls_score: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(cls_score + self.per_class_term(cls_score.shape[1]), dim=1)

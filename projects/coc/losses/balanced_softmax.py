"""Balanced Softmax loss (Ren et al. 2020): cross-entropy of the logits shifted by the log prior."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .soft_cross_entropy import LongTailLossBase


def check_class_counts(class_counts, loss_name: str, num_classes: int) -> torch.Tensor:
    """Training counts as a float tensor; a clear error when unset, not positive or not one
    per logit."""
    if class_counts is None:
        raise RuntimeError(f'{loss_name} has no training class counts: pass class_counts or add '
                           "dict(type='LongTailLossHook') to custom_hooks")
    counts = torch.as_tensor(class_counts, dtype=torch.float32)
    if counts.dim() != 1 or (counts <= 0).any():
        raise ValueError(f'{loss_name} needs a positive training count for every class, got '
                         f'{counts.tolist()}; remove classes without training images')
    if len(counts) != num_classes:
        raise ValueError(f'{loss_name} has {len(counts)} class counts for {num_classes} logits; '
                         "class_counts must match the head's num_classes")
    return counts


@MODELS.register_module()
class BalancedSoftmaxLoss(LongTailLossBase):
    """``CE(logits + log(n_k / N), target)``: a softmax calibrated to the balanced test set.

    Takes the same targets as ``SoftCrossEntropyLoss`` (labels, soft scores, label pairs).

    Args:
        class_counts: training images per class; ``None`` in configs, where
            ``LongTailLossHook`` fills it before training.
        class_weight, loss_weight, reduction, pair_form: as ``SoftCrossEntropyLoss``.
    """

    def __init__(self, class_counts: Optional[Sequence[int]] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_counts = class_counts

    def log_probs(self, cls_score: torch.Tensor) -> torch.Tensor:
        counts = check_class_counts(self.class_counts, type(self).__name__,
                                    cls_score.shape[1]).to(cls_score.device)
        return F.log_softmax(cls_score + torch.log(counts / counts.sum()), dim=1)

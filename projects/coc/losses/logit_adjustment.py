"""Logit adjustment (Menon et al., ICLR 2021, arXiv:2007.07314): the class prior added to the
logits in the loss (Eq. 10) or subtracted from them at test time (Eq. 9)."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from .balanced_softmax import BalancedSoftmaxLoss, check_class_counts, log_prior


def adjust_logits(logits: torch.Tensor, class_counts, tau: float = 1.0) -> torch.Tensor:
    """Post-hoc logit adjustment (Eq. 9): ``logits - tau * log prior``; the argmax of a
    model trained with plain CE then targets the balanced error. The counts are checked as
    the long-tail losses check them."""
    counts = check_class_counts(class_counts, 'post-hoc logit adjustment', logits.shape[1])
    return logits - tau * log_prior(counts.to(logits.device))


@MODELS.register_module()
class LogitAdjustedLoss(BalancedSoftmaxLoss):
    """``CE(logits + tau * log(n_k / N), target)``: the logit-adjusted loss (Eq. 10).

    ``tau = 1`` is Balanced Softmax; the paper's CIFAR results use ``tau = 1``. At test time
    the logits are used as they are. Takes the targets of ``SoftCrossEntropyLoss``.

    Args:
        tau: scale of the log prior (>= 0; 0 is plain CE).
        class_counts: training images per class; ``None`` in configs, where
            ``LongTailLossHook`` fills it before training.
        class_weight, loss_weight, reduction, pair_form: as ``SoftCrossEntropyLoss``.
    """

    def __init__(self, tau: float = 1.0, class_counts: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        if not tau >= 0:
            raise ValueError(f'LogitAdjustedLoss tau must be >= 0 (0 = plain CE), got {tau}')
        super().__init__(**kwargs)
        self.tau = float(tau)
        self.class_counts = class_counts  # after tau: the per-class term is tau * log prior

    def from_counts(self, counts: torch.Tensor) -> torch.Tensor:
        return self.tau * super().from_counts(counts)

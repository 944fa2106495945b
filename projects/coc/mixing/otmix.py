"""OTmix's pairing (Gao et al., NeurIPS 2023), the closest prior art, for comparison runs:
OT whose cost mixes feature distance with class confusion (docs/guided_cutmix.md)."""
from typing import Union

import numpy as np
import torch
from torch import Tensor

from .optimal_transport import cosine_cost, sinkhorn_plan
from .pairing import Pairing, PairingResult, _check_batches, load_confusion
from .registry import PAIRINGS

CONFUSION_RATES = ('otmix', 'off_diagonal')


def confusion_rates(matrix: Tensor, mode: str = 'otmix') -> Tensor:
    """Off-diagonal confusion rates of a C x C matrix (rows = true class).

    ``'otmix'``: each row divided by its sum, then the diagonal zeroed, so row k sums to
    ``1 - acc_k`` (OTmix's ``final_otmix/cifar_train.py``). ``'off_diagonal'``: the diagonal
    zeroed, then each row scaled to sum to 1 (a class's errors only). Rows without counts
    stay zero.
    """
    if mode not in CONFUSION_RATES:
        raise ValueError(f'confusion rates must be one of {CONFUSION_RATES}, got {mode!r}')
    matrix = matrix.float()
    if mode == 'otmix':
        return (matrix / matrix.sum(1, keepdim=True).clamp_min(1e-12)).fill_diagonal_(0)
    matrix = matrix.clone().fill_diagonal_(0)
    return matrix / matrix.sum(1, keepdim=True).clamp_min(1e-12)


@PAIRINGS.register_module()
class OTmixPairing(Pairing):
    """Cost ``C[i, k] = w (1 - cos(bg_i, fg_k)) + (1 - w) (1 - conf[y_fg_k, y_bg_i])``,
    entropic plan with ``eps``, foreground k takes ``argmax_i T[i, k]`` (OTmix's
    ``argmax(T[k])`` with its foreground-by-background plan).

    Args:
        num_classes: C.
        confusion: C x C matrix (array or ``.npy`` path; rows = true class) of counts or
            rates, or ``None``: set each epoch by ``EpochConfusionHook`` (:meth:`set_confusion`),
            from the current model's predictions on training data or a held-out split.
            OTmix's code recomputes it every epoch on the test set, whose labels then leak
            into training; never pass a test-set matrix.
        confusion_rates: how the matrix becomes ``conf`` (:func:`confusion_rates`): OTmix's
            ``'otmix'`` or ``'off_diagonal'``.
        feature_weight: ``w`` (OTmix: 0.05).
        eps: Sinkhorn regularisation (OTmix: ``ot.sinkhorn(reg=0.01)``).
        num_iters: most Sinkhorn iterations (``ot.sinkhorn``'s default 1000).
    """

    def __init__(self, num_classes: int, confusion: Union[str, np.ndarray, None],
                 confusion_rates: str = 'otmix', feature_weight: float = 0.05,
                 eps: float = 0.01, num_iters: int = 1000):
        super().__init__()
        if confusion_rates not in CONFUSION_RATES:
            raise ValueError(f'OTmixPairing confusion_rates must be one of {CONFUSION_RATES}, '
                             f'got {confusion_rates!r}')
        if not 0 <= feature_weight <= 1:
            raise ValueError(f'OTmixPairing feature_weight must lie in [0, 1], got '
                             f'{feature_weight}')
        self.num_classes, self.rates = num_classes, confusion_rates
        self.recomputed = confusion is None
        matrix = (torch.zeros(num_classes, num_classes) if self.recomputed else
                  load_confusion(type(self).__name__, confusion, num_classes))
        # The matrix as counted; a buffer so that a checkpoint carries the one in use.
        self.register_buffer('confusion', matrix)
        self.feature_weight, self.eps, self.num_iters = feature_weight, eps, num_iters

    @torch.no_grad()
    def set_confusion(self, matrix: Tensor) -> None:
        """Replace the matrix (counts, rows = true class) of a recomputed pairing."""
        if not self.recomputed:
            raise RuntimeError('OTmixPairing got a fixed confusion matrix; set_confusion() '
                               'feeds the recomputed one (build it with confusion=None)')
        matrix = load_confusion(type(self).__name__, matrix.cpu().numpy(), self.num_classes)
        self.confusion.copy_(matrix.to(self.confusion))

    def forward(self, bg_feats: Tensor, fg_feats: Tensor, bg_labels: Tensor,
                fg_labels: Tensor) -> PairingResult:
        _check_batches(type(self).__name__, len(bg_feats), len(fg_feats))
        if self.recomputed and not self.confusion.any():
            raise RuntimeError(
                'OTmixPairing(confusion=None) has no confusion matrix yet: EpochConfusionHook '
                'sets it before every epoch after the first (OTmix\'s (epoch / E)^u never '
                'guides epoch 0); add dict(type=EpochConfusionHook) to custom_hooks, keep '
                'guide_power > 0, or pass a fixed training-set matrix')
        conf = confusion_rates(self.confusion, self.rates)
        label_cost = 1 - conf[fg_labels.long()][:, bg_labels.long()].T
        cost = (self.feature_weight * cosine_cost(bg_feats.detach(), fg_feats.detach())
                + (1 - self.feature_weight) * label_cost.float())
        plan = sinkhorn_plan(cost, self.eps, self.num_iters)
        return PairingResult(plan.argmax(dim=0))

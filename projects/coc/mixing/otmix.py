"""OTmix's pairing (Gao et al., NeurIPS 2023), the closest prior art, for comparison runs:
OT whose cost mixes feature distance with class confusion (SPEC B.4)."""
from typing import Union

import numpy as np
import torch
from mmpretrain.registry import MODELS
from torch import Tensor, nn

from .optimal_transport import cosine_cost, sinkhorn_plan
from .pairing import PairingResult, _check_batches, load_confusion


@MODELS.register_module()
class OTmixPairing(nn.Module):
    """Cost ``C[i, k] = w (1 - cos(bg_i, fg_k)) + (1 - w) (1 - conf[y_fg_k, y_bg_i])``,
    entropic plan with ``eps``, foreground k takes ``argmax_i T[i, k]``.

    Args:
        num_classes: C.
        confusion: C x C matrix (array or ``.npy`` path; rows = true class); the diagonal is
            dropped and each row scaled to sum to 1. OTmix's code takes it from the test set;
            use training predictions.
        feature_weight: ``w`` (OTmix: 0.05).
        eps: Sinkhorn regularisation (OTmix: ``ot.sinkhorn(reg=0.01)``).
        num_iters: most Sinkhorn iterations.
    """
    space = 'feature'

    def __init__(self, num_classes: int, confusion: Union[str, np.ndarray],
                 feature_weight: float = 0.05, eps: float = 0.01, num_iters: int = 1000):
        super().__init__()
        matrix = load_confusion(type(self).__name__, confusion, num_classes)
        if not 0 <= feature_weight <= 1:
            raise ValueError(f'OTmixPairing feature_weight must lie in [0, 1], got '
                             f'{feature_weight}')
        # Off-diagonal rates, as ConfusionPairing: a same-class pair teaches nothing new.
        matrix = matrix.fill_diagonal_(0)
        rates = matrix / matrix.sum(1, keepdim=True).clamp_min(1e-12)
        self.register_buffer('confusion', rates)
        self.feature_weight, self.eps, self.num_iters = feature_weight, eps, num_iters

    def forward(self, bg_feats: Tensor, fg_feats: Tensor, bg_labels: Tensor,
                fg_labels: Tensor) -> PairingResult:
        _check_batches(type(self).__name__, len(bg_feats), len(fg_feats))
        label_cost = 1 - self.confusion[fg_labels.long()][:, bg_labels.long()].T
        cost = (self.feature_weight * cosine_cost(bg_feats.detach(), fg_feats.detach())
                + (1 - self.feature_weight) * label_cost.float())
        plan = sinkhorn_plan(cost, self.eps, self.num_iters)
        return PairingResult(plan.argmax(dim=0))

"""LDAM loss (Cao et al. 2019): label-distribution-aware margins ``m_k ∝ n_k^-1/4``."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from .balanced_softmax import ClassCountsLoss


def margin_log_probs(logits: torch.Tensor, margins: torch.Tensor, scale: float) -> torch.Tensor:
    """``log softmax(s * (x - m_c e_c))_c`` for every class c at once, shape ``[B, C]``.

    Entry c is the log-probability of class c when only c's logit carries its margin, which
    is what LDAM's cross-entropy needs for each label a (soft) target puts weight on.
    """
    z = scale * logits
    shifted = z - scale * margins.reshape(1, -1)
    total = torch.logsumexp(z, dim=1, keepdim=True)
    # log sum_{j != c} exp(z_j): log1p(-p_c) is exact unless p_c ~ 1, which only the top
    # class can reach; that one is computed with its own entry masked out.
    rest = total + torch.log1p(-torch.exp(z - total).clamp(max=1 - 1e-7))
    top = z.argmax(dim=1, keepdim=True)
    rest_top = torch.logsumexp(z.scatter(1, top, float('-inf')), dim=1, keepdim=True)
    rest = rest.scatter(1, top, rest_top)
    return shifted - torch.logaddexp(rest, shifted)


@MODELS.register_module()
class LDAMLoss(ClassCountsLoss):
    """Cross-entropy with margin ``m_k = max_margin * (n_min / n_k)^(1/4)`` subtracted from
    the label's logit, logits scaled by ``scale`` (LDAM-DRW's defaults 0.5 and 30).

    Label pairs / soft targets (CMO + LDAM) weigh, per label, the loss with that label's margin.
    Deferred re-weighting: ``LongTailLossHook(drw_start_epoch=...)`` sets ``class_weight``.

    Args:
        class_counts: training images per class; ``None`` in configs (``LongTailLossHook``
            fills it).
        max_margin: the largest (tail) margin.
        scale: the logit scale s.
        class_weight, loss_weight, reduction, pair_form: as ``SoftCrossEntropyLoss``.
    """

    def __init__(self, class_counts: Optional[Sequence[int]] = None, max_margin: float = 0.5,
                 scale: float = 30.0, **kwargs) -> None:
        if max_margin <= 0 or scale <= 0:
            raise ValueError(f'LDAMLoss needs max_margin > 0 and scale > 0, got '
                             f'max_margin={max_margin}, scale={scale}')
        self.max_margin, self.scale = max_margin, scale
        super().__init__(class_counts=class_counts, **kwargs)

    def from_counts(self, counts: torch.Tensor) -> torch.Tensor:
        """The margins ``[C]``."""
        margins = counts ** -0.25
        return margins * (self.max_margin / margins.max())

    def log_probs(self, cls_score: torch.Tensor) -> torch.Tensor:
        return margin_log_probs(cls_score, self.per_class_term(cls_score.shape[1]), self.scale)

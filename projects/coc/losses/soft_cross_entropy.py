"""Cross-entropy on soft targets: mixed label pairs with a weight per sample (CMO's loss).

API (what the mixing code relies on)::

    loss = soft_ce(logits, y_a, y_b, lam)        # lam: float or [B] tensor, weight of y_a
    #    = mean_i -(lam_i * log p(y_a_i) + (1 - lam_i) * log p(y_b_i))
    SoftCrossEntropyLoss()(logits, y_a, y_b=y_b, lam=lam)   # the same, registered in MODELS
    SoftCrossEntropyLoss()(logits, labels_or_soft_scores)   # MMPretrain head interface

``BalancedSoftmaxLoss`` and ``LDAMLoss`` reuse ``mix_targets`` and ``weighted_soft_ce`` so
every long-tail loss takes the same three target forms.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

Lam = Union[float, torch.Tensor]
REDUCTIONS = ('none', 'mean', 'sum')
PAIR_FORMS = ('soft_target', 'per_label')


def mix_targets(target: torch.Tensor, num_classes: int, y_b: Optional[torch.Tensor] = None,
                lam: Optional[Lam] = None) -> torch.Tensor:
    """Soft targets ``[B, C]`` from labels ``[B]``, soft scores ``[B, C]``, or the pair
    ``lam * onehot(target) + (1 - lam) * onehot(y_b)`` (lam a float or one per sample)."""
    if (y_b is None) != (lam is None):
        raise ValueError('a label pair needs both y_b and lam (lam weighs the first label)')
    if target.dim() == 2:
        if y_b is not None:
            raise ValueError('y_b/lam mix two label vectors; the target is already [B, C] scores')
        if target.shape[1] != num_classes:
            raise ValueError(f'soft target has {target.shape[1]} classes, logits {num_classes}')
        return target.float()
    if target.dim() != 1:
        raise ValueError(f'target must be labels [B] or scores [B, C], got {tuple(target.shape)}')
    soft = F.one_hot(target.long(), num_classes).float()
    if y_b is None:
        return soft
    lam = pair_lam(lam, len(target), soft.device).reshape(-1, 1)
    return lam * soft + (1 - lam) * F.one_hot(y_b.long(), num_classes).float()


def pair_lam(lam: Lam, batch: int, device) -> torch.Tensor:
    """The weight of the first label of a pair, one float32 per sample ``[B]``."""
    given = torch.as_tensor(lam, dtype=torch.float32)
    if given.dim() not in (0, 1) or (given.dim() == 1 and len(given) != batch):
        raise ValueError(f'lam must be a float or one value per sample ({batch}), '
                         f'got shape {tuple(given.shape)}')
    # Checked where the values are on the host: on an accelerator the check would wait for
    # the device every step, and the mixers' lam (1 - box area / image area) is in [0, 1].
    if given.device.type == 'cpu' and ((given < 0) | (given > 1)).any():
        raise ValueError('lam must lie in [0, 1] (the weight of the first label)')
    return given.to(device).expand(batch)


def weighted_soft_ce(log_probs: torch.Tensor, target: torch.Tensor,
                     class_weight: Optional[torch.Tensor] = None,
                     reduction: str = 'mean') -> torch.Tensor:
    """``-sum_c w_c t_ic log p_ic`` per sample; 'mean' divides by ``sum_ic w_c t_ic``.

    With one-hot targets that is ``F.cross_entropy(weight=w)`` exactly (the weighted mean of
    LDAM-DRW's code); without ``class_weight`` it is the plain mean over the batch.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
    if class_weight is not None:
        target = target * class_weight.to(target).reshape(1, -1)
    per_sample = -(target * log_probs).sum(dim=1)
    if reduction == 'none':
        return per_sample
    if reduction == 'sum':
        return per_sample.sum()
    return per_sample.sum() / target.sum().clamp_min(torch.finfo(target.dtype).tiny)


def per_label_mean(log_probs: torch.Tensor, y_a: torch.Tensor, y_b: torch.Tensor,
                   lam: torch.Tensor, class_weight: torch.Tensor) -> torch.Tensor:
    """CMO's mixed loss ``lam * CE_w(y_a) + (1 - lam) * CE_w(y_b)``, each term the weighted
    mean of ``F.cross_entropy(weight=w)`` (divisor ``sum_i w_y_i``); ``lam``: ``[B]``."""
    total = log_probs.new_zeros(())
    for labels, share in ((y_a.long(), lam), (y_b.long(), 1 - lam)):
        weights = class_weight[labels]
        nll = -log_probs.gather(1, labels[:, None])[:, 0]
        total = total + (share * weights * nll).sum() / weights.sum().clamp_min(
            torch.finfo(weights.dtype).tiny)
    return total


def soft_ce(logits: torch.Tensor, y_a: torch.Tensor, y_b: torch.Tensor, lam: Lam,
            reduction: str = 'mean') -> torch.Tensor:
    """Per-sample mixed CE ``-(lam_i log p(y_a_i) + (1 - lam_i) log p(y_b_i))``, averaged."""
    target = mix_targets(y_a, logits.shape[1], y_b, lam)
    return weighted_soft_ce(F.log_softmax(logits.float(), dim=1), target, reduction=reduction)


class LongTailLossBase(nn.Module):
    """Shared interface: targets as labels, soft scores or a (y_a, y_b, lam) pair;
    ``class_weight`` settable at run time (``LongTailLossHook`` for DRW).

    ``pair_form`` is how a label pair's mean is taken under class weights (without them, and
    for 'sum' / 'none', both forms are equal):

    - ``'soft_target'`` (default): one weighted mean over the soft target
      ``lam e_a + (1 - lam) e_b``, divided by ``sum_i lam_i w_a_i + (1 - lam_i) w_b_i``.
    - ``'per_label'``: CMO's code (github.com/naver-ai/cmo, ``cifar_train.py``),
      ``lam * CE_w(out, y_a) + (1 - lam) * CE_w(out, y_b)``, each a weighted mean with its
      own divisor (``per_label_mean``).
    """

    def __init__(self, class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0, reduction: str = 'mean',
                 pair_form: str = 'soft_target') -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        if pair_form not in PAIR_FORMS:
            raise ValueError(f"pair_form must be one of {PAIR_FORMS} ('per_label': CMO's "
                             f'lam * CE_w(y_a) + (1 - lam) * CE_w(y_b)), got {pair_form!r}')
        # The weights as a tensor on the loss's device, made when they are set (DRW sets them
        # once per epoch), not every step; not persistent: the hook sets them on resume.
        self.register_buffer('class_weight_values', torch.zeros(0), persistent=False)
        self.class_weight = class_weight
        self.loss_weight, self.reduction, self.pair_form = loss_weight, reduction, pair_form

    @property
    def class_weight(self) -> Optional[Sequence[float]]:
        return self._class_weight

    @class_weight.setter
    def class_weight(self, weights: Optional[Sequence[float]]) -> None:
        self._class_weight = weights
        values = torch.zeros(0) if weights is None else torch.as_tensor(weights,
                                                                         dtype=torch.float32)
        self.class_weight_values = values.to(self.class_weight_values.device)

    def log_probs(self, cls_score: torch.Tensor) -> torch.Tensor:
        """Log-probabilities ``[B, C]`` the soft target is weighed against."""
        raise NotImplementedError

    def forward(self, cls_score: torch.Tensor, target: torch.Tensor,
                y_b: Optional[torch.Tensor] = None, lam: Optional[Lam] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """Loss of ``cls_score [B, C]``.

        ``target``: labels ``[B]``, soft scores ``[B, C]``, or ``y_a`` of a pair with ``y_b``
        and ``lam``. ``avg_factor`` (passed by MMPretrain heads as the batch size) is the
        mean's divisor only without class weights, where it equals the default; with class
        weights the mean is weighted (see ``weighted_soft_ce``; label pairs: ``pair_form``).
        """
        soft_target = mix_targets(target, cls_score.shape[1], y_b, lam)
        class_weight = None if self.class_weight is None else self.class_weight_values
        reduction = reduction_override or self.reduction
        log_probs = self.log_probs(cls_score.float())
        if (reduction == 'mean' and class_weight is not None and y_b is not None
                and self.pair_form == 'per_label'):
            lam = pair_lam(lam, len(target), cls_score.device)
            loss = per_label_mean(log_probs, target, y_b, lam, class_weight)
        elif reduction == 'mean' and class_weight is None and avg_factor is not None:
            loss = weighted_soft_ce(log_probs, soft_target, reduction='sum') / avg_factor
        else:
            loss = weighted_soft_ce(log_probs, soft_target, class_weight, reduction)
        return self.loss_weight * loss


@MODELS.register_module()
class SoftCrossEntropyLoss(LongTailLossBase):
    """Softmax cross-entropy on soft targets / label pairs (plain CE for hard labels).

    Args:
        class_weight: per-class weights (None = unweighted; DRW sets it during training).
        loss_weight: multiplier of the loss.
        reduction: 'mean', 'sum' or 'none' (per sample).
        pair_form: ``'soft_target'`` or CMO's ``'per_label'`` mean of a label pair under
            class weights (see ``LongTailLossBase``).
    """

    def log_probs(self, cls_score: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(cls_score, dim=1)

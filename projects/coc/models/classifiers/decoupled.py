"""Decoupled classifier learning (Kang et al., ICLR 2020, arXiv:1910.09217, Sec. 4): a classifier
that keeps trained parts frozen (cRT, LWS) and can adjust its scores post hoc (logit
adjustment, Menon et al., arXiv:2007.07314, Eq. 9); heads for tau-normalisation and LWS."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models import ImageClassifier, LinearClsHead
from mmpretrain.registry import MODELS

from coc.losses.logit_adjustment import adjust_logits


@MODELS.register_module()
class DecoupledClassifier(ImageClassifier):
    """``ImageClassifier`` for a second, classifier-only stage and for post-hoc adjustment.

    Args:
        frozen: dotted names of submodules that are not trained: their parameters get
            ``requires_grad=False`` and they stay in eval mode, so BatchNorm statistics do not
            move either. cRT: ``('backbone', 'neck')``; LWS adds ``'head.fc'``.
        logit_adjust_tau: if set, predictions are ``softmax(logits - tau * log prior)`` (the
            post-hoc logit adjustment), whatever the head; ``None``: the head's scores.
        class_counts: training images per class for the prior; ``None`` in configs, where
            ``ClassPriorHook`` (test-only runs) or ``LongTailLossHook`` fills it.
        **kwargs: ``ImageClassifier`` arguments.
    """

    def __init__(self, *args, frozen: Sequence[str] = (),
                 logit_adjust_tau: Optional[float] = None,
                 class_counts: Optional[Sequence[int]] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if logit_adjust_tau is not None and not logit_adjust_tau >= 0:
            raise ValueError(f'DecoupledClassifier logit_adjust_tau must be >= 0 or None, got '
                             f'{logit_adjust_tau}')
        if isinstance(frozen, str):
            raise ValueError(f'DecoupledClassifier frozen must be a list of module names, got '
                             f'the string {frozen!r}; write frozen=({frozen!r},)')
        self.frozen = tuple(frozen)
        self.logit_adjust_tau, self.class_counts = logit_adjust_tau, class_counts
        for module in self._frozen_modules():
            module.requires_grad_(False)

    def _frozen_modules(self) -> list:
        names = dict(self.named_modules())
        unknown = [name for name in self.frozen if name not in names]
        if unknown:
            children = [name for name in names if name and name.count('.') < 2]
            raise ValueError(f'DecoupledClassifier frozen names {unknown} are not submodules; '
                             f'the model has {children}')
        return [names[name] for name in self.frozen]

    def train(self, mode: bool = True) -> 'DecoupledClassifier':
        super().train(mode)
        for module in self._frozen_modules():
            module.eval()
        return self

    def predict(self, inputs: torch.Tensor, data_samples=None, **kwargs) -> list:
        samples = super().predict(inputs, data_samples, **kwargs)
        if self.logit_adjust_tau is None:
            return samples
        # log softmax differs from the logits by one constant per sample, which the softmax
        # below cancels: this is the adjustment of the logits for any softmax head.
        log_scores = torch.stack([sample.pred_score for sample in samples]).log()
        scores = adjust_logits(log_scores, self.class_counts, self.logit_adjust_tau).softmax(1)
        for sample, score in zip(samples, scores):
            sample.set_pred_score(score).set_pred_label(score.argmax(dim=0, keepdim=True))
        return samples


@MODELS.register_module()
class TauNormHead(LinearClsHead):
    """Linear head scoring with ``w_k / ||w_k||^tau`` (tau-normalisation, Kang et al. Sec. 4).

    ``tau = 0`` is the trained head; ``tau = 1`` gives every class weight norm 1 (the bias is
    kept). Post hoc: load a trained ``LinearClsHead`` checkpoint (same parameter names) and
    let ``TauNormSearchHook`` choose tau on the validation split.

    Args:
        tau: exponent of the weight norm (>= 0).
        num_classes, in_channels, **kwargs: as ``LinearClsHead``.
    """

    def __init__(self, num_classes: int, in_channels: int, tau: float = 0.0, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if not tau >= 0:
            raise ValueError(f'TauNormHead tau must be >= 0, got {tau}')
        self.tau = float(tau)

    def forward(self, feats) -> torch.Tensor:
        weight = self.fc.weight
        scaled = weight / weight.norm(dim=1, keepdim=True).pow(self.tau)
        return F.linear(self.pre_logits(feats), scaled, self.fc.bias)


@MODELS.register_module()
class LWSHead(LinearClsHead):
    """Linear head with a learnable scale per class, ``f_k * (w_k . x + b_k)`` (learnable weight
    scaling, Kang et al. Sec. 4); the scales start at 1, so a loaded head predicts as before.

    Train only the scales: ``DecoupledClassifier(frozen=('backbone', 'neck', 'head.fc'))``.
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.scales = nn.Parameter(torch.ones(num_classes))

    def forward(self, feats) -> torch.Tensor:
        return super().forward(feats) * self.scales

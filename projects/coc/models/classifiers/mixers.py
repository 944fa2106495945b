"""Mixing modes of the mixing classifier: CutMix in input space (CMO and its guided boxes) and
AlignMixup in feature space (docs/guided_cutmix.md).

A mixer takes the classifier, the paired backgrounds and the foregrounds (``[B, C, H, W]``
each, row i mixed with row i) and returns ``(cls_score, lam_bg)``: the logits of the B mixed
samples and the weight of each background label.
"""
from typing import Optional

import torch
from mmpretrain.registry import MODELS
from torch import Tensor

from coc.mixing.align_mixup import align_mix
from coc.mixing.boxes import sample_lam


@MODELS.register_module()
class CutMixer:
    """Pastes a box of each foreground onto its background (CMO, naver-ai/cmo cifar_train.py).

    Args:
        placer: where the box goes: a registered placement (``RandomBox``, ``SaliencyBox``,
            ``PredictedBox``); ``PredictedBox`` gets the class-activation map of the
            foreground's label from the classifier.
        alpha: ``lam ~ Beta(alpha, alpha)`` (CMO: 1).
        per_sample: one lam per sample (the research notes' later runs,
            docs/results/reference.md) instead of one for the batch (CMO's code).
    """

    def __init__(self, placer: dict = dict(type='RandomBox'), alpha: float = 1.0,
                 per_sample: bool = False) -> None:
        self.placer = MODELS.build(placer)
        self.alpha, self.per_sample = alpha, per_sample

    @property
    def needs_model_map(self) -> bool:
        return bool(getattr(self.placer, 'needs_model_map', False))

    def check(self, classifier) -> None:
        """Nothing to check: CutMix works with any classifier."""

    def __call__(self, classifier, bg: Tensor, fg: Tensor, fg_map: Optional[Tensor] = None):
        lam = sample_lam(self.alpha, bg.shape[0], self.per_sample)
        mixed, lam_bg = self.placer(bg, fg, lam, fg_map=fg_map)
        return classifier.classify(mixed), lam_bg.to(bg.device)


@MODELS.register_module()
class AlignMixer:
    """AlignMixup (Venkataramanan et al. 2022): per batch, input mixup with probability
    ``input_mix_prob``, else the feature maps that ``stage`` outputs are aligned by Sinkhorn
    and mixed (``coc.mixing.align_mixup.align_mix``); later stages see the mixed maps.

    Args:
        stage: a submodule of the classifier whose output is a ``[N, C, h, w]`` map, e.g.
            ``'backbone.layer2'`` (see ``classifier.named_modules()``).
        alpha: ``lam ~ Beta(alpha, alpha)`` (the paper: 2).
        input_mix_prob: probability of plain input mixup instead (the paper: 1/2).
        eps, num_iters: Sinkhorn settings of the alignment (the paper: 0.1, 100).
    """

    needs_model_map = False

    def __init__(self, stage: str, alpha: float = 2.0, input_mix_prob: float = 0.5,
                 eps: float = 0.1, num_iters: int = 100) -> None:
        if not 0 <= input_mix_prob <= 1:
            raise ValueError(f'input_mix_prob must lie in [0, 1], got {input_mix_prob}')
        self.stage, self.alpha, self.input_mix_prob = stage, alpha, input_mix_prob
        self.eps, self.num_iters = eps, num_iters

    def check(self, classifier) -> None:
        names = dict(classifier.named_modules())
        if self.stage not in names:
            stages = [n for n in names if n.count('.') == 1 and n.startswith('backbone.')]
            raise ValueError(f'AlignMixer stage {self.stage!r} is not a submodule of the '
                             f'classifier; backbone children: {stages}')

    def __call__(self, classifier, bg: Tensor, fg: Tensor, fg_map: Optional[Tensor] = None):
        batch = bg.shape[0]
        lam = float(sample_lam(self.alpha, 1, per_sample=False))
        if float(torch.rand(())) < self.input_mix_prob:
            return classifier.classify(lam * bg + (1 - lam) * fg), torch.full(
                (batch, ), lam, device=bg.device)

        def mix_maps(module, args, output):
            if not isinstance(output, Tensor) or output.dim() != 4:
                raise TypeError(f'AlignMixer stage {self.stage!r} must output a [N, C, h, w] '
                                f'map, got {type(output).__name__}')
            return align_mix(output[:batch], output[batch:], lam, eps=self.eps,
                             num_iters=self.num_iters)

        handle = classifier.get_submodule(self.stage).register_forward_hook(mix_maps)
        try:
            cls_score = classifier.classify(torch.cat([bg, fg]))
        finally:
            handle.remove()
        return cls_score, torch.full((batch, ), lam, device=bg.device)

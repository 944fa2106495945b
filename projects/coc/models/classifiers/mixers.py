"""Mixing modes of the mixing classifier: CutMix in input space (CMO and its guided boxes) and
AlignMixup in feature space (docs/guided_cutmix.md).

Every mixing mode is a :class:`Mixer`, registered in ``MIXERS``.
"""
from abc import ABCMeta, abstractmethod
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from coc.mixing.align_mixup import align_mix
from coc.mixing.boxes import sample_lam
from coc.mixing.registry import MIXERS, PLACERS


class Mixer(metaclass=ABCMeta):
    """Mixes row i of the paired backgrounds with row i of the foregrounds (``[B, C, H, W]``
    each): ``mixer(bg, fg, fg_map=None, model=None, bg_map=None) -> (mixed, lam_bg)``, the B
    mixed images
    and the weight of each background label ``[B]``.

    Capabilities (read by the mixing classifier; set on the class, or in ``__init__`` when a
    config chooses them):

    - ``needs_model_map`` (default False): True when it needs ``fg_map``, the class-activation
      map of each foreground's label.
    - ``mixes_in_model`` (default False): True when it mixes inside the model's forward
      (feature maps): it is then called with ``model`` and returns the logits of the mixed
      batch in place of images.
    - ``needs_saliency_maps`` (default False): True when it needs ``fg_map`` and ``bg_map``,
      the saliency maps the data pipeline packed with the samples.
    """
    needs_model_map: bool = False
    mixes_in_model: bool = False
    needs_saliency_maps: bool = False

    def check(self, model: nn.Module) -> None:
        """Raise ValueError when ``model`` cannot be mixed this way (at build time)."""

    @abstractmethod
    def __call__(self, bg: Tensor, fg: Tensor, fg_map: Optional[Tensor] = None,
                 model: Optional[nn.Module] = None,
                 bg_map: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """``(mixed, lam_bg)``; ``mixed`` are logits when ``mixes_in_model``."""


@MIXERS.register_module()
class CutMixer(Mixer):
    """Pastes a box of each foreground onto its background (CMO, arXiv:2112.00412, Sec. 3).

    Args:
        placer: where the box goes: a registered placer (``RandomBox``, ``SaliencyBox``,
            ``PredictedBox``); ``PredictedBox`` gets the class-activation map of the
            foreground's label from the classifier.
        alpha: ``lam ~ Beta(alpha, alpha)`` (CMO: 1).
        per_sample_lam: one lam per sample (the research notes' later runs,
            docs/results/reference.md) instead of one for the batch (CMO's code).
    """

    def __init__(self, placer: dict = dict(type='RandomBox'), alpha: float = 1.0,
                 per_sample_lam: bool = False) -> None:
        self.placer = PLACERS.build(placer)
        self.needs_model_map = self.placer.needs_model_map
        self.needs_saliency_maps = self.placer.needs_saliency_maps
        self.alpha, self.per_sample_lam = alpha, per_sample_lam

    def __call__(self, bg: Tensor, fg: Tensor, fg_map: Optional[Tensor] = None,
                 model: Optional[nn.Module] = None,
                 bg_map: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        lam = sample_lam(self.alpha, bg.shape[0], self.per_sample_lam)
        mixed, lam_bg = self.placer(bg, fg, lam, fg_map=fg_map, bg_map=bg_map)
        return mixed, lam_bg.to(bg.device)


@MIXERS.register_module()
class AlignMixer(Mixer):
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

    mixes_in_model = True

    def __init__(self, stage: str, alpha: float = 2.0, input_mix_prob: float = 0.5,
                 eps: float = 0.1, num_iters: int = 100) -> None:
        if not 0 <= input_mix_prob <= 1:
            raise ValueError(f'input_mix_prob must lie in [0, 1], got {input_mix_prob}')
        self.stage, self.alpha, self.input_mix_prob = stage, alpha, input_mix_prob
        self.eps, self.num_iters = eps, num_iters

    def check(self, model: nn.Module) -> None:
        names = dict(model.named_modules())
        if self.stage not in names:
            stages = [n for n in names if n.count('.') == 1 and n.startswith('backbone.')]
            raise ValueError(f'AlignMixer stage {self.stage!r} is not a submodule of the '
                             f'classifier; backbone children: {stages}')

    def __call__(self, bg: Tensor, fg: Tensor, fg_map: Optional[Tensor] = None,
                 model: Optional[nn.Module] = None,
                 bg_map: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Logits of the mixed batch from ``model.classify``, and ``lam_bg``."""
        batch = bg.shape[0]
        lam = float(sample_lam(self.alpha, 1, per_sample=False))
        if float(torch.rand(())) < self.input_mix_prob:
            return model.classify(lam * bg + (1 - lam) * fg), torch.full(
                (batch, ), lam, device=bg.device)

        def mix_maps(module, args, output):
            if not isinstance(output, Tensor) or output.dim() != 4:
                raise TypeError(f'AlignMixer stage {self.stage!r} must output a [N, C, h, w] '
                                f'map, got {type(output).__name__}')
            return align_mix(output[:batch], output[batch:], lam, eps=self.eps,
                             num_iters=self.num_iters)

        handle = model.get_submodule(self.stage).register_forward_hook(mix_maps)
        try:
            cls_score = model.classify(torch.cat([bg, fg]))
        finally:
            handle.remove()
        return cls_score, torch.full((batch, ), lam, device=bg.device)

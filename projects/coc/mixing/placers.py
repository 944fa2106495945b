"""Where the foreground patch goes (docs/mixing_primitives.md): random, saliency, model map.

Every placer is a :class:`Placer`, registered in ``PLACERS``.
"""
from abc import ABCMeta, abstractmethod
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .boxes import boxes_at, paste, random_boxes
from .registry import PLACERS
from .saliency import extreme_points, saliency_maps


def _lam_vector(lam: Union[float, Tensor], batch_size: int) -> Tensor:
    lam = torch.as_tensor(lam, dtype=torch.float32).flatten().cpu()
    if lam.numel() == 1:
        return lam.expand(batch_size)
    if lam.numel() != batch_size:
        raise ValueError(f'lam must be one value or one per sample ({batch_size}), '
                         f'got {lam.numel()}')
    return lam


class Placer(metaclass=ABCMeta):
    """Where each foreground's patch goes on its background:
    ``placer(background, foreground, lam, fg_map=None, bg_map=None) -> (mixed, lam_bg)`` on
    image batches ``[B, C, H, W]``; ``lam`` (float or ``[B]``) sets the box size, ``lam_bg
    [B]`` is the background label's weight after clipping.

    Capability (read by the mixing classifier):

    - ``needs_model_map`` (default False): True when the caller must pass ``fg_map``, the
      model's map of the foregrounds (the class-activation map of their labels).
    - ``needs_saliency_maps`` (default False): True when the caller passes ``fg_map`` and
      ``bg_map``, the saliency maps the data pipeline packed with the samples
      (``coc.datasets.SaliencyMap``).
    """
    needs_model_map: bool = False
    needs_saliency_maps: bool = False

    @abstractmethod
    def __call__(self, background: Tensor, foreground: Tensor, lam,
                 fg_map: Optional[Tensor] = None,
                 bg_map: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """``(mixed [B, C, H, W], lam_bg [B])``."""


@PLACERS.register_module()
class RandomBox(Placer):
    """CMO's box: uniform centre, clipped at the border, same place in both images.

    ``per_sample=False`` uses one box for the whole batch (CMO's public code), sized by
    the first ``lam``; ``True`` draws a centre per sample.
    """

    def __init__(self, per_sample: bool = True):
        self.per_sample = per_sample

    def __call__(self, background: Tensor, foreground: Tensor, lam, fg_map=None, bg_map=None):
        batch, _, height, width = background.shape
        lam = _lam_vector(lam, batch)
        if self.per_sample:
            boxes = random_boxes(lam, height, width)
        else:
            boxes = random_boxes(lam[:1], height, width).expand(batch, 4)
        return paste(background, foreground, boxes)


# mode -> (source point in the foreground, destination point in the background); None: the
# box sits at the foreground's salient point in both images ("sal_corr").
SALIENCY_MODES = {
    'sal_corr': None,
    'sal_sal': ('max', 'max'),
    'sal_non_sal': ('max', 'min'),
    'non_sal_sal': ('min', 'max'),
    'non_sal_non_sal': ('min', 'min'),
}


@PLACERS.register_module()
class SaliencyBox(Placer):
    """Boxes at the most / least salient points of OpenCV's fine-grained saliency map.

    ``'sal_corr'``: centred at the foreground's saliency peak, clipped, same coordinates
    in both images. ``'<src>_<dst>'`` (``sal``/``non_sal``): the source box around the
    foreground's most (least) salient point is pasted around the background's most (least)
    salient point; both boxes keep the full size, shifted inside the image.

    Args:
        mode: one of ``SALIENCY_MODES``.
        mean, std, to_bgr: how to turn the inputs back into uint8 BGR images for
            OpenCV (see :func:`saliency_maps`); give the data preprocessor's values.

    ``fg_map`` / ``bg_map``, when passed, are used as the saliency maps ``[B, H, W]``
    instead of computing them: the mixing classifier passes the maps that
    ``coc.datasets.SaliencyMap`` computed in the dataloader workers.
    """
    needs_saliency_maps = True

    def __init__(self, mode: str = 'sal_corr', mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None, to_bgr: bool = True):
        if mode not in SALIENCY_MODES:
            raise ValueError(f'SaliencyBox mode must be one of {sorted(SALIENCY_MODES)}, '
                             f'got {mode!r}')
        self.mode, self.mean, self.std, self.to_bgr = mode, mean, std, to_bgr

    def _saliency(self, images: Tensor, given: Optional[Tensor]) -> Tensor:
        if given is not None:
            return given
        return saliency_maps(images, self.mean, self.std, self.to_bgr)

    def __call__(self, background: Tensor, foreground: Tensor, lam, fg_map=None, bg_map=None):
        batch, _, height, width = background.shape
        lam = _lam_vector(lam, batch)
        fg_saliency = self._saliency(foreground, fg_map)
        points = SALIENCY_MODES[self.mode]
        if points is None:
            boxes = boxes_at(extreme_points(fg_saliency, 'max'), lam, height, width)
            return paste(background, foreground, boxes)
        src_point, dst_point = points
        bg_saliency = self._saliency(background, bg_map)
        src = boxes_at(extreme_points(fg_saliency, src_point), lam, height, width, keep_size=True)
        dst = boxes_at(extreme_points(bg_saliency, dst_point), lam, height, width, keep_size=True)
        return paste(background, foreground, dst, src)


def predicted_map(fg_map: Tensor, height: int, width: int) -> Tensor:
    """The model's low-resolution map ``[B, h, w]`` (or ``[B, 1, h, w]``) bilinearly
    upsampled to ``[B, H, W]`` and squashed by a sigmoid (the research notes' predict_corr)."""
    if fg_map.dim() == 3:
        fg_map = fg_map[:, None]
    if fg_map.dim() != 4 or fg_map.shape[1] != 1:
        raise ValueError(f'fg_map must be [B, h, w] or [B, 1, h, w], got {tuple(fg_map.shape)}')
    upsampled = F.interpolate(fg_map.detach().float(), size=(height, width), mode='bilinear',
                              align_corners=False)
    return upsampled[:, 0].sigmoid()


@PLACERS.register_module()
class PredictedBox(Placer):
    """``predict_corr``: a box centred at the peak of a map the model predicts for the
    foreground (e.g. the class-activation map of its label), same place in both images."""
    needs_model_map = True

    def __call__(self, background: Tensor, foreground: Tensor, lam, fg_map: Tensor = None,
                 bg_map=None):
        if fg_map is None:
            raise ValueError('PredictedBox needs fg_map, the model\'s map for the foregrounds '
                             '(the mixing classifier passes it because needs_model_map=True)')
        batch, _, height, width = background.shape
        centers = extreme_points(predicted_map(fg_map, height, width), 'max')
        boxes = boxes_at(centers, _lam_vector(lam, batch), height, width)
        return paste(background, foreground, boxes)

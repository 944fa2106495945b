"""Saliency maps of images (OpenCV's fine-grained static saliency) and their peaks.

Training computes them in the data pipeline (``coc.datasets.SaliencyMap``, in the dataloader
workers), which packs each map with its sample under :data:`SALIENCY_KEY`;
:func:`sample_saliency_maps` batches them for the placer. :func:`saliency_maps` computes the
same maps from a preprocessed batch.
"""
from functools import lru_cache
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor

from .boxes import to_device

SALIENCY_KEY = 'saliency_map'


def to_uint8_images(images: Tensor, mean: Optional[Sequence[float]] = None,
                    std: Optional[Sequence[float]] = None) -> np.ndarray:
    """Undo ``(x - mean) / std`` normalisation and return uint8 images ``[B, H, W, C]``.

    Without ``mean``/``std`` the images are taken to be in [0, 255] already.
    """
    if images.dim() != 4:
        raise ValueError(f'expected images [B, C, H, W], got shape {tuple(images.shape)}')
    pixels = images.detach().float()
    if (mean is None) != (std is None):
        raise ValueError('give both mean and std (the data preprocessor\'s values) or neither')
    if mean is not None:
        if len(mean) != pixels.shape[1] or len(std) != pixels.shape[1]:
            raise ValueError(f'mean/std have {len(mean)}/{len(std)} values but the images have '
                             f'{pixels.shape[1]} channels')
        pixels = (pixels * pixels.new_tensor(std)[:, None, None]
                  + pixels.new_tensor(mean)[:, None, None])
    return pixels.round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()


def saliency_maps(images: Tensor, mean: Optional[Sequence[float]] = None,
                  std: Optional[Sequence[float]] = None, to_bgr: bool = True) -> Tensor:
    """Fine-grained static saliency (``cv2.saliency.StaticSaliencyFineGrained``) per image.

    Args:
        images: ``[B, C, H, W]`` with 1 or 3 channels, normalised by ``mean``/``std``
            (the data preprocessor's) or in [0, 255] when those are None.
        to_bgr: the images are RGB (MMPretrain's ``to_rgb=True``); OpenCV wants BGR for
            its grey conversion.

    Returns:
        float32 maps ``[B, H, W]`` in [0, 1] on the images' device.
    """
    pixels = to_uint8_images(images, mean, std)
    maps = [image_saliency(image, to_bgr) for image in pixels]
    return torch.from_numpy(np.stack(maps)).to(images.device)


def image_saliency(image: np.ndarray, to_bgr: bool = True) -> np.ndarray:
    """The fine-grained static saliency of one uint8 image ``[H, W, C]`` (1 or 3 channels;
    ``to_bgr``: the channels are RGB, OpenCV wants BGR): float32 ``[H, W]`` in [0, 1]."""
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f'saliency needs [H, W, 1] or [H, W, 3] images, got {image.shape}')
    if to_bgr:
        image = image[..., ::-1]
    grey_or_bgr = image[..., 0] if image.shape[-1] == 1 else image
    ok, saliency_map = _detector().computeSaliency(np.ascontiguousarray(grey_or_bgr))
    if not ok:
        raise RuntimeError('OpenCV StaticSaliencyFineGrained failed on an image of shape '
                           f'{image.shape}')
    return saliency_map.astype(np.float32) / (255.0 if saliency_map.dtype == np.uint8 else 1.0)


@lru_cache(maxsize=1)
def _detector():
    return cv2.saliency.StaticSaliencyFineGrained_create()


def sample_saliency_maps(data_samples: Sequence, device=None) -> Tensor:
    """The maps the data pipeline packed with the samples, as one float32 batch ``[B, H, W]``
    on ``device`` (one copy); a clear error when the pipeline did not compute them."""
    missing = [i for i, sample in enumerate(data_samples) if SALIENCY_KEY not in sample]
    if missing:
        raise ValueError(
            f'saliency placement reads each image\'s saliency map from its data sample, but '
            f'{len(missing)} of {len(data_samples)} samples have none: add '
            f"dict(type='SaliencyMap') to the training pipeline just before PackInputs and "
            f"pack it with PackInputs(algorithm_keys=('{SALIENCY_KEY}', ))")
    maps = np.stack([np.asarray(sample.get(SALIENCY_KEY)) for sample in data_samples])
    return to_device(torch.from_numpy(maps), device or 'cpu')


def extreme_points(maps: Tensor, mode: str = 'max') -> Tensor:
    """Location ``(row, col)`` of each map's maximum (``'max'``) or minimum (``'min'``),
    as int64 ``[B, 2]``; the first one in row-major order on ties."""
    if mode not in ('max', 'min'):
        raise ValueError(f"extreme_points mode must be 'max' or 'min', got {mode!r}")
    if maps.dim() != 3:
        raise ValueError(f'expected maps [B, H, W], got shape {tuple(maps.shape)}')
    flat = maps.flatten(1)
    index = flat.argmax(dim=1) if mode == 'max' else flat.argmin(dim=1)
    width = maps.shape[2]
    return torch.stack([index // width, index % width], dim=1)

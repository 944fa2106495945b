"""Cluster maps of a Context-Cluster model: which center each point joined (paper Fig. 1/4/8).

A map is drawn at the image's own size: every point of the chosen block is painted with one
flat colour per cluster, a mix of a palette colour (so neighbouring clusters differ) and the
cluster's mean image colour (so the picture stays recognisable, like a superpixel image).
"""
import colorsys
from typing import List, Optional

import numpy as np
import torch
from torch import nn


def find_cluster(model: nn.Module, stage: int, block: int) -> nn.Module:
    """The token mixer of ``block`` (negative counts from the end) in ``stage`` (0-3)."""
    backbone = getattr(model, 'backbone', model)
    if not hasattr(backbone, 'network'):
        raise TypeError(f'{type(backbone).__name__} is not a ContextCluster backbone '
                        '(it has no "network"); cluster maps need a CoC model')
    num_stages = (len(backbone.network) + 1) // 2
    if not -num_stages <= stage < num_stages:
        raise ValueError(f'stage {stage} does not exist: the model has stages 0..{num_stages - 1}')
    blocks = backbone.network[2 * (stage % num_stages)]
    if not -len(blocks) <= block < len(blocks):
        raise ValueError(f'block {block} does not exist: stage {stage} has blocks '
                         f'0..{len(blocks) - 1} (or -1 for the last)')
    return blocks[block].token_mixer


def preprocess(model: nn.Module, image_bgr: np.ndarray) -> torch.Tensor:
    """``[1, 3, H, W]`` input of ``model`` for an ``HxWx3`` uint8 BGR image, at its own size."""
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f'expected an HxWx3 colour image, got shape {image_bgr.shape}')
    tensor = torch.from_numpy(np.ascontiguousarray(image_bgr)).permute(2, 0, 1)
    # The config's data preprocessor knows the mean/std and the BGR->RGB swap.
    return model.data_preprocessor({'inputs': [tensor]}, False)['inputs']


@torch.no_grad()
def cluster_assignment(model: nn.Module, inputs: torch.Tensor, stage: int,
                       block: int) -> torch.Tensor:
    """Center id of every point, ``[B, heads, h, w]``, at the chosen block's resolution."""
    cluster = find_cluster(model, stage, block)
    captured = []
    handle = cluster.register_forward_pre_hook(lambda module, args: captured.append(args[0]))
    try:
        getattr(model, 'backbone', model)(inputs)
    finally:
        handle.remove()
    _, assignment = cluster(captured[0], return_assignment=True)
    return assignment


def upsample_labels(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of an integer ``h x w`` label map to ``height x width``."""
    rows = np.arange(height) * labels.shape[0] // height
    cols = np.arange(width) * labels.shape[1] // width
    return labels[rows[:, None], cols[None, :]]


def palette(n: int) -> np.ndarray:
    """``n`` well-separated RGB colours (hues spaced by the golden ratio), ``[n, 3]`` float."""
    hues = (np.arange(n) * 0.618033988749895) % 1.0
    return np.array([colorsys.hsv_to_rgb(h, 0.75, 0.95) for h in hues]).reshape(n, 3) * 255


def _distinct(colours: np.ndarray) -> np.ndarray:
    """Nudge rounding collisions apart so that the map has exactly one colour per cluster."""
    used, out = set(), colours.copy()
    for i, colour in enumerate(out):
        while tuple(colour) in used:
            colour[i % 3] = (int(colour[i % 3]) + 1) % 256
        used.add(tuple(colour))
    return out


def render_cluster_map(image_rgb: np.ndarray, labels: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Paint each cluster of ``labels`` (``h x w`` ids) over ``image_rgb`` in one flat colour.

    ``alpha`` weighs the palette colour against the cluster's mean image colour
    (1: palette only, 0: mean colour only, a superpixel picture).
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    height, width = image_rgb.shape[:2]
    full = upsample_labels(labels, height, width)
    ids, inverse = np.unique(full, return_inverse=True)
    inverse = inverse.reshape(-1)
    sizes = np.bincount(inverse, minlength=len(ids))[:, None]
    means = np.stack([np.bincount(inverse, weights=image_rgb[..., c].reshape(-1),
                                  minlength=len(ids)) for c in range(3)], axis=1) / sizes
    colours = np.rint(alpha * palette(len(ids)) + (1 - alpha) * means).astype(np.uint8)
    return _distinct(colours)[inverse].reshape(height, width, 3)


def tile(panels: List[np.ndarray], columns: Optional[int] = None, gap: int = 4) -> np.ndarray:
    """Row-major grid of equally sized ``HxWx3`` panels separated by white ``gap`` pixels."""
    columns = columns or int(np.ceil(np.sqrt(len(panels))))
    rows = int(np.ceil(len(panels) / columns))
    height, width = panels[0].shape[:2]
    grid = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap, 3), 255, np.uint8)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        grid[r * (height + gap):r * (height + gap) + height,
             c * (width + gap):c * (width + gap) + width] = panel
    return grid

"""CutMix boxes: mixing ratios, box sizes and positions, and vectorised pasting.

A batch of boxes is an int64 tensor ``[B, 4]`` holding ``(y1, x1, y2, x2)`` per sample,
half-open (rows ``y1:y2``, columns ``x1:x2``), always inside the image. Box sizes are
computed on the CPU (a few numbers per sample, from the ratios drawn there); boxes stay on the
device of their centers, and CPU boxes reach the images' device in one copy that does not
wait for the device (:func:`to_device`).
"""
from typing import Optional, Tuple

import numpy as np
import torch
from torch import Tensor


def sample_lam(alpha: float, batch_size: int, per_sample: bool,
               generator: Optional[torch.Generator] = None) -> Tensor:
    """Draw mixing ratios ``lam ~ Beta(alpha, alpha)`` as a float32 tensor ``[B]``.

    ``per_sample=False`` repeats one draw for the whole batch (CMO's public code);
    ``per_sample=True`` draws one per sample (the research notes' later runs,
    docs/results/reference.md).
    Randomness comes from torch (``generator`` or the global torch RNG), so
    ``torch.manual_seed`` makes runs repeatable.
    """
    if alpha <= 0:
        raise ValueError(f'sample_lam needs alpha > 0 (the Beta parameter), got {alpha}')
    if batch_size < 1:
        raise ValueError(f'sample_lam needs batch_size >= 1, got {batch_size}')
    # torch's Beta sampler takes no generator; seed a numpy Beta from the torch stream instead.
    device = generator.device if generator is not None else None
    seed = int(torch.randint(2**62, (1, ), generator=generator, device=device))
    draws = np.random.default_rng(seed).beta(alpha, alpha, size=batch_size if per_sample else 1)
    return torch.from_numpy(draws).float().expand(batch_size).contiguous()


def box_size(lam: Tensor, height: int, width: int) -> Tensor:
    """Box height and width ``[B, 2]`` (int64) for ratios ``lam [B]``: each side is
    ``int(side * sqrt(1 - lam))`` of the image side, as in CutMix / CMO."""
    lam = torch.as_tensor(lam, dtype=torch.float64).cpu()
    if lam.dim() != 1:
        raise ValueError(f'lam must be a 1-D tensor [B], got shape {tuple(lam.shape)}')
    if ((lam < 0) | (lam > 1)).any():
        raise ValueError(f'lam must lie in [0, 1], got min {lam.min():.3g} max {lam.max():.3g}')
    ratio = torch.sqrt(1 - lam)
    return torch.stack([(ratio * height).long(), (ratio * width).long()], dim=1)


def to_device(tensor: Tensor, device) -> Tensor:
    """``tensor`` on ``device``; a CPU tensor goes to a GPU through pinned memory without
    blocking, so that the host does not wait for the kernels already queued."""
    device = torch.device(device)
    if tensor.device == device:
        return tensor
    if tensor.device.type == 'cpu' and device.type == 'cuda':
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def boxes_at(centers: Tensor, lam: Tensor, height: int, width: int,
             keep_size: bool = False) -> Tensor:
    """Boxes of size ``box_size(lam)`` centred at ``centers [B, 2]`` (row, col).

    By default a box that crosses the border is clipped (its area shrinks; the label
    weight from :func:`paste` follows). ``keep_size=True`` shifts it inside instead, so
    that two boxes of one sample (source and destination) keep the same size. The boxes are
    on the centers' device (e.g. the peaks of maps on the GPU stay there).
    """
    centers = torch.as_tensor(centers).long()
    if centers.dim() != 2 or centers.shape[1] != 2:
        raise ValueError(f'centers must be [B, 2] (row, col), got shape {tuple(centers.shape)}')
    size = box_size(lam, height, width)
    if size.shape[0] != centers.shape[0]:
        raise ValueError(f'{centers.shape[0]} centers but {size.shape[0]} lam values')
    size = to_device(size, centers.device)
    # The largest start that keeps a box inside, (H, W) - size: device arithmetic, not a
    # tensor made from the Python sides.
    room = size.neg()
    room[:, 0] += height
    room[:, 1] += width
    start = centers - size // 2
    if keep_size:
        start = torch.minimum(start.clamp(min=0), room)
        end = start + size
    else:
        end = torch.minimum(start + size, room + size)
        start = start.clamp(min=0)
    return torch.cat([start, end], dim=1)


def random_boxes(lam: Tensor, height: int, width: int,
                 generator: Optional[torch.Generator] = None) -> Tensor:
    """CutMix boxes with a uniformly drawn centre, clipped at the border (CMO)."""
    lam = torch.as_tensor(lam)
    device = generator.device if generator is not None else None
    rows = torch.randint(height, (lam.numel(), 1), generator=generator, device=device)
    cols = torch.randint(width, (lam.numel(), 1), generator=generator, device=device)
    return boxes_at(torch.cat([rows, cols], dim=1), lam, height, width)


def box_masks(boxes: Tensor, height: int, width: int, device=None) -> Tensor:
    """Boolean masks ``[B, 1, H, W]``, True inside each box."""
    boxes = boxes.to(device)
    rows = torch.arange(height, device=device)
    cols = torch.arange(width, device=device)
    in_rows = (rows >= boxes[:, 0:1]) & (rows < boxes[:, 2:3])
    in_cols = (cols >= boxes[:, 1:2]) & (cols < boxes[:, 3:4])
    return (in_rows[:, :, None] & in_cols[:, None, :])[:, None]


def paste(background: Tensor, foreground: Tensor, dst_boxes: Tensor,
          src_boxes: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """Paste ``foreground[i]`` inside ``src_boxes[i]`` onto ``background[i]`` at ``dst_boxes[i]``.

    Args:
        background, foreground: images ``[B, C, H, W]`` of the same shape.
        dst_boxes: where each patch goes, ``[B, 4]``.
        src_boxes: where each patch comes from; defaults to ``dst_boxes`` (same place in
            both images). Must have the same box sizes as ``dst_boxes``.

    Returns:
        ``(mixed, lam_bg)``: a new tensor ``[B, C, H, W]`` and the float32 weight ``[B]``
        of the background's label, ``1 - pasted_area / (H * W)``.
    """
    if background.shape != foreground.shape or background.dim() != 4:
        raise ValueError('paste needs background and foreground of one shape [B, C, H, W], got '
                         f'{tuple(background.shape)} and {tuple(foreground.shape)}')
    batch, _, height, width = background.shape
    device = background.device
    dst_boxes = torch.as_tensor(dst_boxes).long()
    if dst_boxes.shape != (batch, 4):
        raise ValueError(f'dst_boxes must be [{batch}, 4], got {tuple(dst_boxes.shape)}')
    if src_boxes is not None:
        src_boxes = torch.as_tensor(src_boxes).long().to(dst_boxes.device)
        if src_boxes.shape != (batch, 4) or not _same_sizes(src_boxes, dst_boxes):
            raise ValueError('src_boxes must be [B, 4] with the same box sizes as dst_boxes; '
                             'build both with boxes_at(..., keep_size=True)')
        dst_boxes, src_boxes = to_device(torch.cat([dst_boxes, src_boxes]), device).split(batch)
    dst_boxes = to_device(dst_boxes, device)
    mask = box_masks(dst_boxes, height, width, device)
    if src_boxes is None:
        patch_source = foreground
    else:
        # Move each foreground so that its source box lands on the destination box.
        shift = src_boxes[:, :2] - dst_boxes[:, :2]
        rows = (torch.arange(height, device=device) + shift[:, 0:1]).clamp(0, height - 1)
        cols = (torch.arange(width, device=device) + shift[:, 1:2]).clamp(0, width - 1)
        index = torch.arange(batch, device=device)[:, None, None]
        patch_source = foreground[index, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    mixed = torch.where(mask, patch_source, background)
    area = (dst_boxes[:, 2] - dst_boxes[:, 0]) * (dst_boxes[:, 3] - dst_boxes[:, 1])
    lam_bg = 1 - area.float() / (height * width)
    return mixed, lam_bg


def _same_sizes(src_boxes: Tensor, dst_boxes: Tensor) -> bool:
    """False when the boxes' sizes differ; compared only on the host (on a GPU the comparison
    would wait for the device every step, and boxes_at(..., keep_size=True) makes them equal)."""
    if src_boxes.device.type != 'cpu':
        return True
    return torch.equal(src_boxes[:, 2:] - src_boxes[:, :2], dst_boxes[:, 2:] - dst_boxes[:, :2])

"""AlignMixup (Venkataramanan et al., CVPR 2022): mix feature maps after aligning their
spatial positions with an entropic OT plan (arXiv:2103.15375, Fig. 2)."""
from typing import Optional, Union

import torch
from torch import Tensor

from .optimal_transport import sinkhorn_plan


def align_mix(feat_a: Tensor, feat_b: Tensor, lam: Union[float, Tensor], eps: float = 0.1,
              num_iters: int = 100, generator: Optional[torch.Generator] = None,
              direction: Optional[int] = None) -> Tensor:
    """Mix ``feat_a`` with ``feat_b`` (``[B, D, H, W]``) after OT alignment.

    For each pair, Sinkhorn between the ``HW`` spatial vectors (squared Euclidean cost,
    as in the AlignMixup code) gives ``P``; ``R = HW * P`` (detached) is the soft
    assignment. Direction 0 gives ``lam * A + (1 - lam) * A' R^T`` (``A'`` moved onto
    ``A``'s layout), direction 1 ``lam * A R + (1 - lam) * A'`` (``A`` moved onto ``A'``).
    Either way ``lam`` weighs the label of ``feat_a``.

    Args:
        lam: one ratio or one per sample ``[B]``.
        direction: 0 or 1; None draws one for the batch (with ``generator``).
    """
    if feat_a.shape != feat_b.shape or feat_a.dim() < 3:
        raise ValueError('align_mix needs two feature maps of one shape [B, D, H, W], got '
                         f'{tuple(feat_a.shape)} and {tuple(feat_b.shape)}')
    if direction is None:
        device = generator.device if generator is not None else None
        direction = int(torch.randint(2, (1, ), generator=generator, device=device))
    if direction not in (0, 1):
        raise ValueError(f'align_mix direction must be 0, 1 or None, got {direction}')
    a, b = feat_a.flatten(2), feat_b.flatten(2)  # [B, D, N]
    num_points = a.shape[2]
    with torch.no_grad():
        cost = torch.cdist(a.transpose(1, 2).float(), b.transpose(1, 2).float())**2
        assignment = num_points * sinkhorn_plan(cost, eps, num_iters)  # [B, N_a, N_b]
    assignment = assignment.to(a.dtype)
    lam = torch.as_tensor(lam, dtype=a.dtype, device=a.device).reshape(-1, 1, 1)
    if direction == 0:
        mixed = lam * a + (1 - lam) * (b @ assignment.transpose(1, 2))
    else:
        mixed = lam * (a @ assignment) + (1 - lam) * b
    return mixed.view_as(feat_a)

"""Entropic optimal transport plans (POT's log-domain Sinkhorn) and the cosine cost.

``sinkhorn_plan`` solves ``min_T <T, C> - eps * H(T)`` with marginals ``a`` (rows) and ``b``
(columns), uniform by default. The log domain keeps it finite for small ``eps`` and large
costs; it always runs in fp32 with autocast off, because fp16 log-sum-exp loses the plan.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def _fp32(tensor: Tensor):
    """A context that turns autocast off on ``tensor``'s device."""
    return torch.autocast(device_type=tensor.device.type, enabled=False)


def cosine_cost(feat_bg: Tensor, feat_fg: Tensor) -> Tensor:
    """Cost ``C[i, k] = 1 - cos(feat_bg[i], feat_fg[k])``, shape ``[Nb, Nf]``, fp32.

    Features may have any trailing shape (logits ``[N, D]``, maps or images
    ``[N, C, H, W]``); each sample is flattened to one vector.
    """
    if feat_bg.dim() < 2 or feat_fg.dim() < 2 or feat_bg[0].numel() != feat_fg[0].numel():
        raise ValueError('cosine_cost needs two batches [N, ...] of equal feature size, got '
                         f'{tuple(feat_bg.shape)} and {tuple(feat_fg.shape)}')
    with _fp32(feat_bg):
        bg = F.normalize(feat_bg.flatten(1).float(), dim=1)
        fg = F.normalize(feat_fg.flatten(1).float(), dim=1)
        return 1 - bg @ fg.T


def sinkhorn_plan(cost: Tensor, eps: float, num_iters: int = 1000, a: Optional[Tensor] = None,
                  b: Optional[Tensor] = None, tol: float = 1e-6) -> Tensor:
    """Entropic OT plan for ``cost [Nb, Nf]`` or a batch of problems ``[B, Nb, Nf]``.

    Args:
        cost: cost matrix (or batch of them).
        eps: entropic regularisation (> 0); smaller is closer to exact OT and slower.
        num_iters: most Sinkhorn iterations; it stops earlier once the marginal error
            is below ``tol`` (1e-6 suits fp32, whose error floor is about 1e-8).
        a, b: row / column marginals (``[Nb]`` / ``[Nf]``, or batched), uniform if None.

    Returns:
        The fp32 plan ``T`` of ``cost``'s shape, rows summing to ``a`` and columns to
        ``b``. When ``cost`` requires grad, ``T`` is differentiable through the
        iterations (autodiff); pass ``cost.detach()`` to avoid that graph.
    """
    if eps <= 0:
        raise ValueError(f'sinkhorn_plan needs eps > 0 (entropic regularisation), got {eps}')
    if cost.dim() not in (2, 3) or 0 in cost.shape:
        raise ValueError('sinkhorn_plan needs a cost [Nb, Nf] or [B, Nb, Nf], got shape '
                         f'{tuple(cost.shape)}')
    # Imported here: `import ot` takes about 4 s of CPU, which every tool start (train, test,
    # each run of tools/experiments.py) paid through `import coc`, solving OT or not.
    import ot
    import ot.batch
    with _fp32(cost):
        cost = cost.float()
        a = None if a is None else a.to(cost)
        b = None if b is None else b.to(cost)
        grad = 'autodiff' if cost.requires_grad else 'detach'
        if cost.dim() == 2:
            # ot.solve with a regularisation runs POT's log-domain sinkhorn_log.
            return ot.solve(cost, a, b, reg=eps, reg_type='entropy', max_iter=num_iters,
                            tol=tol, grad=grad).plan
        return ot.batch.solve_batch(cost, eps, a, b, max_iter=num_iters, tol=tol,
                                    method='log_sinkhorn', grad=grad).plan

"""Global-batch pairing across processes: gather features, share decisions, fetch chosen rows.

With N processes of B images per stream each, pairing must see all N*B backgrounds and
foregrounds (as ``nn.DataParallel`` did in the research notes' best row,
docs/results/reference.md): features are gathered, every rank solves the same pairing,
rank 0's choice is broadcast so that random strategies agree too, and only the chosen
background images travel (``all_to_all``), never the whole batch. Without a process group
every function is the identity.
"""
from typing import Tuple

import torch
import torch.distributed as dist
from mmengine.dist import get_dist_info
from torch import Tensor


def gather_rows(local: Tensor) -> Tuple[Tensor, int]:
    """Concatenate ``local [B, ...]`` of every rank in rank order; returns ``(all, offset)``
    with ``offset`` = where this rank's rows start.

    This rank's slice is ``local`` itself, so autograd reaches this rank's features only.
    Every rank computes the same global loss from the same gathered tensor, and DDP averages
    gradients over ranks: scale such a loss by the world size to get the gradient of one
    process on the concatenated batch (cheaper than an autograd all_gather).
    """
    rank, world = get_dist_info()
    if world == 1:
        return local, 0
    sizes = [torch.zeros(1, dtype=torch.long, device=local.device) for _ in range(world)]
    dist.all_gather(sizes, torch.tensor([local.shape[0]], device=local.device))
    if any(int(s) != local.shape[0] for s in sizes):
        raise ValueError(f'global-batch pairing needs the same batch on every process, got '
                         f'{[int(s) for s in sizes]}: keep drop_last=True in TwoStreamBatchSampler')
    parts = [torch.empty_like(local) for _ in range(world)]
    dist.all_gather(parts, local.detach().contiguous())
    parts[rank] = local
    return torch.cat(parts), rank * local.shape[0]


def broadcast_from_first(tensor: Tensor) -> Tensor:
    """Rank 0's ``tensor`` on every rank (random draws that all ranks must share)."""
    if get_dist_info()[1] > 1:
        tensor = tensor.contiguous()
        dist.broadcast(tensor, src=0)
    return tensor


def fetch_rows(local: Tensor, wanted: Tensor) -> Tensor:
    """Rows ``wanted`` (global indices into the rank-ordered concatenation of every rank's
    ``local``) for this rank, fetched with one ``all_to_all`` of the chosen rows only.

    ``wanted [N*Bf]`` is the same on every rank; this rank receives the rows of its slice
    ``wanted[rank*Bf:(rank+1)*Bf]``.
    """
    rank, world = get_dist_info()
    if world == 1:
        return local[wanted]
    per_rank, want_per_rank = local.shape[0], wanted.numel() // world
    owner = torch.div(wanted, per_rank, rounding_mode='floor').view(world, want_per_rank)
    row = (wanted % per_rank).view(world, want_per_rank)
    # Send to each rank the rows it wants from me, in the order it wants them.
    send_rows = [row[dest][owner[dest] == rank] for dest in range(world)]
    send = local[torch.cat(send_rows)].contiguous()
    mine = owner[rank]
    recv_counts = [int((mine == src).sum()) for src in range(world)]
    recv = local.new_empty((want_per_rank, *local.shape[1:]))
    dist.all_to_all_single(recv, send, recv_counts, [len(r) for r in send_rows])
    # ``recv`` is grouped by source rank; put each row back at its position in the slice.
    order = torch.cat([torch.nonzero(mine == src).flatten() for src in range(world)])
    out = torch.empty_like(recv)
    out[order.to(recv.device)] = recv
    return out

"""Global-batch pairing across processes: gather features, share decisions, fetch chosen rows.

With N processes of B images per stream each, pairing must see all N*B backgrounds and
foregrounds (as ``nn.DataParallel`` did in the research notes' best row,
docs/results/reference.md): features are gathered, every rank solves the same pairing,
rank 0's choice is broadcast so that random strategies agree too, and only the chosen
background images travel (``all_to_all``), never the whole batch. Without a process group
every function is the identity.

Host transfers: the step's draws and every process's batch size come back in one read
(``PairingExchange.agree``); the owners of the chosen backgrounds in one more (``RowFetch``),
whose split sizes serve the ``all_to_all`` of every fetched tensor.
"""
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.dist import get_dist_info
from torch import Tensor


def broadcast_from_first(tensor: Tensor) -> Tensor:
    """Rank 0's ``tensor`` on every rank (random draws that all ranks must share)."""
    if get_dist_info()[1] > 1:
        tensor = tensor.contiguous()
        dist.broadcast(tensor, src=0)
    return tensor


class RowFetch:
    """The ``all_to_all`` that brings each rank the rows ``wanted`` (global indices into the
    rank-ordered concatenation of every rank's ``per_rank`` rows) of its slice
    ``wanted[rank*Bf:(rank+1)*Bf]``. ``wanted`` is the same on every rank; one host read of
    its owners gives the split sizes, the indices stay on its device, and the plan serves every
    tensor fetched by those indices."""

    def __init__(self, wanted: Tensor, per_rank: int) -> None:
        rank, world = get_dist_info()
        self.rows = wanted.numel() // world
        owner = torch.div(wanted, per_rank, rounding_mode='floor').view(world, self.rows)
        row = (wanted % per_rank).view(world, self.rows)
        owners = owner.cpu().tolist()  # the one host transfer
        self.send_counts = [asked.count(rank) for asked in owners]
        self.recv_counts = [owners[rank].count(src) for src in range(world)]
        # Send to each rank the rows it wants from me, in the order it wants them: a stable
        # sort by distance to my rank puts mine first.
        mine_first = row.gather(1, torch.sort((owner - rank).abs(), dim=1, stable=True).indices)
        self.send_index = torch.cat([mine_first[dest, :count]
                                     for dest, count in enumerate(self.send_counts)])
        # What arrives is grouped by source rank; ``place[k]`` is where row k of the slice is.
        arrival = torch.sort(owner[rank], stable=True).indices
        self.place = torch.empty_like(arrival)
        self.place[arrival] = torch.arange(self.rows, device=arrival.device)

    def __call__(self, local: Tensor) -> Tensor:
        recv = local.new_empty((self.rows, *local.shape[1:]))
        dist.all_to_all_single(recv, local[self.send_index].contiguous(), self.recv_counts,
                               self.send_counts)
        return recv[self.place]


class PairingExchange:
    """What the processes exchange for one pairing over their global batch.

    Args:
        global_pairing: pair over every process's batch; False: each process pairs its own
            (then only :meth:`agree` talks to the other processes).
    """

    def __init__(self, global_pairing: bool = True) -> None:
        self.global_pairing = global_pairing

    @property
    def world(self) -> int:
        """How many processes' batches one pairing spans."""
        return get_dist_info()[1] if self.global_pairing else 1

    def agree(self, draws: Tensor, rows: Optional[int] = None) -> List[int]:
        """Rank 0's integer ``draws`` on every rank, so that all take the same branch (and
        call the same collectives). With global pairing, also checks that every process holds
        ``rows`` images per stream, before any are gathered. One collective, one host read."""
        world = get_dist_info()[1]
        if world == 1:
            return draws.cpu().tolist()
        mine = torch.cat([draws.long(), draws.new_tensor([-1 if rows is None else rows]).long()])
        every = [torch.empty_like(mine) for _ in range(world)]
        dist.all_gather(every, mine)
        every = torch.stack(every).cpu().tolist()  # the one host transfer
        sizes = [values[-1] for values in every]
        if self.global_pairing and rows is not None and len(set(sizes)) > 1:
            raise ValueError(f'global-batch pairing needs the same batch on every process, got '
                             f'{sizes}: keep drop_last=True in TwoStreamBatchSampler')
        return every[0][:-1]

    def gather(self, *tensors: Optional[Tensor]) -> Tuple[Optional[Tensor], ...]:
        """Each tensor ``[B, ...]`` of every rank, concatenated in rank order (None stays
        None); every rank holds B rows (:meth:`agree` checks it).

        This rank's slice is its tensor itself, so autograd reaches this rank's rows only: see
        :meth:`share` for the loss computed from them.
        """
        world = self.world
        if world == 1:
            return tensors
        rank = get_dist_info()[0]
        gathered = []
        for local in tensors:
            if local is not None:
                parts = [torch.empty_like(local) for _ in range(world)]
                dist.all_gather(parts, local.detach().contiguous())
                parts[rank] = local
                local = torch.cat(parts)
            gathered.append(local)
        return tuple(gathered)

    def share(self, bg_index: Tensor,
              cost: Optional[Tensor]) -> Tuple[Tensor, Optional[Tensor]]:
        """Rank 0's pairs on every rank (random strategies agree too), and the transport cost
        computed from :meth:`gather`'s features with the gradient one process would get on
        the concatenated batch."""
        world = self.world
        if world == 1:
            return bg_index, cost
        bg_index = broadcast_from_first(bg_index)
        if cost is not None:
            # Same value, world-size times the gradient: DDP averages the per-rank
            # gradients, and each rank's features carry grad in its own slice only.
            cost = cost * world - cost.detach() * (world - 1)
        return bg_index, cost

    def take(self, bg_index: Tensor, *tensors: Optional[Tensor]) -> Tuple[Optional[Tensor], ...]:
        """Rows ``bg_index`` of this process's background tensors (None stays None); global
        indices, fetched from their processes by one :class:`RowFetch`, when pairing
        globally."""
        if self.world == 1:
            return tuple(None if rows is None else rows[bg_index] for rows in tensors)
        fetch = RowFetch(bg_index, tensors[0].shape[0])
        return tuple(None if rows is None else fetch(rows) for rows in tensors)

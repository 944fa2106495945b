"""Broadcast reference of the context-cluster operation: the test oracle and speed baseline.

Aggregation and dispatch are written as the authors' implementation computes them, by
broadcasting over a ``[B', M, N, D]`` tensor (memory grows with centers x points x channels).
The f and v convs run on the whole map and their outputs are partitioned and pooled, as
the authors do; region partition and padding are shared with :class:`Cluster`, so the two
must agree to float rounding.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .context_cluster import Cluster, RegionPartition


class BroadcastCluster(Cluster):
    """:class:`Cluster` with the reference's broadcast arithmetic (same parameters and keys)."""

    def forward(self, x: torch.Tensor, return_assignment: bool = False):
        batch, _, height, width = x.shape
        regions = RegionPartition((height, width), self.fold if self.partitioned else (1, 1),
                                  x.device)
        heads_first = (batch * self.heads, self.head_dim, height, width)
        feat = regions.split(self.f(x).view(heads_first))
        value = regions.split(self.v(x).view(heads_first))
        valid = regions.valid(x)
        out, assignment = self._cluster(
            feat.flatten(0, 2).flatten(-2), value.flatten(0, 2).flatten(-2),
            regions.pool(feat, self.proposal), regions.pool(value, self.proposal),
            None if valid is None else valid.repeat(batch * self.heads, 1, 1))
        out = self.proj(regions.merge(out).reshape(batch, -1, height, width))
        if not return_assignment:
            return out
        num_centers = self.proposal[0] * self.proposal[1]
        offsets = torch.arange(regions.num_regions, device=x.device) * num_centers
        points = assignment.shape[-1]
        assignment = assignment.view(-1, regions.num_regions, points) + offsets[:, None]
        assignment = regions.merge(assignment.view(-1, 1, points))
        return out, assignment.reshape(batch, self.heads, height, width)

    def _cluster(self, points, values, centers, value_centers, valid):
        points, values = points.transpose(1, 2), values.transpose(1, 2)  # [G, N, D]
        centers, value_centers = centers.transpose(1, 2), value_centers.transpose(1, 2)  # [G, M, D]
        cos = F.normalize(centers, dim=-1) @ F.normalize(points, dim=-1).transpose(1, 2)
        sim = torch.sigmoid(self.sim_beta + self.sim_alpha * cos)  # [G, M, N]
        _, assignment = sim.max(dim=1, keepdim=True)
        mask = torch.zeros_like(sim).scatter_(1, assignment, 1.)
        if valid is not None:
            mask = mask * valid
        sim = sim * mask
        normaliser = (mask if self.legacy_normalizer else sim).sum(dim=-1, keepdim=True) + 1.
        aggregated = (values.unsqueeze(1) * sim.unsqueeze(-1)).sum(dim=2)  # [G, M, D]
        clusters = (aggregated + value_centers) / normaliser
        out = (clusters.unsqueeze(2) * sim.unsqueeze(-1)).sum(dim=1)  # [G, N, D]
        return out.transpose(1, 2), assignment.squeeze(1)


def to_broadcast_reference(model: nn.Module) -> nn.Module:
    """Swap every :class:`Cluster` in ``model`` (in place) for a :class:`BroadcastCluster`
    with the same settings, weights and mode; returns ``model``."""
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if type(child) is Cluster:
                reference = BroadcastCluster(child.f.in_channels, heads=child.heads,
                                             head_dim=child.head_dim, proposal=child.proposal,
                                             fold=child.fold,
                                             legacy_normalizer=child.legacy_normalizer)
                reference.load_state_dict(child.state_dict())
                setattr(parent, name, reference.to(child.f.weight).train(child.training))
    return model

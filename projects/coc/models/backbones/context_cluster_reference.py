"""Broadcast reference of the context-cluster operation: the test oracle and speed baseline.

Aggregation and dispatch are written as the authors' implementation computes them, by
broadcasting over a ``[B', M, N, D]`` tensor (memory grows with centers x points x channels).
Region partition, padding and center pooling are shared with :class:`Cluster`; only the
clustering arithmetic differs, so the two must agree to float rounding.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .context_cluster import Cluster


class BroadcastCluster(Cluster):
    """:class:`Cluster` with the reference's broadcast arithmetic (same parameters and keys)."""

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
        clusters = ((values.unsqueeze(1) * sim.unsqueeze(-1)).sum(dim=2) + value_centers) / normaliser
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

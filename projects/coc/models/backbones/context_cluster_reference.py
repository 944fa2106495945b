"""Broadcast reference of the context-cluster block: the test oracle and speed baseline.

Aggregation and dispatch are written as the authors' implementation computes them, by
broadcasting over a ``[B', M, N, D]`` tensor (memory grows with centers x points x channels).
The f and v convs run on the whole map and their outputs are partitioned and pooled, on
channels-first maps, and the MLP keeps every intermediate, as the authors do; region
partition and padding are shared with :class:`Cluster`, so the two must agree to float
rounding.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .context_cluster import ChannelsLastMlp, Cluster, RegionPartition


class BroadcastCluster(Cluster):
    """:class:`Cluster` with the reference's broadcast arithmetic (same parameters and keys)."""
    memory_format = torch.contiguous_format

    def forward(self, x: torch.Tensor, return_assignment: bool = False):
        batch, _, height, width = x.shape
        regions = RegionPartition((height, width), self.fold if self.partitioned else (1, 1),
                                  x.device)

        def heads_split(features):  # [B, heads * head_dim, H, W] -> split's layout
            features = features.reshape(batch * self.heads, self.head_dim, height, width)
            return regions.split(features.permute(0, 2, 3, 1))

        feat, value = heads_split(self.f(x)), heads_split(self.v(x))
        num_points = regions.extent[0] * regions.extent[1]
        valid = regions.valid(x)
        out, assignment = self._cluster(
            feat.view(-1, num_points, self.head_dim), value.view(-1, num_points, self.head_dim),
            regions.pool(feat, self.proposal), regions.pool(value, self.proposal),
            None if valid is None else valid.repeat(batch * self.heads, 1).unsqueeze(1))
        out = regions.merge(out.view(feat.shape)).permute(0, 3, 1, 2)
        out = self.proj(out.reshape(batch, -1, height, width))
        if not return_assignment:
            return out
        num_centers = self.proposal[0] * self.proposal[1]
        offsets = torch.arange(regions.num_regions, device=x.device) * num_centers
        assignment = assignment.view(-1, regions.num_regions, num_points) + offsets[:, None]
        assignment = regions.merge(assignment.view(*feat.shape[:-1], 1))
        return out, assignment.reshape(batch, self.heads, height, width)

    def _cluster(self, points, values, centers, value_centers, valid):
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
        return out, assignment.squeeze(1)


class ReferenceMlp(ChannelsLastMlp):
    """:class:`ChannelsLastMlp` as the authors run it: the modules one after the other,
    every intermediate kept for backward."""
    fused = False


def to_broadcast_reference(model: nn.Module) -> nn.Module:
    """Swap every :class:`Cluster` in ``model`` (in place) for a :class:`BroadcastCluster` and
    every :class:`ChannelsLastMlp` for a :class:`ReferenceMlp`, with the same settings,
    weights and mode; returns ``model``."""
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if type(child) is Cluster:
                reference = BroadcastCluster(child.f.in_channels, heads=child.heads,
                                             head_dim=child.head_dim, proposal=child.proposal,
                                             fold=child.fold,
                                             legacy_normalizer=child.legacy_normalizer)
            elif type(child) is ChannelsLastMlp:
                reference = ReferenceMlp(child.fc1.in_features, child.fc1.out_features,
                                         act_cfg=child.act_cfg, drop=child.drop.p)
            else:
                continue
            reference.load_state_dict(child.state_dict())
            setattr(parent, name, reference.to(next(child.parameters())).train(child.training))
    return model

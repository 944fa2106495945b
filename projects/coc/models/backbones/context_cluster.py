"""Context Cluster backbone ("Image as Set of Points", Ma et al., ICLR 2023) for MMPretrain.

An image is a set of points (pixels with their colour and two position channels); each block
clusters the points of a region around a few pooled centers, aggregates every cluster into
one feature and dispatches it back to the cluster's points (arXiv:2303.01494, Sec. 3).
"""
import math
from functools import lru_cache, partial, reduce
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath, build_activation_layer, build_norm_layer
from mmengine.model import PretrainedInit, initialize, update_init_info
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS

from .backbone_transfer import load_backbone_weights

IntPair = Union[int, Tuple[int, int]]


def _pair(value: IntPair) -> Tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _axis_layout(size: int, count: int):
    """Where each point of an axis split like ``numpy.array_split(range(size), count)`` sits
    in a layout of ``count`` regions padded to equal length: (gather index into the axis
    extended by one zero point, scatter index of every point into the layout)."""
    short, num_long = divmod(size, count)
    extent = short + (num_long > 0)
    gather, scatter = [], []
    for region in range(count):
        start, length = region * short + min(region, num_long), short + (region < num_long)
        gather += [start + j if j < length else size for j in range(extent)]
        scatter += [region * extent + j for j in range(length)]
    return gather, scatter


@lru_cache(maxsize=None)
def average_pool_matrix(size: Tuple[int, int], output_size: Tuple[int, int],
                        dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``[H * W, out_h * out_w]`` matrix ``K`` with ``x.flatten(-2) @ K`` equal to
    ``F.adaptive_avg_pool2d(x, output_size).flatten(-2)`` (same bins: ``floor(i * H / out)``
    to ``ceil((i + 1) * H / out)``); cached per shape, dtype and device.

    A matmul instead of the pooling op: ``adaptive_avg_pool2d_backward_cuda`` has no
    deterministic implementation, so ``torch.use_deterministic_algorithms(True)`` would
    refuse every backward; a matmul's backward is another matmul.
    """
    def bins(length: int, count: int) -> torch.Tensor:
        index = torch.arange(length, dtype=torch.float64)
        start = torch.tensor([i * length // count for i in range(count)])
        end = torch.tensor([-(-(i + 1) * length // count) for i in range(count)])
        inside = (index >= start[:, None]) & (index < end[:, None])
        return inside / (end - start).double()[:, None]  # [count, length]

    # inference_mode(False): a matrix first built under inference mode could not be saved for
    # a later backward.
    with torch.inference_mode(False), torch.no_grad():
        rows, cols = bins(size[0], output_size[0]), bins(size[1], output_size[1])
        weights = torch.einsum('ia,jb->abij', rows, cols).reshape(size[0] * size[1], -1)
        return weights.to(dtype=dtype, device=device)


class RegionPartition:
    """The regions of an ``H x W`` map cut ``fold`` times per axis.

    Regions are sized like ``numpy.array_split``: the first ``size % fold`` regions of an
    axis are one point longer, so a side that does not divide still gives ``fold`` regions
    (or one per point on sides shorter than ``fold``), never empty or very short ones. The
    regions are zero-padded to a common extent; ``valid`` marks the real points. When the
    sides divide this is the reference's equal split and costs only a reshape.
    """

    def __init__(self, size: Tuple[int, int], fold: Tuple[int, int], device: torch.device):
        self.size = size
        self.count = tuple(min(f, s) for f, s in zip(fold, size))
        self.short = tuple(s // c for s, c in zip(size, self.count))
        self.num_long = tuple(s % c for s, c in zip(size, self.count))
        self.extent = tuple(q + (r > 0) for q, r in zip(self.short, self.num_long))
        self.even = not any(self.num_long)
        if not self.even:
            layouts = [_axis_layout(s, c) for s, c in zip(size, self.count)]
            self.gather = [torch.tensor(g, device=device) for g, _ in layouts]
            self.scatter = [torch.tensor(s, device=device) for _, s in layouts]

    @property
    def num_regions(self) -> int:
        return self.count[0] * self.count[1]

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """Channels-last points ``[B', H, W, D]`` (any strides) ->
        ``[B', count_h, count_w, extent_h, extent_w, D]``, contiguous: each region's points
        are consecutive rows of ``D`` channels."""
        if not self.even:
            x = F.pad(x, (0, 0, 0, 1, 0, 1))[:, self.gather[0][:, None], self.gather[1][None, :]]
        x = x.reshape(x.shape[0], self.count[0], self.extent[0], self.count[1], self.extent[1],
                      x.shape[-1])
        return x.permute(0, 1, 3, 2, 4, 5).contiguous()

    def merge(self, x: torch.Tensor) -> torch.Tensor:
        """``split``'s layout ``[B', count_h, count_w, extent_h, extent_w, D]`` ->
        ``[B', H, W, D]``."""
        x = x.permute(0, 1, 3, 2, 4, 5).reshape(x.shape[0], self.count[0] * self.extent[0],
                                                self.count[1] * self.extent[1], x.shape[-1])
        if not self.even:
            x = x[:, self.scatter[0][:, None], self.scatter[1][None, :]]
        return x

    def valid(self, like: torch.Tensor) -> Optional[torch.Tensor]:
        """``[regions, extent_h * extent_w]`` mask of real points; None without padding."""
        if self.even:
            return None
        ones = like.new_ones(1, *self.size, 1)
        return self.split(ones).view(self.num_regions, -1)

    def pool(self, regions: torch.Tensor, output_size: Tuple[int, int]) -> torch.Tensor:
        """Adaptive average pool of each region's real points: ``split`` output ->
        ``[B' * regions, output_h * output_w, D]``."""
        rows = []
        for row_slice, height in self._parts(0):
            cols = []
            for col_slice, width in self._parts(1):
                block = regions[:, row_slice, col_slice, :height, :width]
                # Sizes traced as symbols (dynamic-shape ONNX export) cannot key the cache.
                build = average_pool_matrix.__wrapped__ if isinstance(
                    height * width, torch.SymInt) else average_pool_matrix
                weights = build((height, width), output_size, regions.dtype, regions.device)
                # Kept in the input's precision under autocast, as adaptive_avg_pool2d was.
                with torch.autocast(regions.device.type, enabled=False):
                    pooled = weights.t() @ block.reshape(-1, height * width, block.shape[-1])
                cols.append(pooled.view(*block.shape[:3], *pooled.shape[-2:]))
            rows.append(torch.cat(cols, dim=2) if len(cols) > 1 else cols[0])
        return (torch.cat(rows, dim=1) if len(rows) > 1 else rows[0]).flatten(0, 2)

    def _parts(self, axis: int):
        """(region slice, real extent) of the long and the short regions of an axis."""
        num_long, count = self.num_long[axis], self.count[axis]
        parts = [(slice(0, num_long), self.extent[axis])] if num_long else []
        return parts + [(slice(num_long, count), self.short[axis])]


def _tracing() -> bool:
    """Under a tracer (FLOP counting, ONNX export, torch.compile), where shapes may be symbols
    and Python-level chunking is neither needed nor traceable."""
    return torch.jit.is_tracing() or torch.compiler.is_compiling()


class _PointNorm(torch.autograd.Function):
    """``max(|points|, 1e-12)`` over the channels (last dim), F.normalize's divisor:
    ``[G, N, D] -> [G, 1, N]``, laid out to divide the ``[G, M, N]`` cosines.

    Its backward is one product with the points; autograd's square / sum / sqrt chain takes
    three passes over them.

    Squares are summed in at least fp32 and the norm cast back: under fp16 autocast a point
    entry above 256 would square to inf (and its cosines to 0). The floor is raised to fp16's
    smallest normal number, which 1e-12 would underflow.
    """

    @staticmethod
    def forward(ctx, points):
        wide = torch.promote_types(points.dtype, torch.float32)
        norms = points.to(wide).square().sum(dim=-1).sqrt().unsqueeze(1)
        ctx.eps = max(1e-12, torch.finfo(points.dtype).tiny)
        ctx.save_for_backward(points, norms)
        return norms.clamp_min(ctx.eps).to(points.dtype)

    @staticmethod
    def backward(ctx, grad):
        points, norms = ctx.saved_tensors
        scale = torch.where(norms >= ctx.eps, grad.to(norms.dtype) / norms, 0.)
        return (points * scale.transpose(1, 2)).to(points.dtype)


class Cluster(nn.Module):
    """Context-cluster token mixer (arXiv:2303.01494, Eq. 1-2).

    Per head: points are assigned (hard, argmax) to the ``proposal`` centers adaptively
    pooled in their region, ``sim = sigmoid(beta + alpha * cos(center, point))``; a cluster
    aggregates ``g = (value_center + sum sim * v) / (1 + sum sim)`` and each point receives
    ``sim * g``. Aggregation and dispatch are two batched matrix products with the masked
    similarity ``[B', M, N]`` instead of the reference's ``[B', M, N, D]`` broadcast.

    Sides that do not divide by the fold (the reference asserts they do): the side is split
    like ``numpy.array_split`` - e.g. 57 rows by 8 regions: 1 region of 8 rows, then 7 of 7 -
    and every region is clustered exactly as the reference clusters a region, with
    ``proposal`` centers pooled from its own points (see :class:`RegionPartition`). Padding
    used to batch unequal regions is never pooled, assigned or aggregated. Sides that divide
    give exactly the reference's partition. As in the reference, a region shorter than the
    proposal (only on maps smaller than ``fold * proposal``) gets duplicate centers.

    Args:
        dim: input and output channels.
        heads: clustering heads (the channels are split among them).
        head_dim: channels per head of the similarity and value features.
        proposal: centers per region along (rows, cols) - the reference's
            ``(proposal_w, proposal_h)``: its ``w`` is tensor dim 2, the height.
        fold: regions along (rows, cols) - the reference's ``(fold_w, fold_h)``. As in the
            reference the map is partitioned only when both are > 1.
        legacy_normalizer: use the paper-era Eq. 1 normaliser ``1 + number of points in the
            cluster`` (the reference's ``mask.sum``, fixed in its 2023 retrain) instead of
            ``1 + sum of their similarities``; for checkpoints trained with it.
        recompute: keep only the input for backward and recompute the rest, chunk by chunk
            of images (activation checkpointing of the token mixer alone): same values, less
            memory, one more Cluster forward per step.
    """
    # The layout of the maps a block hands this token mixer (read without copies).
    memory_format = torch.channels_last

    def __init__(self, dim: int, heads: int = 4, head_dim: int = 24, proposal: IntPair = 2,
                 fold: IntPair = 1, legacy_normalizer: bool = False, recompute: bool = False):
        super().__init__()
        self.recompute = recompute
        self.heads = heads
        self.head_dim = head_dim
        self.proposal = _pair(proposal)
        self.fold = _pair(fold)
        self.legacy_normalizer = legacy_normalizer
        self.f = nn.Conv2d(dim, heads * head_dim, kernel_size=1)
        self.v = nn.Conv2d(dim, heads * head_dim, kernel_size=1)
        self.proj = nn.Conv2d(heads * head_dim, dim, kernel_size=1)
        self.sim_alpha = nn.Parameter(torch.ones(1))
        self.sim_beta = nn.Parameter(torch.zeros(1))

    @property
    def partitioned(self) -> bool:
        return min(self.fold) > 1

    def extra_repr(self) -> str:
        return (f'heads={self.heads}, head_dim={self.head_dim}, proposal={self.proposal}, '
                f'fold={self.fold}, legacy_normalizer={self.legacy_normalizer}')

    def forward(self, x: torch.Tensor, return_assignment: bool = False):
        """``x [B, dim, H, W]`` -> ``[B, dim, H, W]`` (channels-last strides); with
        ``return_assignment`` also the center id of every point, ``[B, heads, H, W]``
        (LongTensor): region ``r`` (row-major over regions) and local center ``m`` (row-major
        over the proposal grid) give ``r * proposal[0] * proposal[1] + m``.

        The 1x1 convs commute with moving points and (being affine) with average pooling,
        so the ``dim``-channel input is partitioned and pooled once, instead of the wider f
        and v outputs. Points stay channels-last throughout: the convs are products over
        rows of points, and groups ordered (head, batch, region) let every product read its
        operands in place. On CPU (CoC-Tiny stage 0, batch 32) this layout made the Cluster's
        step 1.3-1.4x faster than channels-first with 1x1 convolutions on the regions, whose
        many 7x7 maps oneDNN handles poorly (docs/coc_tools.md, section 4).

        On CPU a large batch runs in chunks of images whose f and v outputs hold at most
        2^22 values (16 MiB in fp32): allocations that size are reused by glibc's heap, while
        those above its 32 MiB mmap ceiling are fresh pages from the kernel at every step (a quarter less time at CoC-Tiny's stage 0,
        batch 32). Every image is clustered on its own, so chunks change no value."""
        images = x.shape[0]
        if x.device.type == 'cpu' and not _tracing():
            images = max(1, 2**22 // (x.shape[2] * x.shape[3] * 2 * self.heads * self.head_dim))
        forward = self._forward
        if self.recompute and torch.is_grad_enabled():
            forward = partial(cp.checkpoint, self._forward, use_reentrant=False)
        if images >= x.shape[0]:
            return forward(x, return_assignment)
        outs = [forward(chunk, return_assignment) for chunk in x.split(images)]
        if not return_assignment:
            return torch.cat(outs)
        return tuple(torch.cat(parts) for parts in zip(*outs))

    def _forward(self, x: torch.Tensor, return_assignment: bool):
        batch, channels, height, width = x.shape
        regions = RegionPartition((height, width), self.fold if self.partitioned else (1, 1),
                                  x.device)
        parts = regions.split(x.permute(0, 2, 3, 1))  # [B, count_h, count_w, eh, ew, dim]
        num_points = regions.extent[0] * regions.extent[1]
        num_centers = self.proposal[0] * self.proposal[1]
        weight, bias = self._fused_fv_weights()
        # expand: every head's product reads the same points, none is copied.
        fv = torch.baddbmm(bias, parts.view(1, -1, channels).expand(self.heads, -1, -1), weight)
        fv_centers = torch.baddbmm(bias, regions.pool(parts, self.proposal).view(
            1, -1, channels).expand(self.heads, -1, -1), weight)
        # unbind, not slicing: its backward stacks the gradients instead of zero-filling
        # a full-size gradient per slice.
        feat, value = fv.view(-1, num_points, 2, self.head_dim).unbind(2)
        centers, value_centers = fv_centers.view(-1, num_centers, 2, self.head_dim).unbind(2)
        valid = regions.valid(x)
        if valid is not None:
            valid = valid.expand(self.heads, batch, -1, -1).reshape(-1, 1, num_points)
        out, assignment = self._cluster(feat, value, centers, value_centers, valid)
        # Heads back into the channels for proj: [heads, points, head_dim] -> [points, C].
        out = out.view(self.heads, -1, self.head_dim).transpose(0, 1).reshape(
            -1, self.heads * self.head_dim)
        out = F.linear(out, self.proj.weight.flatten(1), self.proj.bias)
        out = regions.merge(out.view(parts.shape)).permute(0, 3, 1, 2)
        if not return_assignment:
            return out
        offsets = torch.arange(regions.num_regions, device=x.device) * num_centers
        assignment = assignment.view(self.heads, batch, regions.num_regions, -1) + offsets[:, None]
        assignment = assignment.permute(1, 2, 3, 0).reshape(*parts.shape[:-1], self.heads)
        return out, regions.merge(assignment).permute(0, 3, 1, 2)

    def _fused_fv_weights(self):
        """The f and v convs as one product per head (keys unchanged): ``[heads, dim,
        2 * head_dim]`` weights (f's channels, then v's) and ``[heads, 1, 2 * head_dim]`` bias."""
        heads, head_dim = self.heads, self.head_dim
        weight = torch.cat([self.f.weight.view(heads, head_dim, -1),
                            self.v.weight.view(heads, head_dim, -1)], dim=1)
        bias = torch.cat([self.f.bias.view(heads, head_dim), self.v.bias.view(heads, head_dim)],
                         dim=1)
        return weight.transpose(1, 2), bias.unsqueeze(1)

    def _cluster(self, points, values, centers, value_centers, valid):
        """Cluster ``points [G, N, D]`` around ``centers [G, M, D]`` of their region and mix
        ``values``; ``valid [G, 1, N]`` masks padding (or is None). Returns the dispatched
        features ``[G, N, D]`` and each point's local center ``[G, N]``."""
        # Normalising the points after the product divides [G, M, N], not [G, N, D].
        cos = torch.bmm(F.normalize(centers, dim=-1), points.transpose(1, 2)) / _PointNorm.apply(
            points)
        sim = torch.sigmoid(self.sim_beta + self.sim_alpha * cos)  # [G, M, N]
        _, assignment = sim.max(dim=1)
        mask = torch.zeros_like(sim).scatter_(1, assignment.unsqueeze(1), 1.)
        if valid is not None:
            mask = mask * valid
        sim = sim * mask
        weight = mask if self.legacy_normalizer else sim
        clusters = (torch.bmm(sim, values) + value_centers) / (
            1. + weight.sum(dim=-1, keepdim=True))  # [G, M, D]
        return torch.bmm(sim.transpose(1, 2), clusters), assignment


def _mlp_chunk_rows(points: torch.Tensor, hidden: int) -> int:
    """Rows of points per chunk of :class:`_FusedGeluMlp`: on CPU about 2^20 hidden values
    (4 MiB in fp32, cache-resident: 4096 points at CoC-Tiny's stage 0, the fastest of 1024 to
    16384 there); on GPUs one chunk, where small kernels would starve the device."""
    return points.shape[0] if points.device.type != 'cpu' else max(1, 2**20 // hidden)


class _FusedGeluMlp(torch.autograd.Function):
    """``fc2(GELU(fc1(points)))`` over ``[P, C]`` points, in chunks of rows that stay in cache.

    Autograd would keep fc1's output and the GELU's for backward: two ``[P, hidden]`` tensors,
    the largest of a CoC block (hidden is 8 x C on the first stages; 206 MB per block at
    CoC-Tiny's stage 0, batch 32), written to and read back from memory. Here only fc1's output
    is kept, chunk by chunk, and backward recomputes the GELU from it; with ``recompute`` not
    even that: backward recomputes each chunk's fc1 product from the saved input. On CPU the
    default beat autograd's MLP on the large stage maps (CoC-Tiny stage 0: 1.4x), where the
    memory traffic costs more than the recomputed GELU (docs/coc_tools.md, section 4).
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type='cuda')
    def forward(ctx, points, fc1_weight, fc1_bias, fc2_weight, fc2_bias, recompute):
        rows = _mlp_chunk_rows(points, fc1_weight.shape[0])
        hidden = [torch.addmm(fc1_bias, chunk, fc1_weight.t()) for chunk in points.split(rows)]
        ctx.recompute = recompute
        ctx.save_for_backward(points, fc1_weight, fc1_bias, fc2_weight,
                              *([] if recompute else hidden))
        return torch.cat([torch.addmm(fc2_bias, F.gelu(h), fc2_weight.t()) for h in hidden])

    @staticmethod
    @torch.amp.custom_bwd(device_type='cuda')
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        points, fc1_weight, fc1_bias, fc2_weight, *kept = ctx.saved_tensors
        need_points, need_fc1_weight, need_fc1_bias, need_fc2_weight, need_fc2_bias, _ = (
            ctx.needs_input_grad)
        grad_fc1_weight, grad_fc1_bias, grad_fc2_weight = (
            torch.zeros_like(p) for p in (fc1_weight, fc1_bias, fc2_weight))
        grad_points = []
        rows = _mlp_chunk_rows(points, fc1_weight.shape[0])
        chunks, grads = points.split(rows), grad.split(rows)
        hidden = (torch.addmm(fc1_bias, chunk, fc1_weight.t()) for chunk in chunks) if (
            ctx.recompute) else kept
        for chunk, grad_chunk, hidden_chunk in zip(chunks, grads, hidden):
            grad_hidden = torch.ops.aten.gelu_backward(grad_chunk @ fc2_weight, hidden_chunk)
            if need_fc2_weight:
                grad_fc2_weight += grad_chunk.t() @ F.gelu(hidden_chunk)
            if need_fc1_weight:
                grad_fc1_weight += grad_hidden.t() @ chunk
            if need_fc1_bias:
                grad_fc1_bias += grad_hidden.sum(dim=0)
            if need_points:
                grad_points.append(grad_hidden @ fc1_weight)
        return (torch.cat(grad_points) if need_points else None,
                grad_fc1_weight if need_fc1_weight else None,
                grad_fc1_bias if need_fc1_bias else None,
                grad_fc2_weight if need_fc2_weight else None,
                grad.sum(dim=0) if need_fc2_bias else None, None)


class ChannelsLastMlp(nn.Module):
    """``Linear -> act -> Dropout -> Linear -> Dropout`` over the channels of a
    ``[B, C, H, W]`` map (the reference's Mlp, Linear layers named ``fc1``/``fc2``).

    Channels-last maps are read and written in place. While training with the exact GELU and
    no dropout (CoC's setting), :class:`_FusedGeluMlp` computes it on large maps keeping one
    hidden activation instead of two, or on any map none with ``recompute=True`` (same
    values, less memory, one more product in backward); :attr:`fused` = False always runs
    the modules one after the other.
    """
    fused = True

    def __init__(self, dim: int, hidden_dim: int, act_cfg=dict(type='GELU'), drop: float = 0.,
                 recompute: bool = False):
        super().__init__()
        self.act_cfg = act_cfg
        self.recompute = recompute
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.drop = nn.Dropout(drop)

    def _runs_fused(self, points: torch.Tensor) -> bool:
        # Inference, tracers (FLOP counting, ONNX export) and CPU autocast take the modules,
        # and so do hidden activations below 32 MiB, glibc's largest mmap threshold: smaller
        # allocations are reused from the heap and the fused MLP's chunks gain nothing (at
        # CoC-Small's stages 2-3 the modules were 4-8 % faster, at stages 0-1 the fused MLP
        # took 14-21 % less time).
        hidden_bytes = points.numel() // points.shape[-1] * self.fc1.out_features * (
            points.element_size())
        return (self.fused and (self.recompute or hidden_bytes >= 2**25)
                and torch.is_grad_enabled() and type(self.act) is nn.GELU
                and self.act.approximate == 'none' and (self.drop.p == 0 or not self.training)
                and not torch.is_autocast_enabled('cpu') and not _tracing())

    def forward(self, x):
        points = x.permute(0, 2, 3, 1)
        if self._runs_fused(points):
            out = _FusedGeluMlp.apply(points.reshape(-1, points.shape[-1]), self.fc1.weight,
                                      self.fc1.bias, self.fc2.weight, self.fc2.bias,
                                      self.recompute)
            out = out.view(*points.shape[:-1], -1)
        else:
            out = self.drop(self.fc2(self.drop(self.act(self.fc1(points)))))
        return out.permute(0, 3, 1, 2)


class ClusterBlock(nn.Module):
    """Pre-norm MetaFormer block with a :class:`Cluster` token mixer (arXiv:2303.01494, Fig. 2).

    Args:
        dim: channels.
        mlp_ratio: hidden width of the MLP over ``dim``.
        heads, head_dim, proposal, fold, legacy_normalizer: see :class:`Cluster`.
        norm_cfg, act_cfg: norm layers (``GroupNorm(1, dim)``) and MLP activation.
        drop: dropout in the MLP.
        drop_path: stochastic-depth rate of both residual branches.
        layer_scale_init_value: initial per-channel residual scale; None disables it.
        with_cp: recompute the block's activations in backward instead of keeping them
            (activation checkpointing): same values, far less memory, slower steps.
        low_memory: recompute what backward needs inside the token mixer and the MLP
            instead of keeping it (``Cluster(recompute=True)``, ``ChannelsLastMlp(recompute=
            True)``); the block keeps its norms' and residual branches' tensors: same values,
            about half the reference's memory, a little slower (unlike ``with_cp``, which
            recomputes the whole block).
    """

    def __init__(self, dim: int, mlp_ratio: float = 4., heads: int = 4, head_dim: int = 24,
                 proposal: IntPair = 2, fold: IntPair = 1, legacy_normalizer: bool = False,
                 norm_cfg=dict(type='GN', num_groups=1), act_cfg=dict(type='GELU'),
                 drop: float = 0., drop_path: float = 0.,
                 layer_scale_init_value: Optional[float] = 1e-5, with_cp: bool = False,
                 low_memory: bool = False):
        super().__init__()
        self.with_cp = with_cp
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.token_mixer = Cluster(dim, heads=heads, head_dim=head_dim, proposal=proposal,
                                   fold=fold, legacy_normalizer=legacy_normalizer,
                                   recompute=low_memory)
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.mlp = ChannelsLastMlp(dim, int(dim * mlp_ratio), act_cfg=act_cfg, drop=drop,
                                   recompute=low_memory)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.use_layer_scale = layer_scale_init_value is not None
        if self.use_layer_scale:
            self.layer_scale_1 = nn.Parameter(torch.full((dim, ), float(layer_scale_init_value)))
            self.layer_scale_2 = nn.Parameter(torch.full((dim, ), float(layer_scale_init_value)))

    def forward(self, x):
        if self.with_cp and torch.is_grad_enabled():
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)

    def _forward(self, x):
        x = x.contiguous(memory_format=self.token_mixer.memory_format)
        mixed = self.token_mixer(self.norm1(x))
        if self.use_layer_scale:
            mixed = self.layer_scale_1[:, None, None] * mixed
        x = x + self.drop_path(mixed)
        mixed = self.mlp(self.norm2(x))
        if self.use_layer_scale:
            mixed = self.layer_scale_2[:, None, None] * mixed
        return x + self.drop_path(mixed)


class PointReducer(nn.Module):
    """Strided convolution that merges neighbouring points (the stem and the down-samplers)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 padding: int):
        super().__init__()
        self.proj = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=padding)

    def forward(self, x):
        return self.proj(x)


def _check_arch(arch: dict, keys: Sequence[str]) -> dict:
    """Validate an arch dict; return it with every field expanded to one entry per stage."""
    missing = [k for k in keys if k not in arch]
    unknown = [k for k in arch if k not in keys]
    if missing or unknown:
        raise ValueError(f'ContextCluster arch dict needs exactly the keys {list(keys)}; '
                         f'missing {missing}, unknown {unknown}')
    layers = arch['layers']
    if not isinstance(layers, Sequence) or not layers:
        raise ValueError(f"ContextCluster arch['layers'] must be a non-empty list of block "
                         f'counts per stage, got {layers!r}')
    expanded = {}
    for key in keys:
        value = arch[key]
        if isinstance(value, (int, float)):
            value = [value] * len(layers)
        if not isinstance(value, Sequence) or len(value) != len(layers):
            raise ValueError(f"ContextCluster arch['{key}'] = {value!r} must give one entry "
                             f"per stage: 'layers' has {len(layers)} stages")
        pairs_allowed = key in ('proposal', 'fold')
        for entry in value:
            numbers = entry if pairs_allowed and isinstance(entry, Sequence) else [entry]
            if len(numbers) not in (1, 2) or not all(
                    isinstance(n, (int, float)) and n > 0 for n in numbers) or (
                    key != 'mlp_ratios' and not all(isinstance(n, int) for n in numbers)):
                kind = 'numbers' if key == 'mlp_ratios' else 'integers'
                raise ValueError(f"ContextCluster arch['{key}'] = {value!r}: entries must be "
                                 f'positive {kind}'
                                 f'{" or (rows, cols) pairs" if pairs_allowed else ""}')
        expanded[key] = list(value)
    return expanded


@MODELS.register_module()
class ContextCluster(BaseBackbone):
    """Context Cluster (CoC) backbone, shaped like MMPretrain's PoolFormer.

    The input gets two position channels (``row / (H-1) - 0.5``, ``col / (W-1) - 0.5``), a
    stem reduces the points (``patch_embed``), then four stages of :class:`ClusterBlock`
    with strided-conv down-samplers between them (``network`` = stage 0, down, stage 1,
    ...). State-dict keys follow the authors' release, like PoolFormer's: converting a
    classification checkpoint maps ``norm.*`` -> ``backbone.norm6.*`` and ``head.*`` ->
    ``head.fc.*``; dense-prediction checkpoints' ``norm{0,2,4,6}`` keep their names.

    Any input of at least the stem's kernel (4x4 by default) works; see :class:`Cluster` for
    regions that do not divide. Inputs whose sides are multiples of :attr:`size_divisor`
    need no padding and reproduce the reference exactly.

    Args:
        arch: a name in :attr:`arch_settings` or a dict with the keys ``layers``,
            ``embed_dims``, ``mlp_ratios``, ``heads``, ``head_dim``, ``proposal`` (centers per
            region side) and ``fold`` (regions per side); each a per-stage list (a single
            number applies to all stages; ``proposal``/``fold`` entries may be (rows, cols)).
        in_channels: image channels (the stem sees two more: the positions).
        in_patch_size, in_stride, in_pad: the stem convolution.
        down_patch_size, down_stride, down_pad: the down-samplers between stages.
        norm_cfg, act_cfg: block/output norms (``GroupNorm(1, C)``) and MLP activation.
        drop_rate: MLP dropout.
        drop_path_rate: stochastic depth, growing linearly to this over all blocks.
        layer_scale_init_value: initial residual scale; None disables layer scale.
        legacy_normalizer: paper-era Eq. 1 normaliser in every block (see :class:`Cluster`).
        out_indices: stages (0-3, negative from the end) whose maps are returned, each
            through its own norm ``norm{2 * stage}``.
        frozen_stages: -1 trains everything; ``k >= 0`` freezes the stem and stages
            ``0..k-1`` with their down-samplers and output norms (eval mode, no gradients).
        norm_eval: keep every norm layer in eval mode while training (matters for BN).
        with_cp: activation checkpointing of every block (see :class:`ClusterBlock`).
        low_memory: every block recomputes its token mixer's and MLP's intermediates in
            backward instead of keeping them (see :class:`ClusterBlock`).
        init_cfg: initialisation; by default ``Linear`` layers get trunc-normal(0.02) weights
            and zero biases like the reference, convolutions keep PyTorch's default.
    """
    arch_keys = ('layers', 'embed_dims', 'mlp_ratios', 'heads', 'head_dim', 'proposal', 'fold')
    # ma-xu/Context-Cluster models/context_cluster.py (coc_tiny, ...); a single number applies
    # to every stage.
    arch_settings = {
        'tiny': dict(layers=[3, 4, 5, 2], embed_dims=[32, 64, 196, 320], mlp_ratios=[8, 8, 4, 4],
                     heads=[4, 4, 8, 8], head_dim=24, proposal=2, fold=[8, 4, 2, 1]),
        'tiny2': dict(layers=[3, 4, 5, 2], embed_dims=[32, 64, 196, 320], mlp_ratios=[8, 8, 4, 4],
                      heads=[4, 4, 8, 8], head_dim=24, proposal=[4, 2, 7, 4], fold=[7, 7, 1, 1]),
        'tiny_plain': dict(layers=[3, 4, 5, 2], embed_dims=[32, 64, 196, 320],
                           mlp_ratios=[8, 8, 4, 4], heads=[4, 4, 8, 8], head_dim=24,
                           proposal=[4, 4, 2, 2], fold=1),
        'small': dict(layers=[2, 2, 6, 2], embed_dims=[64, 128, 320, 512], mlp_ratios=[8, 8, 4, 4],
                      heads=[4, 4, 8, 8], head_dim=32, proposal=2, fold=[8, 4, 2, 1]),
        'medium': dict(layers=[4, 4, 12, 4], embed_dims=[64, 128, 320, 512],
                       mlp_ratios=[8, 8, 4, 4], heads=[6, 6, 12, 12], head_dim=32, proposal=2,
                       fold=[8, 4, 2, 1]),
        'base_dim64': dict(layers=[6, 6, 24, 6], embed_dims=[64, 128, 320, 512],
                           mlp_ratios=[8, 8, 4, 4], heads=[8, 8, 16, 16], head_dim=32,
                           proposal=2, fold=[8, 4, 2, 1]),
        'base_dim96': dict(layers=[4, 4, 12, 4], embed_dims=[96, 192, 384, 768],
                           mlp_ratios=[8, 8, 4, 4], heads=[8, 8, 16, 16], head_dim=32,
                           proposal=2, fold=[8, 4, 2, 1]),
    }

    def __init__(self, arch: Union[str, dict] = 'small', in_channels: int = 3,
                 in_patch_size: int = 4, in_stride: int = 4, in_pad: int = 0,
                 down_patch_size: int = 3, down_stride: int = 2, down_pad: int = 1,
                 norm_cfg=dict(type='GN', num_groups=1), act_cfg=dict(type='GELU'),
                 drop_rate: float = 0., drop_path_rate: float = 0.,
                 layer_scale_init_value: Optional[float] = 1e-5,
                 legacy_normalizer: bool = False,
                 out_indices: Union[int, Sequence[int]] = (3, ), frozen_stages: int = -1,
                 norm_eval: bool = False, with_cp: bool = False, low_memory: bool = False,
                 init_cfg=dict(type='TruncNormal', layer='Linear', std=.02, bias=0.)):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(f'Unknown ContextCluster arch {arch!r}: choose one of '
                                 f'{sorted(self.arch_settings)} or pass a dict with the keys '
                                 f'{list(self.arch_keys)}')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict):
            raise TypeError(f'ContextCluster arch must be a name or a dict, got {type(arch)}')
        self.arch = _check_arch(arch, self.arch_keys)
        layers, dims = self.arch['layers'], self.arch['embed_dims']
        self.num_stages = len(layers)
        self.stem_geometry = (in_patch_size, in_stride, in_pad)
        self.strides = [in_stride * down_stride**i for i in range(self.num_stages)]

        self.patch_embed = PointReducer(in_channels + 2, dims[0], in_patch_size, in_stride, in_pad)
        dpr = [drop_path_rate * j / max(sum(layers) - 1, 1) for j in range(sum(layers))]
        network = []
        for i, depth in enumerate(layers):
            if i > 0:
                network.append(PointReducer(dims[i - 1], dims[i], down_patch_size, down_stride,
                                            down_pad))
            network.append(nn.Sequential(*[
                ClusterBlock(dims[i], mlp_ratio=self.arch['mlp_ratios'][i],
                             heads=self.arch['heads'][i], head_dim=self.arch['head_dim'][i],
                             proposal=self.arch['proposal'][i], fold=self.arch['fold'][i],
                             legacy_normalizer=legacy_normalizer, norm_cfg=norm_cfg,
                             act_cfg=act_cfg, drop=drop_rate, drop_path=dpr[sum(layers[:i]) + j],
                             layer_scale_init_value=layer_scale_init_value, with_cp=with_cp,
                             low_memory=low_memory)
                for j in range(depth)
            ]))
        self.network = nn.ModuleList(network)

        out_indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        for index in out_indices:
            if not -self.num_stages <= index < self.num_stages:
                raise ValueError(f'ContextCluster out_indices {out_indices} must be stage '
                                 f'indices in [0, {self.num_stages}) (negative from the end)')
        self.out_indices = sorted(i % self.num_stages for i in out_indices)
        for i in self.out_indices:
            self.add_module(f'norm{2 * i}', build_norm_layer(norm_cfg, dims[i])[1])

        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'ContextCluster frozen_stages must be in [-1, {self.num_stages}],'
                             f' got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self._freeze_stages()

    @property
    def size_divisor(self) -> int:
        """Input sides that are multiples of this run every region partition without padding,
        i.e. exactly as the reference (which asserts it): lcm of stride x fold per stage."""
        multiples = [self.strides[i] * f for i, fold in enumerate(self.arch['fold'])
                     for f in _pair(fold) if min(_pair(fold)) > 1]
        return reduce(math.lcm, multiples, 1)

    def _check_input(self, x):
        kernel, _, pad = self.stem_geometry
        side = min(x.shape[-2:]) if x.dim() == 4 else 0
        if side + 2 * pad < kernel or side < 2:
            raise ValueError(f'ContextCluster needs [B, C, H, W] images of at least '
                             f'{max(kernel - 2 * pad, 2)}x{max(kernel - 2 * pad, 2)} pixels '
                             f'(the stem kernel {kernel}, pad {pad}), got shape '
                             f'{tuple(x.shape)}: resize or pad the input')

    @staticmethod
    def add_positions(x):
        """Append the two position channels in [-0.5, 0.5] (rows, then columns)."""
        batch, _, height, width = x.shape
        rows = torch.arange(height, device=x.device) / (height - 1.)
        cols = torch.arange(width, device=x.device) / (width - 1.)
        positions = (torch.stack(torch.meshgrid(rows, cols, indexing='ij')) - 0.5).to(x.dtype)
        return torch.cat([x, positions.expand(batch, -1, -1, -1)], dim=1)

    def forward(self, x):
        self._check_input(x)
        x = self.patch_embed(self.add_positions(x))
        outs = []
        for index, layer in enumerate(self.network):
            x = layer(x)
            if index % 2 == 0 and index // 2 in self.out_indices:
                # The blocks run channels-last; callers get the usual contiguous maps.
                outs.append(getattr(self, f'norm{index}')(x).contiguous())
        return tuple(outs)

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        frozen = [self.patch_embed] + list(self.network[:max(2 * self.frozen_stages - 1, 0)]) + [
            getattr(self, f'norm{2 * i}') for i in self.out_indices if i < self.frozen_stages]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def init_weights(self):
        """An ``init_cfg`` entry of type ``Pretrained`` goes through :func:`load_backbone_weights`
        (after the other entries, as MMEngine orders them): MMEngine's initialiser would drop
        keys outside ``prefix`` silently and load a checkpoint of another arch half-way; ours
        refuses it and logs what it skipped. ``prefix`` means what it means to MMEngine (None:
        the whole checkpoint is the backbone's); ``copy_classifier_norm`` (optional) is passed
        on: a dense-prediction backbone leaves a classifier's final norm fresh by default."""
        init_cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [self.init_cfg]
        pretrained = [cfg for cfg in init_cfgs if isinstance(cfg, dict)
                      and cfg.get('type') in ('Pretrained', PretrainedInit)]
        if not pretrained or self._is_init:
            return super().init_weights()
        if len(pretrained) > 1:
            raise ValueError(f'ContextCluster init_cfg has {len(pretrained)} Pretrained entries; '
                             'keep the one checkpoint the backbone should start from')
        pretrained = pretrained[0]
        others = [cfg for cfg in init_cfgs if cfg is not pretrained and cfg]
        if others:
            initialize(self, others)
        load_backbone_weights(self, pretrained['checkpoint'], pretrained.get('prefix'),
                              pretrained.get('copy_classifier_norm'))
        if hasattr(self, '_params_init_info'):  # set while a parent model initialises
            update_init_info(self, init_info='load_backbone_weights (init_cfg Pretrained): '
                             f'load from {pretrained["checkpoint"]}')
        self._is_init = True

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, (_BatchNorm, nn.GroupNorm, nn.LayerNorm)):
                    module.eval()
        return self

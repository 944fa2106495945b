"""Ghost BatchNorm: training-time BatchNorm statistics over virtual chunks of the batch.

The research notes' best CIFAR-LT row (docs/results/reference.md) ran a batch of 128 under
``nn.DataParallel`` on 8 GPUs, so each BatchNorm normalised chunks of 16. This layer
reproduces that on one device, so the effect of small-chunk statistics can be measured apart
from global-batch pairing.
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


class GhostBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics come from consecutive chunks of
    ``virtual_batch_size`` samples (the last chunk may be smaller; a last single sample
    joins the chunk before it).

    Running statistics take one momentum step per forward with the chunk-averaged mean and
    (unbiased) variance: what a chunk sees on average, without compounding the momentum
    once per chunk. Evaluation uses the running statistics, as BatchNorm does.
    """

    def __init__(self, num_features: int, virtual_batch_size: int, **kwargs) -> None:
        super().__init__(num_features, **kwargs)
        if virtual_batch_size < 2:
            raise ValueError(f'virtual_batch_size must be >= 2 (BatchNorm needs two samples), '
                             f'got {virtual_batch_size}')
        if self.momentum is None:
            raise ValueError('GhostBatchNorm needs a momentum (cumulative averages over '
                             'chunks are not supported)')
        self.virtual_batch_size = virtual_batch_size

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f'GhostBatchNorm expects [N, C, ...] input, got {input.dim()}-D')

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if not self.training or input.shape[0] <= self.virtual_batch_size:
            return super().forward(input)
        sizes = [self.virtual_batch_size] * (input.shape[0] // self.virtual_batch_size)
        if input.shape[0] % self.virtual_batch_size:
            sizes.append(input.shape[0] % self.virtual_batch_size)
        if sizes[-1] == 1:
            # A lone sample has no batch statistics (a [1, C] input is an error): it joins the
            # chunk before it.
            sizes[-2:] = [sizes[-2] + 1]
        # The equal chunks in one batch norm, the last chunk (other size) in a second one.
        num_equal = sizes.count(self.virtual_batch_size)
        parts = [(self.virtual_batch_size, num_equal)]
        if num_equal < len(sizes):
            parts.append((sizes[-1], 1))
        outputs, stats, start = [], [], 0
        for size, count in parts:
            output, mean, var = self._chunks_norm(input[start:start + size * count], size, count)
            outputs.append(output)
            stats.append((mean, var))
            start += size * count
        if self.track_running_stats:
            self._update_running_stats(stats, len(sizes))
        return torch.cat(outputs) if len(outputs) > 1 else outputs[0]

    def _chunks_norm(self, input: Tensor, size: int, count: int):
        """``count`` consecutive chunks of ``size`` samples as the channels of one batch norm
        (``[count * size, C, ...] -> [size, count * C, ...]``): normalised input, and each
        chunk's mean and unbiased variance ``[count, C]`` (batch norm's own statistics, in the
        dtype of the buffers it is given)."""
        channels, rest = input.shape[1], input.shape[2:]
        grouped = input.reshape(count, size, channels, *rest).transpose(0, 1).reshape(
            size, count * channels, *rest)
        # Batch norm keeps its statistics in the dtype of its parameters (fp32 under AMP, also
        # for fp16 inputs); a model cast to half has half parameters and buffers throughout.
        stats_dtype = torch.float32 if self.weight is None else self.weight.dtype
        mean = torch.zeros(count * channels, dtype=stats_dtype, device=input.device)
        var = torch.ones_like(mean)
        repeat = (lambda p: None if p is None else p.repeat(count))
        # momentum 1: the buffers receive this batch's statistics exactly.
        output = F.batch_norm(grouped, mean, var, repeat(self.weight), repeat(self.bias), True,
                              1.0, self.eps)
        output = output.reshape(size, count, channels, *rest).transpose(0, 1).reshape(
            input.shape)
        return output, mean.view(count, channels), var.view(count, channels)

    @torch.no_grad()
    def _update_running_stats(self, stats, num_chunks: int) -> None:
        mean = sum(m.sum(0) for m, _ in stats) / num_chunks
        var = sum(v.sum(0) for _, v in stats) / num_chunks
        self.running_mean.lerp_(mean.to(self.running_mean.dtype), self.momentum)
        self.running_var.lerp_(var.to(self.running_var.dtype), self.momentum)
        self.num_batches_tracked.add_(1)

    @classmethod
    def convert(cls, module: nn.Module, virtual_batch_size: int) -> nn.Module:
        """Replace every (non-synchronised) BatchNorm in ``module`` by a GhostBatchNorm with
        the same parameters (and their ``requires_grad``) and buffers, on the CPU as models
        are built; returns the converted module."""
        if isinstance(module, _BatchNorm) and not isinstance(module, (cls, nn.SyncBatchNorm)):
            ghost = cls(module.num_features, virtual_batch_size, eps=module.eps,
                        momentum=module.momentum, affine=module.affine,
                        track_running_stats=module.track_running_stats)
            ghost.load_state_dict(module.state_dict())
            for name, param in ghost.named_parameters(recurse=False):
                param.requires_grad_(getattr(module, name).requires_grad)  # frozen stays frozen
            ghost.train(module.training)
            return ghost
        for name, child in module.named_children():
            module.add_module(name, cls.convert(child, virtual_batch_size))
        return module

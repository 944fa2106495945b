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
        chunks = input.split(sizes)
        outputs = [F.batch_norm(c, None, None, self.weight, self.bias, True, 0.0, self.eps)
                   for c in chunks]
        if self.track_running_stats:
            self._update_running_stats(chunks)
        return torch.cat(outputs)

    @torch.no_grad()
    def _update_running_stats(self, chunks) -> None:
        dims = [0] + list(range(2, chunks[0].dim()))
        mean = torch.stack([c.mean(dims) for c in chunks]).mean(0)
        var = torch.stack([c.var(dims, unbiased=True) for c in chunks]).mean(0)
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

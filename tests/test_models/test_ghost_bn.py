import pytest
import torch
import torch.nn.functional as F
from torch import nn

from coc.models.ghost_bn import GhostBatchNorm


def _chunk_normalised(x, size, eps):
    return torch.cat([F.batch_norm(c, None, None, training=True, eps=eps) for c in x.split(size)])


def test_training_normalises_each_virtual_chunk():
    torch.manual_seed(0)
    x = torch.randn(12, 3, 4, 4) * torch.arange(1., 13.)[:, None, None, None]
    bn = GhostBatchNorm(3, virtual_batch_size=4).train()
    out = bn(x)
    assert torch.allclose(out, _chunk_normalised(x, 4, bn.eps), atol=1e-5)
    # Different from whole-batch statistics: the chunks have different scales.
    assert not torch.allclose(out, F.batch_norm(x, None, None, training=True), atol=1e-2)


def test_uneven_last_chunk_and_small_batches():
    torch.manual_seed(0)
    x = torch.randn(10, 2, 3, 3)
    bn = GhostBatchNorm(2, virtual_batch_size=4).train()
    assert torch.allclose(bn(x), _chunk_normalised(x, 4, bn.eps), atol=1e-5)
    # A last single sample joins the chunk before it (vectors: one sample has no statistics).
    vectors = torch.randn(9, 2)
    expected = torch.cat([F.batch_norm(vectors[:4], None, None, training=True),
                          F.batch_norm(vectors[4:], None, None, training=True)])
    assert torch.allclose(GhostBatchNorm(2, 4).train()(vectors), expected, atol=1e-5)
    # A batch no larger than a chunk is ordinary BatchNorm.
    plain = nn.BatchNorm2d(2).train()
    assert torch.allclose(GhostBatchNorm(2, 16).train()(x), plain(x), atol=1e-6)


def test_running_statistics_average_the_chunks():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 5, 5) + torch.tensor([0., 0., 0., 0., 4., 4., 4., 4.])[:, None, None, None]
    bn = GhostBatchNorm(3, virtual_batch_size=4, momentum=0.5).train()
    bn(x)
    chunks = x.split(4)
    mean = torch.stack([c.mean((0, 2, 3)) for c in chunks]).mean(0)
    var = torch.stack([c.var((0, 2, 3), unbiased=True) for c in chunks]).mean(0)
    assert torch.allclose(bn.running_mean, 0.5 * mean, atol=1e-5)
    assert torch.allclose(bn.running_var, 0.5 + 0.5 * var, atol=1e-5)
    assert int(bn.num_batches_tracked) == 1
    # Chunk variances exclude the shift between chunks, unlike whole-batch statistics.
    assert (bn.running_var < 0.5 + 0.5 * x.var((0, 2, 3))).all()


def test_gradients_reach_affine_parameters():
    bn = GhostBatchNorm(3, virtual_batch_size=2).train()
    bn(torch.randn(6, 3, 2, 2)).pow(2).sum().backward()
    assert bn.weight.grad is not None and bn.bias.grad.abs().sum() > 0


def test_convert_keeps_weights_and_eval_behaviour():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)))
    for _ in range(3):
        net.train()(torch.randn(8, 3, 6, 6))
    x = torch.randn(5, 3, 6, 6)
    expected = net.eval()(x)
    converted = GhostBatchNorm.convert(net, virtual_batch_size=4)
    ghosts = [m for m in converted.modules() if isinstance(m, GhostBatchNorm)]
    assert len(ghosts) == 2 and all(g.virtual_batch_size == 4 for g in ghosts)
    assert not any(type(m) is nn.BatchNorm2d for m in converted.modules())
    assert torch.allclose(converted.eval()(x), expected, atol=1e-6)
    # A frozen BatchNorm (a backbone's frozen stage) stays frozen.
    frozen = nn.BatchNorm2d(4).requires_grad_(False)
    assert not any(p.requires_grad for p in GhostBatchNorm.convert(frozen, 4).parameters())


def test_bad_virtual_batch_size():
    with pytest.raises(ValueError, match='virtual_batch_size'):
        GhostBatchNorm(3, virtual_batch_size=1)


def _loop_oracle(x, sizes, weight, bias, eps):
    """Today's definition, chunk by chunk: each chunk batch-normalised on its own; running
    statistics are the chunk-averaged mean and unbiased variance (in float64 here)."""
    chunks = x.split(sizes)
    out = torch.cat([F.batch_norm(c, None, None, weight, bias, True, 0.0, eps) for c in chunks])
    dims = [0] + list(range(2, x.dim()))
    mean = torch.stack([c.double().mean(dims) for c in chunks]).mean(0)
    var = torch.stack([c.double().var(dims, unbiased=True) for c in chunks]).mean(0)
    return out, mean, var


@pytest.mark.parametrize('shape, chunk, sizes', [
    ((16, 3, 5, 5), 4, [4, 4, 4, 4]),   # equal chunks: one batch norm
    ((10, 2, 3, 3), 4, [4, 4, 2]),      # a smaller last chunk
    ((9, 5), 4, [4, 5]),                # vectors; a last single sample joins the chunk before
])
def test_one_batch_norm_equals_the_per_chunk_loop(shape, chunk, sizes):
    """Values, gradients of input / weight / bias and running statistics of the reshaped batch
    norm equal a per-chunk loop."""
    torch.manual_seed(0)
    x = (torch.randn(*shape) * torch.linspace(0.5, 3, shape[0]).view(-1, *[1] * (len(shape) - 1))
         + 2).double().requires_grad_()
    bn = GhostBatchNorm(shape[1], virtual_batch_size=chunk, momentum=0.3).double().train()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    out = bn(x)
    weight, bias = (bn.weight.detach().clone().requires_grad_(),
                    bn.bias.detach().clone().requires_grad_())
    x_loop = x.detach().clone().requires_grad_()
    expected, mean, var = _loop_oracle(x_loop, sizes, weight, bias, bn.eps)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    upstream = torch.randn_like(out)
    grads = torch.autograd.grad((out * upstream).sum(), (x, bn.weight, bn.bias))
    expected_grads = torch.autograd.grad((expected * upstream).sum(), (x_loop, weight, bias))
    for name, grad, expected_grad in zip(('input', 'weight', 'bias'), grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad, rtol=0, atol=1e-12, msg=name)
    torch.testing.assert_close(bn.running_mean, 0.3 * mean, rtol=0, atol=1e-12)
    torch.testing.assert_close(bn.running_var, 0.7 + 0.3 * var, rtol=0, atol=1e-12)


def test_running_statistics_of_fp16_chunks_are_taken_in_fp32():
    """Half-precision activations far from zero (fp16 keeps ~3 digits of 300): the running
    statistics are those of the fp32 values, not of fp16 reductions."""
    torch.manual_seed(0)
    x = (torch.randn(32, 4, 6, 6) * 3 + 300).half()
    bn = GhostBatchNorm(4, virtual_batch_size=8, momentum=1.0).train()
    out = bn(x)
    assert out.dtype == torch.float16 and torch.isfinite(out).all()
    assert bn.running_mean.dtype == torch.float32
    _, mean, var = _loop_oracle(x.float(), [8] * 4, None, None, bn.eps)
    torch.testing.assert_close(bn.running_mean.double(), mean, rtol=1e-6, atol=0)
    torch.testing.assert_close(bn.running_var.double(), var, rtol=1e-4, atol=0)
    torch.testing.assert_close(out.float(), _chunk_normalised(x.float(), 8, bn.eps), rtol=0,
                               atol=5e-3)

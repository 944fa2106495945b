import pytest
import torch

from coc.mixing.align_mixup import align_mix


def distinct_maps(batch=3, dim=8, height=3, width=4, seed=0):
    return 3 * torch.randn(batch, dim, height, width, generator=torch.Generator().manual_seed(seed))


def permute_positions(maps, perm):
    flat = maps.flatten(2)
    return flat[:, :, perm].view_as(maps)


@pytest.mark.parametrize('direction', [0, 1])
def test_identical_maps_are_left_unchanged(direction):
    maps = distinct_maps()
    mixed = align_mix(maps, maps.clone(), torch.tensor([0.2, 0.5, 0.9]), direction=direction)
    assert mixed.shape == maps.shape
    torch.testing.assert_close(mixed, maps, atol=1e-4, rtol=1e-4)


def test_alignment_undoes_a_spatial_permutation():
    maps = distinct_maps()
    perm = torch.randperm(12, generator=torch.Generator().manual_seed(1))
    shuffled = permute_positions(maps, perm)
    # Direction 0 moves the second map onto the first's layout: lam does not matter.
    torch.testing.assert_close(align_mix(maps, shuffled, 0.3, direction=0), maps, atol=1e-4,
                               rtol=1e-4)
    # Direction 1 moves the first onto the second's layout.
    torch.testing.assert_close(align_mix(maps, shuffled, 0.3, direction=1), shuffled, atol=1e-4,
                               rtol=1e-4)


def test_lam_weighs_the_first_map_and_plain_mixup_is_not_alignment():
    maps, others = distinct_maps(seed=2), distinct_maps(seed=3)
    assert torch.equal(align_mix(maps, others, 1.0, direction=0), maps)
    torch.testing.assert_close(align_mix(maps, others, 0.0, direction=1), others)
    mixed = align_mix(maps, others, 0.5, direction=0)
    assert not torch.allclose(mixed, 0.5 * maps + 0.5 * others, atol=1e-3)


def test_random_direction_follows_generator_and_gradients_flow():
    maps = distinct_maps().requires_grad_()
    shuffled = permute_positions(maps.detach(), torch.arange(12).flip(0))
    outs = {tuple(align_mix(maps, shuffled, 0.5, generator=torch.Generator().manual_seed(s))
                  .detach().flatten()[:4].tolist()) for s in range(8)}
    assert len(outs) == 2  # both directions occur, nothing else
    first = align_mix(maps, shuffled, 0.5, generator=torch.Generator().manual_seed(5))
    again = align_mix(maps, shuffled, 0.5, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, again)
    first.sum().backward()
    assert torch.isfinite(maps.grad).all() and maps.grad.abs().sum() > 0


def test_rejects_mismatched_maps():
    with pytest.raises(ValueError, match='one shape'):
        align_mix(distinct_maps(), distinct_maps(width=5), 0.5)

import numpy as np
import ot
import pytest
import torch
import torch.nn.functional as F

from coc.mixing.optimal_transport import cosine_cost, sinkhorn_plan


def test_cosine_cost_is_one_minus_cosine_of_flattened_samples():
    g = torch.Generator().manual_seed(0)
    bg, fg = torch.randn(5, 2, 3, 3, generator=g), torch.randn(4, 18, generator=g)
    cost = cosine_cost(bg, fg)
    assert cost.shape == (5, 4) and cost.dtype == torch.float32
    expected = 1 - F.cosine_similarity(bg.flatten(1)[:, None], fg[None], dim=2)
    torch.testing.assert_close(cost, expected)
    assert cosine_cost(fg, fg).diagonal().abs().max() < 1e-6
    with pytest.raises(ValueError, match='equal feature size'):
        cosine_cost(bg, torch.randn(4, 17))


@pytest.mark.filterwarnings('ignore:Sinkhorn did not converge')  # fp32 cannot reach tol 1e-9
def test_plan_has_marginals_and_equals_pot_numpy_reference():
    rng = np.random.default_rng(0)
    cost = rng.random((12, 9))
    a = rng.random(12) + 0.5
    a /= a.sum()
    b = np.full(9, 1 / 9)
    reference = ot.sinkhorn(a, b, cost, 0.05, numItermax=5000, stopThr=1e-12)
    plan = sinkhorn_plan(torch.tensor(cost), 0.05, num_iters=5000, a=torch.tensor(a), tol=1e-9)
    assert plan.dtype == torch.float32 and plan.shape == (12, 9)
    np.testing.assert_allclose(plan.double().numpy(), reference, atol=1e-6)
    np.testing.assert_allclose(plan.sum(1).numpy(), a, atol=1e-6)
    np.testing.assert_allclose(plan.sum(0).numpy(), b, atol=1e-6)


@pytest.mark.filterwarnings('ignore:Sinkhorn did not converge')
def test_batched_plans_equal_single_plans():
    costs = torch.rand(3, 6, 5, generator=torch.Generator().manual_seed(1))
    batched = sinkhorn_plan(costs, 0.1, num_iters=2000, tol=1e-9)
    for cost, plan in zip(costs, batched):
        torch.testing.assert_close(plan, sinkhorn_plan(cost, 0.1, num_iters=2000, tol=1e-9),
                                   atol=1e-6, rtol=0)


def test_small_eps_with_large_costs_stays_finite():
    cost = 1000 * torch.rand(16, 16, generator=torch.Generator().manual_seed(2))
    with pytest.warns(UserWarning, match='converge'):
        plan = sinkhorn_plan(cost, 0.01, num_iters=50)
    assert torch.isfinite(plan).all()
    # cost / eps = 1e5 leaves fp32 about 1e-3 relative resolution on the marginals.
    torch.testing.assert_close(plan.sum(1), torch.full((16, ), 1 / 16), atol=1e-4, rtol=0)
    # The plain (not log) domain underflows exp(-C / eps) to 0 and loses the plan.
    with pytest.warns(UserWarning):
        plain = ot.sinkhorn(torch.full((16, ), 1 / 16), torch.full((16, ), 1 / 16), cost, 0.01,
                            numItermax=50)
    assert not torch.isfinite(plain).all() or plain.sum() < 0.5


def test_runs_in_fp32_under_autocast():
    cost = torch.rand(8, 8, generator=torch.Generator().manual_seed(3))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        plan = sinkhorn_plan(cost.bfloat16(), 0.05)
        cos = cosine_cost(cost, cost)
    assert plan.dtype == cos.dtype == torch.float32
    torch.testing.assert_close(plan, sinkhorn_plan(cost.bfloat16().float(), 0.05))


def test_plan_is_differentiable_only_when_cost_requires_grad():
    feats = torch.randn(6, 4, requires_grad=True)
    cost = cosine_cost(feats, torch.randn(6, 4))
    plan = sinkhorn_plan(cost, 0.1, num_iters=100)
    (plan * cost).sum().backward()
    assert feats.grad is not None and torch.isfinite(feats.grad).all() and feats.grad.abs().sum() > 0
    assert not sinkhorn_plan(cost.detach(), 0.1).requires_grad
    with pytest.raises(ValueError, match='eps'):
        sinkhorn_plan(cost, 0.0)

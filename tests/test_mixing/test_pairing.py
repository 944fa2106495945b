import numpy as np
import pytest
import torch

from coc.mixing.optimal_transport import cosine_cost, sinkhorn_plan
from coc.mixing.pairing import (ConfusionPairing, CostMatrixPairing, OTPairing, PairingResult,
                                RandomPairing)
from coc.mixing.registry import PAIRINGS


def labels(*values):
    return torch.tensor(values)


def test_random_pairing_identity_or_permutation():
    bg_labels, fg_labels = torch.arange(8), torch.arange(8)
    result = RandomPairing()(None, None, bg_labels, fg_labels)
    assert isinstance(result, PairingResult) and result.transport_cost is None
    assert torch.equal(result.bg_index, torch.arange(8))
    shuffled = PAIRINGS.build(dict(type='RandomPairing', shuffle=True))(None, None, bg_labels,
                                                                       fg_labels[:5]).bg_index
    assert len(shuffled) == 5 and len(shuffled.unique()) == 5 and shuffled.max() < 8


# confusion[true, predicted]: class 0 is mistaken for 2, class 1 for 0, class 2 for 1 and 3.
CONFUSION = np.array([[90, 1, 9, 0], [5, 95, 0, 0], [0, 4, 92, 4], [0, 0, 0, 100]], float)


def test_confusion_pairing_picks_most_confused_class(tmp_path):
    path = tmp_path / 'confusion.npy'
    np.save(path, CONFUSION)
    pairing = PAIRINGS.build(dict(type='ConfusionPairing', num_classes=4, confusion=str(path)))
    bg_labels = labels(3, 2, 1, 0, 2)
    index = pairing(None, None, bg_labels, labels(0, 1)).bg_index
    assert bg_labels[index].tolist() == [2, 0]
    # Ties (two backgrounds of class 2; classes 1 and 3 for foreground class 2) are drawn
    # at random among the tied backgrounds only.
    torch.manual_seed(0)
    chosen = torch.stack([pairing(None, None, bg_labels, labels(0, 2)).bg_index
                          for _ in range(200)])
    assert set(chosen[:, 0].tolist()) == {1, 4}
    assert set(chosen[:, 1].tolist()) == {0, 2}
    # Class 3 is never confused: any background, uniformly.
    assert len(set(pairing(None, None, bg_labels, labels(*[3] * 100)).bg_index.tolist())) == 5


def test_confusion_pairing_sampling_follows_confusion():
    pairing = ConfusionPairing(4, CONFUSION, sample=True)
    torch.manual_seed(0)
    index = pairing(None, None, labels(0, 1, 2, 3), labels(*[0] * 2000)).bg_index
    freq = torch.bincount(index, minlength=4).float() / 2000
    assert freq[0] == 0 and freq[3] == 0  # own class and never-confused class
    assert freq[2] == pytest.approx(0.9, abs=0.03)


def test_confusion_pairing_running_matrix_counts_training_predictions():
    pairing = ConfusionPairing(3)
    assert pairing.running and pairing.confusion.sum() == 0
    logits = torch.tensor([[0.1, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 3.0, 0.0]])
    pairing.update(logits, labels(0, 1, 0))
    pairing.update(labels(2), labels(1))
    assert pairing.confusion.tolist() == [[0, 1, 1], [0, 1, 1], [0, 0, 0]]
    assert 'confusion' in pairing.state_dict()
    with pytest.raises(ValueError, match='4 logits.*num_classes=3'):
        pairing.update(torch.zeros(2, 4), labels(0, 1))
    with pytest.raises(ValueError, match='num_classes=3'):
        pairing.update(labels(0, 3), labels(0, 1))


def test_confusion_pairing_rejects_bad_matrix_and_fixed_update():
    with pytest.raises(ValueError, match=r'shape \(4, 4\).*num_classes=3'):
        ConfusionPairing(3, CONFUSION)
    with pytest.raises(ValueError, match='non-negative'):
        ConfusionPairing(4, -CONFUSION)
    with pytest.raises(RuntimeError, match='fixed'):
        ConfusionPairing(4, CONFUSION).update(labels(0), labels(1))
    with pytest.raises(ValueError, match='drop_last'):
        ConfusionPairing(4, CONFUSION)(None, None, labels(0), labels(1))


def permuted_features(perm):
    """Foreground k equals background perm[k]; the features are orthogonal otherwise."""
    fg = torch.eye(len(perm))
    bg = torch.empty_like(fg)
    bg[perm] = fg
    return bg, fg


PERM = torch.tensor([2, 0, 3, 1])  # not an involution: row and column reads differ


def test_cost_matrix_pairing_column_and_row():
    bg, fg = permuted_features(PERM)
    column = CostMatrixPairing(space='feature', direction='column')(bg, fg).bg_index
    assert torch.equal(column, PERM)  # each foreground finds its twin background
    row = CostMatrixPairing(direction='row')(bg, fg).bg_index
    assert torch.equal(row, torch.argsort(PERM))  # row k: background k's twin foreground
    images = torch.rand(4, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(CostMatrixPairing(space='input')(images[PERM], images).bg_index,
                       torch.argsort(PERM))
    with pytest.raises(ValueError, match="'row' needs as many"):
        CostMatrixPairing(direction='row')(bg, fg[:3])


def test_ot_pairing_follows_the_plan_not_the_greedy_cost():
    # Both foregrounds are closest to background 0, but the plan must move half the mass
    # to background 1: OT gives them different backgrounds, the cost matrix does not.
    bg = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    fg = torch.tensor([[1.0, 0.2], [1.0, 0.5]])
    assert CostMatrixPairing()(bg, fg).bg_index.tolist() == [0, 0]
    result = PAIRINGS.build(dict(type='OTPairing', eps=0.05))(bg, fg)
    assert result.bg_index.tolist() == [0, 1] and result.transport_cost is None
    plan = sinkhorn_plan(cosine_cost(bg, fg), 0.05)
    assert torch.equal(OTPairing(0.05, select='argmin')(bg, fg).bg_index, plan.argmin(0))


def test_ot_pairing_column_and_row_on_permutation():
    bg, fg = permuted_features(PERM)
    assert torch.equal(OTPairing(0.01)(bg, fg).bg_index, PERM)
    assert torch.equal(OTPairing(0.01, direction='row')(bg, fg).bg_index, torch.argsort(PERM))
    with pytest.raises(ValueError, match='drop_last'):
        OTPairing(0.1)(bg[:1], fg[:1])


@pytest.mark.parametrize('cost_grad', ['autodiff', 'envelope'])
def test_ot_pairing_cost_is_differentiable_through_features(cost_grad):
    g = torch.Generator().manual_seed(0)
    bg = torch.randn(6, 5, generator=g, requires_grad=True)
    fg = torch.randn(6, 5, generator=g, requires_grad=True)
    result = OTPairing(0.1, with_cost=True, cost_grad=cost_grad, num_iters=200)(bg, fg)
    cost = cosine_cost(bg, fg)
    plan = sinkhorn_plan(cost.detach(), 0.1, num_iters=200)
    torch.testing.assert_close(result.transport_cost, (plan * cost).sum())
    result.transport_cost.backward()
    assert bg.grad.abs().sum() > 0 and fg.grad.abs().sum() > 0
    if cost_grad == 'envelope':
        expected = torch.autograd.grad((plan * cosine_cost(bg, fg)).sum(), bg)[0]
        torch.testing.assert_close(bg.grad, expected)


def test_cost_matrix_row_semantic_lets_each_background_choose():
    """Foregrounds e0, e1, e2; backgrounds e0, e0 + 0.1 e1, e2, e2 + 0.5 e1. Each background
    chooses its closest foreground: 0, 0, 2, 2. Foreground 0 takes the closer of its two
    choosers (background 0), foreground 2 background 2, foreground 1 (chosen by none) a random
    one. The notes' literal 'row' reads row k of C instead: foreground k gets background k's
    choice as an index (square batches only)."""
    fg = torch.eye(3)
    bg = torch.stack([fg[0], fg[0] + 0.1 * fg[1], fg[2], fg[2] + 0.5 * fg[1]])
    semantic = CostMatrixPairing(space='input', direction='row_semantic')
    fallbacks = set()
    for seed in range(20):
        torch.manual_seed(seed)
        index = semantic(bg, fg).bg_index.tolist()
        assert index[0] == 0 and index[2] == 2
        fallbacks.add(index[1])
    assert fallbacks == {0, 1, 2, 3}
    literal = CostMatrixPairing(space='input', direction='row')
    assert literal(bg[:3], fg).bg_index.tolist() == [0, 0, 2]
    with pytest.raises(ValueError, match="direction must be one of \\('column', 'row', "
                                         "'row_semantic'\\)"):
        CostMatrixPairing(direction='rows')

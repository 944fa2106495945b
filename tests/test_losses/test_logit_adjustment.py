import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from coc.losses import BalancedSoftmaxLoss, LogitAdjustedLoss, adjust_logits

COUNTS = [500, 120, 40, 8]


def test_loss_is_cross_entropy_of_logits_plus_tau_log_prior():
    logits = torch.tensor([[2.0, 0.5, -1.0, 0.0], [0.0, 1.0, 3.0, -2.0]])
    labels = torch.tensor([3, 1])
    tau = 1.5
    prior = [n / 668 for n in COUNTS]
    # Menon et al. Eq. 10 by hand: -log(e^{f_y + tau log pi_y} / sum_y' e^{f_y' + tau log pi_y'}).
    expected = 0.0
    for row, y in zip(logits.tolist(), labels.tolist()):
        shifted = [f + tau * math.log(p) for f, p in zip(row, prior)]
        expected -= shifted[y] - math.log(sum(math.exp(s) for s in shifted))
    expected /= 2
    loss = MODELS.build(dict(type='LogitAdjustedLoss', tau=tau, class_counts=COUNTS))
    assert loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)
    assert loss(logits, labels, avg_factor=2).item() == pytest.approx(expected, rel=1e-6)


def test_tau_one_is_balanced_softmax_and_tau_zero_is_cross_entropy():
    logits = torch.randn(8, 4, generator=torch.Generator().manual_seed(0)) * 2
    labels = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0])
    torch.testing.assert_close(LogitAdjustedLoss(tau=1.0, class_counts=COUNTS)(logits, labels),
                               BalancedSoftmaxLoss(class_counts=COUNTS)(logits, labels))
    torch.testing.assert_close(LogitAdjustedLoss(tau=0.0, class_counts=COUNTS)(logits, labels),
                               F.cross_entropy(logits, labels))


def test_post_hoc_adjustment_shifts_the_logit_difference_by_tau_log_prior_ratio():
    logits = torch.tensor([[1.0, 0.8, 0.2, 0.0]])
    tau = 1.0
    adjusted = adjust_logits(logits, COUNTS, tau)
    # head class 0 vs tail class 3: the gap shrinks by tau * log(500 / 8) = 4.135
    gap_before = logits[0, 0] - logits[0, 3]
    gap_after = adjusted[0, 0] - adjusted[0, 3]
    assert (gap_before - gap_after).item() == pytest.approx(tau * math.log(500 / 8), rel=1e-6)
    assert logits.argmax().item() == 0 and adjusted.argmax().item() == 3


def test_missing_or_mismatched_counts_name_the_fix():
    logits, labels = torch.zeros(2, 4), torch.tensor([0, 1])
    with pytest.raises(RuntimeError, match='LongTailLossHook'):
        LogitAdjustedLoss()(logits, labels)
    with pytest.raises(ValueError, match="head's num_classes"):
        LogitAdjustedLoss(class_counts=[5, 5, 5])(logits, labels)
    with pytest.raises(ValueError, match='tau must be >= 0'):
        LogitAdjustedLoss(tau=-1)

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from coc.losses import BalancedSoftmaxLoss, LDAMLoss, SoftCrossEntropyLoss, soft_ce

COUNTS = [500, 120, 40, 8]


@pytest.fixture
def batch():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 4, generator=gen) * 3
    y_a = torch.tensor([0, 1, 2, 3, 0, 2])
    y_b = torch.tensor([3, 3, 0, 1, 0, 1])
    lam = torch.tensor([0.0, 0.25, 0.5, 0.9, 1.0, 0.6])
    return logits, y_a, y_b, lam


def test_soft_ce_is_the_per_sample_lam_mix_of_two_cross_entropies(batch):
    logits, y_a, y_b, lam = batch
    log_p = torch.log_softmax(logits, 1)
    by_hand = -(lam * log_p[range(6), y_a] + (1 - lam) * log_p[range(6), y_b]).mean()
    torch.testing.assert_close(soft_ce(logits, y_a, y_b, lam), by_hand)
    torch.testing.assert_close(
        soft_ce(logits, y_a, y_b, lam, reduction='none'),
        -(lam * log_p[range(6), y_a] + (1 - lam) * log_p[range(6), y_b]))
    # One lam for the batch (CMO's code) is the scalar case of the same formula.
    torch.testing.assert_close(soft_ce(logits, y_a, y_b, 0.3),
                               soft_ce(logits, y_a, y_b, torch.full((6, ), 0.3)))
    torch.testing.assert_close(soft_ce(logits, y_a, y_b, 1.0), F.cross_entropy(logits, y_a))


def test_soft_ce_gradient_reaches_the_logits(batch):
    logits, y_a, y_b, lam = batch
    logits = logits.clone().requires_grad_()
    soft_ce(logits, y_a, y_b, lam).backward()
    target = lam[:, None] * F.one_hot(y_a, 4) + (1 - lam[:, None]) * F.one_hot(y_b, 4)
    torch.testing.assert_close(logits.grad, (torch.softmax(logits, 1) - target).detach() / 6)


def test_registered_loss_takes_labels_scores_and_pairs(batch):
    logits, y_a, y_b, lam = batch
    loss = MODELS.build(dict(type='SoftCrossEntropyLoss'))
    torch.testing.assert_close(loss(logits, y_a), F.cross_entropy(logits, y_a))
    torch.testing.assert_close(loss(logits, y_a, y_b=y_b, lam=lam), soft_ce(logits, y_a, y_b, lam))
    scores = lam[:, None] * F.one_hot(y_a, 4) + (1 - lam[:, None]) * F.one_hot(y_b, 4)
    torch.testing.assert_close(loss(logits, scores), soft_ce(logits, y_a, y_b, lam))
    # MMPretrain heads pass avg_factor = batch size.
    torch.testing.assert_close(loss(logits, y_a, avg_factor=6), F.cross_entropy(logits, y_a))


def test_class_weight_gives_pytorch_weighted_mean(batch):
    logits, y_a, _, _ = batch
    weight = [0.2, 0.5, 1.3, 2.0]
    loss = SoftCrossEntropyLoss(class_weight=weight)
    torch.testing.assert_close(loss(logits, y_a, avg_factor=6),
                               F.cross_entropy(logits, y_a, weight=torch.tensor(weight)))


@pytest.mark.parametrize('kwargs, match', [
    (dict(lam=torch.tensor([1.5] * 6)), r'\[0, 1\]'),
    (dict(lam=torch.ones(5)), 'one value per sample'),
    (dict(lam=0.5), 'both y_b and lam'),
])
def test_bad_pairs_are_rejected(batch, kwargs, match):
    logits, y_a, y_b, _ = batch
    if 'lam' in kwargs and match != 'both y_b and lam':
        kwargs['y_b'] = y_b
    with pytest.raises(ValueError, match=match):
        SoftCrossEntropyLoss()(logits, y_a, **kwargs)


def test_balanced_softmax_adds_the_log_prior(batch):
    logits, y_a, y_b, lam = batch
    prior = torch.tensor(COUNTS, dtype=torch.float32) / sum(COUNTS)
    loss = BalancedSoftmaxLoss(class_counts=COUNTS)
    torch.testing.assert_close(loss(logits, y_a), F.cross_entropy(logits + prior.log(), y_a))
    torch.testing.assert_close(loss(logits, y_a, y_b=y_b, lam=lam),
                               soft_ce(logits + prior.log(), y_a, y_b, lam))


def ldam_by_hand(logits, target, counts, max_m=0.5, s=30.0, weight=None):
    margins = 1.0 / np.sqrt(np.sqrt(np.array(counts, dtype=np.float64)))
    margins = torch.tensor(margins * (max_m / margins.max()), dtype=torch.float32)
    shifted = logits - F.one_hot(target, logits.shape[1]) * margins[target][:, None]
    return F.cross_entropy(s * shifted, target, weight=weight, reduction='none' if weight is
                           None else 'mean')


def test_ldam_matches_the_margin_formula(batch):
    logits, y_a, y_b, lam = batch
    loss = LDAMLoss(class_counts=COUNTS)
    torch.testing.assert_close(loss(logits, y_a), ldam_by_hand(logits, y_a, COUNTS).mean())
    # A pair weighs each label's loss, each with its own margin (CMO + LDAM).
    mixed = lam * ldam_by_hand(logits, y_a, COUNTS) + (1 - lam) * ldam_by_hand(logits, y_b, COUNTS)
    torch.testing.assert_close(loss(logits, y_a, y_b=y_b, lam=lam), mixed.mean())
    weight = torch.tensor([0.1, 0.4, 1.0, 2.5])
    loss.class_weight = weight.tolist()
    torch.testing.assert_close(loss(logits, y_a), ldam_by_hand(logits, y_a, COUNTS, weight=weight))


def test_ldam_stays_accurate_for_confident_logits():
    # Class 3 (tail, margin 0.5, s*m = 15) wins by 21: p ~ 1 - 1e-9 rounds to 1 in float32,
    # yet the margin keeps the loss at log(1 + 3 e^-6) = 0.0074.
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.7], [0.8, 0.0, 0.0, 0.0]], requires_grad=True)
    target = torch.tensor([3, 0])
    value = LDAMLoss(class_counts=COUNTS)(logits, target, reduction_override='none')
    expected = ldam_by_hand(logits.double(), target, COUNTS)
    assert expected[0].item() == pytest.approx(np.log1p(3 * np.exp(-6.0)), rel=1e-6)
    torch.testing.assert_close(value.double(), expected, rtol=1e-4, atol=1e-6)
    value.sum().backward()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize('loss_type', ['BalancedSoftmaxLoss', 'LDAMLoss'])
def test_losses_need_positive_training_counts(batch, loss_type):
    logits, y_a, _, _ = batch
    with pytest.raises(RuntimeError, match='LongTailLossHook'):
        MODELS.build(dict(type=loss_type))(logits, y_a)
    with pytest.raises(ValueError, match='positive training count'):
        MODELS.build(dict(type=loss_type, class_counts=[10, 0, 3, 2]))(logits, y_a)
    with pytest.raises(ValueError, match="3 class counts for 4 logits.*num_classes"):
        MODELS.build(dict(type=loss_type, class_counts=[10, 3, 2]))(logits, y_a)


def cmo_pair_case():
    """Two samples with p = (1/2, 1/4, 1/4) and (1/4, 1/4, 1/2), pairs (0, 2) and (1, 2), one
    lam 0.75 for the batch (CMO's code), class weights (1, 2, 4) as DRW would set."""
    logits = torch.log(torch.tensor([[2.0, 1.0, 1.0], [1.0, 1.0, 2.0]]))
    return logits, torch.tensor([0, 1]), torch.tensor([2, 2]), 0.75, [1.0, 2.0, 4.0]


def test_per_label_pair_form_is_cmos_weighted_loss():
    logits, y_a, y_b, lam, weight = cmo_pair_case()
    ln2 = np.log(2)
    # CMO: lam * CE_w(y_a) + (1 - lam) * CE_w(y_b), CE_w = sum w_y nll / sum w_y:
    # 0.75 * (1 ln2 + 2 ln4) / 3 + 0.25 * (4 ln4 + 4 ln2) / 8 = 1.625 ln2
    cmo = SoftCrossEntropyLoss(class_weight=weight, pair_form='per_label')
    assert cmo(logits, y_a, y_b=y_b, lam=lam, avg_factor=2).item() == pytest.approx(1.625 * ln2)
    # The soft-target mean: (0.75 * 5 ln2 + 0.25 * 12 ln2) / (0.75 * 3 + 0.25 * 8) = 27/17 ln2
    soft = SoftCrossEntropyLoss(class_weight=weight)
    assert soft(logits, y_a, y_b=y_b, lam=lam, avg_factor=2).item() == pytest.approx(
        27 / 17 * ln2)
    # Without class weights the two forms are one: (0.75 * 3 ln2 + 0.25 * 3 ln2) / 2 = 1.5 ln2
    for form in ('per_label', 'soft_target'):
        plain = SoftCrossEntropyLoss(pair_form=form)
        assert plain(logits, y_a, y_b=y_b, lam=lam, avg_factor=2).item() == pytest.approx(
            1.5 * ln2)


def test_ldam_drw_with_cmo_takes_cmos_form(batch):
    """CMO's LDAMLoss is F.cross_entropy(s * (x - m_y), y, weight=w); its mixed loss is
    lam * that(y_a) + (1 - lam) * that(y_b), with one lam for the batch."""
    logits, y_a, y_b, _ = batch
    weight = torch.tensor([0.1, 0.4, 1.0, 2.5])
    loss = LDAMLoss(class_counts=COUNTS, class_weight=weight.tolist(), pair_form='per_label')
    expected = (0.3 * ldam_by_hand(logits, y_a, COUNTS, weight=weight)
                + 0.7 * ldam_by_hand(logits, y_b, COUNTS, weight=weight))
    torch.testing.assert_close(loss(logits, y_a, y_b=y_b, lam=0.3), expected)


def test_balanced_softmax_with_cmo_is_the_same_in_both_forms(batch):
    """BS + CMO has no class weights: CMO's lam * BS(y_a) + (1 - lam) * BS(y_b) equals the
    soft-target mean, so switching r100_bs_cmo to CMO's form keeps its numbers."""
    logits, y_a, y_b, _ = batch
    prior = torch.tensor(COUNTS, dtype=torch.float32) / sum(COUNTS)
    cmo = (0.3 * F.cross_entropy(logits + prior.log(), y_a)
           + 0.7 * F.cross_entropy(logits + prior.log(), y_b))
    for form in ('per_label', 'soft_target'):
        loss = BalancedSoftmaxLoss(class_counts=COUNTS, pair_form=form)
        torch.testing.assert_close(loss(logits, y_a, y_b=y_b, lam=0.3, avg_factor=6), cmo)


def test_unknown_pair_form_names_the_choices():
    with pytest.raises(ValueError, match=r"pair_form must be one of \('soft_target', "
                                         r"'per_label'\)"):
        SoftCrossEntropyLoss(pair_form='cmo')


@pytest.mark.parametrize('loss_type', ['BalancedSoftmaxLoss', 'LDAMLoss', 'SoftCrossEntropyLoss'])
def test_per_class_tensors_live_on_the_loss_device_outside_checkpoints(loss_type):
    """Counts and DRW weights become tensors once, when set, on the device the loss was moved
    to (here 'meta'), instead of a list copied to the device every step; checkpoints keep
    their keys (the hook sets both again on resume)."""
    loss = MODELS.build(dict(type=loss_type)).to('meta')
    if loss_type != 'SoftCrossEntropyLoss':
        loss.class_counts = COUNTS
        assert loss.per_class.device.type == 'meta' and loss.per_class.shape == (4, )
    loss.class_weight = [0.1, 0.4, 1.0, 2.5]
    assert loss.class_weight == [0.1, 0.4, 1.0, 2.5]
    assert loss.class_weight_values.device.type == 'meta'
    assert loss.state_dict() == {}

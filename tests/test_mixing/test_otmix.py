import numpy as np
import pytest
import torch

from coc.mixing import OTmixPairing
from coc.mixing.otmix import confusion_rates


def test_label_cost_sends_each_foreground_to_its_confused_class():
    # Class 0 is confused with 2, class 1 with 0, class 2 with 1 (rows = true class).
    confusion = np.array([[5., 0., 3.], [4., 5., 0.], [0., 2., 5.]])
    pairing = OTmixPairing(num_classes=3, confusion=confusion, feature_weight=0.0, eps=0.01)
    bg_labels = torch.tensor([0, 1, 2])
    fg_labels = torch.tensor([0, 1, 2])
    feats = torch.randn(3, 4)
    result = pairing(feats, feats, bg_labels, fg_labels)
    assert bg_labels[result.bg_index].tolist() == [2, 0, 1]
    assert result.transport_cost is None


def test_feature_weight_one_pairs_by_similarity():
    pairing = OTmixPairing(num_classes=2, confusion=np.ones((2, 2)), feature_weight=1.0, eps=0.01)
    fg = torch.eye(3)
    bg = fg[[2, 0, 1]]
    labels = torch.zeros(3, dtype=torch.long)
    assert pairing(bg, fg, labels, labels).bg_index.tolist() == [1, 2, 0]


def test_bad_input():
    with pytest.raises(ValueError, match='shape'):
        OTmixPairing(num_classes=3, confusion=np.ones((2, 2)))
    with pytest.raises(ValueError, match='feature_weight'):
        OTmixPairing(num_classes=2, confusion=np.ones((2, 2)), feature_weight=2.0)
    with pytest.raises(ValueError, match='finite non-negative'):
        OTmixPairing(num_classes=2, confusion=np.array([[1.0, -1.0], [0.0, 1.0]]))
    matrix = np.ones((2, 2), dtype=np.float32)
    OTmixPairing(num_classes=2, confusion=matrix)
    assert matrix.tolist() == [[1, 1], [1, 1]]  # the caller's array is left as it was


def test_confusion_rates_by_hand():
    """OTmix: row / row sum, then the diagonal zeroed (rows sum to 1 - acc_k); the notes'
    variant: the diagonal zeroed, then rows scaled to 1."""
    counts = torch.tensor([[8.0, 2.0], [1.0, 1.0]])
    torch.testing.assert_close(confusion_rates(counts, 'otmix'),
                               torch.tensor([[0.0, 0.2], [0.5, 0.0]]))
    torch.testing.assert_close(confusion_rates(counts, 'off_diagonal'),
                               torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="one of \\('otmix', 'off_diagonal'\\)"):
        confusion_rates(counts, 'rows')


def test_otmix_rates_change_the_pairing():
    """Backgrounds of classes A=0, B=1; foregrounds of C=2 (90% correct, its one error goes to
    A) and D=3 (errors 3 to A, 2 to B). With w=0 the plan takes the assignment of least
    sum(1 - conf). OTmix's rates: C->A .1, D->B .4 (sum .5) against C->B 0, D->A .6 (.6): C
    meets B, D meets A. Off-diagonal rates: C->A 1.0 + D->B .4 = 1.4 against .6: C meets A."""
    counts = np.array([[5., 0, 0, 0], [0, 5, 0, 0], [1, 0, 9, 0], [3, 2, 0, 0]])
    bg_labels, fg_labels = torch.tensor([0, 1]), torch.tensor([2, 3])
    feats = torch.randn(2, 4)
    otmix = OTmixPairing(num_classes=4, confusion=counts, feature_weight=0.0)
    assert otmix(feats, feats, bg_labels, fg_labels).bg_index.tolist() == [1, 0]
    notes = OTmixPairing(num_classes=4, confusion=counts, confusion_rates='off_diagonal',
                         feature_weight=0.0)
    assert notes(feats, feats, bg_labels, fg_labels).bg_index.tolist() == [0, 1]


def test_recomputed_confusion_is_set_by_the_hook():
    pairing = OTmixPairing(num_classes=2, confusion=None, feature_weight=0.0)
    labels, feats = torch.tensor([0, 1]), torch.randn(2, 3)
    with pytest.raises(RuntimeError, match='EpochConfusionHook'):
        pairing(feats, feats, labels, labels)
    pairing.set_confusion(torch.tensor([[1.0, 3.0], [2.0, 2.0]]))
    # conf[0, 1] = .75 beats conf[1, 0] = .5: each foreground meets the other class
    assert pairing(feats, feats, labels, labels).bg_index.tolist() == [1, 0]
    assert 'confusion' in pairing.state_dict()  # a resumed run keeps the matrix in use
    fixed = OTmixPairing(num_classes=2, confusion=np.ones((2, 2)))
    with pytest.raises(RuntimeError, match='fixed confusion matrix'):
        fixed.set_confusion(torch.ones(2, 2))

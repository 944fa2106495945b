import numpy as np
import pytest
import torch

from coc.mixing import OTmixPairing


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

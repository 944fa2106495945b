import torch
import torch.nn.functional as F

from coc.models.classifiers import CosineClsHead


def test_logits_are_cosines_and_ignore_feature_scale():
    head = CosineClsHead(num_classes=5, in_channels=8)
    head.init_weights()
    feats = torch.randn(3, 8)
    logits = head((feats, ))
    expected = F.normalize(feats) @ F.normalize(head.fc.weight).T
    torch.testing.assert_close(logits, expected)
    torch.testing.assert_close(head((feats * 7.0, )), logits)
    assert logits.abs().max() <= 1 + 1e-6 and head.fc.bias is None

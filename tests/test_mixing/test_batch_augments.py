import pytest
import torch
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.registry import BATCH_AUGMENTS
from mmpretrain.structures import DataSample

from coc.mixing.batch_augments import PlacedCutMix, SaliencyCutMix

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def batch(num=5, size=16, seed=0):
    """Random uint8 images, sample i of class i (so a score column names one image)."""
    g = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
              for _ in range(num)]
    samples = [DataSample().set_gt_label(i) for i in range(num)]
    return dict(inputs=images, data_samples=samples)


def contains_window(image, patch):
    height, width = patch.shape[1:]
    windows = image.unfold(1, height, 1).unfold(2, width, 1)  # [C, H', W', h, w]
    return (windows == patch[:, None, None]).flatten(3).all(3).all(0).any().item()


def check_scores_follow_pasted_area(mixed, originals, scores):
    """Image i keeps its pixels outside one box and shows a window of its partner's image
    inside; its score is ``1 - area`` on its own class and ``area`` on the partner's (all
    on its own when the random partner is itself)."""
    for i, image in enumerate(mixed):
        changed = (image != originals[i]).any(0)
        area = changed.float().mean().item()
        assert scores[i].sum().item() == pytest.approx(1.0, abs=1e-6)
        others = scores[i].clone()
        others[i] = 0
        partner = i if scores[i, i] == 1 else int(others.argmax())
        if partner != i:
            assert scores[i, i].item() == pytest.approx(1 - area, abs=1e-6)
            assert scores[i, partner].item() == pytest.approx(area, abs=1e-6)
        if area == 0:
            continue
        rows, cols = torch.nonzero(changed, as_tuple=True)
        y1, x1, y2, x2 = rows.min(), cols.min(), rows.max() + 1, cols.max() + 1
        assert changed[y1:y2, x1:x2].all(), 'the pasted region is one box'
        assert contains_window(originals[partner], image[:, y1:y2, x1:x2])


@pytest.mark.parametrize('augment', [
    dict(type='PlacedCutMix', alpha=1.0),
    dict(type='PlacedCutMix', alpha=1.0, placer=dict(type='RandomBox', per_sample=False),
         per_sample_lam=False),
    dict(type='SaliencyCutMix', alpha=1.0, mode='sal_corr', mean=MEAN, std=STD),
    dict(type='SaliencyCutMix', alpha=1.0, mode='non_sal_sal', mean=MEAN, std=STD),
    dict(type=SaliencyCutMix, alpha=0.5, mode='sal_sal', mean=MEAN, std=STD),  # new-style cfg
])
def test_inside_a_real_cls_data_preprocessor(augment):
    torch.manual_seed(0)
    preprocessor = ClsDataPreprocessor(mean=MEAN, std=STD, num_classes=5, to_rgb=False,
                                       batch_augments=dict(augments=[augment]))
    data = batch()
    originals = [(img.float() - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None,
                                                                                      None]
                 for img in data['inputs']]
    out = preprocessor(data, training=True)
    mixed = out['inputs']
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    assert mixed.shape == (5, 3, 16, 16) and scores.shape == (5, 5)
    assert not torch.equal(mixed, torch.stack(originals))
    check_scores_follow_pasted_area(mixed, originals, scores)


def test_scores_are_mixed_by_pasted_area_exactly():
    torch.manual_seed(1)
    images = torch.arange(4.0)[:, None, None, None].expand(4, 1, 8, 8).clone()
    scores = torch.eye(4)
    mixed, mixed_scores = PlacedCutMix(alpha=1.0)(images, scores)
    for i in range(4):
        values, counts = mixed[i, 0].unique(return_counts=True)
        expected = torch.zeros(4)
        expected[values.long()] = counts.float() / 64
        torch.testing.assert_close(mixed_scores[i], expected)


def test_rejects_model_dependent_placement():
    assert BATCH_AUGMENTS.get('SaliencyCutMix') is SaliencyCutMix
    with pytest.raises(ValueError, match="needs the model's map"):
        PlacedCutMix(alpha=1.0, placer=dict(type='PredictedBox'))

import math

import cv2
import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS

from coc.evaluation import LongTailAccuracy
from coc.evaluation.confusion_plot import classes_by_training_count

# Training counts: class 0 many (>100); 1 and 3 medium (20..100); 2 and 4 few (<20).
COUNTS = [150, 50, 10, 30, 5]
# (true label, ranked predictions): class 3 is never predicted, class 4 has no test sample.
CASES = [(0, [0, 1]), (0, [0, 2]), (1, [1, 0]), (2, [0, 2]), (2, [0, 2]), (3, [1, 4]),
         (3, [2, 3])]


def samples():
    out = []
    for label, ranked in CASES:
        score = torch.zeros(5)
        score[ranked[0]], score[ranked[1]] = 0.6, 0.3
        score[score == 0] = 0.1 / 3
        out.append(dict(pred_score=score, gt_label=torch.tensor([label])))
    return out


def evaluate(metric):
    metric.process(None, samples())
    return metric.evaluate(len(CASES))


def test_hand_computed_values():
    metrics = evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, 2), save_outputs=False))
    # top-1 right: samples 1, 2, 3; top-2 adds 4, 5, 7 (sample 6's label 3 is not in [1, 4]).
    assert metrics['lt/top1'] == pytest.approx(100 * 3 / 7)
    assert metrics['lt/top2'] == pytest.approx(100 * 6 / 7)
    # Per class: 100, 100, 0, 0, untested -> mean over the 4 tested classes.
    assert metrics['lt/mean_class'] == pytest.approx(50.0)
    assert metrics['lt/many'] == pytest.approx(100.0)
    assert metrics['lt/medium'] == pytest.approx(50.0)   # classes 1 and 3
    assert metrics['lt/few'] == pytest.approx(0.0)       # class 2; class 4 has no test sample


def test_thresholds_are_configurable_and_an_empty_group_is_nan():
    metric = METRICS.build(dict(type='LongTailAccuracy', class_counts=COUNTS, topk=(1, ),
                                many_thr=200, few_thr=40, save_outputs=False))
    metrics = evaluate(metric)
    assert math.isnan(metrics['lt/many'])                # no class above 200
    assert metrics['lt/medium'] == pytest.approx(100.0)  # classes 0 and 1 (40..200)
    assert metrics['lt/few'] == pytest.approx(0.0)       # classes 2, 3 (4 untested)


def test_dumps_per_class_accuracy_confusion_matrix_and_plots(tmp_path):
    evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, 2), out_dir=str(tmp_path / 'lt')))
    class_acc = np.load(tmp_path / 'lt' / 'per_class_accuracy.npy')
    np.testing.assert_allclose(class_acc[:4], [100, 100, 0, 0])
    assert np.isnan(class_acc[4])
    confusion = np.load(tmp_path / 'lt' / 'confusion_matrix.npy')
    expected = np.zeros((5, 5), dtype=int)
    for label, ranked in CASES:
        expected[label, ranked[0]] += 1
    np.testing.assert_array_equal(confusion, expected)
    assert confusion[:, 3].sum() == 0 and confusion[4].sum() == 0
    for name in ('per_class_accuracy.png', 'confusion_matrix.png', 'reliability_diagram.png'):
        png = cv2.imread(str(tmp_path / 'lt' / name))
        assert png is not None and png.shape[0] > 100 and png.std() > 0, name


def test_confusion_picture_orders_classes_from_head_to_tail():
    # COUNTS = 150, 50, 10, 30, 5; equal counts keep the lower class first.
    np.testing.assert_array_equal(classes_by_training_count(COUNTS), [0, 1, 3, 2, 4])
    np.testing.assert_array_equal(classes_by_training_count([3, 7, 3, 9]), [3, 1, 0, 2])


def test_save_outputs_false_writes_nothing(tmp_path):
    evaluate(LongTailAccuracy(class_counts=COUNTS, out_dir=str(tmp_path), save_outputs=False))
    assert not list(tmp_path.iterdir())


def test_missing_counts_and_bad_thresholds_are_explained():
    with pytest.raises(RuntimeError, match='ClassCountsHook'):
        evaluate(LongTailAccuracy(save_outputs=False))
    with pytest.raises(ValueError, match='3 class counts but the model predicts 5'):
        evaluate(LongTailAccuracy(class_counts=[5, 5, 5], save_outputs=False))
    with pytest.raises(ValueError, match=r'topk=\(1, 6\).*5 classes'):
        evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, 6), save_outputs=False))
    with pytest.raises(ValueError, match='few_thr <= many_thr'):
        LongTailAccuracy(many_thr=10, few_thr=20)

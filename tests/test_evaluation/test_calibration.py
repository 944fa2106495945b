import math

import numpy as np
import pytest
import torch
from PIL import Image

from coc.evaluation import LongTailAccuracy, calibration_bins, expected_calibration_error

# Training counts: class 0 many (>100); 1 and 3 medium (20..100); 2 and 4 few (<20).
COUNTS = [150, 50, 10, 30, 5]
# (true label, predicted label, confidence). 15 bins of width 1/15, right-closed:
# 0.95 -> bin 14 (14/15, 1]; 0.55, 0.58 -> bin 8 (8/15, 9/15]; 0.30 -> bin 4; 0.38 -> bin 5.
CASES = [(0, 0, 0.95), (0, 1, 0.95), (1, 1, 0.55), (3, 3, 0.58), (2, 0, 0.30), (2, 2, 0.38)]


def samples(cases=CASES):
    out = []
    for label, pred, confidence in cases:
        score = torch.full((5, ), (1 - confidence) / 4)
        score[pred] = confidence
        out.append(dict(pred_score=score, gt_label=torch.tensor([label])))
    return out


def evaluate(metric, cases=CASES):
    metric.process(None, samples(cases))
    return metric.evaluate(len(cases))


def test_ece_overall_and_per_shot_group_equal_the_hand_computation():
    metrics = evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, ), save_outputs=False))
    # Per bin: n |accuracy - mean confidence|.
    bin14 = 2 * abs(1 / 2 - 0.95)                 # (0 -> 0) right, (0 -> 1) wrong
    bin8 = 2 * abs(1 - (0.55 + 0.58) / 2)         # both right
    bin4, bin5 = abs(0 - 0.30), abs(1 - 0.38)     # (2 -> 0) wrong; (2 -> 2) right
    assert metrics['lt/ece'] == pytest.approx(100 * (bin14 + bin8 + bin4 + bin5) / 6)
    # One bin for all six would give |4/6 - 3.71/6| = 4.8%: the binning matters.
    assert abs(metrics['lt/ece'] - 100 * abs(4 - 3.71) / 6) > 30
    # A group holds the samples of its TRUE classes: (0 -> 1) is many, (2 -> 0) is few.
    assert metrics['lt/ece_many'] == pytest.approx(100 * bin14 / 2)
    assert metrics['lt/ece_medium'] == pytest.approx(100 * bin8 / 2)
    assert metrics['lt/ece_few'] == pytest.approx(100 * (bin4 + bin5) / 2)


def test_group_ece_ignores_the_other_groups_samples():
    few_only = [case for case in CASES if case[0] in (2, 4)]
    alone = evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, ), save_outputs=False),
                     few_only)
    together = evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, ), save_outputs=False))
    assert alone['lt/ece_few'] == pytest.approx(together['lt/ece_few'])
    assert alone['lt/ece'] == pytest.approx(alone['lt/ece_few'])
    assert math.isnan(alone['lt/ece_many']) and math.isnan(alone['lt/ece_medium'])


def test_bins_are_right_closed_and_cover_zero_and_one():
    bins = calibration_bins(np.array([0.0, 0.5, 0.5001, 1.0]), np.array([1, 0, 1, 1]),
                            num_bins=2)
    np.testing.assert_array_equal(bins.count, [2, 2])       # [0, 0.5] and (0.5, 1]
    np.testing.assert_allclose(bins.accuracy, [0.5, 1.0])
    np.testing.assert_allclose(bins.confidence, [0.25, 0.75005])
    assert expected_calibration_error(bins) == pytest.approx((2 * 0.25 + 2 * 0.24995) / 4)
    assert math.isnan(expected_calibration_error(calibration_bins(np.array([]),
                                                                  np.array([]))))


def test_reliability_diagram_is_written_and_calibration_false_turns_it_off(tmp_path):
    evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, ), out_dir=str(tmp_path / 'on')))
    with Image.open(tmp_path / 'on' / 'reliability_diagram.png') as png:
        png.verify()
        assert png.format == 'PNG' and png.size[0] > png.size[1] > 100  # 4 panels side by side
    metrics = evaluate(LongTailAccuracy(class_counts=COUNTS, topk=(1, ), calibration=False,
                                        out_dir=str(tmp_path / 'off')))
    assert not any(key.startswith('lt/ece') for key in metrics)
    assert not (tmp_path / 'off' / 'reliability_diagram.png').exists()


def test_scores_that_are_not_probabilities_and_bad_bins_are_explained():
    logits = [dict(pred_score=torch.tensor([2.0, -1.0, 0.5, 0.0, 0.0]),
                   gt_label=torch.tensor([0]))]
    metric = LongTailAccuracy(class_counts=COUNTS, topk=(1, ), save_outputs=False)
    metric.process(None, logits)
    with pytest.raises(ValueError, match='pred_score to be probabilities.*calibration=False'):
        metric.evaluate(1)
    with pytest.raises(ValueError, match='ece_bins >= 1, got 0'):
        LongTailAccuracy(ece_bins=0)

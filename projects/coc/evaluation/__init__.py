"""Long-tail evaluation: top-k, many/medium/few-shot and per-class accuracy, calibration."""
from .calibration import calibration_bins, expected_calibration_error
from .long_tail_metric import LongTailAccuracy, per_class_accuracy, shot_groups

__all__ = ['LongTailAccuracy', 'per_class_accuracy', 'shot_groups', 'calibration_bins',
           'expected_calibration_error']

"""Long-tail evaluation: top-k, many/medium/few-shot and per-class accuracy."""
from .long_tail_metric import LongTailAccuracy, per_class_accuracy, shot_groups

__all__ = ['LongTailAccuracy', 'per_class_accuracy', 'shot_groups']

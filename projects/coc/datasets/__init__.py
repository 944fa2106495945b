"""Datasets (long-tailed versions of standard sets) and their class statistics."""
from .class_counts import get_class_counts
from .digits_lt import DigitsLT
from .long_tail_profile import long_tail_counts

__all__ = ['DigitsLT', 'get_class_counts', 'long_tail_counts']

"""Datasets (long-tailed versions of standard sets) and their class statistics."""
from .cifar_lt import CIFAR10LT, CIFAR100LT
from .class_counts import get_class_counts
from .data_folders import DatasetNotFoundError
from .digits_lt import DigitsLT
from .image_list import ImageListDataset
from .long_tail_profile import long_tail_counts
from .long_tail_subset import LongTailDataset
from .transforms import SaliencyMap

__all__ = ['CIFAR10LT', 'CIFAR100LT', 'DatasetNotFoundError', 'DigitsLT', 'ImageListDataset',
           'LongTailDataset', 'SaliencyMap', 'get_class_counts', 'long_tail_counts']

"""Long-tailed subset of any MMPretrain dataset (an ImageNet-style folder becomes LT)."""
import copy
from typing import Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .data_folders import check_source_folders
from .long_tail_profile import check_held_out, check_profile, long_tail_counts

SPLITS = ('train', 'val', 'holdout')
CLASS_ORDERS = ('index', 'count')


def long_tail_indices(labels: np.ndarray, counts, seed: int = 0, skip: int = 0) -> np.ndarray:
    """Indices that keep ``counts[k]`` images of class k, grouped by class.

    LDAM-DRW/CMO's construction: for each class in index order, shuffle its indices with one
    ``RandomState(seed)`` stream and keep the first ``counts[k]`` (after the first ``skip``,
    which ``LongTailDataset`` holds out). A class with fewer images keeps all it has.
    """
    rng = np.random.RandomState(seed)
    chosen = []
    for k, n_k in enumerate(counts):
        indices = np.flatnonzero(labels == k)
        rng.shuffle(indices)
        chosen.append(indices[skip:skip + n_k])
    return np.concatenate(chosen).astype(np.int64)


@DATASETS.register_module()
class LongTailDataset:
    """Wraps a dataset and keeps a long-tailed subset of it (``long_tail_counts`` profile).

    Classes whose images are fewer than their quota keep all of them (a warning lists them);
    a class left with no image is an error. Each class is shuffled once (``seed``) and cut in
    this order: the first ``holdout_per_class`` images are ``split='holdout'``, a balanced
    test split for folders that have none; the next ``val_per_class`` are ``split='val'``, a
    balanced validation split for choosing checkpoints; the long-tailed training split is
    drawn from the rest. The three are disjoint, and the held-out splits depend only on
    ``seed`` and their sizes, never on the training run's seed or quota.

    Args:
        dataset: the source dataset or its config.
        imbalance_ratio: head / tail quota (>= 1).
        profile: 'exp' or 'step'.
        n_max: head quota; default the largest class of the source (after the holdout).
        class_order: 'index' gives class 0 the head quota (CIFAR-LT's rule); 'count' ranks
            classes by their source size, so a naturally imbalanced set keeps its head classes.
        seed: seed of the per-class shuffle.
        holdout_per_class: images per class of the test split, kept out of the others.
        val_per_class: images per class of the validation split, kept out of training.
        split: 'train' (the long-tailed subset), 'val' or 'holdout'.
        lazy_init: defer loading the source as MMEngine's dataset wrappers do.

    A source config that reads class folders (``CustomDataset`` without ``ann_file``) is
    checked first: a missing or empty folder is one ``DatasetNotFoundError`` naming it.
    """

    def __init__(self, dataset: Union[BaseDataset, dict], imbalance_ratio: float,
                 profile: str = 'exp', n_max: Optional[int] = None, class_order: str = 'index',
                 seed: int = 0, holdout_per_class: int = 0, val_per_class: int = 0,
                 split: str = 'train', lazy_init: bool = False) -> None:
        if class_order not in CLASS_ORDERS:
            raise ValueError(f'LongTailDataset class_order must be one of {CLASS_ORDERS}, '
                             f'got {class_order!r}')
        if split not in SPLITS:
            raise ValueError(f'LongTailDataset split must be one of {SPLITS}, got {split!r}')
        check_held_out('LongTailDataset', 'holdout', holdout_per_class, split)
        check_held_out('LongTailDataset', 'val', val_per_class, split)
        check_profile(imbalance_ratio, profile)
        if isinstance(dataset, dict):
            check_source_folders(dataset)
            dataset = DATASETS.build(dataset)
        self.dataset = dataset
        self.imbalance_ratio, self.profile, self.n_max = imbalance_ratio, profile, n_max
        self.class_order, self.seed = class_order, seed
        self.holdout_per_class, self.val_per_class = holdout_per_class, val_per_class
        self.split = split
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        labels = np.asarray(self.dataset.get_gt_labels(), dtype=np.int64)
        num_classes = len(self.dataset.metainfo['classes'])
        held_out = self.holdout_per_class + self.val_per_class
        if self.split == 'holdout':
            quota = np.full(num_classes, self.holdout_per_class)
            self.indices = long_tail_indices(labels, quota, self.seed)
        elif self.split == 'val':
            quota = np.full(num_classes, self.val_per_class)
            self.indices = long_tail_indices(labels, quota, self.seed, self.holdout_per_class)
        else:
            quota = self._quota(np.bincount(labels, minlength=num_classes) - held_out)
            self.indices = long_tail_indices(labels, quota, self.seed, held_out)
        counts = np.bincount(labels[self.indices], minlength=num_classes)
        self._check(counts, quota)
        self._class_counts = counts
        self._fully_initialized = True

    def _quota(self, available: np.ndarray) -> np.ndarray:
        n_max = int(available.max()) if self.n_max is None else self.n_max
        profile = np.array(long_tail_counts(n_max, len(available), self.imbalance_ratio,
                                            self.profile))
        if self.class_order == 'index':
            return profile
        rank = np.argsort(-available, kind='stable')
        quota = np.empty_like(profile)
        quota[rank] = profile
        return quota

    def _check(self, counts: np.ndarray, quota: np.ndarray) -> None:
        classes = self.dataset.metainfo['classes']
        empty = np.flatnonzero(counts == 0)
        if len(empty):
            raise ValueError(
                f'LongTailDataset: class(es) {[classes[k] for k in empty]} have no image in the '
                f'{self.split} split (the source has too few after holding out '
                f'{self.holdout_per_class} + {self.val_per_class} per class); drop them from '
                f'the source or lower holdout_per_class / val_per_class')
        short = np.flatnonzero(counts < quota)
        if len(short):
            fix = (f'a smaller {self.split}_per_class' if self.split != 'train'
                   else "class_order='count' or a smaller n_max")
            print_log(f'LongTailDataset: {len(short)} class(es) have fewer images than their '
                      f'quota and keep all of them: '
                      f'{ {classes[k]: (int(counts[k]), int(quota[k])) for k in short} } '
                      f'(kept, quota); {fix} avoids this', logger='current', level=30)

    @property
    @force_full_init
    def class_counts(self) -> np.ndarray:
        return self._class_counts

    @force_full_init
    def get_gt_labels(self) -> np.ndarray:
        return np.asarray(self.dataset.get_gt_labels())[self.indices]

    @force_full_init
    def get_cat_ids(self, idx: int) -> list:
        return self.dataset.get_cat_ids(int(self.indices[idx]))

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(int(self.indices[idx]))

    @force_full_init
    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return self.dataset[int(self.indices[idx])]

"""CIFAR-10-LT / CIFAR-100-LT: MMPretrain's CIFAR with the LDAM-DRW/CMO long-tailed train split."""
import numpy as np
from mmengine.fileio import join_path
from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS

from .data_folders import DatasetNotFoundError, check_files
from .long_tail_profile import check_held_out, check_profile, long_tail_counts
from .long_tail_subset import long_tail_indices


class CIFARLongTailMixin:
    """The long-tailed train split on top of an MMPretrain CIFAR class; test split untouched.

    Train: ``long_tail_counts(n_max, C, imbalance_ratio, profile)`` images per class
    (``n_max`` = 5000 / 500, the full class), chosen by ``long_tail_indices`` with numpy seed
    ``seed``: for CIFAR-100-LT 10,847 / 12,608 / 19,573 images at ratio 100 / 50 / 10.
    With ``val_per_class`` = V > 0, the first V images of each shuffled class form
    ``split='val'`` (balanced, for choosing checkpoints without the test split) and the
    training split is drawn from the rest with ``n_max`` reduced by V. V = 0 gives exactly
    the published split.

    Nothing is downloaded: the official ``cifar-10-batches-py/`` / ``cifar-100-python/``
    folder must be under ``data_root``, else a :class:`DatasetNotFoundError` names the
    missing files and where they come from.

    Args:
        split: 'train', 'val' (held out of the training images) or 'test'.
        imbalance_ratio: head / tail training count (>= 1).
        profile: 'exp' (the standard) or 'step'.
        seed: numpy seed of the per-class shuffle (0 in LDAM-DRW and CMO).
        val_per_class: training images per class held out as the validation split.
        verify_md5: check the md5 of every file, as MMPretrain does (default). False only
            checks that the files exist: for a folder in the same format with other bytes
            (a re-encoded copy, synthetic test data).
        **kwargs: MMPretrain's CIFAR arguments (``data_root``, ``split``/``test_mode``,
            ``pipeline``...) except ``download=True``.
    """

    def __init__(self, *args, split: str = 'train', imbalance_ratio: float = 100,
                 profile: str = 'exp', seed: int = 0, val_per_class: int = 0,
                 verify_md5: bool = True, **kwargs) -> None:
        check_profile(imbalance_ratio, profile)
        check_held_out(type(self).__name__, 'val', val_per_class, split)
        self.imbalance_ratio, self.profile, self.seed = imbalance_ratio, profile, seed
        self.val_per_class, self.subset = val_per_class, split
        self.verify_md5 = verify_md5
        if kwargs.pop('download', False):
            raise ValueError(f'{type(self).__name__} never downloads: drop download=True and '
                             f'put the official {self.base_folder}/ folder under data_root')
        # The validation split comes out of MMPretrain's 'train' files.
        super().__init__(*args, split='train' if split == 'val' else split, download=False,
                         **kwargs)

    def _check_integrity(self) -> bool:
        """True, or a DatasetNotFoundError on what is wrong (MMPretrain's message for a
        missing folder suggests ``download=True``)."""
        folder = join_path(self.data_prefix['root'], self.base_folder)
        check_files(folder, [name for name, _ in self.train_list + self.test_list],
                    f'the official {self.base_folder}/ folder, extracted from {self.filename} '
                    f'of {self.url}, under data_root')
        if self.verify_md5 and not super()._check_integrity():
            raise DatasetNotFoundError(
                f'{folder}: the files differ from the official release (md5); extract '
                f'{self.filename} again, or set verify_md5=False for a copy in the same format')
        return True

    def load_data_list(self) -> list:
        data_list = super().load_data_list()
        if self.split != 'train':
            return data_list
        labels = np.array([info['gt_label'] for info in data_list])
        num_classes = len(self.metainfo['classes'])
        if self.subset == 'val':
            indices = long_tail_indices(labels, [self.val_per_class] * num_classes, self.seed)
        else:
            n_max = int(np.bincount(labels, minlength=num_classes).max()) - self.val_per_class
            counts = long_tail_counts(n_max, num_classes, self.imbalance_ratio, self.profile)
            indices = long_tail_indices(labels, counts, self.seed, self.val_per_class)
        return [data_list[i] for i in indices]

    @property
    def class_counts(self) -> np.ndarray:
        return np.bincount(self.get_gt_labels(), minlength=len(self.metainfo['classes']))


@DATASETS.register_module()
class CIFAR10LT(CIFARLongTailMixin, CIFAR10):
    __doc__ = CIFARLongTailMixin.__doc__


@DATASETS.register_module()
class CIFAR100LT(CIFARLongTailMixin, CIFAR100):
    __doc__ = CIFARLongTailMixin.__doc__

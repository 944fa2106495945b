"""Image-list dataset: ImageNet-LT / iNaturalist-2018 / Places-LT style ``path label`` files."""
from typing import Optional

import numpy as np
from mmengine.fileio import exists, join_path, list_from_file
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .data_folders import DOCS, DatasetNotFoundError


@DATASETS.register_module()
class ImageListDataset(BaseDataset):
    """Images named by a list file, one ``relative/path.jpg label`` per line.

    Paths are relative to ``data_root``/``data_prefix``; a leading '/' (Places-LT's lists)
    is dropped. The path is everything before the last space, so paths may contain spaces.
    Every listed image must exist (the error names the first missing ones).

    Args:
        ann_file: the list file (``ImageNet_LT_train.txt``, ``iNaturalist18_train.txt``...).
        data_root, data_prefix: where the listed paths start.
        num_classes: number of classes when ``metainfo``/``classes`` does not name them
            (needed when a split lacks the last labels); default max label + 1.
        check_files: verify that every image exists (one stat per image at start-up).
        **kwargs: MMPretrain's ``BaseDataset`` arguments (``pipeline``, ``classes``...).
    """

    def __init__(self, ann_file: str, data_root: str = '', data_prefix: str = '',
                 num_classes: Optional[int] = None, check_files: bool = True,
                 **kwargs) -> None:
        self.num_classes, self.check_files = num_classes, check_files
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=dict(img_path=data_prefix), **kwargs)

    def load_data_list(self) -> list:
        if not exists(self.ann_file):
            raise DatasetNotFoundError(f'ImageListDataset: list file {self.ann_file} not found; '
                                       f'nothing is downloaded, see {DOCS}')
        lines = [line.strip() for line in list_from_file(self.ann_file)]
        prefix = self.data_prefix['img_path']
        data_list = []
        for number, line in enumerate(lines, 1):
            if not line:
                continue
            path, _, label = line.rpartition(' ')
            if not path or not label.isdigit():
                raise ValueError(f'{self.ann_file}:{number}: expected "relative/path.jpg label" '
                                 f'with an integer label >= 0, got {line!r}')
            data_list.append(dict(img_path=join_path(prefix, path.lstrip('/')),
                                  gt_label=int(label)))
        if not data_list:
            raise ValueError(f'ImageListDataset: {self.ann_file} lists no image')
        self._check_labels(data_list)
        if self.check_files:
            missing = [d['img_path'] for d in data_list if not exists(d['img_path'])]
            if missing:
                raise DatasetNotFoundError(
                    f'ImageListDataset: {len(missing)} image(s) of {self.ann_file} are missing, '
                    f'e.g. {missing[:3]}; fix data_root/data_prefix (paths in the list are '
                    f'relative to them) or remove the lines')
        return data_list

    def _check_labels(self, data_list: list) -> None:
        top = max(d['gt_label'] for d in data_list)
        if self.CLASSES is None:
            num_classes = self.num_classes or top + 1
            self._metainfo['classes'] = tuple(str(k) for k in range(num_classes))
        elif self.num_classes is not None and self.num_classes != len(self.CLASSES):
            raise ValueError(f'ImageListDataset got num_classes={self.num_classes} and '
                             f'{len(self.CLASSES)} class names; give one of the two')
        if top >= len(self.CLASSES):
            raise ValueError(f'{self.ann_file} has label {top} but the dataset has '
                             f'{len(self.CLASSES)} classes; raise num_classes or fix the list')

    @property
    def class_counts(self) -> np.ndarray:
        return np.bincount(self.get_gt_labels(), minlength=len(self.CLASSES))


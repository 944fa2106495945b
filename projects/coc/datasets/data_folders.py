"""Checks that a dataset's files are where its config says, with one line on how to fix it.

coc never downloads a data set (MMPretrain's CIFAR would, by default): a missing or
incomplete folder is a :class:`DatasetNotFoundError` naming the path, the files expected
there and where they come from (docs/long_tail.md, "Where the data goes").
"""
import os.path as osp
from typing import Sequence

from mmengine.fileio import exists, join_path, list_dir_or_file
from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

DOCS = 'docs/long_tail.md ("Where the data goes")'


class DatasetNotFoundError(FileNotFoundError):
    """A data folder is missing or incomplete; ``tools/*.py`` print it as one ``error:`` line."""


def check_files(folder: str, names: Sequence[str], what: str) -> None:
    """Every file of ``names`` exists in ``folder``; ``what`` says where they come from."""
    missing = [name for name in names if not exists(join_path(folder, name))]
    if missing:
        found = 'is missing' if not osp.isdir(folder) else f'lacks {", ".join(missing)}'
        raise DatasetNotFoundError(
            f'{folder} {found}: expected {", ".join(names)} there ({what}); nothing is '
            f'downloaded, see {DOCS}')


def check_class_folders(folder: str) -> None:
    """``folder`` holds ImageNet-style class folders (``<class>/<image>``), at least one of
    them with a file."""
    if not osp.isdir(folder):
        problem = 'does not exist'
    else:
        classes = sorted(list_dir_or_file(folder, list_file=False))
        with_files = [name for name in classes
                      if any(True for _ in list_dir_or_file(join_path(folder, name),
                                                            list_dir=False))]
        if with_files:
            return
        problem = 'has no class folder' if not classes else 'has class folders but no image'
    raise DatasetNotFoundError(
        f'{folder} {problem}: expected ImageNet-style class folders, {folder}/<class>/<image> '
        f'(e.g. the CIFAR-10 training images as data/cifar10/train/airplane/0001.png, GTSRB as '
        f'data/gtsrb32/train/00/<image>.png); nothing is downloaded, see {DOCS}')


def check_source_folders(cfg: dict) -> None:
    """The class folders of a ``CustomDataset`` config that reads them (no ``ann_file``):
    MMPretrain's own error for an empty folder says neither what was expected nor how to
    get it."""
    dataset_type = cfg.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    if not (isinstance(cls, type) and issubclass(cls, CustomDataset)) or cfg.get('ann_file'):
        return
    prefix = cfg.get('data_prefix', '')
    prefix = prefix.get('img_path', '') if isinstance(prefix, dict) else prefix
    check_class_folders(join_path(cfg.get('data_root', ''), prefix))

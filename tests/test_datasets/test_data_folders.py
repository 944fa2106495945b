"""A missing or incomplete data folder is one clear error, and nothing is downloaded."""
import pickle
import subprocess
import sys

import numpy as np
import pytest

from coc.datasets import CIFAR10LT, DatasetNotFoundError, LongTailDataset

GTSRB = 'configs/resnet32/resnet32_gtsrb32lt_r50_ce.py'
CIFAR100 = 'configs/resnet32/resnet32_cifar100lt_r100_ce.py'
CIFAR10_FILES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4',
                 'data_batch_5', 'test_batch']


@pytest.mark.parametrize('config, data_root_key, named', [
    (GTSRB, 'train_dataloader.dataset.dataset.data_root', '{root}/train does not exist'),
    (CIFAR100, 'train_dataloader.dataset.data_root', '{root}/cifar-100-python is missing'),
])
def test_config_on_an_empty_folder_ends_with_one_error_line(repo_root, tmp_path, config,
                                                              data_root_key, named):
    empty = tmp_path / 'empty'
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir', str(tmp_path / 'work'),
         '--cfg-options', f'{data_root_key}={empty}'],
        cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and named.format(root=empty) in last
    assert 'nothing is downloaded' in last and 'docs/long_tail.md' in last
    assert list(empty.iterdir()) == []  # MMPretrain's CIFAR would have fetched the archive here


def folder_source(root):
    return dict(type='CustomDataset', data_root=str(root), data_prefix='train')


def test_class_folders_without_images_are_named(tmp_path):
    (tmp_path / 'train' / 'stop').mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match='train has class folders but no image: '
                       'expected ImageNet-style class folders'):
        LongTailDataset(folder_source(tmp_path), imbalance_ratio=10)
    (tmp_path / 'other').mkdir()
    with pytest.raises(DatasetNotFoundError, match='other has no class folder'):
        LongTailDataset(dict(folder_source(tmp_path), data_prefix='other'), imbalance_ratio=10)


def test_a_list_file_dataset_is_not_checked_for_class_folders(tmp_path):
    """With ann_file a CustomDataset reads its list, not folders: MMPretrain reports that."""
    with pytest.raises(Exception) as error:
        LongTailDataset(dict(folder_source(tmp_path), ann_file=str(tmp_path / 'list.txt')),
                        imbalance_ratio=10)
    assert not isinstance(error.value, DatasetNotFoundError)


def write_cifar10_batch(path, labels):
    data = np.zeros((len(labels), 3 * 32 * 32), dtype=np.uint8)
    path.write_bytes(pickle.dumps({'data': data, 'labels': list(labels)}))


def test_incomplete_cifar_folder_lists_the_missing_files(tmp_path):
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    write_cifar10_batch(folder / 'data_batch_1', range(10))
    with pytest.raises(DatasetNotFoundError) as error:
        CIFAR10LT(data_root=str(tmp_path), split='train', verify_md5=False)
    message = str(error.value)
    assert message.startswith(f'{folder} lacks data_batch_2, data_batch_3, data_batch_4, '
                              'data_batch_5, test_batch: expected')
    assert 'cifar-10-python.tar.gz' in message and 'nothing is downloaded' in message


def test_cifar_files_that_are_not_the_official_ones_fail_the_md5_check(tmp_path):
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    for name in CIFAR10_FILES:
        write_cifar10_batch(folder / name, range(10))
    with pytest.raises(DatasetNotFoundError, match='differ from the official release'):
        CIFAR10LT(data_root=str(tmp_path), split='test')
    # Same format, other bytes: accepted when asked to (10 test images, one per class).
    assert len(CIFAR10LT(data_root=str(tmp_path), split='test', verify_md5=False)) == 10


def test_cifar_never_downloads(tmp_path):
    with pytest.raises(ValueError, match='never downloads: drop download=True'):
        CIFAR10LT(data_root=str(tmp_path), split='test', download=True)

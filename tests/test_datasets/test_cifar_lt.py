import pickle

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from coc.datasets import (CIFAR10LT, CIFAR100LT, DatasetNotFoundError, get_class_counts,
                          long_tail_counts)


def image_index(img):
    return int(img[0, 0, 0]) * 256 + int(img[0, 1, 0])


@pytest.fixture(scope='module')
def cifar100_root(make_cifar100):
    """A folder in the format of cifar-100-python (500 train / 100 test images per class,
    labels in random order like the real files) with other bytes than the real one."""
    rng = np.random.default_rng(0)
    train = rng.permutation(np.repeat(np.arange(100), 500))
    return make_cifar100(train, rng.permutation(np.repeat(np.arange(100), 100)))


@pytest.fixture(scope='module')
def train_labels(cifar100_root):
    with open(cifar100_root / 'cifar-100-python' / 'train', 'rb') as f:
        return np.array(pickle.load(f)['fine_labels'])


@pytest.fixture(scope='module')
def r100(cifar100_root):
    return CIFAR100LT(data_root=str(cifar100_root), imbalance_ratio=100, verify_md5=False)


@pytest.mark.parametrize('ratio, size', [(100, 10847), (50, 12608), (10, 19573)])
def test_cifar100_lt_train_sizes(cifar100_root, r100, ratio, size):
    train = r100 if ratio == 100 else CIFAR100LT(data_root=str(cifar100_root),
                                                 imbalance_ratio=ratio, verify_md5=False)
    assert len(train) == size
    counts = get_class_counts(train)
    assert counts.tolist() == long_tail_counts(500, 100, ratio)


def test_ratio_100_profile_and_shot_groups(r100):
    counts = r100.class_counts
    assert counts[0] == 500 and counts[-1] == 5 and np.all(np.diff(counts) <= 0)
    many, few = (counts > 100).sum(), (counts < 20).sum()
    assert (many, 100 - many - few, few) == (35, 35, 30)


def test_kept_images_are_ldam_drws_choice(r100, train_labels):
    train = r100
    kept = [image_index(train.get_data_info(i)['img']) for i in range(len(train))]
    # LDAM-DRW's get_img_num_per_cls and gen_imbalanced_data, written out: global numpy
    # seed 0, per class shuffle, first n_k.
    np.random.seed(0)
    expected = []
    for k in range(100):
        n_k = int(500 * (0.01**(k / (100 - 1.0))))
        idx = np.where(train_labels == k)[0]
        np.random.shuffle(idx)
        expected.extend(idx[:n_k].tolist())
    assert kept == expected
    assert (train.get_gt_labels() == train_labels[kept]).all()


def test_seed_changes_the_images_not_the_counts(cifar100_root, r100):
    a = r100
    b = CIFAR100LT(data_root=str(cifar100_root), verify_md5=False, seed=1)
    assert a.class_counts.tolist() == b.class_counts.tolist()
    assert ([image_index(a.get_data_info(i)['img']) for i in range(20)] !=
            [image_index(b.get_data_info(i)['img']) for i in range(20)])


def test_step_profile(cifar100_root):
    counts = CIFAR100LT(data_root=str(cifar100_root), imbalance_ratio=10, profile='step',
                        verify_md5=False).class_counts
    assert counts.tolist() == [500] * 50 + [50] * 50


def test_test_split_is_untouched(cifar100_root):
    test = DATASETS.build(dict(type='CIFAR100LT', data_root=str(cifar100_root), split='test',
                               imbalance_ratio=100, verify_md5=False))
    assert len(test) == 10000 and test.class_counts.tolist() == [100] * 100
    assert [image_index(test.get_data_info(i)['img']) for i in range(5)] == list(range(5))


def test_val_split_is_carved_from_training_images(cifar100_root, train_labels):
    common = dict(data_root=str(cifar100_root), imbalance_ratio=100, val_per_class=20,
                  verify_md5=False)
    train, val = CIFAR100LT(**common), CIFAR100LT(split='val', **common)
    kept = {split: {image_index(ds.get_data_info(i)['img']) for i in range(len(ds))}
            for split, ds in (('train', train), ('val', val))}
    assert val.class_counts.tolist() == [20] * 100
    assert not kept['train'] & kept['val']
    # n_max is what is left of a class after the validation images.
    assert train.class_counts.tolist() == long_tail_counts(480, 100, 100)
    # The first 20 of each class in LDAM-DRW's shuffle (global numpy seed 0).
    np.random.seed(0)
    expected = set()
    for k in range(100):
        idx = np.where(train_labels == k)[0]
        np.random.shuffle(idx)
        expected.update(idx[:20].tolist())
    assert kept['val'] == expected


def test_md5_is_checked_by_default(cifar100_root):
    with pytest.raises(DatasetNotFoundError, match='differ from the official release'):
        CIFAR100LT(data_root=str(cifar100_root), download=False)


def test_cifar10_lt(tmp_path, write_cifar_batch):
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    rng = np.random.default_rng(0)
    # CIFAR-10's five train batches; 300 images per class here, so n_max = 300.
    labels = rng.permutation(np.repeat(np.arange(10), 300))
    for i, part in enumerate(np.split(labels, 5), 1):
        write_cifar_batch(folder / f'data_batch_{i}', part, 'labels')
    write_cifar_batch(folder / 'test_batch', np.repeat(np.arange(10), 10), 'labels')
    train = CIFAR10LT(data_root=str(tmp_path), imbalance_ratio=100, verify_md5=False)
    counts = train.class_counts.tolist()
    assert counts == long_tail_counts(300, 10, 100) and (counts[0], counts[-1]) == (300, 3)


@pytest.mark.parametrize('kwargs, match', [
    (dict(imbalance_ratio=0.5), 'imbalance_ratio must be >= 1'),
    (dict(profile='linear'), "Unknown long-tail profile 'linear'"),
    (dict(imbalance_ratio=1000), 'leaves class 90 with 0 images'),
    (dict(split='val'), 'val_per_class >= 1'),
])
def test_bad_arguments(cifar100_root, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CIFAR100LT(data_root=str(cifar100_root), verify_md5=False, **kwargs)

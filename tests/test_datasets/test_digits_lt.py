import numpy as np
import pytest

from coc.datasets import DigitsLT, get_class_counts, long_tail_counts


def test_train_split_follows_the_exponential_profile():
    train = DigitsLT(split='train', imbalance_ratio=10)
    counts = get_class_counts(train)
    assert counts[0] / counts[-1] == pytest.approx(10, rel=0.1)
    assert counts.tolist() == long_tail_counts(int(counts[0]), 10, 10)
    assert np.all(np.diff(counts) <= 0)


def test_test_split_is_balanced_and_disjoint_from_train():
    train, test = DigitsLT(split='train'), DigitsLT(split='test', test_per_class=50)
    assert get_class_counts(test).tolist() == [50] * 10
    train_pixels = {d['img'].tobytes() for d in train.data_list}
    # A few digits are exact duplicates in the source data; leaks must stay that rare.
    leaked = sum(d['img'].tobytes() in train_pixels for d in test.data_list)
    assert leaked <= 2


def test_val_split_is_balanced_and_disjoint_from_train_and_test():
    splits = {split: DigitsLT(split=split, test_per_class=30, val_per_class=20)
              for split in ('train', 'val', 'test')}
    assert get_class_counts(splits['val']).tolist() == [20] * 10
    pixels = {split: [d['img'].tobytes() for d in ds.data_list] for split, ds in splits.items()}
    for a, b in (('train', 'val'), ('train', 'test'), ('val', 'test')):
        # The source holds a few exact duplicate scans; a real overlap would be dozens.
        assert sum(p in set(pixels[b]) for p in pixels[a]) <= 2, (a, b)
    # The test split is the same with or without a validation split.
    assert pixels['test'] == [d['img'].tobytes()
                              for d in DigitsLT(split='test', test_per_class=30).data_list]


def test_images_are_32x32_rgb_uint8():
    img = DigitsLT(split='test')[0]['img']
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert img.max() > 128 and img.min() == 0
    assert (img[..., 0] == img[..., 2]).all()


@pytest.mark.parametrize('kwargs, message', [
    (dict(split='validation'), 'split must be one of'),
    (dict(split='val'), 'val_per_class >= 1'),
    (dict(val_per_class=-1), 'val_per_class'),
    (dict(imbalance_ratio=0.5), 'imbalance_ratio'),
    (dict(profile='linear'), 'profile'),
    (dict(split='test', profile='linear'), 'profile'),
    (dict(test_per_class=500), 'test_per_class'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitsLT(**kwargs)

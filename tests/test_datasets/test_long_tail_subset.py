import numpy as np
import pytest
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from coc.datasets import LongTailDataset, get_class_counts, long_tail_counts


@DATASETS.register_module(force=True)
class IndexedImages(BaseDataset):
    """`per_class[k]` images of class k; each "image" is its index in the source."""

    def __init__(self, per_class, **kwargs):
        self.per_class = per_class
        classes = [f'c{k}' for k in range(len(per_class))]
        super().__init__(ann_file='', metainfo=dict(classes=classes), **kwargs)

    def load_data_list(self):
        labels = np.random.default_rng(0).permutation(np.repeat(np.arange(len(self.per_class)),
                                                                self.per_class))
        return [dict(img=i, gt_label=int(k)) for i, k in enumerate(labels)]


def test_balanced_source_gets_the_profile_in_class_order():
    lt = LongTailDataset(IndexedImages([100] * 10), imbalance_ratio=10)
    assert get_class_counts(lt).tolist() == long_tail_counts(100, 10, 10)
    assert len(lt) == sum(long_tail_counts(100, 10, 10))
    kept = [lt[i]['img'] for i in range(len(lt))]
    assert len(set(kept)) == len(kept)  # no image twice
    source = lt.dataset
    assert all(source.get_data_info(img)['gt_label'] == lt.get_data_info(i)['gt_label']
               for i, img in enumerate(kept))


def test_built_from_config_with_step_profile_and_n_max():
    lt = DATASETS.build(dict(type='LongTailDataset', dataset=dict(type='IndexedImages',
                                                                  per_class=[50] * 4),
                             imbalance_ratio=5, profile='step', n_max=40))
    assert lt.class_counts.tolist() == [40, 40, 8, 8]
    assert list(lt.metainfo['classes']) == ['c0', 'c1', 'c2', 'c3']


def test_count_order_keeps_a_natural_head_and_clips_short_classes():
    source = IndexedImages([30, 200, 80, 120])
    by_count = LongTailDataset(source, imbalance_ratio=10, class_order='count')
    quota = long_tail_counts(200, 4, 10)  # 200, 92, 43, 20 by rank: classes 1, 3, 2, 0
    assert by_count.class_counts.tolist() == [quota[3], quota[0], quota[2], quota[1]]
    by_index = LongTailDataset(source, imbalance_ratio=10)
    # Class 0 has 30 images for a quota of 200: it keeps all 30 (documented, warned).
    assert by_index.class_counts.tolist() == [30, 92, 43, 20]


def test_holdout_is_balanced_and_never_trained_on():
    source = IndexedImages([60] * 5)
    train = LongTailDataset(source, imbalance_ratio=5, holdout_per_class=10)
    held = LongTailDataset(source, imbalance_ratio=5, holdout_per_class=10, split='holdout')
    assert held.class_counts.tolist() == [10] * 5
    assert train.class_counts.tolist() == long_tail_counts(50, 5, 5)
    assert not {train[i]['img'] for i in range(len(train))} & \
        {held[i]['img'] for i in range(len(held))}


def images(dataset):
    return {dataset[i]['img'] for i in range(len(dataset))}


@pytest.mark.parametrize('seed', [0, 3])
def test_val_split_is_balanced_and_disjoint_from_train_and_test(seed):
    source = IndexedImages([60] * 5)
    common = dict(imbalance_ratio=5, holdout_per_class=10, val_per_class=8, seed=seed)
    train = LongTailDataset(source, **common)
    val = LongTailDataset(source, split='val', **common)
    test = LongTailDataset(source, split='holdout', **common)
    assert val.class_counts.tolist() == [8] * 5
    assert test.class_counts.tolist() == [10] * 5
    assert train.class_counts.tolist() == long_tail_counts(60 - 18, 5, 5)
    assert not images(train) & images(val)
    assert not images(train) & images(test)
    assert not images(val) & images(test)
    # Adding a validation split leaves the test split as it was.
    assert images(test) == images(LongTailDataset(source, imbalance_ratio=5, seed=seed,
                                                  holdout_per_class=10, split='holdout'))


def test_val_split_does_not_depend_on_the_training_quota():
    # Rows of an experiment table differ in n_max or ratio; their checkpoints must be chosen
    # on the same images.
    source = IndexedImages([60] * 5)
    val = [images(LongTailDataset(source, split='val', holdout_per_class=10, val_per_class=8,
                                  **quota)) for quota in (dict(imbalance_ratio=5),
                                                          dict(imbalance_ratio=2, n_max=20))]
    assert val[0] == val[1]


def test_lazy_init_defers_loading():
    lt = LongTailDataset(dict(type='IndexedImages', per_class=[20] * 3, lazy_init=True),
                         imbalance_ratio=2, lazy_init=True)
    assert not lt.dataset._fully_initialized
    assert lt.class_counts.tolist() == long_tail_counts(20, 3, 2)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(imbalance_ratio=0.9), ValueError, 'imbalance_ratio must be >= 1'),
    (dict(imbalance_ratio=10, profile='cosine'), ValueError, 'Unknown long-tail profile'),
    (dict(imbalance_ratio=10, class_order='size'), ValueError, 'class_order'),
    (dict(imbalance_ratio=10, split='holdout'), ValueError, 'holdout_per_class >= 1'),
    (dict(imbalance_ratio=10, split='val'), ValueError, 'val_per_class >= 1'),
    (dict(imbalance_ratio=2, holdout_per_class=10, val_per_class=10), ValueError,
     "'c3'.*no image.*val_per_class"),
    (dict(imbalance_ratio=100, n_max=50), ValueError, 'with 0 images'),
    (dict(imbalance_ratio=2, n_max=0), ValueError, 'n_max and num_classes must be positive'),
    (dict(imbalance_ratio=2, holdout_per_class=20), ValueError, "'c3'.*no image"),
])
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        LongTailDataset(IndexedImages([40, 40, 40, 20]), **kwargs)

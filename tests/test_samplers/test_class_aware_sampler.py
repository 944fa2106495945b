import math

import numpy as np
import pytest
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATA_SAMPLERS

import coc.samplers.class_aware_sampler as sampler_module
from coc.samplers import ClassAwareSampler

COUNTS = np.array([400, 150, 60, 20, 6])  # a small long-tailed set, 636 images


class LabelDataset(BaseDataset):
    """Images reduced to their labels: samplers only read labels."""

    def __init__(self, labels):
        self.labels = labels
        super().__init__(ann_file='', metainfo=dict(classes=[str(k) for k in range(5)]))

    def load_data_list(self):
        return [dict(gt_label=int(label)) for label in self.labels]


@pytest.fixture(scope='module')
def dataset():
    labels = np.repeat(np.arange(len(COUNTS)), COUNTS)
    return LabelDataset(np.random.default_rng(1).permutation(labels))


def class_frequencies(dataset, indices):
    labels = dataset.get_gt_labels()[np.asarray(indices)]
    return np.bincount(labels, minlength=len(COUNTS)) / len(indices)


def assert_matches(freq, expected, n):
    # 5 binomial standard errors per class: a false failure has probability < 1e-5.
    tolerance = 5 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(freq - expected) <= tolerance + 1e-12), (freq, expected)


def power(q):
    mass = COUNTS.astype(float)**q
    return mass / mass.sum()


@pytest.mark.parametrize('kwargs, expected', [
    (dict(q=1), power(1)),          # instance-balanced
    (dict(q=0.5), power(0.5)),      # square-root
    (dict(), power(0)),             # class-balanced by default
    (dict(q=-1), power(-1)),        # beyond balance
    (dict(r=1), power(0)),          # CMO: sample weight 1/n_k -> class-balanced
    (dict(r=2), power(-1)),         # CMO "reversed"
    (dict(r=0.5), power(0.5)),
])
def test_class_frequencies_follow_the_formula(dataset, kwargs, expected):
    n = 30000
    sampler = ClassAwareSampler(dataset, num_samples=n, seed=0, **kwargs)
    np.testing.assert_allclose(sampler.class_probabilities(), expected, rtol=1e-12)
    assert_matches(class_frequencies(dataset, list(sampler)), expected, n)


def test_effective_number_weights_each_sample_by_one_over_e_k(dataset):
    beta, n = 0.99, 30000
    effective = (1 - beta**COUNTS) / (1 - beta)
    expected = COUNTS / effective / (COUNTS / effective).sum()
    sampler = ClassAwareSampler(dataset, beta=beta, num_samples=n, seed=0)
    np.testing.assert_allclose(sampler.class_probabilities(), expected, rtol=1e-12)
    assert_matches(class_frequencies(dataset, list(sampler)), expected, n)
    assert np.allclose(ClassAwareSampler(dataset, beta=0.0).class_probabilities(), power(1))


def test_images_within_a_class_are_drawn_uniformly(dataset):
    n = 20000
    indices = np.array(list(ClassAwareSampler(dataset, q=0, num_samples=n, seed=3)))
    tail = np.flatnonzero(dataset.get_gt_labels() == 4)  # 6 images
    hits = np.array([(indices == i).sum() for i in tail]) / n
    assert_matches(hits, np.full(6, 0.2 / 6), n)


def test_progressive_balancing_moves_from_instance_to_class_balanced(dataset):
    sampler = ClassAwareSampler(dataset, q=0, progressive_epochs=4, seed=0)
    np.testing.assert_allclose(sampler.class_probabilities(0), power(1))
    np.testing.assert_allclose(sampler.class_probabilities(1), 0.75 * power(1) + 0.25 * power(0))
    np.testing.assert_allclose(sampler.class_probabilities(4), power(0))
    np.testing.assert_allclose(sampler.class_probabilities(9), power(0))
    sampler.set_epoch(2)
    np.testing.assert_allclose(sampler.class_probabilities(), 0.5 * (power(1) + power(0)))


def test_same_seed_and_epoch_give_the_same_order_and_epochs_differ(dataset):
    a, b = ClassAwareSampler(dataset, r=1, seed=7), ClassAwareSampler(dataset, r=1, seed=7)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    b.set_epoch(1)
    assert list(a) == list(b)
    assert list(ClassAwareSampler(dataset, r=1, seed=8)) != first


@pytest.mark.parametrize('kwargs', [dict(r=1), dict(q=0.5, replacement=False, num_samples=301),
                                    dict(class_cycle=True)])
def test_two_ranks_get_disjoint_shards_of_one_global_draw(dataset, monkeypatch, kwargs):
    global_draw = list(ClassAwareSampler(dataset, seed=5, **kwargs))
    shards = []
    for rank in (0, 1):
        monkeypatch.setattr(sampler_module, 'get_dist_info', lambda rank=rank: (rank, 2))
        sampler = ClassAwareSampler(dataset, seed=5, **kwargs)
        shards.append(list(sampler))
        assert len(sampler) == len(shards[-1]) == math.ceil(len(global_draw) / 2)
    # Rank r holds global positions r, r + 2, ...; an odd draw is padded by wrapping around.
    padded = global_draw + global_draw[:len(global_draw) % 2]
    assert shards[0] == padded[0::2] and shards[1] == padded[1::2]
    if not kwargs.get('replacement', True):
        assert not set(shards[0]) & set(shards[1][:-1])  # only the wrap-around pad repeats


def test_without_replacement_no_image_repeats(dataset):
    indices = list(ClassAwareSampler(dataset, q=0, replacement=False, num_samples=100, seed=0))
    assert len(set(indices)) == 100
    # Class-balanced weights: the 6 tail images are far more likely than any head image.
    assert class_frequencies(dataset, indices)[4] > COUNTS[4] / COUNTS.sum()
    full = list(ClassAwareSampler(dataset, q=0, replacement=False, seed=0))
    assert sorted(full) == list(range(len(dataset)))


def test_class_cycle_visits_every_class_once_per_round(dataset):
    indices = list(ClassAwareSampler(dataset, class_cycle=True, num_samples=100, seed=0))
    labels = dataset.get_gt_labels()[indices]
    for start in range(0, 100, 5):
        assert sorted(labels[start:start + 5]) == [0, 1, 2, 3, 4]
    # Images of a class come without repetition until the class is used up (20 visits).
    tail_visits = np.asarray(indices)[labels == 4]
    for start in range(0, 18, 6):
        assert len(set(tail_visits[start:start + 6])) == 6


def test_runner_builds_it_with_dataset_and_seed(dataset):
    sampler = DATA_SAMPLERS.build(dict(type='ClassAwareSampler', r=1),
                                  default_args=dict(dataset=dataset, seed=0))
    assert isinstance(sampler, ClassAwareSampler) and len(sampler) == len(dataset)


@pytest.mark.parametrize('kwargs, match', [
    (dict(q=float('nan')), 'finite real'),
    (dict(r=float('inf')), 'finite real'),
    (dict(q='1'), 'finite real'),
    (dict(q=0, r=1), 'at most one'),
    (dict(beta=1.0), r'\[0, 1\)'),
    (dict(beta=-0.1), r'\[0, 1\)'),
    (dict(class_cycle=True, q=0), 'class-balanced by construction'),
    (dict(progressive_epochs=0), 'progressive_epochs'),
    (dict(num_samples=0), 'num_samples'),
    (dict(replacement=False, num_samples=10**6), 'replacement=True'),
])
def test_bad_arguments_are_rejected_with_the_fix(dataset, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClassAwareSampler(dataset, **kwargs)


def test_dataset_without_class_names_is_named(dataset):
    class Unnamed:
        metainfo = {}

        def get_gt_labels(self):
            return dataset.get_gt_labels()

    with pytest.raises(ValueError, match=r'Unnamed has no metainfo\["classes"\].*class names'):
        ClassAwareSampler(Unnamed())

import numpy as np
import pytest
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import BaseDataset

from coc.samplers.two_stream import TwoStreamBatchSampler


class _LongTail(BaseDataset):
    """90 images of class 0, 10 of class 1."""
    METAINFO = {'classes': ('head', 'tail')}

    def __init__(self):
        super().__init__(ann_file='', lazy_init=False)

    def load_data_list(self):
        return [dict(img=None, gt_label=int(i >= 90)) for i in range(100)]


def _batches(sampler, epoch):
    sampler.sampler.set_epoch(epoch)  # what DistSamplerSeedHook does
    return list(sampler)


def test_batches_are_backgrounds_then_class_balanced_foregrounds():
    dataset = _LongTail()
    bg = DefaultSampler(dataset, shuffle=True, seed=3)
    sampler = TwoStreamBatchSampler(bg, batch_size=8,
                                    fg_sampler=dict(type='ClassAwareSampler', q=0))
    batches = _batches(sampler, 0)
    assert len(batches) == len(sampler) == 100 // 8  # the incomplete last batch is dropped
    assert all(len(b) == 16 for b in batches)
    labels = np.array([dataset.get_cat_ids(i)[0] for i in range(100)])
    bg_part = np.concatenate([b[:8] for b in batches])
    fg_part = np.concatenate([b[8:] for b in batches])
    # Backgrounds: the instance-balanced shuffle, in order; foregrounds: tail ~ 1/2.
    assert bg_part.tolist() == list(bg)[:len(bg_part)]
    assert labels[bg_part].mean() < 0.2
    assert 0.3 < labels[fg_part].mean() < 0.7


def test_both_streams_reseeded_per_epoch_and_repeatable():
    dataset = _LongTail()

    def make():
        return TwoStreamBatchSampler(DefaultSampler(dataset, seed=1), batch_size=4,
                                     fg_sampler=dict(type='ClassAwareSampler', q=0))

    a, b = make(), make()
    epoch0, epoch1 = _batches(a, 0), _batches(a, 1)
    assert epoch0 == _batches(b, 0) and epoch1 == _batches(b, 1)
    assert [x[:4] for x in epoch0] != [x[:4] for x in epoch1]
    assert [x[4:] for x in epoch0] != [x[4:] for x in epoch1]


def test_keep_last_incomplete_batch():
    sampler = TwoStreamBatchSampler(DefaultSampler(_LongTail(), shuffle=False), batch_size=8,
                                    fg_sampler=dict(type='ClassAwareSampler'), drop_last=False)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 13 and len(batches[-1]) == 2 * (100 - 12 * 8)


def test_bad_input():
    bg = DefaultSampler(_LongTail())
    with pytest.raises(ValueError, match='batch_size >= 2'):
        TwoStreamBatchSampler(bg, batch_size=1, fg_sampler=dict(type='ClassAwareSampler'))
    with pytest.raises(ValueError, match='fewer than the background'):
        TwoStreamBatchSampler(bg, batch_size=4,
                              fg_sampler=dict(type='ClassAwareSampler', num_samples=50))
    with pytest.raises(TypeError, match='`dataset` attribute'):
        TwoStreamBatchSampler(list(range(10)), batch_size=4,
                              fg_sampler=dict(type='ClassAwareSampler'))

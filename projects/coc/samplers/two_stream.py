"""Two-stream batches for CMO-style mixing: background and foreground indices in one batch.

Why a batch sampler (and not a pair dataset or a custom loop): MMEngine builds
``train_dataloader.batch_sampler`` from the config with the per-rank ``sampler`` it already
made, so ``tools/train.py``, ``dist_train.sh``, the dataset, its pipeline, the collate
function and the data preprocessor all stay as they are. Each batch is ``2 * batch_size``
indices of the *same* dataset: the first half drawn by the ordinary (instance-balanced,
DDP-sharded) ``sampler`` = the backgrounds, the second half by a class-aware foreground
sampler (``fg_sampler``, any DATA_SAMPLERS entry, sharded by itself). The mixing classifier
splits every training batch in these two halves.

Both streams are re-seeded per epoch: MMEngine's ``DistSamplerSeedHook`` sets the epoch of
``batch_sampler.sampler`` (the background sampler); this sampler hands the same epoch to the
foreground sampler when an epoch starts.
"""
from typing import Iterator, List

from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import BatchSampler, Sampler


@DATA_SAMPLERS.register_module()
class TwoStreamBatchSampler(BatchSampler):
    """Yields ``[bg_1..bg_B, fg_1..fg_B]`` index batches, ``B = batch_size`` per stream.

    Args:
        sampler: the background sampler (MMEngine passes ``train_dataloader.sampler``).
        batch_size: images per stream and per process (the dataloader's ``batch_size``).
        fg_sampler: config of the foreground sampler; built on the background sampler's
            dataset with its seed. It must yield at least as many indices per epoch as the
            background sampler.
        drop_last: drop an incomplete last batch (default True: a batch of 1 cannot be
            mixed, and BatchNorm cannot train on it).
    """

    def __init__(self, sampler: Sampler, batch_size: int, fg_sampler: dict,
                 drop_last: bool = True) -> None:
        if not isinstance(batch_size, int) or batch_size < 2:
            raise ValueError(f'TwoStreamBatchSampler needs batch_size >= 2 per stream (a pair '
                             f'needs a choice of backgrounds), got {batch_size!r}')
        if not hasattr(sampler, 'dataset'):
            raise TypeError('TwoStreamBatchSampler needs a background sampler with a `dataset` '
                            f'attribute (e.g. DefaultSampler), got {type(sampler).__name__}')
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.fg_sampler = DATA_SAMPLERS.build(
            fg_sampler, default_args=dict(dataset=sampler.dataset,
                                          seed=getattr(sampler, 'seed', None)))
        if len(self.fg_sampler) < len(self.sampler):
            raise ValueError(
                f'the foreground sampler yields {len(self.fg_sampler)} indices per epoch and '
                f'process, fewer than the background sampler ({len(self.sampler)}): raise its '
                f'num_samples (or leave it unset) so every background gets a foreground')

    def __iter__(self) -> Iterator[List[int]]:
        self.fg_sampler.set_epoch(getattr(self.sampler, 'epoch', 0))
        fg_iter = iter(self.fg_sampler)
        bg_batch = []
        for bg_index in self.sampler:
            bg_batch.append(bg_index)
            if len(bg_batch) == self.batch_size:
                yield bg_batch + [next(fg_iter) for _ in bg_batch]
                bg_batch = []
        if bg_batch and not self.drop_last:
            yield bg_batch + [next(fg_iter) for _ in bg_batch]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)


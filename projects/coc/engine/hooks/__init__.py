from .class_counts_hook import ClassCountsHook
from .epoch_seed_hook import EpochSeedHook

__all__ = ['ClassCountsHook', 'EpochSeedHook']

"""Runner hooks: training class counts for metrics and losses (with DRW), per-epoch seeds."""
from .class_counts_hook import ClassCountsHook
from .epoch_seed_hook import EpochSeedHook
from .long_tail_loss_hook import LongTailLossHook

__all__ = ['ClassCountsHook', 'EpochSeedHook', 'LongTailLossHook']

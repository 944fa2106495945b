"""Runner hooks: training class counts for metrics and losses (with DRW), per-epoch seeds,
per-epoch confusion matrices for OTmix's pairing; decoupled / post-hoc long-tail recognition."""
from .class_counts_hook import ClassCountsHook
from .decoupling_hooks import ClassPriorHook, ReinitHook, TauNormSearchHook
from .epoch_confusion_hook import EpochConfusionHook
from .epoch_seed_hook import EpochSeedHook
from .long_tail_loss_hook import LongTailLossHook
from .progress_hook import ProgressHook

__all__ = ['ClassCountsHook', 'EpochConfusionHook', 'EpochSeedHook', 'LongTailLossHook',
           'ProgressHook', 'ClassPriorHook', 'ReinitHook', 'TauNormSearchHook']

"""Reseeds every RNG at the start of each epoch so that resuming reproduces a straight run."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seeds python, numpy and torch from (seed, epoch, rank) before each training epoch.

    MMEngine resumes at an epoch boundary but does not restore RNG states, so augmentation,
    drop-path and mixing draws after ``--resume`` would differ from an uninterrupted run.
    With this hook an epoch's randomness depends only on the run's seed, the epoch and the rank:
    training 1 epoch, stopping (or being killed mid-epoch) and resuming gives the same weights
    as training straight through (with deterministic kernels). Dataloader workers draw from
    their own seeds, which MMEngine's ``worker_init_fn`` sets each time they start, i.e.
    every epoch; ``persistent_workers=True`` keeps them across epochs and breaks this.
    """
    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed if runner.seed is not None else 0
        state = np.random.SeedSequence([seed, runner.epoch, get_rank()]).generate_state(1)[0]
        random.seed(int(state))
        np.random.seed(int(state))
        torch.manual_seed(int(state))

"""Test-only hook: ends the process abruptly in the middle of an epoch, as a killed job."""
import os

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

KILLED_EXIT_CODE = 37


@HOOKS.register_module()
class KillMidEpochHook(Hook):

    def __init__(self, epoch: int, batch_idx: int):
        self.epoch, self.batch_idx = epoch, batch_idx

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.epoch == self.epoch and batch_idx == self.batch_idx:
            os._exit(KILLED_EXIT_CODE)  # no cleanup, no checkpoint: like SIGKILL

"""Test-only hook: records which samples each rank trained on and its final weights."""
import json
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class RecordRunHook(Hook):

    def before_run(self, runner):
        self.sample_indices = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.sample_indices += [int(s.sample_idx) for s in data_batch['data_samples']]

    def after_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        weights = torch.cat([p.detach().flatten() for p in model.parameters()])
        record = dict(sample_indices=self.sample_indices, weights=weights.tolist())
        with open(osp.join(runner.work_dir, f'rank{get_rank()}.json'), 'w') as f:
            json.dump(record, f)

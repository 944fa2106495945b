"""Recomputes a pairing's confusion matrix from the current model before every epoch (OTmix's
per-epoch matrix, from training images instead of the test set)."""
import copy
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from coc.mixing.pairing import Pairing


def innermost_dataset_cfg(dataset_cfg: dict) -> dict:
    """The dataset config that holds the pipeline (wrappers keep theirs in ``dataset``)."""
    while 'dataset' in dataset_cfg:
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


@HOOKS.register_module()
class EpochConfusionHook(Hook):
    """Before every epoch but the first, counts the model's predictions on ``dataloader``
    into a C x C matrix (rows = true class) and hands it to the pairing's ``set_confusion``.

    OTmix's code (``final_otmix/cifar_train.py``) evaluates the model on the test set after
    each epoch and guides the next epoch with that matrix, so test labels steer training. This
    is the same schedule, the model at the end of epoch e guiding epoch e + 1, with images
    the model may learn from: by default the training set through the validation pipeline
    (no augmentation), or any ``dataloader``, e.g. a held-out split. It runs before the
    epoch, not after the previous one, so a resumed run recomputes the same matrix. Cost: one
    forward pass over those images per epoch; ranks count disjoint shards and sum them.

    Args:
        dataloader: an MMEngine dataloader config; None = the training dataset with the
            validation dataloader's pipeline, batch size and workers. A dataset config equal
            to the validation or test one is refused.
    """
    priority = 'NORMAL'

    def __init__(self, dataloader: Optional[dict] = None) -> None:
        self.dataloader_cfg = dataloader
        self._loader = None

    @staticmethod
    def _pairing(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        pairing = getattr(model, 'pairing', None)  # a plain ImageClassifier has none
        if not isinstance(pairing, Pairing) or not pairing.recomputed:
            raise RuntimeError('EpochConfusionHook feeds a pairing whose confusion is recomputed '
                               'every epoch: use pairing=dict(type=OTmixPairing, '
                               'confusion=None, ...) or drop the hook')
        return pairing

    def _loader_cfg(self, runner) -> dict:
        if self.dataloader_cfg is not None:
            loader = copy.deepcopy(dict(self.dataloader_cfg))
        else:
            val = runner.cfg.get('val_dataloader') or runner.cfg.get('test_dataloader')
            if not val:
                raise ValueError('EpochConfusionHook takes the validation pipeline for the '
                                 'training images, but the config has no val_dataloader: '
                                 'pass dataloader=dict(dataset=..., batch_size=...)')
            dataset = copy.deepcopy(runner.cfg.train_dataloader.dataset)
            innermost_dataset_cfg(dataset)['pipeline'] = copy.deepcopy(
                innermost_dataset_cfg(val.dataset)['pipeline'])
            loader = dict(batch_size=val.batch_size, num_workers=val.get('num_workers', 0),
                          dataset=dataset)
        for split in ('val_dataloader', 'test_dataloader'):
            held = runner.cfg.get(split) or {}
            if held.get('dataset') is not None and loader['dataset'] == held['dataset']:
                raise ValueError(f'EpochConfusionHook dataloader reads the {split[:-11]} set: a '
                                 'matrix that guides training must come from training images '
                                 'or a held-out split (its labels would leak otherwise)')
        loader['sampler'] = dict(type='DefaultSampler', shuffle=False, round_up=False)
        loader.pop('batch_sampler', None)
        return loader

    def before_train(self, runner) -> None:
        self._pairing(runner)

    def before_train_epoch(self, runner) -> None:
        if runner.epoch == 0:
            return  # no trained model yet; OTmix's (epoch / E)^u is 0 here
        pairing = self._pairing(runner)
        if self._loader is None:
            self._loader = runner.build_dataloader(self._loader_cfg(runner), seed=runner.seed)
        matrix = self.count(runner.model, self._loader, pairing.num_classes)
        pairing.set_confusion(matrix)
        print_log(f'EpochConfusionHook: confusion of {int(matrix.sum())} images before epoch '
                  f'{runner.epoch} ({float(matrix.trace() / matrix.sum()):.1%} correct)',
                  logger='current')

    @staticmethod
    @torch.no_grad()
    def count(model, loader, num_classes: int) -> torch.Tensor:
        """Confusion counts of ``model``'s predictions over ``loader`` (all ranks summed)."""
        was_training = model.training
        model.eval()
        cells = torch.zeros(num_classes * num_classes, dtype=torch.float64)
        for data in loader:
            for sample in model.test_step(data):
                cell = int(sample.gt_label) * num_classes + int(sample.pred_label)
                cells[cell] += 1
        model.train(was_training)
        device = next(model.parameters()).device
        cells = cells.to(device)
        all_reduce(cells)  # in place; a no-op outside distributed training
        return cells.view(num_classes, num_classes).cpu()

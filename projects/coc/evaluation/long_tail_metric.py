"""Top-1/top-5 and many/medium/few-shot accuracy for long-tailed classification."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist
from mmpretrain.registry import METRICS

from .class_size_plot import plot_accuracy_vs_class_size


def per_class_accuracy(pred: np.ndarray, target: np.ndarray, num_classes: int) -> np.ndarray:
    """Accuracy of each class; NaN for a class with no samples."""
    correct = np.bincount(target, weights=(pred == target), minlength=num_classes)
    total = np.bincount(target, minlength=num_classes)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, correct / np.maximum(total, 1), np.nan)


def confusion_matrix(pred: np.ndarray, target: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``[C, C]``: row = true class, column = predicted class."""
    return np.bincount(target * num_classes + pred,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def shot_groups(class_counts: np.ndarray, many_thr: int = 100, few_thr: int = 20) -> dict:
    """Class masks by training count: many > many_thr, few < few_thr, medium in between
    (the thresholds of the LT literature, e.g. 35/35/30 classes of CIFAR-100-LT r100)."""
    counts = np.asarray(class_counts)
    return dict(many=counts > many_thr, medium=(counts <= many_thr) & (counts >= few_thr),
                few=counts < few_thr)


@METRICS.register_module()
class LongTailAccuracy(BaseMetric):
    """Top-k accuracy plus many/medium/few-shot and mean per-class accuracy (in %).

    Args:
        class_counts: training samples per class. Left ``None`` in configs: the
            ``ClassCountsHook`` fills it from the training set before the run.
        topk: the k of top-k accuracies.
        many_thr, few_thr: shot thresholds on the training count.
        out_dir: where each evaluation writes ``per_class_accuracy.npy`` (%, NaN for a class
            without test samples), ``confusion_matrix.npy`` (rows: true class, columns:
            predicted, counts) and ``per_class_accuracy.png`` (accuracy against training
            count). Default: the run's log dir (``work_dir/<timestamp>``) under a Runner,
            nothing elsewhere. The files are overwritten: they show the latest evaluation.
        save_outputs: False writes no file.
    """
    default_prefix = 'lt'

    def __init__(self, class_counts: Optional[Sequence[int]] = None, topk=(1, 5),
                 many_thr: int = 100, few_thr: int = 20, out_dir: Optional[str] = None,
                 save_outputs: bool = True, collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 <= few_thr <= many_thr:
            raise ValueError(f'LongTailAccuracy needs 0 <= few_thr <= many_thr, got '
                             f'few_thr={few_thr}, many_thr={many_thr}')
        self.class_counts = None if class_counts is None else np.asarray(class_counts)
        self.topk = tuple(topk)
        self.many_thr, self.few_thr = many_thr, few_thr
        self.out_dir, self.save_outputs = out_dir, save_outputs

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(dict(score=sample['pred_score'].cpu(),
                                     label=int(sample['gt_label'][0])))

    def compute_metrics(self, results: list) -> dict:
        if self.class_counts is None:
            raise RuntimeError('LongTailAccuracy has no training class counts: add '
                               "dict(type='ClassCountsHook') to custom_hooks or pass class_counts")
        scores = torch.stack([r['score'] for r in results]).numpy()
        labels = np.array([r['label'] for r in results])
        num_classes = scores.shape[1]
        if len(self.class_counts) != num_classes:
            raise ValueError(f'LongTailAccuracy got {len(self.class_counts)} class counts but the '
                             f'model predicts {num_classes} classes')
        if max(self.topk) > num_classes:
            raise ValueError(f'LongTailAccuracy topk={self.topk} asks for more than the '
                             f'{num_classes} classes (top-k would be 100% by construction); '
                             f'lower topk, e.g. topk=(1, )')
        ranked = np.argsort(-scores, axis=1)
        metrics = {f'top{k}': 100.0 * float(np.mean((ranked[:, :k] == labels[:, None]).any(1)))
                   for k in self.topk}
        class_acc = 100.0 * per_class_accuracy(ranked[:, 0], labels, num_classes)
        metrics['mean_class'] = float(np.nanmean(class_acc))
        for name, mask in shot_groups(self.class_counts, self.many_thr, self.few_thr).items():
            # A group with no (tested) class reports NaN rather than a misleading 0.
            group = class_acc[mask & ~np.isnan(class_acc)]
            metrics[name] = float(group.mean()) if group.size else float('nan')
        out_dir = self._output_dir()
        if out_dir is not None:
            self._save(out_dir, class_acc, confusion_matrix(ranked[:, 0], labels, num_classes))
        return metrics

    def _output_dir(self) -> Optional[str]:
        if not self.save_outputs:
            return None
        if self.out_dir is not None:
            return self.out_dir
        # The Runner's logger writes work_dir/<timestamp>/<timestamp>.log: that run's folder.
        log_file = MMLogger.get_current_instance().log_file
        return None if log_file is None else osp.dirname(log_file)

    def _save(self, out_dir: str, class_acc: np.ndarray, confusion: np.ndarray) -> None:
        mkdir_or_exist(out_dir)
        np.save(osp.join(out_dir, 'per_class_accuracy.npy'), class_acc)
        np.save(osp.join(out_dir, 'confusion_matrix.npy'), confusion)
        plot_accuracy_vs_class_size(class_acc, self.class_counts, self.many_thr, self.few_thr,
                                    osp.join(out_dir, 'per_class_accuracy.png'))

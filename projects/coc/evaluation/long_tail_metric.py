"""Top-1/top-5, many/medium/few-shot accuracy and calibration for long-tailed classification."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist
from mmpretrain.registry import METRICS

from .calibration import calibration_bins, expected_calibration_error, plot_reliability_diagram
from .class_size_plot import plot_accuracy_vs_class_size
from .confusion_plot import plot_confusion_by_class_size


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
    """Top-k accuracy plus many/medium/few-shot and mean per-class accuracy (in %), and the
    expected calibration error overall and per shot group (in %; a group's ECE bins only the
    test samples whose true class is in the group).

    Args:
        class_counts: training samples per class. Left ``None`` in configs: the
            ``ClassCountsHook`` fills it from the training set before the run.
        topk: the k of top-k accuracies.
        many_thr, few_thr: shot thresholds on the training count.
        calibration: add ``ece``, ``ece_many``, ``ece_medium``, ``ece_few`` (top-1
            confidence = the largest ``pred_score``, which must be probabilities) and write
            the reliability diagram.
        ece_bins: equal-width confidence bins of the ECE (15, as MiSLAS,
            github.com/dvlab-research/MiSLAS, eval.py).
        out_dir: where each evaluation writes ``per_class_accuracy.npy`` (%, NaN for a class
            without test samples), ``confusion_matrix.npy`` (rows: true class, columns:
            predicted, counts), ``per_class_accuracy.png`` (accuracy against training
            count), ``confusion_matrix.png`` (row-normalised, classes by training count) and
            with ``calibration`` ``reliability_diagram.png`` (all samples, then each shot
            group). Default: the run's log dir (``work_dir/<timestamp>``) under a Runner,
            nothing elsewhere. The files are overwritten: they show the latest evaluation.
        save_outputs: False writes no file.
    """
    default_prefix = 'lt'

    def __init__(self, class_counts: Optional[Sequence[int]] = None, topk=(1, 5),
                 many_thr: int = 100, few_thr: int = 20, calibration: bool = True,
                 ece_bins: int = 15, out_dir: Optional[str] = None, save_outputs: bool = True,
                 collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 <= few_thr <= many_thr:
            raise ValueError(f'LongTailAccuracy needs 0 <= few_thr <= many_thr, got '
                             f'few_thr={few_thr}, many_thr={many_thr}')
        if calibration and ece_bins < 1:
            raise ValueError(f'LongTailAccuracy needs ece_bins >= 1, got {ece_bins}')
        self.class_counts = None if class_counts is None else np.asarray(class_counts)
        self.topk = tuple(topk)
        self.many_thr, self.few_thr = many_thr, few_thr
        self.calibration, self.ece_bins = calibration, ece_bins
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
        groups = shot_groups(self.class_counts, self.many_thr, self.few_thr)
        for name, mask in groups.items():
            # A group with no (tested) class reports NaN rather than a misleading 0.
            group = class_acc[mask & ~np.isnan(class_acc)]
            metrics[name] = float(group.mean()) if group.size else float('nan')
        reliability = self._calibration(scores, ranked[:, 0], labels, groups) \
            if self.calibration else {}
        for name, bins in reliability.items():
            metrics['ece' if name == 'all' else f'ece_{name}'] = \
                100.0 * expected_calibration_error(bins)
        out_dir = self._output_dir()
        if out_dir is not None:
            self._save(out_dir, class_acc, confusion_matrix(ranked[:, 0], labels, num_classes),
                       groups, reliability)
        return metrics

    def _calibration(self, scores: np.ndarray, pred: np.ndarray, labels: np.ndarray,
                     groups: dict) -> dict:
        """Confidence bins of all samples and of each shot group's samples."""
        row_sums = scores.sum(axis=1)
        if not np.allclose(row_sums, 1.0, atol=1e-3):
            raise ValueError(
                'LongTailAccuracy(calibration=True) needs pred_score to be probabilities, but '
                f'its rows sum to {row_sums.min():.3g}..{row_sums.max():.3g}; use a head that '
                'applies softmax (MMPretrain ClsHead does) or set calibration=False')
        confidence, correct = scores.max(axis=1), pred == labels
        reliability = dict(all=calibration_bins(confidence, correct, self.ece_bins))
        for name, mask in groups.items():
            in_group = mask[labels]
            reliability[name] = calibration_bins(confidence[in_group], correct[in_group],
                                                 self.ece_bins)
        return reliability

    def _output_dir(self) -> Optional[str]:
        if not self.save_outputs:
            return None
        if self.out_dir is not None:
            return self.out_dir
        # The Runner's logger writes work_dir/<timestamp>/<timestamp>.log: that run's folder.
        log_file = MMLogger.get_current_instance().log_file
        return None if log_file is None else osp.dirname(log_file)

    def _save(self, out_dir: str, class_acc: np.ndarray, confusion: np.ndarray, groups: dict,
              reliability: dict) -> None:
        mkdir_or_exist(out_dir)
        np.save(osp.join(out_dir, 'per_class_accuracy.npy'), class_acc)
        np.save(osp.join(out_dir, 'confusion_matrix.npy'), confusion)
        plot_accuracy_vs_class_size(class_acc, self.class_counts, self.many_thr, self.few_thr,
                                    osp.join(out_dir, 'per_class_accuracy.png'))
        plot_confusion_by_class_size(confusion, self.class_counts,
                                     [int(mask.sum()) for mask in groups.values()],
                                     osp.join(out_dir, 'confusion_matrix.png'),
                                     (self.dataset_meta or {}).get('classes'))
        if reliability:
            # A shot group without test samples has no diagram panel.
            panels = {name: bins for name, bins in reliability.items() if bins.count.sum()}
            plot_reliability_diagram(panels, osp.join(out_dir, 'reliability_diagram.png'))

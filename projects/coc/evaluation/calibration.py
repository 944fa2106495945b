"""Expected calibration error over equal-width confidence bins, and its reliability diagram."""
from typing import Dict, NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class CalibrationBins(NamedTuple):
    """Per confidence bin: sample count, accuracy and mean confidence (0 where empty)."""
    count: np.ndarray
    accuracy: np.ndarray
    confidence: np.ndarray

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, len(self.count) + 1)


def calibration_bins(confidence: np.ndarray, correct: np.ndarray,
                     num_bins: int = 15) -> CalibrationBins:
    """Bin b holds the confidences in (b/num_bins, (b+1)/num_bins] (the first bin also holds
    0), as MiSLAS's ``calibration`` (github.com/dvlab-research/MiSLAS, utils/metric.py)."""
    if num_bins < 1:
        raise ValueError(f'calibration needs at least 1 confidence bin, got {num_bins}')
    confidence = np.asarray(confidence, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, num_bins - 1)
    count = np.bincount(index, minlength=num_bins)
    with np.errstate(invalid='ignore', divide='ignore'):
        accuracy = np.bincount(index, weights=np.asarray(correct, np.float64),
                               minlength=num_bins) / count
        mean_confidence = np.bincount(index, weights=confidence, minlength=num_bins) / count
    return CalibrationBins(count, np.nan_to_num(accuracy), np.nan_to_num(mean_confidence))


def expected_calibration_error(bins: CalibrationBins) -> float:
    """ECE = sum_b n_b |acc_b - conf_b| / N (Guo et al. 2017, arXiv:1706.04599, Sec. 2), as a
    fraction; NaN without samples."""
    total = bins.count.sum()
    if total == 0:
        return float('nan')
    return float(np.sum(bins.count * np.abs(bins.accuracy - bins.confidence)) / total)


def plot_reliability_diagram(panels: Dict[str, CalibrationBins], path: str) -> None:
    """One panel per entry (e.g. all samples, then each shot group): bin accuracy as bars
    over the confidence bins, the gap to the diagonal (perfect calibration) in red, ECE in
    the title. Written as a PNG."""
    fig = Figure(figsize=(3.2 * len(panels), 3.4), dpi=100)
    FigureCanvasAgg(fig)  # Figure + Agg canvas, not pyplot: no global state
    for i, (name, bins) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), i + 1)
        left, width = bins.edges[:-1], np.diff(bins.edges)
        filled = bins.count > 0
        ax.bar(left[filled], bins.accuracy[filled], width[filled], align='edge',
               edgecolor='black', linewidth=0.5, label='accuracy')
        gap = bins.confidence - bins.accuracy
        ax.bar(left[filled], gap[filled], width[filled], bottom=bins.accuracy[filled],
               align='edge', color='red', alpha=0.3, label='gap')
        ax.plot([0, 1], [0, 1], color='gray', linestyle='--', linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel('confidence')
        ece = expected_calibration_error(bins)
        ax.set_title(f'{name}: ECE {100 * ece:.2f}% (n={bins.count.sum()})', fontsize=9)
        if i == 0:
            ax.set_ylabel('accuracy')
            ax.legend(loc='upper left', fontsize=8)
    fig.tight_layout()
    fig.savefig(path)

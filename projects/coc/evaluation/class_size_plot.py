"""Plot of per-class accuracy against training class size (the long-tail diagnostic figure)."""
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_accuracy_vs_class_size(class_acc: np.ndarray, class_counts: np.ndarray,
                                many_thr: int, few_thr: int, path: str) -> None:
    """Scatter of accuracy (%) over training count (log axis) with the shot thresholds,
    written as a PNG. Classes without test samples (NaN accuracy) are left out."""
    counts = np.asarray(class_counts, dtype=np.float64)
    tested = ~np.isnan(class_acc) & (counts > 0)
    # Figure + Agg canvas, not pyplot: no global state, safe in dataloader workers and tests.
    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.scatter(counts[tested], class_acc[tested], s=12)
    for thr in (few_thr, many_thr):
        ax.axvline(thr, color='gray', linestyle='--', linewidth=1)
    ax.set_xscale('log')
    ax.set_ylim(-2, 102)
    ax.set_xlabel('training images of the class')
    ax.set_ylabel('test accuracy of the class (%)')
    ax.set_title(f'per-class accuracy, mean {np.nanmean(class_acc):.2f}%')
    fig.tight_layout()
    fig.savefig(path)

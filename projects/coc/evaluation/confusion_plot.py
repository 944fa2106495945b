"""Confusion matrix picture with the classes sorted by training count (head first)."""
from typing import Optional, Sequence

import numpy as np
import torch
from mmpretrain.evaluation import ConfusionMatrix

# Past this many classes every tick label would overlap its neighbours.
MAX_TICK_LABELS = 25


def classes_by_training_count(class_counts: Sequence[int]) -> np.ndarray:
    """Class indices from the most to the fewest training images (ties: lower index first)."""
    return np.argsort(-np.asarray(class_counts), kind='stable')


def plot_confusion_by_class_size(confusion: np.ndarray, class_counts: Sequence[int],
                                 group_sizes: Sequence[int], path: str,
                                 class_names: Optional[Sequence[str]] = None) -> None:
    """Row-normalised confusion matrix (each true class's row sums to 1, so a tail class is as
    visible as a head class; a row without test samples stays blank), rows and columns in
    training-count order, a red line after each shot group (``group_sizes``: classes in the
    many, medium, few groups, which are contiguous in that order). Written as a PNG."""
    import matplotlib.pyplot as plt  # ConfusionMatrix.plot draws with pyplot

    order = classes_by_training_count(class_counts)
    rows = confusion[order][:, order].astype(np.float64)
    with np.errstate(invalid='ignore', divide='ignore'):
        rows /= rows.sum(axis=1, keepdims=True)
    names = [str(class_names[i]) if class_names else str(i) for i in order]
    fig = ConfusionMatrix.plot(torch.from_numpy(rows), classes=names, show=False)
    ax = fig.axes[0]
    for boundary in np.cumsum(group_sizes)[:-1]:
        if 0 < boundary < len(order):
            ax.axhline(boundary - 0.5, color='red', linewidth=1)
            ax.axvline(boundary - 0.5, color='red', linewidth=1)
    if len(order) > MAX_TICK_LABELS:
        shown = np.linspace(0, len(order) - 1, MAX_TICK_LABELS).round().astype(int)
        ax.set_xticks(shown, [names[i] for i in shown], rotation=30, ha='center')
        ax.set_yticks(shown, [names[i] for i in shown])
    ax.set_title('rows normalised; classes by training count, head first; '
                 'red lines: many | medium | few', fontsize=9)
    fig.savefig(path, bbox_inches='tight')
    plt.close(fig)

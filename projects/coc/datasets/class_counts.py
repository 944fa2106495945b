"""Per-class training counts of any MMPretrain dataset (samplers, shot metrics, LT losses)."""
import numpy as np


def get_class_counts(dataset) -> np.ndarray:
    """Number of samples of each class, in class-index order.

    Datasets of this package expose ``class_counts``; any other MMPretrain dataset (or
    MMEngine wrapper) is counted from ``get_gt_labels()`` / ``get_cat_ids()``.
    """
    if hasattr(dataset, 'class_counts'):
        return np.asarray(dataset.class_counts, dtype=np.int64)
    num_classes = len(dataset.metainfo['classes'])
    if hasattr(dataset, 'get_gt_labels'):
        labels = np.asarray(dataset.get_gt_labels(), dtype=np.int64)
    else:
        labels = np.array([dataset.get_cat_ids(i)[0] for i in range(len(dataset))], dtype=np.int64)
    return np.bincount(labels, minlength=num_classes)

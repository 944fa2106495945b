"""Per-class training counts of any MMPretrain dataset (samplers, shot metrics, LT losses)."""
import numpy as np


def get_labels(dataset) -> np.ndarray:
    """The class index of every sample (MMPretrain datasets and MMEngine wrappers)."""
    if hasattr(dataset, 'get_gt_labels'):
        return np.asarray(dataset.get_gt_labels(), dtype=np.int64)
    return np.array([dataset.get_cat_ids(i)[0] for i in range(len(dataset))], dtype=np.int64)


def get_num_classes(dataset) -> int:
    classes = getattr(dataset, 'metainfo', {}).get('classes')
    if classes is None:
        raise ValueError(f'{type(dataset).__name__} has no metainfo["classes"], so its per-class '
                         'counts have no length: give the dataset its class names '
                         '(e.g. classes=[...] or a classes file)')
    return len(classes)


def get_class_counts(dataset) -> np.ndarray:
    """Number of samples of each class, in class-index order.

    Datasets of this package expose ``class_counts``; any other MMPretrain dataset (or
    MMEngine wrapper) is counted from its labels.
    """
    if hasattr(dataset, 'class_counts'):
        return np.asarray(dataset.class_counts, dtype=np.int64)
    return np.bincount(get_labels(dataset), minlength=get_num_classes(dataset))

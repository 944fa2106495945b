"""Per-class image counts of a long-tailed split ('exp' and 'step' profiles of LDAM-DRW/CMO)
and the checks of the arguments that shape it (profile, held-out split sizes)."""
from typing import List

PROFILES = ('exp', 'step')


def check_profile(imbalance_ratio: float, profile: str) -> None:
    """Raise a ValueError naming the fix for a ratio < 1 or an unknown profile."""
    if profile not in PROFILES:
        raise ValueError(f'Unknown long-tail profile {profile!r}; use one of {PROFILES}.')
    if not imbalance_ratio >= 1:
        raise ValueError(f'imbalance_ratio must be >= 1 (n_max / n_min), got {imbalance_ratio}; '
                         'e.g. 100 keeps 1% of the head class for the tail class.')


def check_held_out(owner: str, name: str, per_class: int, split: str) -> None:
    """Raise a ValueError naming the fix when held-out split ``name`` (its images per class
    ``per_class``) is negative, or is the requested ``split`` but empty."""
    if per_class < 0 or (split == name and per_class == 0):
        raise ValueError(f"{owner} split='{name}' needs {name}_per_class >= 1 (and never < 0), "
                         f'got {per_class}')


def long_tail_counts(n_max: int, num_classes: int, imbalance_ratio: float,
                     profile: str = 'exp') -> List[int]:
    """Number of images to keep for each class index, head class first.

    'exp': ``n_k = int(n_max * f ** (k / (C - 1)))`` with ``f = 1 / imbalance_ratio``
    (Cao et al. 2019, LDAM-DRW; reused by CMO). 'step': the first ``C // 2`` classes keep
    ``n_max``, the others ``int(n_max * f)``.

    Args:
        n_max: images of the head class (500 for CIFAR-100, 5000 for CIFAR-10).
        num_classes: C.
        imbalance_ratio: ``n_max / n_min`` (>= 1; 1 keeps every class at ``n_max``).
        profile: 'exp' or 'step'.

    Raises:
        ValueError: on a ratio < 1, an unknown profile, or a split that would leave a class
            with 0 images (the tail class needs ``n_max >= imbalance_ratio``).
    """
    check_profile(imbalance_ratio, profile)
    if int(n_max) != n_max or n_max < 1 or int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f'n_max and num_classes must be positive integers, got '
                         f'n_max={n_max}, num_classes={num_classes}.')
    f = 1.0 / imbalance_ratio
    if profile == 'exp':
        # Same float expression as LDAM-DRW so the split sizes (10,847 for CIFAR-100 r100) match.
        exps = [k / (num_classes - 1.0) if num_classes > 1 else 0.0 for k in range(num_classes)]
        counts = [int(n_max * f**e) for e in exps]
    else:
        head = num_classes // 2
        counts = [int(n_max)] * head + [int(n_max * f)] * (num_classes - head)
    if min(counts) < 1:
        raise ValueError(
            f'imbalance_ratio={imbalance_ratio} with n_max={n_max} leaves class '
            f'{counts.index(min(counts))} with 0 images; lower the ratio or raise n_max '
            f'(need n_max >= imbalance_ratio).')
    return counts

"""DigitsLT: a long-tailed 32x32 RGB version of scikit-learn's handwritten digits (the demo data).

``sklearn.datasets.load_digits`` ships 1,797 real 8x8 scans (UCI optdigits) inside the
package, so the demo and the tests run with no download. Each class is shuffled with a
fixed seed; its first ``test_per_class`` images form the balanced test split, the next
``val_per_class`` the balanced validation split (for choosing checkpoints), and the rest
feed the long-tailed training split (``long_tail_counts`` with ``n_max`` = the smallest
remaining class, so every class can supply its quota).
"""
import cv2
import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .long_tail_profile import check_held_out, check_profile, long_tail_counts

SPLITS = ('train', 'val', 'test')


@DATASETS.register_module()
class DigitsLT(BaseDataset):
    """Long-tailed digits, upsampled to ``image_size`` and repeated to 3 channels.

    Args:
        split: 'train' (long-tailed), 'val' or 'test' (balanced, ``val_per_class`` /
            ``test_per_class`` per class).
        imbalance_ratio: head / tail training count (>= 1).
        profile: 'exp' or 'step' (see ``long_tail_counts``).
        test_per_class: held-out test images per class.
        val_per_class: held-out validation images per class (taken after the test ones).
        image_size: side of the square images (bicubic upsampling of the 8x8 scans).
        seed: numpy seed of the per-class shuffle.
    """
    METAINFO = {'classes': tuple(str(d) for d in range(10))}

    def __init__(self, split='train', imbalance_ratio=10.0, profile='exp', test_per_class=50,
                 val_per_class=0, image_size=32, seed=0, pipeline=(), **kwargs):
        if split not in SPLITS:
            raise ValueError(f'DigitsLT split must be one of {SPLITS}, got {split!r}')
        check_profile(imbalance_ratio, profile)
        check_held_out('DigitsLT', 'val', val_per_class, split)
        if image_size < 8:
            raise ValueError(f'DigitsLT image_size must be >= 8 (the scans are 8x8), '
                             f'got {image_size}')
        self.split, self.imbalance_ratio, self.profile = split, imbalance_ratio, profile
        self.test_per_class, self.val_per_class = test_per_class, val_per_class
        self.image_size, self.seed = image_size, seed
        super().__init__(ann_file='', pipeline=pipeline, test_mode=split == 'test', **kwargs)

    def load_data_list(self):
        from sklearn.datasets import load_digits  # keeps `import coc` light
        digits = load_digits()
        rng = np.random.RandomState(self.seed)
        per_class = []
        for label in range(len(self.METAINFO['classes'])):
            indices = np.flatnonzero(digits.target == label)
            rng.shuffle(indices)
            per_class.append(indices)
        held_out = self.test_per_class + self.val_per_class
        smallest_pool = min(len(idx) for idx in per_class) - held_out
        if smallest_pool < 1:
            raise ValueError(f'test_per_class + val_per_class = {held_out} leaves no training '
                             f'image for some digit; hold out at most '
                             f'{held_out + smallest_pool - 1}')
        if self.split == 'test':
            chosen = [idx[:self.test_per_class] for idx in per_class]
        elif self.split == 'val':
            chosen = [idx[self.test_per_class:held_out] for idx in per_class]
        else:
            counts = long_tail_counts(smallest_pool, len(per_class), self.imbalance_ratio,
                                      self.profile)
            chosen = [idx[held_out:held_out + n] for idx, n in zip(per_class, counts)]
        return [dict(img=self._to_rgb(digits.images[i]), gt_label=label)
                for label, indices in enumerate(chosen) for i in indices]

    def _to_rgb(self, scan: np.ndarray) -> np.ndarray:
        # Scans hold ink counts 0..16; scale to 0..255 like any 8-bit image.
        gray = (scan * (255.0 / 16.0)).astype(np.float32)
        big = cv2.resize(gray, (self.image_size, self.image_size), interpolation=cv2.INTER_CUBIC)
        return np.repeat(np.clip(big, 0, 255).astype(np.uint8)[..., None], 3, axis=2)

    @property
    def class_counts(self) -> np.ndarray:
        return np.bincount(self.get_gt_labels(), minlength=len(self.METAINFO['classes']))

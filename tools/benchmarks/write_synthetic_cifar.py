"""Random CIFAR-100-shaped files (cifar-100-python/train and test) for runs without the data.

    python tools/benchmarks/write_synthetic_cifar.py OUT_DIR [--train-per-class 150]

Random 32x32 images, so a config trains on them at CIFAR's speed, and any CIFAR-100-LT
profile up to n_max = ``--train-per-class`` can be cut from the training file. The tests
write their CIFAR files with :func:`write_cifar_batch` too (tests/conftest.py).
"""
import argparse
import pickle
from pathlib import Path

import numpy as np


def write_cifar_batch(path, labels, label_key='fine_labels', rng=None):
    """One batch file in the format of CIFAR's python version. Pixels are random from ``rng``;
    without it each image stores its index in the batch in its first two bytes, so that a test
    can tell which source images a split kept."""
    labels = [int(y) for y in labels]
    if rng is None:
        index = np.arange(len(labels))
        data = np.zeros((len(labels), 3 * 32 * 32), dtype=np.uint8)
        data[:, 0], data[:, 1] = index // 256, index % 256
    else:
        data = rng.integers(0, 256, (len(labels), 3 * 32 * 32), dtype=np.uint8)
    with open(path, 'wb') as f:
        pickle.dump({'data': data, label_key: labels}, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='data_root of the CIFAR-100 configs')
    parser.add_argument('--train-per-class', type=int, default=150)
    parser.add_argument('--test-per-class', type=int, default=10)
    args = parser.parse_args()
    folder = Path(args.out_dir) / 'cifar-100-python'
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, per_class in (('train', args.train_per_class), ('test', args.test_per_class)):
        write_cifar_batch(folder / split, np.repeat(np.arange(100), per_class), rng=rng)
    print(f'wrote {folder}: {args.train_per_class} training and {args.test_per_class} test '
          'images per class')


if __name__ == '__main__':
    main()

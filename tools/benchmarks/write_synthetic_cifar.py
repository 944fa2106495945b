"""Random CIFAR-100-shaped files (cifar-100-python/train and test) for runs without the data.

    python tools/benchmarks/write_synthetic_cifar.py OUT_DIR [--train-per-class 150]

Written by the tests' writer (``_write_cifar_batch`` of tests/conftest.py): random 32x32
images, so a config trains on them at CIFAR's speed, and any CIFAR-100-LT
profile up to n_max = ``--train-per-class`` can be cut from the training file.
"""
import argparse
import importlib.util
import os.path as osp
from pathlib import Path

import numpy as np

WRITER = osp.join(osp.dirname(__file__), '..', '..', 'tests', 'conftest.py')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='data_root of the CIFAR-100 configs')
    parser.add_argument('--train-per-class', type=int, default=150)
    parser.add_argument('--test-per-class', type=int, default=10)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location('tests_conftest', WRITER)
    writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(writer)
    folder = Path(args.out_dir) / 'cifar-100-python'
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, per_class in (('train', args.train_per_class), ('test', args.test_per_class)):
        writer._write_cifar_batch(folder / split, np.repeat(np.arange(100), per_class), rng=rng)
    print(f'wrote {folder}: {args.train_per_class} training and {args.test_per_class} test '
          'images per class')


if __name__ == '__main__':
    main()

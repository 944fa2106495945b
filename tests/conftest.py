import importlib.util
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def repo_root():
    return REPO


@pytest.fixture(scope='session')
def shared_data():
    """Real images in ../shared/data; users of the project do not have that folder."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f'{SHARED_DATA} is absent (it only exists on the development machines)')
    return SHARED_DATA


def _load_tool(path: str):
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / 'tools' / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('analysis_tools/get_flops.py')``: a script under tools/ as a module (the
    tools are scripts, not a package)."""
    return _load_tool


# The writer of tools/benchmarks/write_synthetic_cifar.py, which the GPU check uses too.
_write_cifar_batch = _load_tool('benchmarks/write_synthetic_cifar.py').write_cifar_batch


@pytest.fixture(scope='session')
def write_cifar_batch():
    """``write_cifar_batch(path, labels, label_key='fine_labels', rng=None)``; CIFAR-10's
    files name the labels ``labels``."""
    return _write_cifar_batch


@pytest.fixture(scope='session')
def make_cifar100(tmp_path_factory):
    """``make_cifar100(train_labels, test_labels, rng=None)``: a new data root holding
    ``cifar-100-python/{train,test}`` (pixels as :func:`_write_cifar_batch`)."""
    def make(train_labels, test_labels, rng=None):
        root = tmp_path_factory.mktemp('cifar100')
        (root / 'cifar-100-python').mkdir()
        _write_cifar_batch(root / 'cifar-100-python' / 'train', train_labels, rng=rng)
        _write_cifar_batch(root / 'cifar-100-python' / 'test', test_labels, rng=rng)
        return root
    return make


@pytest.fixture(scope='session')
def tiny_cifar100_lt(make_cifar100):
    """Random-pixel CIFAR-100 files with just enough training images for ratio 10 (the
    largest long-tailed counts of the configs) and one test image per class."""
    from coc.datasets.long_tail_profile import long_tail_counts
    counts = long_tail_counts(100, 100, 10, 'exp')
    return make_cifar100(np.repeat(np.arange(100), counts), np.arange(100),
                         rng=np.random.default_rng(0))


@pytest.fixture(autouse=True)
def restore_default_scope():
    """A test that builds an MMDetection runner makes ``mmdet`` the current default scope for
    the rest of the process, where registry names of other tests would no longer resolve."""
    from mmengine.registry import DefaultScope
    saved = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = saved

import importlib.util
from pathlib import Path

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


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('analysis_tools/get_flops.py')``: a script under tools/ as a module (the
    tools are scripts, not a package)."""
    def load(path: str):
        spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / 'tools' / path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load


@pytest.fixture(autouse=True)
def restore_default_scope():
    """A test that builds an MMDetection runner makes ``mmdet`` the current default scope for
    the rest of the process, where registry names of other tests would no longer resolve."""
    from mmengine.registry import DefaultScope
    saved = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = saved

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

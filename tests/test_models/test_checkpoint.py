import zipfile

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

import coc  # noqa: F401  (installs the safe loader)
from coc.engine.checkpoint import (TRUST_ENV, CheckpointError, check_resumable,
                                   load_weights_strictly)


class RunsCodeWhenLoaded:
    """Unpickling calls a function; a harmless one, so the trusted path can show it ran."""

    def __reduce__(self):
        return (str.upper, ('ran',))


def test_mmengine_objects_load_with_weights_only(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(0.5)
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'message_hub': {'loss': buffer},
                'meta': {'seed': np.int64(3), 'lr': np.float32(0.1), 'arr': np.arange(3)}}, path)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert loaded['message_hub']['loss'].current() == 0.5
    assert loaded['meta']['arr'].tolist() == [0, 1, 2]


def test_checkpoints_written_with_numpy_1_load(tmp_path):
    """numpy < 2 pickles its scalars and arrays under ``numpy.core`` (model-zoo checkpoints)."""
    path, old = tmp_path / 'numpy2.pth', tmp_path / 'numpy1.pth'
    torch.save({'meta': {'seed': np.int64(3), 'arr': np.arange(3)}}, path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, 'w') as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith('data.pkl'):
                assert b'numpy._core.multiarray' in data
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            dst.writestr(item, data)
    meta = CheckpointLoader.load_checkpoint(str(old), map_location='cpu')['meta']
    assert meta['seed'] == 3 and meta['arr'].tolist() == [0, 1, 2]


def test_a_file_that_runs_code_is_refused_unless_trusted(tmp_path, monkeypatch):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': RunsCodeWhenLoaded()}, path)
    with pytest.raises(CheckpointError, match=f'refusing it.*{TRUST_ENV}=1'):
        CheckpointLoader.load_checkpoint(str(path))
    monkeypatch.setenv(TRUST_ENV, '1')
    assert CheckpointLoader.load_checkpoint(str(path))['payload'] == 'RAN'


def test_getattr_is_allowed_only_for_history_buffer_statistics(tmp_path):
    class WalksToAnAttribute:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = tmp_path / 'walk.pth'
    torch.save({'state_dict': {}, 'payload': WalksToAnAttribute()}, path)
    with pytest.raises(CheckpointError, match='refusing it'):
        CheckpointLoader.load_checkpoint(str(path))


def test_a_file_that_is_not_a_checkpoint_is_named(tmp_path):
    path = tmp_path / 'notes.pth'
    path.write_text('these are not weights')
    with pytest.raises(CheckpointError, match='not a PyTorch checkpoint'):
        CheckpointLoader.load_checkpoint(str(path))


def test_weights_only_file_is_not_resumable(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}}, path)
    with pytest.raises(CheckpointError, match='not a resumable.*load_from='):
        check_resumable(str(path))


def test_strict_loading_refuses_another_models_weights(tmp_path):
    model = torch.nn.Linear(2, 2)
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': torch.nn.Conv2d(1, 1, 1).state_dict()}, path)
    with pytest.raises(CheckpointError, match='does not fit this model'):
        load_weights_strictly(model, str(path))
    torch.save({'state_dict': torch.nn.Linear(2, 2).state_dict()}, path)
    load_weights_strictly(model, str(path))

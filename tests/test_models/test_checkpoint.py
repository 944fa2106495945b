import re
import zipfile

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

import coc  # noqa: F401  (installs the safe loader)
from coc.models.utils.checkpoint import (TRUST_ENV, CheckpointError, check_resumable,
                                         compare_keys, load_weights_strictly, matching_archs,
                                         unwrap_state_dict, weight_shapes)


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


def test_strict_loading_names_what_differs_in_the_models_order(tmp_path):
    """Linear(2, 3) + an extra tensor against Linear(2, 2): the weight and bias change shape,
    the extra key is unexpected; a model with one more tensor reports it missing."""
    model = torch.nn.Linear(2, 2)
    path = tmp_path / 'wide.pth'
    torch.save({'state_dict': {**torch.nn.Linear(2, 3).state_dict(), 'extra': torch.ones(1)}},
               path)
    with pytest.raises(CheckpointError, match=re.escape(
            "2 tensors of another shape (e.g. ['weight: [3, 2] in the file, [2, 2] here', "
            "'bias: [3] in the file, [2] here']); 1 keys this model does not have "
            "(e.g. ['extra'])")):
        load_weights_strictly(model, str(path))
    model.register_buffer('steps', torch.zeros(1))
    mismatch = compare_keys(model.state_dict(), torch.nn.Linear(2, 2).state_dict())
    assert (mismatch.missing, mismatch.unexpected, mismatch.reshaped) == (['steps'], [], [])
    assert mismatch.describe() == "1 model keys missing (e.g. ['steps'])"
    assert not mismatch.ignoring(re.compile('steps'))


@pytest.mark.parametrize('container', ['state_dict', 'model', 'bare dict'])
def test_weights_saved_by_a_ddp_wrapper_load_from_any_container(tmp_path, container):
    model = torch.nn.Linear(2, 2)
    state = {f'module.{k}': v + 1 for k, v in model.state_dict().items()}
    torch.save(state if container == 'bare dict' else {container: state}, tmp_path / 'w.pth')
    load_weights_strictly(model, str(tmp_path / 'w.pth'))
    assert torch.equal(model.bias, state['module.bias'])
    assert unwrap_state_dict(state)[1] == 'bare dict'


def test_arch_is_read_from_the_weight_shapes():
    """Two stages: 2 and 1 blocks, widths 8 and 16, MLP ratio 4 and 2 (hidden 32, 32),
    heads x head_dim 2 x 3 = 6 and 4 x 3 = 12."""
    state = {'network.0.0.mlp.fc1.weight': torch.zeros(32, 8),
             'network.0.0.token_mixer.f.weight': torch.zeros(6, 8, 1, 1),
             'network.0.1.mlp.fc1.weight': torch.zeros(32, 8),
             'network.2.0.mlp.fc1.weight': torch.zeros(32, 16),
             'network.2.0.token_mixer.f.weight': torch.zeros(12, 16, 1, 1)}
    shapes = weight_shapes(state)
    assert shapes == {'layers': [2, 1], 'embed_dims': [8, 16], 'mlp_hidden': [32, 32],
                      'heads x head_dim': [6, 12]}
    arch = dict(layers=[2, 1], embed_dims=[8, 16], mlp_ratios=[4, 2], heads=[2, 4],
                head_dim=[3, 3])
    assert matching_archs(shapes, {'a': arch, 'b': {**arch, 'heads': [2, 2]}}) == ['a']

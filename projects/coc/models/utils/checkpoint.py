"""Safe loading of MMEngine checkpoints under torch >= 2.6.

torch >= 2.6 calls ``torch.load(..., weights_only=True)`` by default, which refuses the
``HistoryBuffer`` and numpy objects that MMEngine 0.10.7 itself stores in every checkpoint, so
``--resume``, ``load_from`` and ``init_cfg=dict(type='Pretrained')`` break. Instead of turning the
safety off, we keep ``weights_only=True`` and allow exactly the types MMEngine writes. A file
that needs anything else (arbitrary code on unpickling) is refused unless the user says they
trust it with ``COC_TRUST_CHECKPOINTS=1``.
"""
import argparse
import os
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'COC_TRUST_CHECKPOINTS'


class CheckpointError(ValueError):
    """A file that cannot be loaded as a (safe) checkpoint."""


def _mmengine_safe_globals() -> list:
    """The non-tensor types in checkpoints that MMEngine's Runner (and timm's, ``args``) saves."""
    multiarray = np._core.multiarray
    # numpy < 2 pickles these two under ``numpy.core``: files written with it must load too.
    numpy_types = [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
                   (multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
                   (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    numpy_types += [type(np.dtype(t)) for t in (np.float64, np.float32, np.float16, np.int64,
                                                np.int32, np.uint8, np.bool_)]
    return [HistoryBuffer, argparse.Namespace, *numpy_types,
            (_history_buffer_method, 'builtins.getattr'),
            (_history_buffer_method, '__builtin__.getattr')]


def _history_buffer_method(owner, name: str):
    """The only ``getattr`` a checkpoint may do: fetch a HistoryBuffer statistics method.

    HistoryBuffer pickles its ``_statistics_methods`` as ``getattr(HistoryBuffer, 'min')``;
    allowing the builtin ``getattr`` itself would let a file walk to any attribute.
    """
    # The class registers min/max/current/mean lazily, in its first __init__.
    allowed = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'Weights only load failed: getattr({owner!r}, {name!r}) is not allowed')


def load_checkpoint_file(filename: str, map_location=None):
    """``torch.load`` with weights_only=True plus MMEngine's own types; clear errors otherwise."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if os.environ.get(TRUST_ENV) == '1':
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(_mmengine_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if 'Weights only load failed' not in str(err):
            raise CheckpointError(f'{filename} is not a PyTorch checkpoint '
                                  f'({_first_line(err)})') from None
        try:
            unsafe = ', '.join(torch.serialization.get_unsafe_globals_in_checkpoint(filename))
        except ValueError:  # a text file, a truncated download
            raise CheckpointError(f'{filename} is not a PyTorch checkpoint (not in the format '
                                  'torch.save writes)') from None
        raise CheckpointError(
            f'{filename} contains objects that run code when loaded ({unsafe}); refusing it. '
            f'If you trust this file, rerun with {TRUST_ENV}=1') from None
    except Exception as err:  # torch.load raises many types for bytes that are no checkpoint
        raise CheckpointError(f'{filename} is not a PyTorch checkpoint or is truncated '
                              f'({type(err).__name__}: {_first_line(err)})') from None


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else ''


def install_safe_checkpoint_loader() -> None:
    """Make MMEngine load local files (resume, load_from, Pretrained) with our loader."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file, force=True)


def check_resumable(filename: str) -> None:
    """Refuse, before any training starts, a file that is not an MMEngine training checkpoint."""
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    required = ('meta', 'state_dict', 'optimizer', 'message_hub')
    missing = [k for k in required if not isinstance(checkpoint, dict) or k not in checkpoint]
    if missing:
        raise CheckpointError(
            f'{filename} is not a resumable training checkpoint (no {", ".join(missing)}); to '
            f'start from its weights instead, use --cfg-options load_from={filename}')


def load_weights_strictly(model, filename: str) -> None:
    """Load ``filename``'s weights into ``model``; a checkpoint of another model is an error."""
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(f'{filename} holds no state_dict of tensors')
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    own = model.state_dict()
    reshaped = sorted(k for k in expected & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or reshaped:
        raise CheckpointError(
            f'{filename} does not fit this model: {len(missing)} missing keys '
            f'(e.g. {missing[:3]}), {len(unexpected)} unexpected keys (e.g. {unexpected[:3]}), '
            f'{len(reshaped)} keys of another shape (e.g. {reshaped[:3]}). '
            'Is it a checkpoint of another config? Foreign CoC weights need '
            'tools/model_converters/coc_to_mmpretrain.py first.')
    model.load_state_dict(state, strict=True)

"""Checkpoints in one place: safe loading, unwrapping, key comparison and arch matching.

It lives under ``coc.models`` because models read checkpoints while they are built (a
ContextCluster's ``init_cfg=dict(type='Pretrained')``, the converter of the authors' files),
and models sit below ``coc.engine`` (runner plumbing, which installs the loader and imports
from here, never the other way).

Safe loading: torch >= 2.6 calls ``torch.load(..., weights_only=True)`` by default, which
refuses the ``HistoryBuffer`` and numpy objects that MMEngine 0.10.7 itself stores in every
checkpoint, so ``--resume``, ``load_from`` and ``init_cfg=dict(type='Pretrained')`` break.
Instead of turning the safety off, we keep ``weights_only=True`` and allow exactly the types
MMEngine writes. A file that needs anything else (arbitrary code on unpickling) is refused
unless the user says they trust it with ``COC_TRUST_CHECKPOINTS=1``.
"""
import argparse
import os
import os.path as osp
import pickle
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Tuple

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'COC_TRUST_CHECKPOINTS'
CONTAINERS = ('state_dict', 'state_dict_ema', 'model')


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


def unwrap_state_dict(checkpoint: Mapping, prefer_ema: bool = False) -> Tuple[Mapping, str]:
    """The tensors of a checkpoint saved as ``state_dict``/``state_dict_ema``/``model`` or bare,
    and where they were; a DDP wrapper's ``module.`` prefix is removed.

    timm's saver writes the EMA weights next to the raw ones; ``prefer_ema`` picks them.
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f'expected a checkpoint dict, got {type(checkpoint).__name__}; '
                        'load the file with torch.load first')
    if prefer_ema and not isinstance(checkpoint.get('state_dict_ema'), Mapping):
        raise KeyError('EMA weights were asked for but the checkpoint has no "state_dict_ema" '
                       f'(its top-level keys: {sorted(checkpoint)[:10]})')
    state, container = checkpoint, 'bare dict'
    for key in ('state_dict_ema', ) if prefer_ema else CONTAINERS:
        if isinstance(checkpoint.get(key), Mapping):
            state, container = checkpoint[key], key
            break
    if state and all(isinstance(k, str) and k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return state, container


def tensor_state_dict(checkpoint, filename: str) -> Dict[str, torch.Tensor]:
    """:func:`unwrap_state_dict` of a loaded file that must hold a non-empty dict of tensors."""
    state = unwrap_state_dict(checkpoint)[0] if isinstance(checkpoint, Mapping) else None
    if not isinstance(state, Mapping) or not state or not all(torch.is_tensor(v)
                                                              for v in state.values()):
        raise CheckpointError(f'{filename} holds no state_dict of tensors')
    return dict(state)


@dataclass
class KeyMismatch:
    """How a checkpoint's tensors differ from a model's (keys in the model's, then the file's
    order, so that examples start at the stem)."""
    missing: List[str] = field(default_factory=list)  # the model's keys the file lacks
    unexpected: List[str] = field(default_factory=list)  # the file's keys the model lacks
    reshaped: List[str] = field(default_factory=list)  # 'key: [file] in the file, [model] here'

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.reshaped)

    def ignoring(self, pattern: re.Pattern) -> 'KeyMismatch':
        """The mismatch without missing / unexpected keys that ``pattern`` matches."""
        return KeyMismatch([k for k in self.missing if not pattern.match(k)],
                           [k for k in self.unexpected if not pattern.match(k)], self.reshaped)

    def describe(self, model: str = 'model') -> str:
        problems = [f'{len(self.reshaped)} tensors of another shape (e.g. {self.reshaped[:2]})'
                    ] if self.reshaped else []
        problems += [f'{len(self.unexpected)} keys this {model} does not have '
                     f'(e.g. {self.unexpected[:3]})'] if self.unexpected else []
        problems += [f'{len(self.missing)} {model} keys missing (e.g. {self.missing[:3]})'
                     ] if self.missing else []
        return '; '.join(problems)


def compare_keys(own: Mapping[str, torch.Tensor],
                 loaded: Mapping[str, torch.Tensor]) -> KeyMismatch:
    """The keys of ``own`` (a model's state dict) that ``loaded`` lacks, has extra, or shapes
    differently."""
    return KeyMismatch(
        missing=[k for k in own if k not in loaded],
        unexpected=[k for k in loaded if k not in own],
        reshaped=[f'{k}: {list(loaded[k].shape)} in the file, {list(v.shape)} here'
                  for k, v in own.items() if k in loaded and loaded[k].shape != v.shape])


def load_weights_strictly(model, filename: str) -> None:
    """Load ``filename``'s weights into ``model``; a checkpoint of another model is an error."""
    state = tensor_state_dict(load_checkpoint_file(filename, map_location='cpu'), filename)
    mismatch = compare_keys(model.state_dict(), state)
    if mismatch:
        raise CheckpointError(
            f'{filename} does not fit this model ({mismatch.describe()}). '
            'Is it a checkpoint of another config? Foreign CoC weights need '
            'tools/model_converters/coc_to_mmpretrain.py first.')
    model.load_state_dict(state, strict=True)


def weight_shapes(state: Mapping[str, torch.Tensor]) -> Dict[str, list]:
    """Per-stage depth and widths of ContextCluster weights (the authors' keys or ours under
    ``backbone.`` removed): what identifies a variant."""
    shapes = {'layers': [], 'embed_dims': [], 'mlp_hidden': [], 'heads x head_dim': []}
    for stage in (0, 2, 4, 6):
        blocks = {int(m.group(1)) for k in state
                  if (m := re.match(rf'network\.{stage}\.(\d+)\.', k))}
        if not blocks:
            break
        fc1 = state[f'network.{stage}.0.mlp.fc1.weight']
        shapes['layers'].append(len(blocks))
        shapes['embed_dims'].append(int(fc1.shape[1]))
        shapes['mlp_hidden'].append(int(fc1.shape[0]))
        shapes['heads x head_dim'].append(
            int(state[f'network.{stage}.0.token_mixer.f.weight'].shape[0]))
    return shapes


def arch_shapes(arch: Mapping[str, list]) -> Dict[str, list]:
    """:func:`weight_shapes` of a ContextCluster built with ``arch`` (one entry per stage)."""
    return {'layers': list(arch['layers']), 'embed_dims': list(arch['embed_dims']),
            'mlp_hidden': [int(dim * ratio) for dim, ratio in
                           zip(arch['embed_dims'], arch['mlp_ratios'])],
            'heads x head_dim': [heads * dim for heads, dim in zip(arch['heads'],
                                                                    arch['head_dim'])]}


def matching_archs(shapes: Dict[str, list], archs: Mapping[str, Mapping]) -> List[str]:
    """The names in ``archs`` (name -> per-stage arch dict) whose weights have ``shapes``.

    Variants that differ only in centers/regions (tiny, tiny2, tiny_plain) share shapes.
    """
    return [name for name, arch in archs.items() if arch_shapes(arch) == shapes]

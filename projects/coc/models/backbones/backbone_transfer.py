"""Loading of a classifier checkpoint's backbone into a ContextCluster (Pretrained), with a report.

It serves ``init_cfg=dict(type='Pretrained', ...)`` of the backbone, in a detector or in a
classifier that fine-tunes from it.

MMEngine's ``Pretrained`` initialiser drops the keys outside ``prefix`` without a word and only
warns about tensors whose shapes differ, so a checkpoint of another architecture silently
leaves a detector with a half-random backbone. This loader refuses such a file, and logs what
it loaded, which checkpoint keys it skipped (the classifier's neck and head, norms of outputs
this backbone does not return) and which backbone tensors keep their fresh initialisation
(the output norms a classifier does not have).

A classifier's final norm (``norm.*`` in the authors' files, ``norm6.*`` once converted) is
not copied into a detector's ``norm6`` by default: the authors' detection backbone
(github.com/ma-xu/Context-Cluster, ``models/context_cluster.py``, ``init_weights`` with
``fork_feat``) loads the ImageNet checkpoint with ``load_state_dict(state_dict, False)``, where
``norm.*`` matches none of ``norm0/2/4/6``, so all four output norms start fresh.
``copy_classifier_norm=True`` copies it instead.
"""
import re
from dataclasses import dataclass, field
from typing import List, Optional

from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from ..utils.checkpoint import CheckpointError, KeyMismatch, compare_keys, tensor_state_dict

# Dense-prediction outputs get one norm each (``norm0``, ``norm2``, ...); a classifier only
# trained the last one, so the others legitimately start fresh.
OUTPUT_NORM = re.compile(r'^norm\d+\.')
COPY_OPTION = 'copy_classifier_norm'


@dataclass
class BackboneTransfer:
    """What :func:`load_backbone_weights` copied, skipped and left initialised."""
    checkpoint: str
    prefix: Optional[str]
    loaded: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    fresh: List[str] = field(default_factory=list)
    # the classifier's final norm: 'fresh' (left out), 'copied', or '' (the file has none)
    classifier_norm: str = ''

    def __str__(self) -> str:
        lines = [f'loaded {len(self.loaded)} backbone tensors from {self.checkpoint}'
                 + (f' (keys under {self.prefix!r})' if self.prefix else '')]
        if self.skipped:
            lines.append(f'skipped {len(self.skipped)} checkpoint keys outside the backbone: '
                         + ', '.join(self.skipped))
        if self.fresh:
            lines.append(f'kept the fresh initialisation of {len(self.fresh)} tensors the '
                         'checkpoint does not load: ' + ', '.join(self.fresh))
        if self.classifier_norm == 'fresh':
            lines.append("left the classifier's final norm in the file: every output norm "
                         "starts fresh, as in the authors' detectors (ImageNet weights loaded "
                         f'with strict=False); set {COPY_OPTION}=True in the backbone\'s '
                         'Pretrained init_cfg to copy it')
        elif self.classifier_norm == 'copied':
            lines.append("copied the classifier's final norm into the last output norm")
        return '\n'.join(lines)


def _split_prefix(state: dict, prefix: Optional[str], filename: str):
    """The tensors under ``prefix`` (prefix removed) and the names of all other keys."""
    if not prefix:
        return dict(state), []
    prefix = prefix if prefix.endswith('.') else prefix + '.'
    inside = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not inside:
        tops = sorted({k.split('.')[0] for k in state})
        hint = (" It looks like the authors' Context-Cluster format: convert it first with "
                'tools/model_converters/coc_to_mmpretrain.py.' if 'network' in tops else '')
        raise CheckpointError(f'{filename} has no keys under {prefix!r} (its keys start with '
                              f'{", ".join(tops[:8])}). Set init_cfg.prefix to the part that '
                              f'holds the backbone.{hint}')
    return inside, sorted(k for k in state if not k.startswith(prefix))


def _classifier_norm(backbone: nn.Module, inside: dict) -> List[str]:
    """The checkpoint's keys of a classifier's final norm: its only output norm is the last
    stage's. Empty for a dense-prediction checkpoint (one norm per output)."""
    norms = sorted(k for k in inside if OUTPUT_NORM.match(k))
    last = f'norm{2 * (backbone.num_stages - 1)}.'
    return norms if norms and all(k.startswith(last) for k in norms) else []


def _copies_classifier_norm(backbone: nn.Module, copy: Optional[bool]) -> bool:
    """None: copy into a classifier's backbone (only the last stage out: the same layer),
    leave fresh in a dense-prediction backbone (the authors' detectors)."""
    if copy is not None and not isinstance(copy, bool):
        raise ValueError(f'{COPY_OPTION} must be True, False or None, got {copy!r}')
    if copy is None:
        return list(backbone.out_indices) == [backbone.num_stages - 1]
    return copy


def _refuse_another_model(backbone: nn.Module, mismatch: KeyMismatch, inside: dict,
                          prefix: Optional[str], filename: str) -> None:
    """Raise unless the tensors under the prefix are this backbone's, up to output norms."""
    name = type(backbone).__name__
    if len(mismatch.unexpected) == len(inside):
        unknown = mismatch.unexpected
        if not prefix and any(k.startswith('backbone.') and k[len('backbone.'):] in
                              backbone.state_dict() for k in unknown):
            raise CheckpointError(f"{filename} is a whole model's checkpoint: set "
                                  "init_cfg.prefix='backbone.' to load its backbone")
        raise CheckpointError(
            f'{filename} holds another model (e.g. {unknown[:3]}), none of whose tensors '
            f'this {name} has. Use a checkpoint of a {name} classifier (the authors\' '
            'checkpoints need tools/model_converters/coc_to_mmpretrain.py first).')
    # output norms a classifier lacks, or of outputs this backbone does not return
    problems = mismatch.ignoring(OUTPUT_NORM)
    if problems:
        raise CheckpointError(
            f'{filename} is not a checkpoint of this {name} ({problems.describe("backbone")}). '
            'It comes from another architecture: set the backbone\'s arch to the one the '
            'checkpoint was trained with, or use a checkpoint of this arch.')


def load_backbone_weights(backbone: nn.Module, filename: str,
                          prefix: Optional[str] = 'backbone.',
                          copy_classifier_norm: Optional[bool] = None) -> BackboneTransfer:
    """Copy the backbone tensors of ``filename`` into ``backbone``; refuse a foreign architecture.

    Every tensor of ``backbone`` must come from the checkpoint with the same shape, except the
    output norms (``norm<i>.*``) a classifier lacks; every checkpoint tensor under ``prefix``
    must exist in ``backbone``, except output norms of stages it does not return. Keys outside
    ``prefix`` are skipped and reported.

    ``copy_classifier_norm``: whether a classifier checkpoint's final norm goes into the last
    output norm. None (default) copies it into a backbone that returns only the last stage
    (a classifier fine-tuning: the same layer) and leaves it fresh in a dense-prediction
    backbone, as the authors' detectors do; True / False force either.
    """
    # Any scheme MMEngine knows (local files go through coc's safe torch.load).
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = tensor_state_dict(checkpoint, filename)
    inside, skipped = _split_prefix(state, prefix, filename)
    mismatch = compare_keys(backbone.state_dict(), inside)
    # e.g. a dense-prediction checkpoint's stride-4 norm in a RetinaNet backbone without it
    unused_norms = [k for k in mismatch.unexpected if OUTPUT_NORM.match(k)]
    _refuse_another_model(backbone, mismatch, inside, prefix, filename)
    classifier_norm = [k for k in _classifier_norm(backbone, inside) if k not in unused_norms]
    left_out = [] if _copies_classifier_norm(backbone, copy_classifier_norm) else classifier_norm
    for key in unused_norms + left_out:
        del inside[key]
    backbone.load_state_dict(inside, strict=False)
    report = BackboneTransfer(
        filename, prefix, loaded=list(inside),
        skipped=skipped + [(prefix or '') + k for k in unused_norms],
        fresh=mismatch.missing + left_out,
        classifier_norm=('fresh' if left_out else 'copied') if classifier_norm else '')
    print_log(str(report), logger='current')
    return report

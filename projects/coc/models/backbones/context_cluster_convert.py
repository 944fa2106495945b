"""Converter from the authors' Context-Cluster checkpoints to coc's MMPretrain keys.

The authors' ContextCluster (github.com/ma-xu/Context-Cluster, PoolFormer layout) and
``coc.models.backbones.ContextCluster`` share the backbone's key names; only the prefixes
differ: classification ``norm.*`` / ``head.*`` become ``backbone.norm6.*`` / ``head.fc.*``
(ImageClassifier with GlobalAveragePooling + LinearClsHead), dense-prediction checkpoints'
``norm{0,2,4,6}.*`` become ``backbone.norm{0,2,4,6}.*``.

Paper-era checkpoints (the ICLR 2023 release) store the MLP as 1x1 convs (4-D weights), may
carry a ``fea_pos`` buffer, and were trained with Eq. 1 normalised by the number of points
in a cluster (``mask.sum``) rather than by the sum of their similarities (SPEC A.5).
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Tuple

import torch

CONTAINERS = ('state_dict', 'state_dict_ema', 'model')

# (what the report says, pattern on the authors' key, replacement); first match wins.
KEY_RULES = (
    ('patch_embed.* -> backbone.patch_embed.*', r'^(patch_embed\.proj\.(weight|bias))$',
     r'backbone.\1'),
    ('network.* -> backbone.network.*', r'^(network\.\d+\..+)$', r'backbone.\1'),
    ('norm.* -> backbone.norm6.*', r'^norm\.(weight|bias)$', r'backbone.norm6.\1'),
    ('norm{0,2,4,6}.* -> backbone.norm{0,2,4,6}.*', r'^(norm[0246]\.(weight|bias))$',
     r'backbone.\1'),
    ('head.* -> head.fc.*', r'^head\.(weight|bias)$', r'head.fc.\1'),
)
# What every ContextCluster checkpoint has, whatever its era or task.
SIGNATURE = (r'^patch_embed\.proj\.weight$', r'^network\.0\.0\.token_mixer\.sim_alpha$',
             r'^network\.0\.0\.token_mixer\.f\.weight$')
MLP_WEIGHT = re.compile(r'\.mlp\.fc[12]\.weight$')
PAPER_ERA_BUFFER = 'fea_pos'

EQ1_CURRENT = 'sim-weighted: g = (v_c + sum sim*v) / (1 + sum sim) (current reference)'
EQ1_PAPER_ERA = ('count: g = (v_c + sum sim*v) / (1 + number of points in the cluster) '
                 '(paper-era code, mask.sum)')


@dataclass
class ConversionReport:
    """What :func:`convert_coc_checkpoint` did, printable for the user."""
    container: str
    era: str  # 'current' or 'paper-era'
    task: str  # 'classification' (norm + head) or 'dense' (norm0/2/4/6)
    eq1_normalizer: str
    renamed: Dict[str, int] = field(default_factory=dict)  # 'old.* -> new.*': tensor count
    reshaped: List[str] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    arch: Dict[str, list] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f'weights from: {self.container}', f'format: {self.era} {self.task} checkpoint',
                 f'Eq. 1 normaliser the weights were trained with: {self.eq1_normalizer}']
        lines += [f'  {rule} ({n} tensors)' for rule, n in self.renamed.items()]
        if self.reshaped:
            lines.append(f'  4-D 1x1-conv MLP weights -> 2-D Linear: {len(self.reshaped)} tensors')
        if self.dropped:
            lines.append(f'  dropped (not parameters of our model): {", ".join(self.dropped)}')
        lines += [f'  {name}: {value}' for name, value in self.arch.items()]
        return '\n'.join(lines)


def unwrap_state_dict(checkpoint: Mapping, prefer_ema: bool = False) -> Tuple[Mapping, str]:
    """The tensors of a checkpoint saved as ``state_dict``/``state_dict_ema``/``model`` or bare.

    timm's saver writes the EMA weights next to the raw ones; ``prefer_ema`` picks them.
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f'expected a checkpoint dict, got {type(checkpoint).__name__}; '
                        'load the file with torch.load first')
    order = ('state_dict_ema',) + CONTAINERS if prefer_ema else CONTAINERS
    for key in order:
        if isinstance(checkpoint.get(key), Mapping):
            return checkpoint[key], key
    if prefer_ema:
        raise KeyError('--ema asked for EMA weights but the checkpoint has no "state_dict_ema" '
                       f'(top-level keys: {sorted(checkpoint)[:10]})')
    return checkpoint, 'bare dict'


def _check_is_coc(state: Mapping) -> None:
    keys = list(state)
    if any(k.startswith('backbone.') for k in keys):
        raise ValueError('this checkpoint already has MMPretrain keys ("backbone.*"); '
                         'load it directly, it needs no conversion')
    missing = [p for p in SIGNATURE if not any(re.match(p, k) for k in keys)]
    if missing:
        raise ValueError(
            'not a Context-Cluster checkpoint: no key matches '
            f'{", ".join(p.strip("^$").replace(chr(92), "") for p in missing)} '
            f'(its first keys: {keys[:5]}). This converter only takes checkpoints of the '
            "authors' ContextCluster (github.com/ma-xu/Context-Cluster); convert other models "
            "with their own MMPretrain converter.")


def _infer_arch(state: Mapping) -> Dict[str, list]:
    """Stage depths and widths read from the tensor shapes (enough to pick the arch)."""
    depths, dims, mlp_ratios, mixer_dims = [], [], [], []
    for stage in (0, 2, 4, 6):
        blocks = {int(m.group(1)) for k in state
                  if (m := re.match(rf'network\.{stage}\.(\d+)\.', k))}
        if not blocks:
            break
        fc1 = state[f'network.{stage}.0.mlp.fc1.weight']
        depths.append(len(blocks))
        dims.append(int(fc1.shape[1]))
        mlp_ratios.append(int(fc1.shape[0]) // int(fc1.shape[1]))
        mixer_dims.append(int(state[f'network.{stage}.0.token_mixer.f.weight'].shape[0]))
    arch = {'layers': depths, 'embed_dims': dims, 'mlp_ratios': mlp_ratios,
            'heads x head_dim': mixer_dims}
    if 'head.weight' in state:
        arch['num_classes'] = [int(state['head.weight'].shape[0])]
    return arch


def convert_coc_checkpoint(checkpoint: Mapping, prefer_ema: bool = False
                           ) -> Tuple[Dict[str, torch.Tensor], ConversionReport]:
    """Authors' ContextCluster checkpoint (any era, any container) -> our state dict.

    Returns ``(state_dict, report)``; the state dict loads strictly into
    ``ImageClassifier(ContextCluster, GlobalAveragePooling, LinearClsHead)`` (classification
    checkpoints) or into the backbone under ``backbone.`` (dense-prediction checkpoints).
    Raises ``ValueError`` for a checkpoint of any other model.
    """
    state, container = unwrap_state_dict(checkpoint, prefer_ema)
    if state and all(k.startswith('module.') for k in state):  # saved from a DDP wrapper
        state = {k[len('module.'):]: v for k, v in state.items()}
    _check_is_coc(state)

    dropped = sorted(k for k in state if k.split('.')[-1] == PAPER_ERA_BUFFER)
    reshaped = sorted(k for k in state if MLP_WEIGHT.search(k) and state[k].dim() == 4)
    paper_era = bool(dropped or reshaped)
    new_state, renamed, unknown = {}, {}, []
    for key, value in state.items():
        if key in dropped:
            continue
        rule = next((r for r in KEY_RULES if re.match(r[1], key)), None)
        if rule is None:
            unknown.append(key)
            continue
        label, pattern, replacement = rule
        new_state[re.sub(pattern, replacement, key)] = value.flatten(1) if key in reshaped else value
        renamed[label] = renamed.get(label, 0) + 1
    if unknown:
        raise ValueError(f'the checkpoint has keys no ContextCluster has: {unknown[:10]}; '
                         'it comes from a modified model this converter does not know')
    task = 'classification' if 'head.weight' in state else 'dense'
    report = ConversionReport(
        container=container, era='paper-era' if paper_era else 'current', task=task,
        eq1_normalizer=EQ1_PAPER_ERA if paper_era else EQ1_CURRENT, renamed=renamed,
        reshaped=reshaped, dropped=dropped, arch=_infer_arch(state))
    return new_state, report

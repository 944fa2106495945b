"""Converter from the authors' Context-Cluster checkpoints to coc's MMPretrain keys.

The authors' ContextCluster (github.com/ma-xu/Context-Cluster, PoolFormer layout) and
``coc.models.backbones.ContextCluster`` share the backbone's key names; only the prefixes
differ: classification ``norm.*`` / ``head.*`` become ``backbone.norm6.*`` / ``head.fc.*``
(ImageClassifier with GlobalAveragePooling + LinearClsHead), dense-prediction checkpoints'
``norm{0,2,4,6}.*`` become ``backbone.norm{0,2,4,6}.*``.

Which Eq. 1 normaliser the weights were trained with, by the authors' code history
(``models/context_cluster.py``): the paper-era code (the ICLR 2023 release, until 2023-03-02)
stores the MLP as 1x1 convs (4-D weights), may carry a ``fea_pos`` buffer, and divides by
``1 + number of points in the cluster`` (``mask.sum``). From 2023-03-02 the MLP is Linear
(2-D weights), but the count normaliser stayed until 2023-05-31 (the tiny_plain weights
published on 2023-03-20, 72.9 top-1, are such a checkpoint); since then it is
``1 + sum of the similarities``. So 4-D weights or ``fea_pos`` prove the count normaliser,
while 2-D weights alone prove nothing: ``normalizer='auto'`` then converts as current and
warns, and the caller says which with ``'current'`` or ``'legacy'``.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from ..utils.checkpoint import matching_archs, unwrap_state_dict, weight_shapes
from .context_cluster import ContextCluster, _check_arch

# (what the report says, pattern on the authors' key, replacement); first match wins.
KEY_RULES = (
    ('patch_embed.* -> backbone.patch_embed.*', r'^(patch_embed\.proj\.(weight|bias))$',
     r'backbone.\1'),
    ('network.* (blocks) -> backbone.network.*',
     r'^(network\.\d+\.\d+\.(norm[12]\.(weight|bias)|layer_scale_[12]|mlp\.fc[12]\.(weight|bias)'
     r'|token_mixer\.((f|v|proj)\.(weight|bias)|sim_alpha|sim_beta)))$', r'backbone.\1'),
    ('network.* (down-samplers) -> backbone.network.*', r'^(network\.\d+\.proj\.(weight|bias))$',
     r'backbone.\1'),
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
EQ1 = {'current': EQ1_CURRENT, 'legacy': EQ1_PAPER_ERA}
NORMALIZERS = ('auto', 'current', 'legacy')
UNPROVEN = ('the weights do not show which Eq. 1 normaliser they were trained with: the '
            "authors' code has had 2-D (Linear) MLP weights since 2023-03-02 but divided by "
            'the number of points (mask.sum) until 2023-05-31 (e.g. the tiny_plain weights of '
            '2023-03-20), and by the sum of the similarities since. Converted as '
            '--normalizer current (g = (v_c + sum sim*v) / (1 + sum sim)); pass --normalizer '
            'legacy (g = (v_c + sum sim*v) / (1 + number of points in the cluster)) for '
            'weights released before 2023-05-31, or --normalizer current to confirm')


@dataclass
class ConversionReport:
    """What :func:`convert_coc_checkpoint` did, printable for the user."""
    container: str
    era: str  # weight format: 'current' (2-D MLP weights) or 'paper-era' (4-D, fea_pos)
    task: str  # 'classification' (norm + head) or 'dense' (norm0/2/4/6)
    eq1_normalizer: str
    normalizer: str = 'current'  # what to build the model with: 'current' or 'legacy'
    normalizer_from: str = 'weights'  # 'weights' (proven), 'option' or 'assumed' (warning)
    warning: Optional[str] = None
    renamed: Dict[str, int] = field(default_factory=dict)  # 'old.* -> new.*': tensor count
    reshaped: List[str] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    shapes: Dict[str, list] = field(default_factory=dict)
    archs: List[str] = field(default_factory=list)  # arch names with these weight shapes

    def __str__(self) -> str:
        source = {'weights': 'shown by the weights', 'option': 'as asked',
                  'assumed': 'assumed, see the warning'}[self.normalizer_from]
        lines = [f'weights from: {self.container}', f'format: {self.era} {self.task} checkpoint',
                 f'Eq. 1 normaliser the weights were trained with ({source}): '
                 f'{self.eq1_normalizer}']
        lines += [f'  {rule} ({n} tensors)' for rule, n in self.renamed.items()]
        if self.reshaped:
            lines.append(f'  4-D 1x1-conv MLP weights -> 2-D Linear: {len(self.reshaped)} tensors')
        if self.dropped:
            lines.append(f'  dropped (not parameters of our model): {", ".join(self.dropped)}')
        lines += [f'  {name}: {value}' for name, value in self.shapes.items()]
        lines.append(f'build it as arch={" or ".join(self.archs)}' if self.archs else
                     'no arch in ContextCluster.arch_settings has these shapes: pass an arch '
                     'dict with the values above')
        if self.normalizer == 'legacy':
            lines.append('and set legacy_normalizer=True (e.g. --cfg-options '
                         'model.backbone.legacy_normalizer=True) to keep its Eq. 1')
        if self.warning:
            lines.append(f'warning: {self.warning}')
        return '\n'.join(lines)


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


def coc_archs() -> Dict[str, dict]:
    """``ContextCluster.arch_settings`` with every field expanded to one entry per stage."""
    return {name: _check_arch(arch, ContextCluster.arch_keys)
            for name, arch in ContextCluster.arch_settings.items()}


def choose_normalizer(paper_era: bool, choice: str) -> Tuple[str, str, Optional[str]]:
    """``(normalizer, normalizer_from, warning)`` for weights of this format and the
    ``--normalizer`` choice (see the module docstring for the dates)."""
    if choice not in NORMALIZERS:
        raise ValueError(f'normalizer must be one of {NORMALIZERS}, got {choice!r}')
    if paper_era:
        if choice == 'current':
            raise ValueError('--normalizer current contradicts the weights: 4-D MLP weights or '
                             'fea_pos come from the paper-era code, which divided Eq. 1 by the '
                             'number of points (mask.sum); use --normalizer auto or legacy')
        return 'legacy', 'weights' if choice == 'auto' else 'option', None
    if choice == 'auto':
        return 'current', 'assumed', UNPROVEN
    return choice, 'option', None


def convert_coc_checkpoint(checkpoint: Mapping, prefer_ema: bool = False,
                           normalizer: str = 'auto'
                           ) -> Tuple[Dict[str, torch.Tensor], ConversionReport]:
    """Authors' ContextCluster checkpoint (any era, any container) -> our state dict.

    Returns ``(state_dict, report)``; the state dict loads strictly into
    ``ImageClassifier(ContextCluster, GlobalAveragePooling, LinearClsHead)`` (classification
    checkpoints) or into the backbone under ``backbone.`` (dense-prediction checkpoints),
    built with ``legacy_normalizer=(report.normalizer == 'legacy')``. ``normalizer``:
    ``'auto'`` (decide from the weights where they prove it, else assume current and set
    ``report.warning``), ``'current'`` or ``'legacy'``. Raises ``ValueError`` for a
    checkpoint of any other model, or a normaliser the weights contradict.
    """
    state, container = unwrap_state_dict(checkpoint, prefer_ema)
    _check_is_coc(state)

    dropped = sorted(k for k in state if k.split('.')[-1] == PAPER_ERA_BUFFER)
    reshaped = sorted(k for k in state if MLP_WEIGHT.search(k) and state[k].dim() == 4)
    paper_era = bool(dropped or reshaped)
    chosen, chosen_from, warning = choose_normalizer(paper_era, normalizer)
    new_state, renamed, unknown = {}, {}, []
    for key, value in state.items():
        if key in dropped:
            continue
        rule = next((r for r in KEY_RULES if re.match(r[1], key)), None)
        if rule is None:
            unknown.append(key)
            continue
        label, pattern, replacement = rule
        new_key = re.sub(pattern, replacement, key)
        new_state[new_key] = value.flatten(1) if key in reshaped else value
        renamed[label] = renamed.get(label, 0) + 1
    if unknown:
        raise ValueError(f'the checkpoint has keys no ContextCluster has: {unknown[:10]}; '
                         'it comes from a modified model this converter does not know')
    task = 'classification' if 'head.weight' in state else 'dense'
    shapes = weight_shapes(state)
    report = ConversionReport(
        container=container, era='paper-era' if paper_era else 'current', task=task,
        eq1_normalizer=EQ1[chosen], normalizer=chosen, normalizer_from=chosen_from,
        warning=warning, renamed=renamed, reshaped=reshaped, dropped=dropped, shapes=shapes,
        archs=matching_archs(shapes, coc_archs()))
    return new_state, report

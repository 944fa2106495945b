"""The mixing step's families: a bad type names its family, every member declares the
family's capabilities, and nothing probes collaborators for optional attributes."""
import re
from pathlib import Path

import pytest
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers the parts)
from coc.mixing import MIXERS, PAIRINGS, PLACERS, Pairing, Placer, RandomBox
from coc.models.classifiers.mixers import Mixer

PACKAGE = Path(coc.__file__).parent


def build_classifier(**parts):
    return MODELS.build(dict(
        type='MixClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=64), **parts))


@pytest.mark.parametrize('parts, message', [
    (dict(pairing=dict(type='OTPairng', eps=0.1)),
     "unknown pairing 'OTPairng'; registered pairings: ConfusionPairing, CostMatrixPairing, "
     'OTPairing, OTmixPairing, RandomPairing'),
    (dict(mixer=dict(type='RandomBox')),
     "unknown mixer 'RandomBox'; registered mixers: AlignMixer, CutMixer"),
    (dict(mixer=dict(type='CutMixer', placer=dict(type='SaliencyBx'))),
     "unknown placer 'SaliencyBx'; registered placers: PredictedBox, RandomBox, SaliencyBox"),
    (dict(pairing=dict(type=RandomBox)), 'RandomBox is not a registered pairing'),
])
def test_a_bad_type_names_its_family(parts, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_classifier(**parts)


@pytest.mark.parametrize('registry, base', [(PAIRINGS, Pairing), (PLACERS, Placer),
                                            (MIXERS, Mixer)])
def test_every_member_is_of_its_family(registry, base):
    """So that each has the capability attributes its base declares."""
    assert registry.module_dict
    for name, member in registry.module_dict.items():
        assert issubclass(member, base), name


def test_no_collaborator_is_probed_for_an_optional_attribute():
    """Capabilities are declared on the bases; ``getattr(obj, name, default)`` would hide a
    typo or a part from another family."""
    probes = []
    for folder in ('models', 'mixing'):
        for path in sorted((PACKAGE / folder).rglob('*.py')):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r'getattr\([^,()]+,[^,()]+,', line):
                    probes.append(f'{path.relative_to(PACKAGE)}:{number}: {line.strip()}')
    assert not probes

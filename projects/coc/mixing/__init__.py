"""Mixing primitives of guided CutMix: boxes, saliency, placers, OT, pairing, AlignMixup."""
from .align_mixup import align_mix
from .batch_augments import PlacedCutMix, SaliencyCutMix
from .boxes import boxes_at, paste, random_boxes, sample_lam
from .optimal_transport import cosine_cost, sinkhorn_plan
from .otmix import OTmixPairing
from .pairing import (ConfusionPairing, CostMatrixPairing, OTPairing, Pairing, PairingResult,
                      RandomPairing)
from .placers import Placer, PredictedBox, RandomBox, SaliencyBox
from .registry import MIXERS, PAIRINGS, PLACERS

__all__ = [
    'sample_lam', 'boxes_at', 'random_boxes', 'paste', 'cosine_cost', 'sinkhorn_plan',
    'PAIRINGS', 'PLACERS', 'MIXERS', 'Pairing', 'PairingResult', 'RandomPairing',
    'ConfusionPairing', 'CostMatrixPairing', 'OTPairing', 'OTmixPairing',
    'Placer', 'RandomBox', 'SaliencyBox', 'PredictedBox', 'align_mix', 'PlacedCutMix',
    'SaliencyCutMix'
]

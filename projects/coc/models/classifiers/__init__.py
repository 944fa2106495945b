"""Classifiers: the two-stream mixing classifier and its mixing modes; a cosine head."""
from .cosine_head import CosineClsHead
from .mix_classifier import MixClassifier
from .mixers import AlignMixer, CutMixer

__all__ = ['MixClassifier', 'CutMixer', 'AlignMixer', 'CosineClsHead']

"""Classifiers: the two-stream mixing classifier and its mixing modes."""
from .mix_classifier import MixClassifier
from .mixers import AlignMixer, CutMixer

__all__ = ['MixClassifier', 'CutMixer', 'AlignMixer']

"""Classifiers: the two-stream mixing classifier and its mixing modes; a cosine head; decoupled
classifier learning (frozen parts, post-hoc adjustment, tau-norm and LWS heads)."""
from .cosine_head import CosineClsHead
from .decoupled import DecoupledClassifier, LWSHead, TauNormHead
from .mix_classifier import MixClassifier
from .mixers import AlignMixer, CutMixer

__all__ = ['MixClassifier', 'CutMixer', 'AlignMixer', 'CosineClsHead', 'DecoupledClassifier',
           'TauNormHead', 'LWSHead']

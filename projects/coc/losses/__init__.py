"""Losses for long-tailed training: soft-label (mixed pair) CE, Balanced Softmax, LDAM."""
from .balanced_softmax import BalancedSoftmaxLoss
from .ldam_loss import LDAMLoss
from .soft_cross_entropy import SoftCrossEntropyLoss, soft_ce

__all__ = ['SoftCrossEntropyLoss', 'soft_ce', 'BalancedSoftmaxLoss', 'LDAMLoss']

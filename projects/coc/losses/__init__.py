"""Losses for long-tailed training: soft-label (mixed pair) CE, Balanced Softmax, LDAM, logit
adjustment."""
from .balanced_softmax import BalancedSoftmaxLoss
from .ldam_loss import LDAMLoss
from .logit_adjustment import LogitAdjustedLoss, adjust_logits
from .soft_cross_entropy import SoftCrossEntropyLoss, soft_ce

__all__ = ['SoftCrossEntropyLoss', 'soft_ce', 'BalancedSoftmaxLoss', 'LDAMLoss',
           'LogitAdjustedLoss', 'adjust_logits']

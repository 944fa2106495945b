# The logit-adjusted loss (Menon et al., ICLR 2021, arXiv:2007.07314, Eq. 10: CE of logits +
# tau * log prior, tau = 1 as in their CIFAR runs) on the ResNet-32 long-tail recipe.
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import LogitAdjustedLoss

model.head.loss = dict(type=LogitAdjustedLoss, tau=1.0)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

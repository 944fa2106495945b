# ResNet-32 on CIFAR-100-LT (ratio 100) with the logit-adjusted loss (Menon et al., ICLR 2021,
# arXiv:2007.07314, Eq. 10: CE of logits + tau * log prior, tau = 1 as in their CIFAR runs).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import LogitAdjustedLoss

model.head.loss = dict(type=LogitAdjustedLoss, tau=1.0)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

# Balanced Softmax (logits + log prior) on the ResNet-32 long-tail recipe.
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import BalancedSoftmaxLoss

model.head.loss = dict(type=BalancedSoftmaxLoss)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

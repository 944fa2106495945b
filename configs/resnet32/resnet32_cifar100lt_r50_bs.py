# ResNet-32 on CIFAR-100-LT (ratio 50) with Balanced Softmax (logits + log prior).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r50_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import BalancedSoftmaxLoss

model.head.loss = dict(type=BalancedSoftmaxLoss)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

# Balanced Softmax + CMO (published CMO row "BS + CMO", 46.6 top-1): the mixed pair's soft
# target goes through the balanced-softmax loss.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import BalancedSoftmaxLoss

model.head.loss = dict(type=BalancedSoftmaxLoss)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

# ResNet-32 with Balanced Softmax on GTSRB-32-LT (ratio 50): the real-data check of a
# long-tail loss against resnet32_gtsrb32lt_r50_ce.py.
from mmengine.config import read_base

with read_base():
    from .resnet32_gtsrb32lt_r50_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import BalancedSoftmaxLoss

model.head.loss = dict(type=BalancedSoftmaxLoss)  # prior from LongTailLossHook
custom_hooks.append(dict(type=LongTailLossHook))

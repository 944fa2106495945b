# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), CE + OT-guided
# CutMix: each foreground k takes the background argmax_i T[i, k] of an entropic OT plan
# over 1 - cos of both streams' logits (an extra forward of both streams).
# The method: configs/_base_/methods/resnet32_ot_col.py (as the CIFAR-100-LT rows).
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col import *
    from .._base_.methods.resnet32_ot_col import train_dataloader as __method_loader
    from .._base_.datasets.cifar10lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = num_classes

# ResNet-32 on CIFAR-100-LT (ratio 100) with Balanced Softmax (logits + log prior).
# The method: configs/_base_/methods/resnet32_bs.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_bs import *
    from .._base_.methods.resnet32_bs import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

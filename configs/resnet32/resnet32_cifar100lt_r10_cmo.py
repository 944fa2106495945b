# ResNet-32 on CIFAR-100-LT (ratio 10) with CE + CMO.
# The method: configs/_base_/methods/resnet32_cmo.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_cmo import *
    from .._base_.methods.resnet32_cmo import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 10
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

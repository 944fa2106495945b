# CE + CMO (Park et al., CVPR 2022) on CIFAR-100-LT r100, ResNet-32 (arXiv:2112.00412).
# Every other guided-mixing row of docs/results/reference.md inherits this file (or its
# method in configs/_base_/methods/) and swaps one part.
# The method: configs/_base_/methods/resnet32_cmo.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_cmo import *
    from .._base_.methods.resnet32_cmo import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

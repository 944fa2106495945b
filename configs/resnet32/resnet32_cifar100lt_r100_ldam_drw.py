# ResNet-32 on CIFAR-100-LT (ratio 100) with LDAM-DRW: cosine head, LDAM margins (0.5, s=30),
# class-balanced (effective-number, beta 0.9999) loss weights from epoch 160.
# The method: configs/_base_/methods/resnet32_ldam_drw.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ldam_drw import *
    from .._base_.methods.resnet32_ldam_drw import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

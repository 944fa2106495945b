# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), the logit-adjusted loss (Menon et al., ICLR 2021,
# arXiv:2007.07314, Eq. 10, tau = 1)
# The method: configs/_base_/methods/resnet32_la.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_la import *
    from .._base_.methods.resnet32_la import train_dataloader as __method_loader
    from .._base_.datasets.cifar10lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = num_classes

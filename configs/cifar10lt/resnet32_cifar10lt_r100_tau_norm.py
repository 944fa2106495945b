# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), tau-normalisation of a CE model's head, tau chosen
# on the validation split (Kang et al., ICLR 2020, arXiv:1910.09217); nothing is trained:
#   python tools/test.py configs/cifar10lt/resnet32_cifar10lt_r100_tau_norm.py CE_CHECKPOINT
# The method: configs/_base_/methods/resnet32_tau_norm.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_tau_norm import *
    from .._base_.methods.resnet32_tau_norm import train_dataloader as __method_loader
    from .._base_.datasets.cifar10lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = num_classes

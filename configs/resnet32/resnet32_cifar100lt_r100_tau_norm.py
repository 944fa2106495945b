# ResNet-32 on CIFAR-100-LT (ratio 100), tau-normalisation of a CE model's head, tau chosen
# on the validation split (Kang et al., ICLR 2020, arXiv:1910.09217); nothing is trained:
#   python tools/test.py configs/resnet32/resnet32_cifar100lt_r100_tau_norm.py CE_CHECKPOINT
# The method: configs/_base_/methods/resnet32_tau_norm.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_tau_norm import *
    from .._base_.methods.resnet32_tau_norm import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# CIFAR-100-LT has no validation split by default: 20 training images per class
# are held out for the choice of tau.
train_dataloader.dataset.val_per_class = 20
val_dataloader.dataset.update(split='val', val_per_class=20)
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), LWS: per-class scales
# of the CE model's head learnt on class-balanced batches (Kang et al., ICLR 2020,
# arXiv:1910.09217).
# The method is configs/resnet32/resnet32_cifar100lt_r100_lws.py; only the data change.
from mmengine.config import read_base

with read_base():
    from ..resnet32.resnet32_cifar100lt_r100_lws import *
    from .._base_.datasets.cifar10lt_folder import *

train_dataloader.dataset = train_dataset
model.head.num_classes = num_classes

# ResNet-32 on CIFAR-100-LT (ratio 10) with cross-entropy.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ce import *

train_dataloader.dataset.imbalance_ratio = 10

# ResNet-32 on CIFAR-100-LT (ratio 50) with CE + OT argmax T[:, k] + cost + Ghost BN 16.
# The method: configs/_base_/methods/resnet32_ot_col_cost_ghost16.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col_cost_ghost16 import *
    from .._base_.methods.resnet32_ot_col_cost_ghost16 import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 50
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

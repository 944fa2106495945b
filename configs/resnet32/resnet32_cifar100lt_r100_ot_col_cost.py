# CE + OT argmax T[:, k] + the transport cost <T, C> as a loss term (the notes' "+cost" row,
# docs/results/reference.md): the extra forward passes keep their graph and the cost trains the
# features.
# The method: configs/_base_/methods/resnet32_ot_col_cost.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col_cost import *
    from .._base_.methods.resnet32_ot_col_cost import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

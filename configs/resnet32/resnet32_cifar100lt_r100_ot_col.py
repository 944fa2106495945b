# CE + OT-guided CutMix, each foreground k takes argmax_i T[i, k] (the research notes'
# main line). Cost 1 - cos of the logits of both streams (the notes' model(input)), eps 0.1,
# 100 iterations: how those runs mixed is in docs/results/reference.md.
# The method: configs/_base_/methods/resnet32_ot_col.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col import *
    from .._base_.methods.resnet32_ot_col import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

# OT-guided CutMix without the extra forward passes: each image's logits as last seen
# (its background-only pass, or its region of a mixed pass); random pairing until every
# image of a batch has been seen. The cheap counterpart of ot_col (tools/benchmarks/mix_step.py).
# The method: configs/_base_/methods/resnet32_ot_col_remembered.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col_remembered import *
    from .._base_.methods.resnet32_ot_col_remembered import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

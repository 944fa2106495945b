# ResNet-32 with cross-entropy on GTSRB-32 made long-tailed (ratio 50), a real-data check of
# the long-tail toolkit; the CIFAR-LT recipe, shortened to 30 epochs.
# The method: configs/_base_/methods/resnet32_ce.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ce import *
    from .._base_.methods.resnet32_ce import train_dataloader as __method_loader
    from .._base_.datasets.gtsrb32_lt import *
    from .._base_.schedules.cifar_lt_30e import *

train_dataloader.dataset.imbalance_ratio = 50
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = 43

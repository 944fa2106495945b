# ResNet-32 with Balanced Softmax on GTSRB-32-LT (ratio 50): the real-data check of a
# long-tail loss against resnet32_gtsrb32lt_r50_ce.py (same data and 30-epoch schedule).
# The method: configs/_base_/methods/resnet32_bs.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_bs import *
    from .._base_.methods.resnet32_bs import train_dataloader as __method_loader
    from .._base_.datasets.gtsrb32_lt import *
    from .._base_.schedules.cifar_lt_30e import *

train_dataloader.dataset.imbalance_ratio = 50
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = 43

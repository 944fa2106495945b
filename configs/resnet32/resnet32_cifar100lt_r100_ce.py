# ResNet-32 on CIFAR-100-LT (ratio 100) with cross-entropy: the recipe of LDAM-DRW / CMO
# (naver-ai/cmo cifar_train.py). Data in data/cifar100/cifar-100-python.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.cifar100lt import *
    from .._base_.default_runtime import *
    from .._base_.models.resnet32_cifar import *
    from .._base_.schedules.cifar_lt_200e import *

train_dataloader.dataset.imbalance_ratio = 100

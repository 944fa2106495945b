# The ResNet-32 long-tail recipe of LDAM-DRW / CMO (naver-ai/cmo cifar_train.py: ResNet-32, SGD
# 0.1, 200 epochs) with cross-entropy, for any dataset and imbalance ratio. A row adds a dataset
# base, puts this train_dataloader over the dataset's and sets the ratio, e.g.
# configs/resnet32/resnet32_cifar100lt_r100_ce.py. train_dataloader holds only what a method
# changes in the dataset's loader (its sampler); the methods of configs/_base_/methods/ derive
# from this file.
from mmengine.config import read_base

with read_base():
    from ..default_runtime import *
    from ..models.resnet32_cifar import *
    from ..schedules.cifar_lt_200e import *

train_dataloader = dict()

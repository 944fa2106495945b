# resnet32_cifar100lt_r100_cmo at imbalance ratio 10 (docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

train_dataloader.dataset.update(imbalance_ratio=10)

# resnet32_cifar100lt_r100_ot_col_cost at imbalance ratio 10 (docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col_cost import *

train_dataloader.dataset.update(imbalance_ratio=10)

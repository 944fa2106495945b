# CE + OT, foreground k takes argmin_i T[i, k]: the least related background
# (docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col import *

model.pairing.update(select='argmin')

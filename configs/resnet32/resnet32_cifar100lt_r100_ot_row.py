# CE + OT, foreground k picks over row k of T (the notes' "argmax T[k]" row,
# docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col import *

model.pairing.update(direction='row')

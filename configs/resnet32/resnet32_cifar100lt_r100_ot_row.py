# CE + OT, foreground k picks over row k of T (the seed's "argmax T[k]", B.9 row 4).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col import *

model.pairing.update(direction='row')

# CoC-Small + OT, foreground k picks over row k of T (resnet32 ..._ot_row).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_ot_col import *

model.pairing.update(direction='row')

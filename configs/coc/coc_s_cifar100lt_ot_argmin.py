# CoC-Small + OT, argmin T[:, k] (resnet32 ..._ot_argmin).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_ot_col import *

model.pairing.update(select='argmin')

# CoC-Small + OT pairing on remembered features, no extra forward (resnet32 ..._ot_col_remembered).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_ot_col import *

model.update(feature_pass='remembered')

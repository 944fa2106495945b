# CoC-Small + cost matrix in feature space, column rule (resnet32 ..._cost_feat_col).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_cmo import *

from coc.mixing import CostMatrixPairing

model.update(pairing=dict(type=CostMatrixPairing, space='feature', direction='column'))

# Cost matrix in input space (pixels), row rule (the seed's "input+row" runs).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import CostMatrixPairing

model.update(pairing=dict(type=CostMatrixPairing, space='input', direction='row'))

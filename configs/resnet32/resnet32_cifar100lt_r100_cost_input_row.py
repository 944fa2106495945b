# Cost matrix in input space (pixels), row rule (the research notes' "input+row" runs,
# docs/results/reference.md) in the notes' literal indexing: foreground k takes argmin(C[k, :]),
# i.e. background k's most similar foreground's index is used as foreground k's background. The
# semantic row rule (each background chooses its foreground) is ..._cost_input_row_semantic.py.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import CostMatrixPairing

model.update(pairing=dict(type=CostMatrixPairing, space='input', direction='row'))

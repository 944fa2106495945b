# Cost matrix in input space (pixels), row rule read semantically: each background chooses its
# most similar foreground (argmin over its row of C), a foreground takes the closest of the
# backgrounds that chose it, and one that no background chose gets a random background. To be
# compared with ..._cost_input_row.py, the research notes' literal indexing of the same rule.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import CostMatrixPairing

model.update(pairing=dict(type=CostMatrixPairing, space='input', direction='row_semantic'))

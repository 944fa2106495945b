# Cost matrix in feature space, column rule: foreground k takes argmin_i C[i, k]
# (the notes' "feature+column" runs, docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import CostMatrixPairing

model.update(pairing=dict(type=CostMatrixPairing, space='feature', direction='column'),
             features='logits')

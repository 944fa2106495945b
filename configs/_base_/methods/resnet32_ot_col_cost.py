# CE + OT argmax T[:, k] + the transport cost <T, C> as a loss term (the notes' "+cost" row,
# docs/results/reference.md): the extra forward passes keep their graph and the cost trains the
# features.
from mmengine.config import read_base

with read_base():
    from .resnet32_ot_col import *

model.pairing.update(with_cost=True, cost_grad='autodiff')
model.update(ot_cost_weight=1.0)

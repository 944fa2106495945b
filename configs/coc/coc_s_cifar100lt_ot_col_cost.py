# CoC-Small + OT argmax T[:, k] + transport cost in the loss (resnet32 ..._ot_col_cost), one
# process. CoC normalises with GroupNorm, so the BatchNorm-chunk effect (Ghost BN rows)
# does not exist here; the multi-process row is configs/coc_s_cifar100lt_ot.py.
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_ot_col import *

model.pairing.update(with_cost=True, cost_grad='autodiff')
model.update(ot_cost_weight=1.0)

# Both causes on one GPU: OT over the batch of 128 and BatchNorm over chunks of 16 (Ghost BN),
# what nn.DataParallel on 8 GPUs did in the notes' best row
# (docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_ot_col_cost import *

model.update(ghost_bn_size=16)

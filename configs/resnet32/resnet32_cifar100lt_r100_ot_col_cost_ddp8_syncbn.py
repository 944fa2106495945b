# Cause (a) alone: global-batch OT over 8 x 16 with BatchNorm statistics over all 128
# (SyncBN), so any gain over ot_col_cost comes from pairing, not from small BN chunks.
#   tools/dist_train.sh configs/resnet32/resnet32_cifar100lt_r100_ot_col_cost_ddp8_syncbn.py 8
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col_cost_ddp8 import *

sync_bn = 'torch'

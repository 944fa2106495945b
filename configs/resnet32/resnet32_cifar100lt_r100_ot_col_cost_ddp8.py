# The notes' "+DataParallel8" row (docs/results/reference.md) under DDP: 8 processes x 16 images
# per stream, OT over the global batch of 128 (features gathered), each process's BatchNorm on its
# 16.
#   tools/dist_train.sh configs/resnet32/resnet32_cifar100lt_r100_ot_col_cost_ddp8.py 8
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col_cost import *

train_dataloader.update(batch_size=16)
model.update(global_pairing=True)
# The learning rate stays that of the global batch 128 (16 x 8): no auto scaling needed.

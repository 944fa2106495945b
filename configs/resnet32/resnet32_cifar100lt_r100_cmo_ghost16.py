# Cause (b) alone: CMO (random pairing, no OT) with BatchNorm over chunks of 16 on one GPU.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

model.update(ghost_bn_size=16)

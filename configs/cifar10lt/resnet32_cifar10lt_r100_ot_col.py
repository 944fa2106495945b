# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), CE + OT-guided
# CutMix: each foreground k takes the background argmax_i T[i, k] of an entropic OT plan
# over 1 - cos of both streams' logits (an extra forward of both streams).
# The method is configs/resnet32/resnet32_cifar100lt_r100_ot_col.py; only the data change.
from mmengine.config import read_base

with read_base():
    from ..resnet32.resnet32_cifar100lt_r100_ot_col import *
    from .._base_.datasets.cifar10lt_folder import *

train_dataloader.dataset = train_dataset
model.head.num_classes = num_classes

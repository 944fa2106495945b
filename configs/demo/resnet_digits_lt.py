# Demo: a small CIFAR-style ResNet-18 (16 base channels) on long-tailed digits, CPU-friendly.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.digits_lt import *
    from .._base_.default_runtime import *

from mmengine.hooks import LoggerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmpretrain.models import (CrossEntropyLoss, GlobalAveragePooling, ImageClassifier,
                               LinearClsHead, ResNet_CIFAR)
from torch.optim import SGD

model = dict(
    type=ImageClassifier,
    data_preprocessor=data_preprocessor,
    backbone=dict(type=ResNet_CIFAR, depth=18, stem_channels=16, base_channels=16),
    neck=dict(type=GlobalAveragePooling),
    head=dict(type=LinearClsHead, num_classes=10, in_channels=128,
              loss=dict(type=CrossEntropyLoss, loss_weight=1.0), topk=(1, 5)),
)

max_epochs = 15
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=SGD, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type=LinearLR, start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type=CosineAnnealingLR, by_epoch=True, begin=1, end=max_epochs),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks.update(logger=dict(type=LoggerHook, interval=5))

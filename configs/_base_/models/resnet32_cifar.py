# ResNet-32 for CIFAR (~0.46M parameters) with a linear head, as in LDAM-DRW / CMO.
from mmpretrain.models import (CrossEntropyLoss, GlobalAveragePooling, ImageClassifier,
                               LinearClsHead)

from coc.models.backbones import ResNet32_CIFAR

model = dict(
    type=ImageClassifier,
    backbone=dict(type=ResNet32_CIFAR),
    neck=dict(type=GlobalAveragePooling),
    head=dict(type=LinearClsHead, num_classes=100, in_channels=64,
              loss=dict(type=CrossEntropyLoss, loss_weight=1.0), topk=(1, 5)),
)

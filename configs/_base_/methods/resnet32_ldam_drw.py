# LDAM-DRW on the ResNet-32 long-tail recipe: cosine head, LDAM margins (0.5, s=30),
# class-balanced (effective-number, beta 0.9999) loss weights from epoch 160.
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import LDAMLoss
from coc.models.classifiers import CosineClsHead

model.head.type = CosineClsHead
model.head.loss = dict(type=LDAMLoss, max_margin=0.5, scale=30.0)  # margins from the hook
custom_hooks.append(dict(type=LongTailLossHook, drw_start_epoch=160, drw_beta=0.9999))

# Context-Cluster-tiny (arXiv:2303.01494) for ImageNet-1k: GroupNorm -> global mean -> linear head,
# trained with mixup 0.8 / cutmix 1.0 (one of the two per batch) and label smoothing 0.1.
from mmpretrain.models import (CutMix, GlobalAveragePooling, ImageClassifier, LabelSmoothLoss,
                               LinearClsHead, Mixup)

from coc.models.backbones import ContextCluster

model = dict(
    type=ImageClassifier,
    backbone=dict(type=ContextCluster, arch='tiny', drop_path_rate=0.1),
    neck=dict(type=GlobalAveragePooling),
    head=dict(
        type=LinearClsHead,
        num_classes=1000,
        in_channels=320,
        loss=dict(type=LabelSmoothLoss, label_smooth_val=0.1, mode='original'),
        # the reference initialises every Linear, the head included, with trunc-normal(0.02)
        init_cfg=dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
    ),
    train_cfg=dict(augments=[dict(type=Mixup, alpha=0.8), dict(type=CutMix, alpha=1.0)]),
)

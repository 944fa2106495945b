# ImageNet-1k for Context Clusters (ma-xu/Context-Cluster train.py): 224 random-resized crops
# (bicubic), flip, RandAugment m9-mstd0.5, random erasing 0.25; test resize to 224 / 0.9 = 248,
# centre crop.
from mmcv.transforms import LoadImageFromFile
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import (CenterCrop, ImageNet, PackInputs, RandAugment, RandomErasing,
                                 RandomFlip, RandomResizedCrop, ResizeEdge)
from mmpretrain.evaluation import Accuracy
from mmpretrain.models import ClsDataPreprocessor

data_root = 'data/imagenet'

data_preprocessor = dict(
    type=ClsDataPreprocessor,
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=RandomResizedCrop, scale=224, backend='pillow', interpolation='bicubic'),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=RandAugment, policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type=RandomErasing, erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=[103.53, 116.28, 123.675],
         fill_std=[57.375, 57.12, 58.395]),
    dict(type=PackInputs),
]
test_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=ResizeEdge, scale=248, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type=CenterCrop, crop_size=224),
    dict(type=PackInputs),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    pin_memory=True,
    dataset=dict(type=ImageNet, data_root=data_root, split='train', pipeline=train_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    pin_memory=True,
    dataset=dict(type=ImageNet, data_root=data_root, split='val', pipeline=test_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
val_evaluator = dict(type=Accuracy, topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# COCO 2017 boxes and instance masks (the box-only settings plus masks and the segm metric).
from mmengine.config import read_base

with read_base():
    from .coco_detection import *  # noqa: F401,F403

from mmdet.datasets.transforms import LoadAnnotations

train_pipeline[1] = dict(type=LoadAnnotations, with_bbox=True, with_mask=True)
test_pipeline[2] = dict(type=LoadAnnotations, with_bbox=True, with_mask=True)
train_dataloader.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = test_pipeline
test_dataloader = val_dataloader

val_evaluator.metric = ['bbox', 'segm']
test_evaluator = val_evaluator

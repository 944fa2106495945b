# CIFAR-100 (balanced, MMPretrain's CIFAR100): crop 32 pad 4 + flip; cifar100lt.py builds on it.
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import CIFAR100, PackInputs, RandomCrop, RandomFlip
from mmpretrain.evaluation import Accuracy
from mmpretrain.models import ClsDataPreprocessor

data_root = 'data/cifar100'  # holds cifar-100-python/

data_preprocessor = dict(
    type=ClsDataPreprocessor,
    num_classes=100,
    # CIFAR-100 train-set statistics (RGB, 0..255).
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False,
)

train_pipeline = [
    dict(type=RandomCrop, crop_size=32, padding=4),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=PackInputs),
]
test_pipeline = [dict(type=PackInputs)]

train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    pin_memory=True,
    dataset=dict(type=CIFAR100, data_root=data_root, split='train', pipeline=train_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=4,
    pin_memory=True,
    dataset=dict(type=CIFAR100, data_root=data_root, split='test', pipeline=test_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
val_evaluator = dict(type=Accuracy, topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

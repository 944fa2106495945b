# CIFAR-100-LT (LDAM-DRW / CMO construction): long-tailed train split, balanced test split.
# The imbalance ratio is the single field train_dataloader.dataset.imbalance_ratio
# (100 / 50 / 10: 10,847 / 12,608 / 19,573 training images).
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import PackInputs, RandomCrop, RandomFlip
from mmpretrain.models import ClsDataPreprocessor

from coc.datasets import CIFAR100LT
from coc.evaluation import LongTailAccuracy

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
    dataset=dict(type=CIFAR100LT, data_root=data_root, split='train', imbalance_ratio=100,
                 profile='exp', seed=0, pipeline=train_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=4,
    dataset=dict(type=CIFAR100LT, data_root=data_root, split='test', pipeline=test_pipeline),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
test_dataloader = val_dataloader

# Shot groups of the LT literature: many > 100, medium 20..100, few < 20 training images.
val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=100, few_thr=20)
test_evaluator = val_evaluator

# CIFAR-100-LT (LDAM-DRW / CMO construction): long-tailed train split, balanced test split,
# CIFAR-100's preprocessing and augmentation. The imbalance ratio is the single field
# train_dataloader.dataset.imbalance_ratio (100 / 50 / 10: 10,847 / 12,608 / 19,573 images).
from mmengine.config import read_base

with read_base():
    from .cifar100_bs128_coc import *

from coc.datasets import CIFAR100LT
from coc.evaluation import LongTailAccuracy

train_dataloader.dataset.update(type=CIFAR100LT, imbalance_ratio=100, profile='exp', seed=0)
val_dataloader.dataset.type = CIFAR100LT
test_dataloader = val_dataloader

# Shot groups of the LT literature: many > 100, medium 20..100, few < 20 training images.
val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=100, few_thr=20)
test_evaluator = val_evaluator

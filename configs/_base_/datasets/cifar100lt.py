# CIFAR-100-LT (LDAM-DRW / CMO construction): long-tailed train split, balanced test split,
# CIFAR-100's preprocessing and augmentation. The imbalance ratio is the single field
# train_dataloader.dataset.imbalance_ratio (100 / 50 / 10: 10,847 / 12,608 / 19,573 images).
from mmengine.config import read_base

with read_base():
    from .cifar100_bs128_coc import *

from coc.datasets import CIFAR100LT
from coc.evaluation import LongTailAccuracy

train_dataloader.dataset.update(type=CIFAR100LT, imbalance_ratio=100, profile='exp', seed=0,
                                val_per_class=0)
val_dataloader.dataset.update(type=CIFAR100LT, val_per_class=0)
# The published protocol (LDAM-DRW, CMO): checkpoints are chosen on the test split. For an
# honest choice, hold out a validation split of the training images instead:
#   train_dataloader.dataset.val_per_class=20 val_dataloader.dataset.split=val
#   val_dataloader.dataset.val_per_class=20  (configs/experiments/cifar100lt_r100.py does)
# test_dataloader is its own copy so that those options leave the test split alone.
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader.dataset))

# Shot groups of the LT literature: many > 100, medium 20..100, few < 20 training images.
val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=100, few_thr=20)
test_evaluator = val_evaluator

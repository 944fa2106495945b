# CIFAR-10-LT from the 50,000 CIFAR-10 training images stored as class folders
# (data_root/<class name>/<image>, classes in CIFAR-10's order, which is alphabetical).
# CIFAR-10's official test split is not used: each class is shuffled once (numpy seed 0) and
# cut into 500 test images, 100 validation images (for choosing checkpoints) and the rest,
# from which the long-tailed training split takes n_k = int(n_max * (1 / ratio)^(k / 9))
# images of class k (Cao et al., NeurIPS 2019, the rule CMO reuses), n_max = 4,400 (what is
# left of a class). The three splits are disjoint and the same for every run.
#
# Rows import cifar10lt.py (these splits with a training loader) after their method
# (configs/_base_/methods/) and set model.head.num_classes = num_classes.
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import CustomDataset, LoadImageFromFile, PackInputs, RandomCrop, RandomFlip
from mmpretrain.models import ClsDataPreprocessor

from coc.datasets import LongTailDataset
from coc.evaluation import LongTailAccuracy

data_root = 'data/cifar10/train'
num_classes = 10

data_preprocessor = dict(
    type=ClsDataPreprocessor,
    num_classes=num_classes,
    # CIFAR-10 train-set statistics (RGB, 0..255); the files are read as BGR.
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=True,
)

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=RandomCrop, crop_size=32, padding=4),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=PackInputs),
]
test_pipeline = [dict(type=LoadImageFromFile), dict(type=PackInputs)]

source = dict(type=CustomDataset, data_root=data_root, with_label=True)
splits = dict(type=LongTailDataset, imbalance_ratio=100, holdout_per_class=500,
              val_per_class=100, seed=0)

# n_max=None: the largest class after the held-out images (4,400).
train_dataset = dict(splits, split='train', n_max=None,
                     dataset=dict(source, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=200,
    num_workers=2,
    pin_memory=True,
    dataset=dict(splits, split='val', dataset=dict(source, pipeline=test_pipeline)),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
test_dataloader = dict(
    batch_size=200,
    num_workers=2,
    pin_memory=True,
    dataset=dict(splits, split='holdout', dataset=dict(source, pipeline=test_pipeline)),
    sampler=dict(type=DefaultSampler, shuffle=False),
)

# Shot groups of the LT literature: many > 100, medium 20..100, few < 20 training images.
val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=100, few_thr=20)
test_evaluator = val_evaluator

# OT-guided CutMix (the ot_col row) on a long-tailed GTSRB: 43 traffic-sign classes at 32x32,
# ranked by their natural size and cut to ratio 50; 20 images per class held out as a
# balanced test split. data_root = a folder of class folders (GTSRB's training images resized
# to 32x32; the development machines have it at ../shared/data/gtsrb32/train).
# The method: configs/_base_/methods/resnet32_ot_col.py; the training loader's batch settings
# are the CIFAR-LT recipe's (cifar100_bs128_coc.py), the evaluators those of gtsrb32_lt.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_ot_col import *
    from .._base_.methods.resnet32_ot_col import train_dataloader as __method_loader
    from .._base_.datasets.cifar100_bs128_coc import train_dataloader as __recipe_loader
    from .._base_.datasets.gtsrb32_lt import test_evaluator, val_evaluator

from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import CustomDataset, LoadImageFromFile, PackInputs, RandomCrop
from mmpretrain.models import ClsDataPreprocessor

from coc.datasets import LongTailDataset

data_root = '../shared/data/gtsrb32/train'
num_classes = 43

data_preprocessor = dict(type=ClsDataPreprocessor, num_classes=num_classes,
                         mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
model.head.num_classes = num_classes

# No flip: a mirrored sign can mean another one (turn left / turn right).
train_pipeline = [dict(type=LoadImageFromFile), dict(type=RandomCrop, crop_size=32, padding=4),
                  dict(type=PackInputs)]
test_pipeline = [dict(type=LoadImageFromFile), dict(type=PackInputs)]
source = dict(type=CustomDataset, data_root=data_root, with_label=True)
long_tail = dict(type=LongTailDataset, imbalance_ratio=50, class_order='count',
                 holdout_per_class=20, seed=0)

train_dataloader = dict(__recipe_loader, **__method_loader, dataset=dict(
    long_tail, split='train', dataset=dict(source, pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    dataset=dict(long_tail, split='holdout', dataset=dict(source, pipeline=test_pipeline)),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
test_dataloader = val_dataloader

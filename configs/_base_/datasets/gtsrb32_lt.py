# GTSRB traffic signs at 32x32 (43 classes, naturally imbalanced 70..750 images) made
# long-tailed with ratio 50 by LongTailDataset; the first 20 images of each shuffled class
# are held out as a balanced test split (the folder has no test split of its own).
# Layout: data_root/train/<class id, 2 digits>/<name>.png (ImageNet-style folders).
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import CustomDataset, LoadImageFromFile, PackInputs, RandomCrop
from mmpretrain.models import ClsDataPreprocessor

from coc.datasets import LongTailDataset
from coc.evaluation import LongTailAccuracy

data_root = 'data/gtsrb32'
holdout_per_class = 20

data_preprocessor = dict(
    type=ClsDataPreprocessor,
    num_classes=43,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True,
)

# No flip: mirrored signs change meaning (keep left / keep right).
train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=RandomCrop, crop_size=32, padding=4),
    dict(type=PackInputs),
]
test_pipeline = [dict(type=LoadImageFromFile), dict(type=PackInputs)]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    pin_memory=True,
    dataset=dict(
        type=LongTailDataset,
        dataset=dict(type=CustomDataset, data_root=data_root, data_prefix='train',
                     pipeline=train_pipeline),
        imbalance_ratio=50, class_order='count', holdout_per_class=holdout_per_class,
        split='train'),
    sampler=dict(type=DefaultSampler, shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    pin_memory=True,
    dataset=dict(
        type=LongTailDataset,
        dataset=dict(type=CustomDataset, data_root=data_root, data_prefix='train',
                     pipeline=test_pipeline),
        imbalance_ratio=50, class_order='count', holdout_per_class=holdout_per_class,
        split='holdout'),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
test_dataloader = val_dataloader

val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=100, few_thr=20)
test_evaluator = val_evaluator

# The embedded demo data: long-tailed 32x32 digits from scikit-learn (no download).
from mmengine.dataset import DefaultSampler
from mmpretrain.datasets import PackInputs, RandomCrop
from mmpretrain.models import ClsDataPreprocessor

from coc.datasets import DigitsLT
from coc.evaluation import LongTailAccuracy

imbalance_ratio = 10  # head / tail training count: 104 -> 10 images per class
# Per digit: 50 test images, then 20 validation images (for choosing checkpoints), then the
# long-tailed training split; the three are disjoint and the same for every run.
held_out = dict(test_per_class=50, val_per_class=20)

data_preprocessor = dict(
    type=ClsDataPreprocessor,
    num_classes=10,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=False,
)

# No flip: a mirrored digit is another symbol.
train_pipeline = [
    dict(type=RandomCrop, crop_size=32, padding=4),
    dict(type=PackInputs),
]
test_pipeline = [dict(type=PackInputs)]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(type=DigitsLT, split='train', imbalance_ratio=imbalance_ratio,
                 pipeline=train_pipeline, **held_out),
    sampler=dict(type=DefaultSampler, shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    dataset=dict(type=DigitsLT, split='val', pipeline=test_pipeline, **held_out),
    sampler=dict(type=DefaultSampler, shuffle=False),
)
test_dataloader = dict(
    batch_size=100,
    num_workers=0,
    dataset=dict(type=DigitsLT, split='test', pipeline=test_pipeline, **held_out),
    sampler=dict(type=DefaultSampler, shuffle=False),
)

# Shot groups scaled to this set's 104..10 training images (3 many / 3 medium / 4 few
# classes at ratio 10); the CIFAR-LT configs keep the literature's 100 / 20.
val_evaluator = dict(type=LongTailAccuracy, topk=(1, 5), many_thr=60, few_thr=25)
test_evaluator = val_evaluator

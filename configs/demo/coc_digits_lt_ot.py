# Demo: a small Context-Cluster network trained with OT-guided CutMix on the embedded
# long-tailed digits (CPU: under a minute for 30 epochs and the test on 2 cores):
#   python tools/train.py configs/demo/coc_digits_lt_ot.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.digits_lt import *
    from .._base_.default_runtime import *

from mmengine.hooks import LoggerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmpretrain.models import CrossEntropyLoss, GlobalAveragePooling, LinearClsHead
from torch.optim import AdamW

from coc.mixing import OTPairing, RandomBox
from coc.models.backbones import ContextCluster
from coc.models.classifiers import CutMixer, MixClassifier
from coc.samplers import ClassAwareSampler, TwoStreamBatchSampler

# Backgrounds: instance-balanced; foregrounds: class-balanced (CMO's r=1), 32 of each per step.
train_dataloader.update(
    batch_size=32,
    batch_sampler=dict(type=TwoStreamBatchSampler, fg_sampler=dict(type=ClassAwareSampler, r=1.0)))

model = dict(
    type=MixClassifier,
    data_preprocessor=data_preprocessor,
    # CoC at demo scale (0.49M parameters): the standard 4x4 stem gives 8x8 points, one block
    # per stage, 2x2 centers per stage, no region partition.
    backbone=dict(
        type=ContextCluster,
        arch=dict(layers=[1, 1, 1, 1], embed_dims=[32, 64, 96, 128], mlp_ratios=4,
                  heads=[2, 2, 4, 4], head_dim=16, proposal=2, fold=1)),
    neck=dict(type=GlobalAveragePooling),
    head=dict(type=LinearClsHead, num_classes=10, in_channels=128,
              loss=dict(type=CrossEntropyLoss, loss_weight=1.0), topk=(1, 5)),
    mixer=dict(type=CutMixer, alpha=1.0, placer=dict(type=RandomBox, per_sample=True)),
    # Each foreground takes the background of largest transport mass, cost 1 - cos of the
    # logits of both streams (resnet32_cifar100lt_r100_ot_col on CoC).
    pairing=dict(type=OTPairing, eps=0.1, num_iters=100, direction='column'),
    schedule=dict(mix_prob=0.5, start_epoch=1, end_epochs=1),
)

max_epochs = 30
optim_wrapper = dict(type=OptimWrapper,
                     optimizer=dict(type=AdamW, lr=2e-3, weight_decay=0.05))
param_scheduler = [
    dict(type=LinearLR, start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type=CosineAnnealingLR, by_epoch=True, begin=1, end=max_epochs),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
default_hooks.update(logger=dict(type=LoggerHook, interval=5))

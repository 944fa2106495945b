# Context-Cluster-Small + CMO on CIFAR-100-LT r100: the CoC counterpart of
# resnet32/resnet32_cifar100lt_r100_cmo.py, which every CoC mixing row inherits.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.cifar100lt import *
    from .._base_.default_runtime import *
    from .._base_.schedules.cifar_lt_200e import *

from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmpretrain.models import CrossEntropyLoss, GlobalAveragePooling, LinearClsHead
from torch.optim import AdamW

from coc.mixing import RandomBox, RandomPairing
from coc.models.backbones import ContextCluster
from coc.models.classifiers import CutMixer, MixClassifier
from coc.samplers import ClassAwareSampler, TwoStreamBatchSampler

train_dataloader.update(
    batch_sampler=dict(type=TwoStreamBatchSampler, fg_sampler=dict(type=ClassAwareSampler, r=1.0)))

model = dict(
    type=MixClassifier,
    # CoC-Small with a 2x2 stem for 32x32 inputs: 16/8/4/2-point maps, so every stage still
    # clusters several points per center (tools/benchmarks/coc_cifar_stem.py, 'stride2').
    backbone=dict(type=ContextCluster,
                  arch=dict(layers=[2, 2, 6, 2], embed_dims=[64, 128, 320, 512],
                            mlp_ratios=[8, 8, 4, 4], heads=[4, 4, 8, 8], head_dim=32,
                            proposal=[2, 2, 2, 1], fold=[2, 1, 1, 1]),
                  in_patch_size=2, in_stride=2, drop_path_rate=0.1),
    neck=dict(type=GlobalAveragePooling),
    head=dict(type=LinearClsHead, num_classes=100, in_channels=512,
              loss=dict(type=CrossEntropyLoss, loss_weight=1.0), topk=(1, 5)),
    mixer=dict(type=CutMixer, alpha=1.0, per_sample_lam=False,
               placer=dict(type=RandomBox, per_sample=False)),
    pairing=dict(type=RandomPairing),
    schedule=dict(mix_prob=0.5, start_epoch=4, end_epochs=3),
)

# AdamW, wd 0.05 without decay on 1-D parameters, 5 warm-up epochs and a cosine decay as in the
# CoC ImageNet recipe (configs/_base_/schedules/imagenet_coc_300e.py), 200 epochs as the
# CIFAR-LT tables. The lr is NOT the recipe's linear rule (bs / 1024 * 1e-3 = 1.25e-4 at batch
# 128) but 8x it, 1e-3: the lr of configs/coc/coc_small_1xb128_cifar100.py, so that these
# long-tailed rows differ from that balanced baseline only in data and mixing. Neither value
# is tuned on CIFAR; for the rule: --cfg-options optim_wrapper.optimizer.lr=1.25e-4.
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))  # no decay on any 1-D parameter
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type=CosineAnnealingLR, by_epoch=True, begin=5, end=200, eta_min=1e-5,
         convert_to_iter_based=True),
]

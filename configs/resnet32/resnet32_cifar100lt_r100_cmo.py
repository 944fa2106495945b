# CE + CMO (Park et al., CVPR 2022) on CIFAR-100-LT r100, ResNet-32 (arXiv:2112.00412).
# Every other guided-mixing row of docs/results/reference.md inherits this file and swaps one part.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.cifar100lt import *
    from .._base_.default_runtime import *
    from .._base_.models.resnet32_cifar import *
    from .._base_.schedules.cifar_lt_200e import *

from coc.mixing import RandomBox, RandomPairing
from coc.models.classifiers import CutMixer, MixClassifier
from coc.samplers import ClassAwareSampler, TwoStreamBatchSampler

# Backgrounds: the instance-balanced DefaultSampler of the base; foregrounds: CMO's
# weighted_alpha=1 (each image weighs n_k^-1, i.e. class-balanced), same batch size.
train_dataloader.update(
    batch_sampler=dict(type=TwoStreamBatchSampler, fg_sampler=dict(type=ClassAwareSampler, r=1.0)))

model.update(
    type=MixClassifier,
    # CMO's code: lam ~ Beta(1, 1), one box for the whole batch.
    mixer=dict(type=CutMixer, alpha=1.0, per_sample=False,
               placer=dict(type=RandomBox, per_sample=False)),
    pairing=dict(type=RandomPairing),
    # CMO mixes with probability 0.5 while start_data_aug (3) < epoch < epochs - end_data_aug (3).
    schedule=dict(mix_prob=0.5, start_epoch=4, end_epochs=3),
)

# CE + CMO (Park et al., CVPR 2022, arXiv:2112.00412) on the ResNet-32 long-tail recipe. The
# guided-mixing methods of this folder derive from it and swap one part.
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.mixing import RandomBox, RandomPairing
from coc.models.classifiers import CutMixer, MixClassifier
from coc.samplers import ClassAwareSampler, TwoStreamBatchSampler

# Backgrounds: the instance-balanced sampler of the dataset's loader; foregrounds: CMO's
# weighted_alpha=1 (each image weighs n_k^-1, i.e. class-balanced), same batch size.
train_dataloader.update(
    batch_sampler=dict(type=TwoStreamBatchSampler, fg_sampler=dict(type=ClassAwareSampler, r=1.0)))

model.update(
    type=MixClassifier,
    # CMO's code: lam ~ Beta(1, 1), one box for the whole batch.
    mixer=dict(type=CutMixer, alpha=1.0, per_sample_lam=False,
               placer=dict(type=RandomBox, per_sample=False)),
    pairing=dict(type=RandomPairing),
    # CMO mixes with probability 0.5 while start_data_aug (3) < epoch < epochs - end_data_aug (3).
    schedule=dict(mix_prob=0.5, start_epoch=4, end_epochs=3),
)

# AlignMixup between each foreground and its background (SPEC B.7): per batch, input mixup or
# Sinkhorn-aligned mixing of the last stage's maps (64 x 8 x 8; the seed's AlignMixup code
# aligns the final maps before pooling) with probability 1/2, lam ~ Beta(2, 2).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.models.classifiers import AlignMixer

model.mixer = dict(type=AlignMixer, stage='backbone.layer3', alpha=2.0, input_mix_prob=0.5, eps=0.1,
                   num_iters=100)

# AlignMixup between each foreground and its background (arXiv:2103.15375): per batch, input mixup
# or Sinkhorn-aligned mixing of the last stage's maps (64 x 8 x 8; AlignMixup's code
# aligns the final maps before pooling) with probability 1/2, lam ~ Beta(2, 2). AlignMixup's code
# (github.com/shashankvkt/AlignMixup_CVPR22, cifar10_100/main.py) mixes every batch of every
# epoch, so this row drops CMO's mix_prob 0.5 and epoch window: no step trains on backgrounds
# alone, half use input mixup and half aligned mixing.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.models.classifiers import AlignMixer

model.mixer = dict(type=AlignMixer, stage='backbone.layer3', alpha=2.0, input_mix_prob=0.5, eps=0.1,
                   num_iters=100)
model.schedule = dict(mix_prob=1.0, start_epoch=0, end_epochs=0)

# CoC-Small + AlignMixup on the stage-2 maps (320 x 4 x 4: 16 points, as AlignMixup's CIFAR
# maps), resnet32 ..._align. Every batch of every epoch mixes, as AlignMixup's code does:
# input mixup or aligned mixing with probability 1/2 each, never backgrounds alone.
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_cmo import *

from coc.models.classifiers import AlignMixer

model.mixer = dict(type=AlignMixer, stage='backbone.network.4', alpha=2.0, input_mix_prob=0.5,
                   eps=0.1, num_iters=100)
model.schedule = dict(mix_prob=1.0, start_epoch=0, end_epochs=0)

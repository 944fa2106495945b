# CoC-Small + AlignMixup on the stage-1 maps (128 x 8 x 8), resnet32 ..._align.
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_cmo import *

from coc.models.classifiers import AlignMixer

model.mixer = dict(type=AlignMixer, stage='backbone.network.2', alpha=2.0, input_mix_prob=0.5,
                   eps=0.1, num_iters=100)

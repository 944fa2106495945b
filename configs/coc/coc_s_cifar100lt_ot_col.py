# CoC-Small + OT-guided CutMix, argmax T[:, k] on the logits (resnet32 ..._ot_col).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_cmo import *

from coc.mixing import OTPairing

model.update(pairing=dict(type=OTPairing, eps=0.1, num_iters=100, direction='column',
                          select='argmax'),
             features='logits')

# CE + OT-guided CutMix, each foreground k takes argmax_i T[i, k] (SPEC B.4, B.9 row 5).
# Cost 1 - cos of the logits of both streams (the seed's model(input)); eps 0.1 and 100
# iterations are the settings of the SinkhornDistance the seed's sinkhorn(f, f2) call uses.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import OTPairing

model.update(pairing=dict(type=OTPairing, eps=0.1, num_iters=100, direction='column',
                          select='argmax'),
             features='logits')

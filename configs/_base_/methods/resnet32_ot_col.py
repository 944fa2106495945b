# CE + OT-guided CutMix, each foreground k takes argmax_i T[i, k] (the research notes'
# main line). Cost 1 - cos of the logits of both streams (the notes' model(input)), eps 0.1,
# 100 iterations: how those runs mixed is in docs/results/reference.md.
from mmengine.config import read_base

with read_base():
    from .resnet32_cmo import *

from coc.mixing import OTPairing

model.update(pairing=dict(type=OTPairing, eps=0.1, num_iters=100, direction='column',
                          select='argmax'),
             features='logits')

# CoC-Small + OT pairing + box at the peak of the foreground label's class-activation map on
# the last (2x2) cluster map (resnet32 ..._predict_corr).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_ot_col import *

from coc.mixing import PredictedBox

model.mixer.placer = dict(type=PredictedBox)

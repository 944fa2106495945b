# OT pairing + box at the peak of the class-activation map of the foreground's label,
# taken from the feature pass OT already ran (the notes' predict_corr,
# docs/mixing_primitives.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ot_col import *

from coc.mixing import PredictedBox

model.mixer.placer = dict(type=PredictedBox)

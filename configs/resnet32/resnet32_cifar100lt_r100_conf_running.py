# CMO + a running confusion matrix, counted from this run's own background-only steps.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import ConfusionPairing

model.update(pairing=dict(type=ConfusionPairing, num_classes=100, confusion=None))

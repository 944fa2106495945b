# CMO + background chosen by a fixed confusion matrix of a CE model (docs/results/reference.md).
# The matrix must come from TRAINING predictions (docs/guided_cutmix.md gives the command);
# never from the test set.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import ConfusionPairing

confusion_file = 'work_dirs/resnet32_cifar100lt_r100_ce/confusion_train.npy'
model.update(pairing=dict(type=ConfusionPairing, num_classes=100, confusion=confusion_file))

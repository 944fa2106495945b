# CMO + background chosen by a fixed confusion matrix of a CMO model (docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_conf_ce import *

confusion_file = 'work_dirs/resnet32_cifar100lt_r100_cmo/confusion_train.npy'
model.pairing.update(confusion=confusion_file)

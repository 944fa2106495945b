# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), CE + CMO (Park et
# al., CVPR 2022): class-balanced foregrounds CutMix-ed onto instance-balanced backgrounds.
# The method is configs/resnet32/resnet32_cifar100lt_r100_cmo.py; only the data change.
from mmengine.config import read_base

with read_base():
    from ..resnet32.resnet32_cifar100lt_r100_cmo import *
    from .._base_.datasets.cifar10lt_folder import *

train_dataloader.dataset = train_dataset
model.head.num_classes = num_classes

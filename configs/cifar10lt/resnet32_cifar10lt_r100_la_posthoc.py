# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), post-hoc logit
# adjustment (Menon et al., ICLR 2021, arXiv:2007.07314, Eq. 9) of a CE model.
# The method is configs/resnet32/resnet32_cifar100lt_r100_la_posthoc.py; only the data change.
from mmengine.config import read_base

with read_base():
    from ..resnet32.resnet32_cifar100lt_r100_la_posthoc import *
    from .._base_.datasets.cifar10lt_folder import *

train_dataloader.dataset = train_dataset
model.head.num_classes = num_classes

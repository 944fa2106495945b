# ResNet-32 on CIFAR-10-LT (ratio 100, from the CIFAR-10 training images), cRT: the CE model's head re-trained on class-balanced
# batches, backbone frozen (Kang et al., ICLR 2020, arXiv:1910.09217):
#   python tools/train.py configs/cifar10lt/resnet32_cifar10lt_r100_crt.py --cfg-options load_from=CE_CHECKPOINT
# The method: configs/_base_/methods/resnet32_crt.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_crt import *
    from .._base_.methods.resnet32_crt import train_dataloader as __method_loader
    from .._base_.datasets.cifar10lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)
model.head.num_classes = num_classes

# ResNet-32 with cross-entropy on GTSRB-32 made long-tailed (ratio 50), a real-data check of
# the long-tail toolkit; the CIFAR-LT recipe, shortened to 30 epochs.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.gtsrb32_lt import *
    from .._base_.default_runtime import *
    from .._base_.models.resnet32_cifar import *
    from .._base_.schedules.cifar_lt_200e import *

from mmengine.optim import LinearLR, MultiStepLR

model.head.num_classes = 43
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type=MultiStepLR, by_epoch=True, milestones=[24, 27], gamma=0.1),
]
train_cfg.update(max_epochs=30, val_interval=5)

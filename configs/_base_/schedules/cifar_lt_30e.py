# The CIFAR-LT recipe (cifar_lt_200e.py) shortened to 30 epochs: warm-up over 2 epochs, the lr
# divided by 10 at epochs 24 and 27 (the GTSRB-32-LT rows).
from mmengine.config import read_base

with read_base():
    from .cifar_lt_200e import *

from mmengine.optim import LinearLR, MultiStepLR

param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type=MultiStepLR, by_epoch=True, milestones=[24, 27], gamma=0.1),
]
train_cfg.update(max_epochs=30, val_interval=5)

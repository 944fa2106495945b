# Salient box of the foreground pasted over the least salient point of the background
# (docs/mixing_primitives.md; set mode to sal_sal / non_sal_sal / non_sal_non_sal for the others).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_sal_corr import *

model.mixer.placer.update(mode='sal_non_sal')

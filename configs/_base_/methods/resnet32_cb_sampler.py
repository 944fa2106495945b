# Cross-entropy with class-balanced resampling (p_k uniform over classes, with
# replacement) and no mixing: the sampler-only baseline.
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.samplers import ClassAwareSampler

train_dataloader.sampler = dict(type=ClassAwareSampler, q=0)

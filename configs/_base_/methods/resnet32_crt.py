# cRT, classifier re-training (Kang et al., ICLR 2020, arXiv:1910.09217, Sec. 4): the backbone of
# a model trained with cross-entropy is frozen (BatchNorm statistics too), the linear head is
# re-initialised and trained for 10 epochs on class-balanced batches.
#   python tools/train.py ROW_CONFIG --cfg-options load_from=CE_CHECKPOINT
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import ReinitHook
from coc.models.classifiers import DecoupledClassifier
from coc.samplers import ClassAwareSampler

model.type = DecoupledClassifier
model.frozen = ('backbone', 'neck')
custom_hooks.append(dict(type=ReinitHook, modules=('head', )))
train_dataloader = dict(sampler=dict(type=ClassAwareSampler, q=0))  # uniform over classes

train_cfg.update(max_epochs=10, val_interval=2)
param_scheduler[0].end = 1
param_scheduler[1].milestones = [6, 8]

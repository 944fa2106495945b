# LWS, learnable weight scaling (Kang et al., ICLR 2020, arXiv:1910.09217, Sec. 4): the backbone
# and the linear head of a model trained with cross-entropy are frozen; only one scale per
# class (f_k, logits f_k * (w_k . x + b_k), starting at 1) is trained, for 10 epochs on
# class-balanced batches.
#   python tools/train.py ROW_CONFIG --cfg-options load_from=CE_CHECKPOINT
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.models.classifiers import DecoupledClassifier, LWSHead
from coc.samplers import ClassAwareSampler

model.type = DecoupledClassifier
model.frozen = ('backbone', 'neck', 'head.fc')
model.head.type = LWSHead
train_dataloader = dict(sampler=dict(type=ClassAwareSampler, q=0))  # uniform over classes

train_cfg.update(max_epochs=10, val_interval=2)
param_scheduler[0].end = 1
param_scheduler[1].milestones = [6, 8]

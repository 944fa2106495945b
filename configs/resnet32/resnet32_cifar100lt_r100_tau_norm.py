# tau-normalisation (Kang et al., ICLR 2020, arXiv:1910.09217, Sec. 4) of a model trained with
# cross-entropy: the head scores with w_k / ||w_k||^tau, tau chosen on a validation split (20
# training images per class held out) by TauNormSearchHook, never on the test split.
# Nothing is trained; test the CE model's checkpoint with this config:
#   python tools/test.py configs/resnet32/resnet32_cifar100lt_r100_tau_norm.py CE_CHECKPOINT
# (the chosen tau: WORK_DIR/tau_norm_search.json and the test metric tau_norm/tau).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_ce import *

from coc.engine.hooks import TauNormSearchHook
from coc.models.classifiers import TauNormHead

model.head.type = TauNormHead
custom_hooks.append(dict(type=TauNormSearchHook))
train_dataloader.dataset.val_per_class = 20
val_dataloader.dataset.update(split='val', val_per_class=20)

# Balanced Softmax + CMO (published CMO row "BS + CMO", 46.6 top-1): the mixed pair goes
# through the balanced-softmax loss in CMO's form lam * BS(out, y_bg) + (1 - lam) * BS(out, y_fg)
# (pair_form='per_label', naver-ai/cmo cifar_train.py). Without class weights this equals the
# package's one-soft-target mean, so the numbers are those of the soft-target form.
# The method: configs/_base_/methods/resnet32_bs_cmo.py.
from mmengine.config import read_base

with read_base():
    from .._base_.methods.resnet32_bs_cmo import *
    from .._base_.methods.resnet32_bs_cmo import train_dataloader as __method_loader
    from .._base_.datasets.cifar100lt import *

train_dataloader.dataset.imbalance_ratio = 100
# the method's sampler settings over the dataset's loader
train_dataloader = dict(train_dataloader, **__method_loader)

# Balanced Softmax + CMO (published CMO row "BS + CMO", 46.6 top-1): the mixed pair goes
# through the balanced-softmax loss in CMO's form lam * BS(out, y_bg) + (1 - lam) * BS(out, y_fg)
# (pair_form='per_label', naver-ai/cmo cifar_train.py). Without class weights this equals the
# package's one-soft-target mean, so the numbers are those of the soft-target form.
from mmengine.config import read_base

with read_base():
    from .resnet32_cmo import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import BalancedSoftmaxLoss

model.head.loss = dict(type=BalancedSoftmaxLoss, pair_form='per_label')  # prior from the hook
custom_hooks.append(dict(type=LongTailLossHook))

# LDAM-DRW + CMO (published CMO row "LDAM-DRW + CMO", 47.2 top-1): cosine head, LDAM margins,
# effective-number class weights from epoch 160. The mixed loss is CMO's
# lam * LDAM_w(out, y_bg) + (1 - lam) * LDAM_w(out, y_fg), each term a weighted mean with its
# own divisor (pair_form='per_label', naver-ai/cmo cifar_train.py); it differs from the
# package's one-soft-target mean once the DRW weights start.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.engine.hooks import LongTailLossHook
from coc.losses import LDAMLoss
from coc.models.classifiers import CosineClsHead

model.head.type = CosineClsHead
model.head.loss = dict(type=LDAMLoss, max_margin=0.5, scale=30.0,  # margins from the hook
                       pair_form='per_label')
custom_hooks.append(dict(type=LongTailLossHook, drw_start_epoch=160, drw_beta=0.9999))

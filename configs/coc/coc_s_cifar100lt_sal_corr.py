# CoC-Small + CMO with the box at the foreground's saliency peak (resnet32 ..._sal_corr).
from mmengine.config import read_base

with read_base():
    from .coc_s_cifar100lt_cmo import *

from coc.mixing import SaliencyBox

model.mixer.placer = dict(type=SaliencyBox, mode='sal_corr', mean=data_preprocessor['mean'],
                          std=data_preprocessor['std'], to_bgr=True)

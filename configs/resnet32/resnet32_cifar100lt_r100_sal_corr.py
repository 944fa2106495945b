# CMO with the box centred at the foreground's saliency peak (OpenCV fine-grained static
# saliency), same place in both images (docs/mixing_primitives.md; runs in
# docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import SaliencyBox

model.mixer.placer = dict(type=SaliencyBox, mode='sal_corr', mean=data_preprocessor['mean'],
                          std=data_preprocessor['std'], to_bgr=True)

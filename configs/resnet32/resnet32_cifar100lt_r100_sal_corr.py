# CMO with the box centred at the foreground's saliency peak (OpenCV fine-grained static
# saliency), same place in both images (docs/mixing_primitives.md; runs in
# docs/results/reference.md).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from mmpretrain.datasets import PackInputs

from coc.datasets import SaliencyMap
from coc.mixing import SaliencyBox

model.mixer.placer = dict(type=SaliencyBox, mode='sal_corr', mean=data_preprocessor['mean'],
                          std=data_preprocessor['std'], to_bgr=True)
# The maps come from the dataloader workers, computed on the augmented image (CIFAR's images
# are RGB in the pipeline), and travel with the samples: SaliencyMap before the last
# transform, PackInputs.
train_dataloader.dataset.pipeline = train_dataloader.dataset.pipeline[:-1] + [
    dict(type=SaliencyMap, channel_order='rgb'),
    dict(type=PackInputs, algorithm_keys=('saliency_map', ))]

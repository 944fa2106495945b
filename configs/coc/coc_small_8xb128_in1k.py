# Context-Cluster-small on ImageNet-1k, 8 GPUs x 128 images, the authors' 300(+10)-epoch recipe.
#   bash tools/dist_train.sh configs/coc/coc_small_8xb128_in1k.py 8
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.imagenet_bs128_coc import *
    from .._base_.default_runtime import *
    from .._base_.models.coc_small import *
    from .._base_.schedules.imagenet_coc_300e import *

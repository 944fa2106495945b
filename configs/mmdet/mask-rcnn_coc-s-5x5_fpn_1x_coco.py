# Mask R-CNN 1x on COCO with Context-Cluster-Small, 5x5 centers per region in every stage (the
# authors' CoC-small-25; reference: 37.5 box AP / 35.4 mask AP, ma-xu/Context-Cluster
# detection/README.md). The ImageNet checkpoint is the usual 2x2 one: centers are pooled, so their
# number holds no weights.
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.coco_instance import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.mask_rcnn_coc_fpn import *  # noqa: F401,F403
    from ._base_.schedules.adamw_1x import *  # noqa: F401,F403

model.backbone.arch = dict(layers=[2, 2, 6, 2], embed_dims=[64, 128, 320, 512],
                           mlp_ratios=[8, 8, 4, 4], heads=[4, 4, 8, 8], head_dim=32,
                           proposal=5, fold=[8, 4, 2, 1])
model.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/coc-small_in1k.pth', prefix='backbone.')

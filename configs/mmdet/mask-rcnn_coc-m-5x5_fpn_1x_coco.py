# Mask R-CNN 1x on COCO with Context-Cluster-Medium, 5x5 centers per region in every stage
# (the authors' CoC-medium-25; reference: 40.1 box AP / 37.4 mask AP,
# ma-xu/Context-Cluster detection/README.md).
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.coco_instance import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.mask_rcnn_coc_fpn import *  # noqa: F401,F403
    from ._base_.schedules.adamw_1x import *  # noqa: F401,F403

model.backbone.arch = dict(layers=[4, 4, 12, 4], embed_dims=[64, 128, 320, 512],
                           mlp_ratios=[8, 8, 4, 4], heads=[6, 6, 12, 12], head_dim=32,
                           proposal=5, fold=[8, 4, 2, 1])
model.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/coc-medium_in1k.pth', prefix='backbone.')

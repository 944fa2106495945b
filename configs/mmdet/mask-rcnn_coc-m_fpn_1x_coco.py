# Mask R-CNN 1x on COCO with Context-Cluster-Medium, 2x2 centers per region (reference:
# 38.6 box AP / 36.1 mask AP, ma-xu/Context-Cluster detection/README.md).
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.coco_instance import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.mask_rcnn_coc_fpn import *  # noqa: F401,F403
    from ._base_.schedules.adamw_1x import *  # noqa: F401,F403

model.backbone.arch = 'medium'
model.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/coc-medium_in1k.pth', prefix='backbone.')

# RetinaNet 1x on COCO with Context-Cluster-Tiny (no reference result).
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.coco_detection import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.retinanet_coc_fpn import *  # noqa: F401,F403
    from ._base_.schedules.adamw_1x import *  # noqa: F401,F403

model.backbone.arch = 'tiny'
model.neck.in_channels = [64, 196, 320]
model.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/coc-tiny_in1k.pth', prefix='backbone.')

# RetinaNet 1x on COCO with Context-Cluster-Small (no reference result: the authors' code
# needed an environment variable for RetinaNet; here it is the backbone's out_indices).
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.coco_detection import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.retinanet_coc_fpn import *  # noqa: F401,F403
    from ._base_.schedules.adamw_1x import *  # noqa: F401,F403

model.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/coc-small_in1k.pth', prefix='backbone.')

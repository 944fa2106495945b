# The CoC detection schedule (ma-xu/Context-Cluster
# detection/configs/mask_rcnn_coc_small_2_fpn_1x_coco.py, after PVT): AdamW lr 2e-4, weight
# decay 1e-4 on every parameter, 12 epochs, 500-iteration linear warm-up, lr x0.1 after epochs
# 8 and 11.
from mmengine.optim import LinearLR, MultiStepLR, OptimWrapper
from mmengine.runner import EpochBasedTrainLoop, TestLoop, ValLoop
from torch.optim import AdamW

train_cfg = dict(type=EpochBasedTrainLoop, max_epochs=12, val_interval=1)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)

param_scheduler = [
    dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type=MultiStepLR, begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]

optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type=AdamW, lr=2e-4, weight_decay=1e-4))

# The reference trained on 8 GPUs x 4 images; --cfg-options auto_scale_lr.enable=True scales
# lr linearly to another total batch.
auto_scale_lr = dict(enable=False, base_batch_size=32)

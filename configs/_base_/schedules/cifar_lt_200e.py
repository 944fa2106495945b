# The CIFAR-LT recipe of LDAM-DRW / CMO (SPEC B.8): SGD 0.1, batch 128, 200 epochs,
# 5 linear warm-up epochs, lr x0.01 at epoch 160 and x0.0001 at 180.
from mmengine.optim import LinearLR, MultiStepLR, OptimWrapper
from torch.optim import SGD

optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=SGD, lr=0.1, momentum=0.9, weight_decay=2e-4))

param_scheduler = [
    # LDAM-DRW ramps lr by iteration from 1/(5 * iters per epoch) (~0.002 at 85 iters).
    dict(type=LinearLR, start_factor=0.002, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type=MultiStepLR, by_epoch=True, milestones=[160, 180], gamma=0.01),
]

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)

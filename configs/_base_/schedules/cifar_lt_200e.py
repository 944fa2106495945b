# The CIFAR-LT recipe of LDAM-DRW / CMO (naver-ai/cmo cifar_train.py, opts.py): SGD 0.1, batch
# 128, 200 epochs, 5 linear warm-up epochs, lr x0.01 at epoch 160 and x0.0001 at 180.
from mmengine.optim import LinearLR, MultiStepLR, OptimWrapper
from torch.optim import SGD

optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=SGD, lr=0.1, momentum=0.9, weight_decay=2e-4))

param_scheduler = [
    # LDAM-DRW / CMO step the lr per epoch to lr * (e + 1) / 5 (e = 0..4); this ramps it per
    # iteration over the same 5 epochs instead, from 0.002 x lr (~1 / (5 x 85 iterations)).
    dict(type=LinearLR, start_factor=0.002, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type=MultiStepLR, by_epoch=True, milestones=[160, 180], gamma=0.01),
]

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)

# The Context-Cluster ImageNet recipe (ma-xu/Context-Cluster README.md "Train", train.py): AdamW
# lr 1e-3 at batch 1024, wd 0.05 with no decay on 1-D parameters (norms, biases, layer scales,
# alpha, beta), 5 linear warm-up epochs, cosine to 1e-5 at epoch 300, then 10 cool-down epochs at
# that floor (timm's cooldown_epochs: no scheduler covers them, so the lr stays where the cosine
# ended), AMP.
from mmengine.optim import AmpOptimWrapper, CosineAnnealingLR, LinearLR
from torch.optim import AdamW

optim_wrapper = dict(
    type=AmpOptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    # flat_decay_mult covers every 1-D parameter: GroupNorm weights/biases, conv/linear
    # biases, layer_scale_1/2, sim_alpha and sim_beta.
    paramwise_cfg=dict(flat_decay_mult=0.0),
)

param_scheduler = [
    dict(type=LinearLR, start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type=CosineAnnealingLR, eta_min=1e-5, by_epoch=True, begin=5, end=300,
         convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=310, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# lr above is for 8 GPUs x 128 images; --auto-scale-lr rescales it to the real batch.
auto_scale_lr = dict(base_batch_size=1024)

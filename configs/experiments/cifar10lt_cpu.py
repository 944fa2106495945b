# CIFAR-10-LT (ratio 100) at CPU scale: long-tail methods, 3 seeds each, on 2 CPU cores (the
# post-hoc and second-stage rows start from the CE row's runs of the same seed).
#   python tools/experiments.py run configs/experiments/cifar10lt_cpu.py
#   python tools/experiments.py collect configs/experiments/cifar10lt_cpu.py
# Data: data/cifar10/train = the 50,000 CIFAR-10 training images as class folders
# (configs/_base_/datasets/cifar10lt_folder.py holds out 500 test and 100 validation images
# per class first; on the development machines:
#   mkdir -p data/cifar10 && ln -s ../../../shared/data/cifar10/train data/cifar10/train).
#
# Why this protocol: one ResNet-32 step of 128 images takes about 1 s on the 2 cores of the
# development machine, so the 21 training runs of the first 7 rows can afford about 250 steps
# each in the ~1.5 hours of a session. Mixing is a regulariser that pays off over many epochs
# (CMO trains 200), so the budget goes to epochs rather than images: the head class keeps 400
# images instead of 4,400 (988 training images, 8 steps per epoch) for 30 epochs, with the
# ratio (100), the class order and every method's settings unchanged. The recipe's epochs scale
# by 30 / 200: lr x0.01 at epochs 24 and 27 (160 and 180 of 200), DRW from epoch 24, 2 warm-up
# epochs; CMO mixes from epoch 4 to 3 epochs before the end, as in its code. Validation every 5
# epochs on the 1,000 validation images chooses the best checkpoint; the test split (5,000
# images) is evaluated once per run, on the last and on that checkpoint. At this scale the
# schedule is still short for mixing: read the table as "what helps in a 30-epoch budget", not
# as the 200-epoch results.
description = (
    'CIFAR-10-LT, imbalance ratio 100, ResNet-32, CPU protocol: 400 images in the head class '
    '(988 training images: many = 3 classes > 100 images, medium = 3, few = 4 < 20), 30 '
    'epochs of SGD (batch 128, lr 0.1, x0.01 at epochs 24 and 27), each method as its '
    'CIFAR-100-LT config runs it. Test: 500 held-out images per class (5,000); the best '
    'checkpoint is chosen on 100 other held-out images per class, never on the test split. '
    'Post-hoc rows (post-hoc LA, tau-norm; tau chosen on the validation split) test the CE '
    "row's last and best checkpoints of the same seed; cRT and LWS train 10 epochs from its "
    'best one.')

seeds = [0, 1, 2]

cfg_options = {
    'train_dataloader.dataset.n_max': 400,
    'train_cfg.max_epochs': 30,
    'train_cfg.val_interval': 5,
    'param_scheduler.0.end': 2,
    'param_scheduler.1.milestones': [24, 27],
    # One process per run: the cores compute instead of decoding 32x32 images.
    'train_dataloader.num_workers': 0,
    'val_dataloader.num_workers': 0,
    'test_dataloader.num_workers': 0,
    'default_hooks.logger.interval': 8,
}

# cRT / LWS retrain the classifier for 10 epochs (Kang et al. use 10 on ImageNet-LT): lr 0.1
# after a 1-epoch warm-up, x0.01 at epochs 6 and 8.
second_stage = {'train_cfg.max_epochs': 10, 'train_cfg.val_interval': 2,
                'param_scheduler.0.end': 1, 'param_scheduler.1.milestones': [6, 8]}

family = 'configs/cifar10lt/resnet32_cifar10lt_r100_'
rows = [
    dict(name='CE', config=family + 'ce.py'),
    dict(name='Balanced Softmax', config=family + 'bs.py'),
    # custom_hooks.2 is the LongTailLossHook the LDAM-DRW config appends.
    dict(name='LDAM-DRW', config=family + 'ldam_drw.py',
         cfg_options={'custom_hooks.2.drw_start_epoch': 24}),
    dict(name='CE + CMO', config=family + 'cmo.py'),
    dict(name='BS + CMO', config=family + 'bs_cmo.py'),
    dict(name='OT-guided CutMix T[:, k]', config=family + 'ot_col.py'),
    dict(name='OT on remembered logits', config=family + 'ot_col_remembered.py'),
    dict(name='Logit-adjusted loss', config=family + 'la.py'),
    # Post-hoc and decoupled methods on the CE row's runs of the same seed: nothing trained
    # (test_only: the CE run's last and best checkpoints, tested with the row's config), or
    # 10 epochs from the CE run's best-on-validation checkpoint (cRT, LWS).
    dict(name='CE + post-hoc LA', config=family + 'la_posthoc.py', init_from='CE',
         test_only=True),
    dict(name='CE + tau-norm', config=family + 'tau_norm.py', init_from='CE', test_only=True),
    dict(name='CE + cRT', config=family + 'crt.py', init_from='CE', cfg_options=second_stage),
    dict(name='CE + LWS', config=family + 'lws.py', init_from='CE', cfg_options=second_stage),
]

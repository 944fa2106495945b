# CIFAR-10-LT with the published recipe (ResNet-32, 200 epochs, batch 128, SGD 0.1, lr x0.01
# at 160 and 180), ratios 100 and 10, for one GPU per run:
#   python tools/experiments.py run configs/experiments/cifar10lt_gpu.py
#   python tools/experiments.py collect configs/experiments/cifar10lt_gpu.py
# Data as in cifar10lt_cpu.py (configs/_base_/datasets/cifar10lt_folder.py): 500 test and
# 100 validation images per class held out of CIFAR-10's training images, then the
# long-tailed split with n_max = 4,400 (10,916 images at ratio 100, 17,978 at ratio 10). The
# official CIFAR-10 test split is not used, so these numbers are not the papers' (their test
# split is CIFAR-10's own, and they choose the checkpoint on it).
description = (
    'CIFAR-10-LT from CIFAR-10\'s training images (500 test / 100 validation images per '
    'class held out), ResNet-32, the LDAM-DRW / CMO recipe (200 epochs). Ratio-10 rows set '
    'train_dataloader.dataset.imbalance_ratio=10. Best checkpoint chosen on the validation '
    'split.')

seeds = [0, 1, 2]

cfg_options = {'train_cfg.val_interval': 5}

family = 'configs/cifar10lt/resnet32_cifar10lt_r100_'
methods = [
    ('CE', 'ce'), ('Balanced Softmax', 'bs'), ('LDAM-DRW', 'ldam_drw'), ('CE + CMO', 'cmo'),
    ('BS + CMO', 'bs_cmo'), ('OT-guided CutMix T[:, k]', 'ot_col'),
    ('OT on remembered logits', 'ot_col_remembered'),
]
rows = [dict(name=f'{name}, ratio 100', config=f'{family}{stem}.py') for name, stem in methods]
rows += [dict(name=f'{name}, ratio 10', config=f'{family}{stem}.py',
              cfg_options={'train_dataloader.dataset.imbalance_ratio': 10})
         for name, stem in methods]

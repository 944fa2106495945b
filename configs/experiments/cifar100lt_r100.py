# CIFAR-100-LT (ratio 100), ResNet-32, the published recipe (200 epochs): the rows of the
# guided-CutMix results (docs/results/reference.md) next to the published CMO baselines,
# and the rows that separate the "+8-GPU" gain into its two possible causes.
#   python tools/experiments.py run configs/experiments/cifar100lt_r100.py
#   python tools/experiments.py collect configs/experiments/cifar100lt_r100.py
# Data: data/cifar100/cifar-100-python. Every row holds out 20 training images per class as
# the validation split that chooses the best checkpoint (n_max 480: 10,410 training images);
# the rows marked "published protocol" train on the published split (10,847 images) and
# choose on the test split, as LDAM-DRW's and CMO's code do, for comparison with the papers.
#
# "+8-GPU" (45.23 top-1 in the reference runs) trained the OT + cost row under
# nn.DataParallel on 8 GPUs: OT saw the whole batch of 128, each GPU's BatchNorm 16 images.
# The rows below give each cause alone and together, for CMO and for OT + cost:
#   ghost16   one process, BatchNorm over chunks of 16 (the BatchNorm cause alone);
#   ddp8      8 processes x 16 images, OT over the gathered global batch (both causes);
#   ddp8 SyncBN  8 processes, OT global, BatchNorm synchronised over 128 (the OT cause alone).
# Rows with confusion matrices from a trained model (conf_ce, conf_cmo) need that model's
# training-set matrix first (docs/guided_cutmix.md); they are run by hand, not here.
description = (
    'CIFAR-100-LT, ratio 100, ResNet-32, 200 epochs (LDAM-DRW / CMO recipe). Best checkpoint '
    'chosen on 20 held-out training images per class unless the row says "published '
    'protocol" (chosen on the test split). References: docs/results/reference.md.')

seeds = [0, 1, 2]

honest_val = {
    'train_dataloader.dataset.val_per_class': 20,
    'val_dataloader.dataset.split': 'val',
    'val_dataloader.dataset.val_per_class': 20,
}
cfg_options = {'train_cfg.val_interval': 5}

family = 'configs/resnet32/resnet32_cifar100lt_r100_'
notes = 'research notes, one run, best on test (docs/results/reference.md)'
cmo_paper = 'CMO (Park et al., CVPR 2022), Table 2, best on test'

methods = [
    dict(name='CE', config=family + 'ce.py'),
    dict(name='Balanced Softmax', config=family + 'bs.py'),
    dict(name='LDAM-DRW', config=family + 'ldam_drw.py'),
    dict(name='CE + CMO', config=family + 'cmo.py',
         reference=dict(top1=42.5, top5=70.25, many=70.77, medium=40.91, few=11.37,
                        source=notes)),
    dict(name='BS + CMO', config=family + 'bs_cmo.py'),
    dict(name='LDAM-DRW + CMO', config=family + 'ldam_drw_cmo.py'),
    dict(name='CMO + running confusion', config=family + 'conf_running.py'),
    dict(name='OT row, argmax T[k, :]', config=family + 'ot_row.py',
         reference=dict(top1=42.03, top5=70.32, many=68.89, medium=40.74, few=12.2,
                        source=notes)),
    dict(name='OT column, argmax T[:, k]', config=family + 'ot_col.py',
         reference=dict(top1=42.8, top5=72.19, many=70.06, medium=40.4, few=13.8,
                        source=notes)),
    dict(name='OT column, argmin T[:, k]', config=family + 'ot_argmin.py',
         reference=dict(top1=42.12, top5=70.45, many=68.26, medium=40.94, few=13.0,
                        source=notes)),
    dict(name='OT T[:, k] + cost', config=family + 'ot_col_cost.py',
         reference=dict(top1=42.29, top5=72.74, many=68.74, medium=40.74, few=13.23,
                        source=notes)),
    dict(name='OT on remembered logits', config=family + 'ot_col_remembered.py'),
    dict(name='cost matrix, features, column', config=family + 'cost_feat_col.py',
         reference=dict(top1=43.05, top5=72.9, many=70.1, medium=41.55, few=13.25,
                        source='research notes, mean of 3 runs, best on test '
                               '(docs/results/reference.md)')),
    dict(name='saliency sal_corr', config=family + 'sal_corr.py',
         reference=dict(top1=42.23, top5=69.96, many=69.34, medium=42.34, few=10.47,
                        source=notes)),
    # The "+8-GPU" causes (gpus: processes of that row's run).
    dict(name='CE + CMO, ghost BN 16', config=family + 'cmo_ghost16.py'),
    dict(name='OT T[:, k] + cost, ghost BN 16', config=family + 'ot_col_cost_ghost16.py'),
    dict(name='OT T[:, k] + cost, ddp8', config=family + 'ot_col_cost_ddp8.py', gpus=8,
         reference=dict(top1=45.23, top5=74.41, many=71.57, medium=44.6, few=15.23,
                        source=notes + ', nn.DataParallel on 8 GPUs')),
    dict(name='OT T[:, k] + cost, ddp8 SyncBN', config=family + 'ot_col_cost_ddp8_syncbn.py',
         gpus=8),
]
# CMO's rows once more, on the published split and chosen on the test split.
published = [
    ('CE', 38.6), ('CE + CMO', 43.9), ('BS + CMO', 46.6), ('LDAM-DRW + CMO', 47.2),
]
rows = [dict(row, cfg_options=honest_val) for row in methods]
rows += [dict(row, name=row['name'] + ' (published protocol)', best_on='test',
              reference=dict(top1=top1, source=cmo_paper))
         for name, top1 in published for row in methods if row['name'] == name]

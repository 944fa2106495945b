auto_scale_lr = dict(base_batch_size=128)
custom_hooks = [
    dict(type='coc.engine.hooks.EpochSeedHook'),
    dict(type='coc.engine.hooks.ClassCountsHook'),
    dict(type='coc.engine.hooks.TauNormSearchHook'),
]
data_preprocessor = dict(
    mean=[
        125.307,
        122.961,
        113.8575,
    ],
    num_classes=10,
    std=[
        51.5865,
        50.847,
        51.255,
    ],
    to_rgb=True,
    type='mmpretrain.models.ClsDataPreprocessor')
data_root = 'data/cifar10/train'
default_hooks = dict(
    checkpoint=dict(
        interval=1,
        max_keep_ckpts=3,
        save_best='auto',
        type='mmengine.hooks.CheckpointHook'),
    logger=dict(interval=8, type='mmengine.hooks.LoggerHook'),
    param_scheduler=dict(type='mmengine.hooks.ParamSchedulerHook'),
    sampler_seed=dict(type='mmengine.hooks.DistSamplerSeedHook'),
    timer=dict(type='mmengine.hooks.IterTimerHook'),
    visualization=dict(
        enable=False, type='mmpretrain.engine.hooks.VisualizationHook'))
default_scope = 'mmpretrain'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
model = dict(
    backbone=dict(type='coc.models.backbones.ResNet32_CIFAR'),
    head=dict(
        in_channels=64,
        loss=dict(loss_weight=1.0, type='mmpretrain.models.CrossEntropyLoss'),
        num_classes=10,
        topk=(
            1,
            5,
        ),
        type='coc.models.classifiers.TauNormHead'),
    neck=dict(type='mmpretrain.models.GlobalAveragePooling'),
    type='mmpretrain.models.ImageClassifier')
num_classes = 10
optim_wrapper = dict(
    optimizer=dict(
        lr=0.1, momentum=0.9, type='torch.optim.SGD', weight_decay=0.0002),
    type='mmengine.optim.OptimWrapper')
param_scheduler = [
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=2,
        start_factor=0.002,
        type='mmengine.optim.LinearLR'),
    dict(
        by_epoch=True,
        gamma=0.01,
        milestones=[
            24,
            27,
        ],
        type='mmengine.optim.MultiStepLR'),
]
randomness = dict(deterministic=False, seed=0)
resume = False
source = dict(
    data_root='data/cifar10/train',
    type='mmpretrain.datasets.CustomDataset',
    with_label=True)
splits = dict(
    holdout_per_class=500,
    imbalance_ratio=100,
    seed=0,
    type='coc.datasets.LongTailDataset',
    val_per_class=100)
test_cfg = dict()
test_dataloader = dict(
    batch_size=200,
    dataset=dict(
        dataset=dict(
            data_root='data/cifar10/train',
            pipeline=[
                dict(type='mmpretrain.datasets.LoadImageFromFile'),
                dict(type='mmpretrain.datasets.PackInputs'),
            ],
            type='mmpretrain.datasets.CustomDataset',
            with_label=True),
        holdout_per_class=500,
        imbalance_ratio=100,
        seed=0,
        split='holdout',
        type='coc.datasets.LongTailDataset',
        val_per_class=100),
    num_workers=0,
    sampler=dict(shuffle=False, type='mmengine.dataset.DefaultSampler'))
test_evaluator = dict(
    few_thr=20,
    many_thr=100,
    topk=(
        1,
        5,
    ),
    type='coc.evaluation.LongTailAccuracy')
test_pipeline = [
    dict(type='mmpretrain.datasets.LoadImageFromFile'),
    dict(type='mmpretrain.datasets.PackInputs'),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        dataset=dict(
            data_root='data/cifar10/train',
            pipeline=[
                dict(type='mmpretrain.datasets.LoadImageFromFile'),
                dict(
                    crop_size=32,
                    padding=4,
                    type='mmpretrain.datasets.RandomCrop'),
                dict(
                    direction='horizontal',
                    prob=0.5,
                    type='mmpretrain.datasets.RandomFlip'),
                dict(type='mmpretrain.datasets.PackInputs'),
            ],
            type='mmpretrain.datasets.CustomDataset',
            with_label=True),
        holdout_per_class=500,
        imbalance_ratio=100,
        n_max=400,
        seed=0,
        split='train',
        type='coc.datasets.LongTailDataset',
        val_per_class=100),
    num_workers=0,
    sampler=dict(shuffle=True, type='mmengine.dataset.DefaultSampler'))
train_dataset = dict(
    dataset=dict(
        data_root='data/cifar10/train',
        pipeline=[
            dict(type='mmpretrain.datasets.LoadImageFromFile'),
            dict(
                crop_size=32, padding=4,
                type='mmpretrain.datasets.RandomCrop'),
            dict(
                direction='horizontal',
                prob=0.5,
                type='mmpretrain.datasets.RandomFlip'),
            dict(type='mmpretrain.datasets.PackInputs'),
        ],
        type='mmpretrain.datasets.CustomDataset',
        with_label=True),
    holdout_per_class=500,
    imbalance_ratio=100,
    n_max=None,
    seed=0,
    split='train',
    type='coc.datasets.LongTailDataset',
    val_per_class=100)
train_pipeline = [
    dict(type='mmpretrain.datasets.LoadImageFromFile'),
    dict(crop_size=32, padding=4, type='mmpretrain.datasets.RandomCrop'),
    dict(
        direction='horizontal',
        prob=0.5,
        type='mmpretrain.datasets.RandomFlip'),
    dict(type='mmpretrain.datasets.PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=200,
    dataset=dict(
        dataset=dict(
            data_root='data/cifar10/train',
            pipeline=[
                dict(type='mmpretrain.datasets.LoadImageFromFile'),
                dict(type='mmpretrain.datasets.PackInputs'),
            ],
            type='mmpretrain.datasets.CustomDataset',
            with_label=True),
        holdout_per_class=500,
        imbalance_ratio=100,
        seed=0,
        split='val',
        type='coc.datasets.LongTailDataset',
        val_per_class=100),
    num_workers=0,
    sampler=dict(shuffle=False, type='mmengine.dataset.DefaultSampler'))
val_evaluator = dict(
    few_thr=20,
    many_thr=100,
    topk=(
        1,
        5,
    ),
    type='coc.evaluation.LongTailAccuracy')
vis_backends = [
    dict(type='mmengine.visualization.LocalVisBackend'),
]
visualizer = dict(
    type='mmpretrain.visualization.UniversalVisualizer',
    vis_backends=[
        dict(type='mmengine.visualization.LocalVisBackend'),
    ])
work_dir = '/work/exp/work_dirs/experiments/cifar10lt_cpu/ce_tau_norm/seed_1/test_best'

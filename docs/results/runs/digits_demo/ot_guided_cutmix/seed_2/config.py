custom_hooks = [
    dict(type='coc.engine.hooks.EpochSeedHook'),
    dict(type='coc.engine.hooks.ClassCountsHook'),
]
data_preprocessor = dict(
    mean=[
        127.5,
        127.5,
        127.5,
    ],
    num_classes=10,
    std=[
        127.5,
        127.5,
        127.5,
    ],
    to_rgb=False,
    type='mmpretrain.models.ClsDataPreprocessor')
default_hooks = dict(
    checkpoint=dict(
        interval=1,
        max_keep_ckpts=3,
        save_best='auto',
        type='mmengine.hooks.CheckpointHook'),
    logger=dict(interval=5, type='mmengine.hooks.LoggerHook'),
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
held_out = dict(test_per_class=50, val_per_class=20)
imbalance_ratio = 10
launcher = 'none'
load_from = None
log_level = 'INFO'
max_epochs = 30
model = dict(
    backbone=dict(
        arch=dict(
            embed_dims=[
                32,
                64,
                96,
                128,
            ],
            fold=1,
            head_dim=16,
            heads=[
                2,
                2,
                4,
                4,
            ],
            layers=[
                1,
                1,
                1,
                1,
            ],
            mlp_ratios=4,
            proposal=2),
        type='coc.models.backbones.ContextCluster'),
    data_preprocessor=dict(
        mean=[
            127.5,
            127.5,
            127.5,
        ],
        num_classes=10,
        std=[
            127.5,
            127.5,
            127.5,
        ],
        to_rgb=False,
        type='mmpretrain.models.ClsDataPreprocessor'),
    head=dict(
        in_channels=128,
        loss=dict(loss_weight=1.0, type='mmpretrain.models.CrossEntropyLoss'),
        num_classes=10,
        topk=(
            1,
            5,
        ),
        type='mmpretrain.models.LinearClsHead'),
    mixer=dict(
        alpha=1.0,
        placer=dict(per_sample=True, type='coc.mixing.RandomBox'),
        type='coc.models.classifiers.CutMixer'),
    neck=dict(type='mmpretrain.models.GlobalAveragePooling'),
    pairing=dict(
        direction='column',
        eps=0.1,
        num_iters=100,
        type='coc.mixing.OTPairing'),
    schedule=dict(end_epochs=1, mix_prob=0.5, start_epoch=1),
    type='coc.models.classifiers.MixClassifier')
optim_wrapper = dict(
    optimizer=dict(lr=0.002, type='torch.optim.AdamW', weight_decay=0.05),
    type='mmengine.optim.OptimWrapper')
param_scheduler = [
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=1,
        start_factor=0.1,
        type='mmengine.optim.LinearLR'),
    dict(
        begin=1,
        by_epoch=True,
        end=30,
        type='mmengine.optim.CosineAnnealingLR'),
]
randomness = dict(deterministic=False, seed=2)
resume = False
test_cfg = dict()
test_dataloader = dict(
    batch_size=100,
    dataset=dict(
        pipeline=[
            dict(type='mmpretrain.datasets.PackInputs'),
        ],
        split='test',
        test_per_class=50,
        type='coc.datasets.DigitsLT',
        val_per_class=20),
    num_workers=0,
    sampler=dict(shuffle=False, type='mmengine.dataset.DefaultSampler'))
test_evaluator = dict(
    few_thr=25,
    many_thr=60,
    topk=(
        1,
        5,
    ),
    type='coc.evaluation.LongTailAccuracy')
test_pipeline = [
    dict(type='mmpretrain.datasets.PackInputs'),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=2)
train_dataloader = dict(
    batch_sampler=dict(
        fg_sampler=dict(r=1.0, type='coc.samplers.ClassAwareSampler'),
        type='coc.samplers.TwoStreamBatchSampler'),
    batch_size=32,
    dataset=dict(
        imbalance_ratio=10,
        pipeline=[
            dict(
                crop_size=32, padding=4,
                type='mmpretrain.datasets.RandomCrop'),
            dict(type='mmpretrain.datasets.PackInputs'),
        ],
        split='train',
        test_per_class=50,
        type='coc.datasets.DigitsLT',
        val_per_class=20),
    num_workers=0,
    sampler=dict(shuffle=True, type='mmengine.dataset.DefaultSampler'))
train_pipeline = [
    dict(crop_size=32, padding=4, type='mmpretrain.datasets.RandomCrop'),
    dict(type='mmpretrain.datasets.PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=100,
    dataset=dict(
        pipeline=[
            dict(type='mmpretrain.datasets.PackInputs'),
        ],
        split='val',
        test_per_class=50,
        type='coc.datasets.DigitsLT',
        val_per_class=20),
    num_workers=0,
    sampler=dict(shuffle=False, type='mmengine.dataset.DefaultSampler'))
val_evaluator = dict(
    few_thr=25,
    many_thr=60,
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
work_dir = 'work_dirs/experiments/digits_demo/ot_guided_cutmix/seed_2'

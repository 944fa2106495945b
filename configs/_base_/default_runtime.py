# Runtime shared by every classification config: MMPretrain's defaults plus the two hooks that
# long-tailed training needs (shot metrics' training counts, resume-exact randomness).
from mmengine.hooks import (CheckpointHook, DistSamplerSeedHook, IterTimerHook, LoggerHook,
                            ParamSchedulerHook)
from mmengine.visualization import LocalVisBackend
from mmpretrain.engine.hooks import VisualizationHook
from mmpretrain.visualization import UniversalVisualizer

from coc.engine.hooks import ClassCountsHook, EpochSeedHook

default_scope = 'mmpretrain'

default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=1, max_keep_ckpts=3, save_best='auto'),
    sampler_seed=dict(type=DistSamplerSeedHook),
    visualization=dict(type=VisualizationHook, enable=False),
)
custom_hooks = [dict(type=EpochSeedHook), dict(type=ClassCountsHook)]

env_cfg = dict(
    # Every classification config here trains on fixed-size inputs (32x32 CIFAR / GTSRB crops,
    # 224 ImageNet crops), so cuDNN picks its fastest kernels once per shape; set False for
    # inputs of varying size. randomness.deterministic=True turns it off again (MMEngine sets
    # the randomness after the env).
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without a GPU.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type=LocalVisBackend)]
visualizer = dict(type=UniversalVisualizer, vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)

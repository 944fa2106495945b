# RetinaNet with a Context-Cluster-Small backbone: P3-P5 from the stride-8/16/32 maps plus
# P6/P7 convolved from the stride-32 map, as MMDetection's R-50 RetinaNet (start_level=1).
# The backbone returns only those three maps (out_indices=(1, 2, 3)): an unused stride-4 output
# norm would be a parameter without gradient, which DDP refuses (the reason for the authors'
# FORK_LAST3 environment variable).
from coc.models.backbones import ContextCluster
from mmcv.ops import nms
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.models.dense_heads import RetinaHead
from mmdet.models.detectors import RetinaNet
from mmdet.models.losses import FocalLoss, L1Loss
from mmdet.models.necks import FPN
from mmdet.models.task_modules.assigners import MaxIoUAssigner
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder
from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmdet.models.task_modules.samplers import PseudoSampler

model = dict(
    type=RetinaNet,
    data_preprocessor=dict(
        type=DetDataPreprocessor,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        # = ContextCluster.size_divisor (stride x fold: 4x8, 8x4, 16x2) of the shipped archs:
        # every region partition is then even, exactly the reference's.
        pad_size_divisor=32),
    # A config picks the arch and its ImageNet checkpoint (init_cfg); FPN's in_channels are
    # the arch's embed_dims of stages 1-3.
    backbone=dict(type=ContextCluster, arch='small', out_indices=(1, 2, 3)),
    neck=dict(
        type=FPN,
        in_channels=[128, 320, 512],
        out_channels=256,
        add_extra_convs='on_input',
        num_outs=5),
    bbox_head=dict(
        type=RetinaHead,
        num_classes=80,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        anchor_generator=dict(
            type=AnchorGenerator,
            octave_base_scale=4,
            scales_per_octave=3,
            ratios=[0.5, 1.0, 2.0],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type=DeltaXYWHBBoxCoder, target_means=[0.0] * 4, target_stds=[1.0] * 4),
        loss_cls=dict(type=FocalLoss, use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type=L1Loss, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            type=MaxIoUAssigner, pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
            ignore_iof_thr=-1),
        # Focal loss weighs every anchor, so no sampling.
        sampler=dict(type=PseudoSampler),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type=nms, iou_threshold=0.5),
        max_per_img=100))

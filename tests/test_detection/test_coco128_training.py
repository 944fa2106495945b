"""CoC detectors train on real COCO images (coco128, official annotations) and get COCO mAP."""
import math
from pathlib import Path

import numpy as np
import pytest
from mmdet.datasets.transforms import RandomFlip, Resize
from mmengine.config import Config
from mmengine.runner import Runner

import coc  # noqa: F401

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'mmdet'
STEPS = 5


def narrow_heads(model, width=64):
    """FPN and heads at ``width`` channels and fewer proposals and RoIs than the COCO settings
    (the backbone is untouched): two CPU cores train these in seconds per step."""
    model.neck.out_channels = width
    if model.type.__name__ == 'RetinaNet':
        model.bbox_head.update(in_channels=width, feat_channels=width)
        model.test_cfg.update(nms_pre=300, score_thr=0., max_per_img=20)
        return
    model.rpn_head.update(in_channels=width, feat_channels=width)
    roi = model.roi_head
    roi.bbox_roi_extractor.out_channels = roi.mask_roi_extractor.out_channels = width
    roi.bbox_head.update(in_channels=width, fc_out_channels=4 * width)
    roi.mask_head.update(in_channels=width, conv_out_channels=width)
    model.train_cfg.rpn_proposal.update(nms_pre=300, max_per_img=100)
    model.train_cfg.rcnn.sampler.num = 64
    model.test_cfg.rpn.update(nms_pre=300, max_per_img=100)
    model.test_cfg.rcnn.update(score_thr=0., max_per_img=20)


def coco128_config(name, coco128, work_dir):
    """``name`` trained from scratch on two coco128 images (the same batch every step, so the
    loss must fall) at a CPU-friendly scale, then evaluated on them (every detection kept:
    after a few steps all scores are low)."""
    cfg = Config.fromfile(CONFIG_DIR / name)
    cfg.model.backbone.pop('init_cfg')
    cfg.work_dir = str(work_dir)
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=str(coco128), data_prefix=dict(img='train2017/'),
                              ann_file='annotations/instances_train2017.json')
        for step in loader.dataset.pipeline:
            if step.type is Resize:
                step.scale = (256, 256)  # keeps each image's own (odd) aspect ratio
            if step.type is RandomFlip:
                step.prob = 0.
    cfg.train_dataloader.update(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False))
    cfg.train_dataloader.dataset.indices = 2
    cfg.test_dataloader.dataset.indices = 2
    cfg.test_evaluator.ann_file = str(coco128 / 'annotations/instances_train2017.json')
    # two images make one step per epoch; constant lr (no 500-step warm-up), no validation
    cfg.train_cfg.update(max_epochs=STEPS, val_interval=STEPS + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.param_scheduler = []
    narrow_heads(cfg.model)
    cfg.default_hooks.checkpoint.interval = STEPS
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.mark.parametrize('name, metrics', [
    ('mask-rcnn_coc-t_fpn_1x_coco.py', ['bbox', 'segm']),
    ('retinanet_coc-t_fpn_1x_coco.py', ['bbox']),
])
def test_tiny_detector_trains_on_coco128_and_gets_coco_map(name, metrics, shared_data,
                                                           tmp_path):
    runner = Runner.from_cfg(coco128_config(name, shared_data / 'coco128', tmp_path))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == STEPS and np.isfinite(losses).all()
    # a steady fall (fitted slope), not a lucky last step
    assert losses[-1] < losses[0] and np.polyfit(np.arange(STEPS), losses, 1)[0] < 0, losses

    results = runner.test()
    for metric in metrics:
        value = results[f'coco/{metric}_mAP']
        print(f'{name}: {metric} mAP {value:.4f} after {STEPS} steps')
        assert 0. <= value <= 1. and not math.isnan(value)

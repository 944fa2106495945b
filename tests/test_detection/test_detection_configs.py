"""The MMDetection configs in configs/mmdet: detectors built from them run at any image size."""
import os
from pathlib import Path

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.registry import DefaultScope

import coc  # noqa: F401
from coc.models.backbones import ContextCluster

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'mmdet'
CONFIGS = sorted(p.name for p in CONFIG_DIR.glob('*.py'))
TINY = ['mask-rcnn_coc-t_fpn_1x_coco.py', 'retinanet_coc-t_fpn_1x_coco.py']
COCO_SIZES = [(800, 1333, (800, 1344)), (517, 771, (544, 800))]
# A COCO-size pass takes 10-30 s per detector on a 2-core CPU: by default the tiny Mask R-CNN
# runs at 800x1333 and the tiny RetinaNet at 517x771; this variable runs every config at both.
if os.environ.get('COC_TEST_ALL_DETECTORS_AT_COCO_SIZE') == '1':
    COCO_SIZE_CASES = [(name, *size) for name in CONFIGS for size in COCO_SIZES]
else:
    COCO_SIZE_CASES = [(TINY[0], *COCO_SIZES[0]), (TINY[1], *COCO_SIZES[1])]


def load_config(name):
    cfg = Config.fromfile(CONFIG_DIR / name)
    cfg.model.backbone.pop('init_cfg')  # the ImageNet checkpoints are the user's to make
    return cfg


def build_detector(cfg):
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model).eval()


def predict(detector, height, width):
    """One image of ``height x width`` through preprocessing (pad) and the detector; the
    backbone's outputs are returned with the predictions."""
    packed = demo_mm_inputs(1, [(3, height, width)], num_items=[1])
    maps = []
    hook = detector.backbone.register_forward_hook(lambda module, args, out: maps.extend(out))
    with torch.no_grad():
        results = detector(**detector.data_preprocessor(packed, False), mode='predict')
    hook.remove()
    return results[0], maps


def check_prediction(result, maps, height, width, padded, out_indices):
    assert [tuple(m.shape[-2:]) for m in maps] == [
        (padded[0] // 4 // 2**i, padded[1] // 4 // 2**i) for i in out_indices]
    boxes = result.pred_instances.bboxes
    assert torch.isfinite(boxes).all()
    # predictions come back in the input image's frame, not the padded one
    assert (boxes[:, 0::2] <= width + 1e-3).all() and (boxes[:, 1::2] <= height + 1e-3).all()


@pytest.mark.parametrize('name', CONFIGS)
def test_fpn_takes_the_arch_channels_and_the_pad_fits_its_folds(name):
    cfg = load_config(name)
    backbone = ContextCluster(**{k: v for k, v in cfg.model.backbone.items() if k != 'type'})
    assert cfg.model.neck.in_channels == [backbone.arch['embed_dims'][i]
                                          for i in backbone.out_indices]
    assert cfg.model.data_preprocessor.pad_size_divisor % backbone.size_divisor == 0


@pytest.mark.parametrize('name', CONFIGS)
def test_every_detector_predicts_at_an_odd_size(name):
    cfg = load_config(name)
    result, maps = predict(build_detector(cfg), 97, 131)
    check_prediction(result, maps, 97, 131, (128, 160), cfg.model.backbone.out_indices)


@pytest.mark.parametrize('name, height, width, padded', COCO_SIZE_CASES)
def test_detector_predicts_at_coco_sizes(name, height, width, padded):
    cfg = load_config(name)
    result, maps = predict(build_detector(cfg), height, width)
    check_prediction(result, maps, height, width, padded, cfg.model.backbone.out_indices)


@pytest.mark.parametrize('name', TINY)
def test_every_parameter_gets_a_gradient(name):
    """DDP refuses parameters that do not reach the loss (e.g. a norm of an unused output)."""
    detector = build_detector(load_config(name)).train()
    packed = demo_mm_inputs(2, [(3, 97, 131), (3, 120, 90)], num_items=[2, 3], num_classes=80,
                            with_mask=True)
    losses = detector(**detector.data_preprocessor(packed, True), mode='loss')
    detector.parse_losses(losses)[0].backward()
    assert [n for n, p in detector.named_parameters() if p.requires_grad and p.grad is None] \
        == []


def test_unpadded_odd_size_uses_the_backbones_own_region_split(repo_root):
    """Without the preprocessor's padding, maps that do not divide by their fold still run."""
    cfg = load_config(TINY[0])
    cfg.model.data_preprocessor.pad_size_divisor = 1
    result, maps = predict(build_detector(cfg), 203, 317)
    assert [tuple(m.shape[-2:]) for m in maps] == [(50, 79), (25, 40), (13, 20), (7, 10)]
    assert torch.isfinite(result.pred_instances.bboxes).all()


def test_scope_prefixed_name_builds_the_backbone_in_dict_configs():
    """Dict-style (MMDetection) configs name the backbone 'mmpretrain.ContextCluster'."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        backbone = MODELS.build(dict(type='mmpretrain.ContextCluster', arch='tiny',
                                     out_indices=(0, 1, 2, 3)))
    assert isinstance(backbone, ContextCluster)


@pytest.mark.parametrize('out_indices', [(0, 1, 2, 4), (5, )])
def test_out_indices_outside_the_four_stages_are_refused(out_indices):
    cfg = load_config(TINY[1])
    cfg.model.backbone.out_indices = out_indices
    with pytest.raises(ValueError, match=r'out_indices .* must be stage indices in \[0, 4\)'):
        build_detector(cfg)

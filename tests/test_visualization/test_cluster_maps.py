"""Cluster maps (paper Fig. 1/4/8): one colour per cluster, any image size, all heads."""
import mmcv
import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

import coc  # noqa: F401
from coc.visualization.cluster_maps import (cluster_assignment, preprocess, render_cluster_map,
                                            tile, upsample_labels)

CONFIG = """
from mmpretrain.models import (ClsDataPreprocessor, GlobalAveragePooling, ImageClassifier,
                               LinearClsHead)

from coc.models.backbones import ContextCluster

model = dict(
    type=ImageClassifier,
    data_preprocessor=dict(type=ClsDataPreprocessor, mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(type=ContextCluster, arch='{arch}'),
    neck=dict(type=GlobalAveragePooling),
    head=dict(type=LinearClsHead, num_classes=10, in_channels=320))
"""


def classifier(arch):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ImageClassifier', data_preprocessor=dict(type='ClsDataPreprocessor', to_rgb=True),
        backbone=dict(type='ContextCluster', arch=arch), neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=320))).eval()


def assert_one_colour_per_cluster(picture, labels):
    """Colours and (upsampled) cluster ids are in one-to-one correspondence."""
    full = upsample_labels(labels, *picture.shape[:2]).reshape(-1)
    colours = picture.reshape(-1, 3).astype(np.int64) @ np.array([1, 256, 65536])
    pairs = np.unique(np.stack([full, colours]), axis=1)
    assert pairs.shape[1] == len(np.unique(full)) == len(np.unique(colours))


@pytest.fixture(scope='module')
def vis_clusters(load_tool):
    return load_tool('visualization/vis_clusters.py')


def test_cluster_map_png_of_a_real_image(vis_clusters, shared_data, tmp_path):
    image = sorted((shared_data / 'coco128' / 'train2017').glob('*.jpg'))[0]
    config = tmp_path / 'coc_tiny_plain.py'
    config.write_text(CONFIG.format(arch='tiny_plain'))
    checkpoint = tmp_path / 'coc_tiny_plain.pth'
    torch.save({'state_dict': classifier('tiny_plain').state_dict()}, checkpoint)
    vis_clusters.main([str(image), str(config), str(checkpoint), '--stage', '0', '--head', '1',
                       '--out-dir', str(tmp_path)])
    picture = mmcv.imread(str(tmp_path / f'{image.stem}_s0b-1h1.png'), channel_order='rgb')
    image_bgr = mmcv.imread(str(image))
    assert picture.shape == image_bgr.shape
    model = vis_clusters.build_model(str(config), str(checkpoint))
    labels = cluster_assignment(model, preprocess(model, image_bgr), 0, -1)[0, 1].numpy()
    assert len(np.unique(labels)) > 1
    assert_one_colour_per_cluster(picture, labels)
    grid = mmcv.imread(str(tmp_path / f'{image.stem}_s0b-1_heads.png'))
    assert grid.shape[0] == 2 * image_bgr.shape[0] + 4  # tiny's 4 stage-0 heads in 2 x 2


@pytest.mark.parametrize('size', [(67, 101), (224, 224)])
def test_any_image_size_gives_a_full_size_map_of_every_head(size):
    model = classifier('tiny')
    image = np.random.default_rng(0).integers(0, 256, (*size, 3), dtype=np.uint8)
    assignment = cluster_assignment(model, preprocess(model, image), 1, 0)[0]
    assert assignment.shape[0] == 4  # stage 1 of tiny has 4 heads
    maps = [render_cluster_map(image, labels.numpy()) for labels in assignment]
    for picture, labels in zip(maps, assignment):
        assert picture.shape == image.shape
        assert_one_colour_per_cluster(picture, labels.numpy())
    assert tile(maps).shape == (2 * size[0] + 4, 2 * size[1] + 4, 3)


def test_clusters_of_equal_mean_colour_still_get_distinct_colours():
    flat = np.full((8, 8, 3), 128, np.uint8)
    labels = np.arange(16).reshape(4, 4)
    assert_one_colour_per_cluster(render_cluster_map(flat, labels, alpha=0.), labels)


def test_bad_stage_block_or_alpha_is_a_clear_error():
    model = classifier('tiny')
    inputs = torch.zeros(1, 3, 64, 64)
    with pytest.raises(ValueError, match='stage 4 does not exist'):
        cluster_assignment(model, inputs, 4, 0)
    with pytest.raises(ValueError, match='block 2 does not exist: stage 3 has blocks 0..1'):
        cluster_assignment(model, inputs, 3, 2)
    with pytest.raises(ValueError, match='alpha'):
        render_cluster_map(np.zeros((4, 4, 3), np.uint8), np.zeros((1, 1), int), alpha=2)


def test_missing_config_checkpoint_or_image_is_a_clear_error(vis_clusters, tmp_path):
    with pytest.raises(FileNotFoundError, match='config file .* does not exist'):
        vis_clusters.build_model(str(tmp_path / 'missing.py'), str(tmp_path / 'x.pth'))
    config = tmp_path / 'coc_tiny.py'
    config.write_text(CONFIG.format(arch='tiny'))
    with pytest.raises(FileNotFoundError, match='checkpoint file .*x.pth does not exist'):
        vis_clusters.build_model(str(config), str(tmp_path / 'x.pth'))
    with pytest.raises(FileNotFoundError, match='image file .*missing.jpg does not exist'):
        vis_clusters.main([str(tmp_path / 'missing.jpg'), str(config), str(tmp_path / 'x.pth')])


def test_checkpoint_of_another_variant_is_refused(vis_clusters, tmp_path):
    """strict loading: a small checkpoint must not draw a tiny model's random clusters."""
    config = tmp_path / 'coc_tiny.py'
    config.write_text(CONFIG.format(arch='tiny'))
    torch.save({'state_dict': MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='ContextCluster', arch='small'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=512))).state_dict()},
        tmp_path / 'small.pth')
    with pytest.raises(RuntimeError, match='size mismatch'):
        vis_clusters.build_model(str(config), str(tmp_path / 'small.pth'))

import cv2
import numpy as np
import pytest
import torch

from coc.mixing.saliency import extreme_points, saliency_maps, to_uint8_images

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def blob_images(centers, size=32):
    """Dark grey RGB images, each with one bright disc of radius 3 at its (row, col) centre."""
    rows, cols = np.mgrid[:size, :size]
    images = np.full((len(centers), size, size, 3), 40, np.uint8)
    for image, (r, c) in zip(images, centers):
        image[(rows - r)**2 + (cols - c)**2 <= 9] = (250, 230, 210)
    return images


def normalise(images):
    pixels = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    return (pixels - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


def test_to_uint8_undoes_normalisation():
    images = blob_images([(8, 8)])
    np.testing.assert_array_equal(to_uint8_images(normalise(images), MEAN, STD), images)
    with pytest.raises(ValueError, match='both mean and std'):
        to_uint8_images(normalise(images), MEAN, None)
    with pytest.raises(ValueError, match='3 channels'):
        to_uint8_images(normalise(images), MEAN[:2], STD[:2])


def test_saliency_maps_match_opencv_and_peak_on_the_blob():
    centers = [(8, 20), (24, 6)]
    images = blob_images(centers)
    maps = saliency_maps(normalise(images), MEAN, STD)
    assert maps.shape == (2, 32, 32) and maps.dtype == torch.float32
    assert 0 <= maps.min() and maps.max() <= 1
    detector = cv2.saliency.StaticSaliencyFineGrained_create()
    for image, saliency_map in zip(images, maps):
        _, expected = detector.computeSaliency(np.ascontiguousarray(image[..., ::-1]))
        scale = 255.0 if expected.dtype == np.uint8 else 1.0
        np.testing.assert_allclose(saliency_map.numpy(), expected / scale, atol=1e-6)
    # OpenCV's normalised map ties its maximum at a few places (borders of flat images
    # included); the blob always reaches it.
    for (r, c), saliency_map in zip(centers, maps):
        assert saliency_map[r - 3:r + 4, c - 3:c + 4].max() == saliency_map.max()


def test_saliency_maps_of_grey_images():
    grey = torch.from_numpy(blob_images([(16, 16)])[..., :1]).permute(0, 3, 1, 2).float()
    maps = saliency_maps(grey, to_bgr=False)
    assert maps.shape == (1, 32, 32)
    assert maps[0, 13:20, 13:20].max() == maps.max()


def test_extreme_points_max_and_min():
    maps = torch.zeros(2, 4, 5)
    maps[0, 1, 3], maps[0, 2, 0] = 5, -1
    maps[1, 3, 4], maps[1, 0, 2] = 2, -3
    assert extreme_points(maps, 'max').tolist() == [[1, 3], [3, 4]]
    assert extreme_points(maps, 'min').tolist() == [[2, 0], [0, 2]]
    with pytest.raises(ValueError, match="'max' or 'min'"):
        extreme_points(maps, 'peak')


def _pipeline_batch(images, labels, seed=0):
    """CIFAR's training pipeline with SaliencyMap, then the data preprocessor: the batch the
    classifier gets (inputs normalised, each sample with its map)."""
    from mmcv.transforms import Compose
    from mmpretrain.datasets import PackInputs, RandomCrop, RandomFlip
    from mmpretrain.models import ClsDataPreprocessor

    from coc.datasets import SaliencyMap
    pipeline = Compose([RandomCrop(crop_size=32, padding=4),
                        RandomFlip(prob=0.5, direction='horizontal'),
                        SaliencyMap(channel_order='rgb'),
                        PackInputs(algorithm_keys=('saliency_map', ))])
    np.random.seed(seed)
    packed = [pipeline(dict(img=image, gt_label=int(label), img_shape=image.shape[:2]))
              for image, label in zip(images, labels)]
    preprocessor = ClsDataPreprocessor(mean=MEAN, std=STD, to_rgb=False)
    return preprocessor(dict(inputs=[p['inputs'] for p in packed],
                             data_samples=[p['data_samples'] for p in packed]), training=True)


@pytest.mark.parametrize('mode', ['sal_corr', 'sal_sal', 'sal_non_sal', 'non_sal_sal',
                                  'non_sal_non_sal'])
def test_pipeline_maps_give_the_boxes_of_in_step_maps(mode):
    """Maps computed in the dataloader (SaliencyMap) are the in-step maps of the preprocessed
    batch, so SaliencyBox pastes the same boxes from either."""
    from coc.mixing import SaliencyBox
    from coc.mixing.saliency import sample_saliency_maps
    rng = np.random.default_rng(0)
    images = blob_images([tuple(rng.integers(4, 28, 2)) for _ in range(8)])
    images = np.clip(images + rng.integers(0, 60, images.shape), 0, 255).astype(np.uint8)
    batch = _pipeline_batch(images, rng.integers(0, 10, 8))
    inputs, samples = batch['inputs'], batch['data_samples']
    pipeline_maps = sample_saliency_maps(samples)
    torch.testing.assert_close(pipeline_maps, saliency_maps(inputs, MEAN, STD, to_bgr=True),
                               rtol=0, atol=0)
    bg, fg = inputs[:4], inputs[4:]
    lam = torch.tensor([0.3, 0.5, 0.7, 0.9])
    placer = SaliencyBox(mode, mean=MEAN, std=STD, to_bgr=True)
    in_step = placer(bg, fg, lam)
    from_pipeline = placer(bg, fg, lam, fg_map=pipeline_maps[4:], bg_map=pipeline_maps[:4])
    assert torch.equal(in_step[0], from_pipeline[0]) and torch.equal(in_step[1], from_pipeline[1])
    assert not torch.equal(in_step[0], bg)  # something was pasted


def test_saliency_map_transform_follows_the_channel_order():
    image = blob_images([(10, 20)])[0]
    image[..., 0] = 90  # channels that differ, so that the order matters
    from coc.datasets import SaliencyMap
    rgb = SaliencyMap(channel_order='rgb')(dict(img=image))['saliency_map']
    bgr = SaliencyMap(channel_order='bgr')(dict(img=image[..., ::-1].copy()))['saliency_map']
    assert rgb.dtype == np.float32 and rgb.shape == (32, 32)
    np.testing.assert_array_equal(rgb, bgr)
    with pytest.raises(ValueError, match="channel_order must be one of \\('rgb', 'bgr'\\)"):
        SaliencyMap(channel_order='RGB')
    with pytest.raises(ValueError, match='uint8 image'):
        SaliencyMap()(dict(img=image.astype(np.float32)))


def test_missing_pipeline_maps_name_the_transform():
    from mmpretrain.structures import DataSample

    from coc.mixing.saliency import sample_saliency_maps
    with pytest.raises(ValueError, match=r"2 of 2 samples have none: add dict\(type='SaliencyMap'\)"
                                         r".*algorithm_keys=\('saliency_map', \)"):
        sample_saliency_maps([DataSample(), DataSample()])


def test_mix_classifier_reads_the_pipeline_maps(monkeypatch):
    """A saliency placer in the mixing classifier takes the maps packed with the samples (no
    OpenCV on the training process) and names the transform when they are missing."""
    from mmengine.logging import MessageHub
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    from coc.mixing import placers
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 5)
    hub.update_info('max_epochs', 10)
    model = MODELS.build(dict(
        type='MixClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=64,
                  loss=dict(type='CrossEntropyLoss')),
        mixer=dict(type='CutMixer', placer=dict(type='SaliencyBox', mode='sal_non_sal')),
        schedule=dict(mix_prob=1.0))).train()
    inputs = torch.from_numpy(blob_images([(8, 8), (20, 20)] * 3)).permute(0, 3, 1, 2).float()
    samples = [DataSample().set_gt_label(i % 4) for i in range(6)]
    with pytest.raises(ValueError, match=r"add dict\(type='SaliencyMap'\)"):
        model.loss(inputs, samples)
    for sample, saliency_map in zip(samples, saliency_maps(inputs)):
        sample.set_field(saliency_map.numpy(), 'saliency_map')

    def no_in_step_maps(*args, **kwargs):
        raise AssertionError('saliency computed on the training process')

    monkeypatch.setattr(placers, 'saliency_maps', no_in_step_maps)
    assert torch.isfinite(model.loss(inputs, samples)['loss'])


@pytest.mark.parametrize('config', ['resnet32/resnet32_cifar100lt_r100_sal_corr.py',
                                    'resnet32/resnet32_cifar100lt_r100_sal_non_sal.py',
                                    'coc/coc_s_cifar100lt_sal_corr.py'])
def test_saliency_configs_pack_the_maps(config):
    from pathlib import Path

    from mmcv.transforms import Compose
    from mmengine.config import Config
    cfg = Config.fromfile(Path(__file__).resolve().parents[2] / 'configs' / config)
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    packed = pipeline(dict(img=blob_images([(8, 8)])[0], gt_label=1, img_shape=(32, 32)))
    assert packed['data_samples'].saliency_map.shape == (32, 32)
    assert cfg.model.mixer.placer.type.needs_saliency_maps

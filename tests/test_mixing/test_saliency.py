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

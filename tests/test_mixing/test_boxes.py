import pytest
import torch

from coc.mixing.boxes import (box_masks, box_size, boxes_at, paste, random_boxes, sample_lam,
                              to_device)


def test_sample_lam_per_sample_and_shared():
    g = torch.Generator().manual_seed(0)
    per_sample = sample_lam(1.0, 64, per_sample=True, generator=g)
    shared = sample_lam(1.0, 64, per_sample=False, generator=g)
    assert per_sample.shape == shared.shape == (64, )
    assert per_sample.dtype == torch.float32
    assert ((per_sample >= 0) & (per_sample <= 1)).all()
    assert per_sample.unique().numel() == 64
    assert shared.unique().numel() == 1


def test_sample_lam_repeatable_and_follows_alpha():
    first = sample_lam(0.5, 2000, True, torch.Generator().manual_seed(3))
    again = sample_lam(0.5, 2000, True, torch.Generator().manual_seed(3))
    assert torch.equal(first, again)
    # Beta(a, a) has variance 1 / (4 (2a + 1)): large alpha concentrates lam near 1/2.
    peaked = sample_lam(50.0, 2000, True, torch.Generator().manual_seed(3))
    assert first.var() == pytest.approx(1 / 8, rel=0.15)
    assert peaked.var() == pytest.approx(1 / 404, rel=0.15)
    with pytest.raises(ValueError, match='alpha'):
        sample_lam(0.0, 4, True)


def test_box_size_is_sqrt_one_minus_lam_of_each_side():
    size = box_size(torch.tensor([0.0, 0.75, 1.0]), 32, 16)
    assert size.tolist() == [[32, 16], [16, 8], [0, 0]]
    with pytest.raises(ValueError, match='lam'):
        box_size(torch.tensor([1.5]), 32, 32)


def test_boxes_at_clips_or_keeps_size():
    lam = torch.tensor([0.75, 0.75, 0.75])
    centers = torch.tensor([[16, 16], [0, 0], [31, 30]])
    clipped = boxes_at(centers, lam, 32, 32)
    assert clipped.tolist() == [[8, 8, 24, 24], [0, 0, 8, 8], [23, 22, 32, 32]]
    kept = boxes_at(centers, lam, 32, 32, keep_size=True)
    assert kept.tolist() == [[8, 8, 24, 24], [0, 0, 16, 16], [16, 16, 32, 32]]


def test_random_boxes_inside_image_and_sized_by_lam():
    g = torch.Generator().manual_seed(1)
    lam = sample_lam(1.0, 200, True, generator=g)
    boxes = random_boxes(lam, 24, 20, generator=g)
    assert boxes.dtype == torch.int64 and boxes.shape == (200, 4)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 24).all() and (boxes[:, 3] <= 20).all()
    assert (boxes[:, 2:] >= boxes[:, :2]).all()
    assert ((boxes[:, 2:] - boxes[:, :2]) <= box_size(lam, 24, 20)).all()
    # Uniform centres: some boxes touch each border.
    assert (boxes[:, 0] == 0).any() and (boxes[:, 3] == 20).any()


def test_paste_same_place_puts_pixels_exactly_in_box():
    g = torch.Generator().manual_seed(2)
    bg, fg = torch.rand(5, 3, 12, 10, generator=g), torch.rand(5, 3, 12, 10, generator=g)
    boxes = random_boxes(sample_lam(1.0, 5, True, generator=g), 12, 10, generator=g)
    mixed, lam_bg = paste(bg, fg, boxes)
    for i, (y1, x1, y2, x2) in enumerate(boxes.tolist()):
        expected = bg[i].clone()
        expected[:, y1:y2, x1:x2] = fg[i, :, y1:y2, x1:x2]
        assert torch.equal(mixed[i], expected)
        assert lam_bg[i].item() == pytest.approx(1 - (y2 - y1) * (x2 - x1) / 120)
    assert torch.equal(box_masks(boxes, 12, 10).expand_as(mixed), mixed == fg)


def test_paste_moves_patch_from_source_box_to_destination_box():
    bg = torch.zeros(2, 2, 8, 8)
    fg = torch.arange(2 * 2 * 64.0).view(2, 2, 8, 8)
    lam = torch.tensor([0.75, 0.9375])
    dst = boxes_at(torch.tensor([[0, 0], [7, 7]]), lam, 8, 8, keep_size=True)
    src = boxes_at(torch.tensor([[7, 7], [3, 2]]), lam, 8, 8, keep_size=True)
    mixed, lam_bg = paste(bg, fg, dst, src)
    for i in range(2):
        (dy1, dx1, dy2, dx2), (sy1, sx1, sy2, sx2) = dst[i].tolist(), src[i].tolist()
        assert torch.equal(mixed[i, :, dy1:dy2, dx1:dx2], fg[i, :, sy1:sy2, sx1:sx2])
        outside = ~box_masks(dst[i:i + 1], 8, 8)[0].expand(2, 8, 8)
        assert (mixed[i][outside] == 0).all()
    assert lam_bg.tolist() == pytest.approx(lam.tolist())
    assert bg.sum() == 0  # inputs untouched


def test_paste_rejects_bad_input():
    images = torch.zeros(2, 3, 8, 8)
    boxes = torch.tensor([[0, 0, 4, 4], [0, 0, 2, 2]])
    with pytest.raises(ValueError, match='same shape|one shape'):
        paste(images, torch.zeros(2, 3, 8, 7), boxes)
    with pytest.raises(ValueError, match='same box sizes'):
        paste(images, images, boxes, torch.tensor([[0, 0, 4, 4], [0, 0, 3, 3]]))


def test_boxes_stay_on_the_device_of_their_centers():
    """Centers on a device (peaks of maps there) give boxes there, with no round trip through
    the host ('meta' stands for the GPU: it holds shapes only)."""
    lam = torch.tensor([0.75, 0.75])
    for keep_size in (False, True):
        boxes = boxes_at(torch.zeros(2, 2, dtype=torch.long, device='meta'), lam, 32, 32,
                         keep_size=keep_size)
        assert boxes.device.type == 'meta' and boxes.shape == (2, 4)
    assert to_device(lam, 'cpu') is lam


@pytest.mark.parametrize('keep_size', [False, True])
def test_boxes_at_equals_the_clip_formula_on_every_border(keep_size):
    """Centers over the whole image and beyond each side, sizes from lam 0..1: the box is
    ``center - size // 2`` + size, clipped to the image or shifted inside it."""
    rows, cols = torch.meshgrid(torch.arange(-3, 20), torch.arange(-3, 16), indexing='ij')
    centers = torch.stack([rows.flatten(), cols.flatten()], 1)
    lam = torch.linspace(0, 1, len(centers))
    boxes = boxes_at(centers, lam, 17, 13, keep_size=keep_size)
    expected = []
    for (row, col), (height, width) in zip(centers.tolist(), box_size(lam, 17, 13).tolist()):
        y1, x1 = row - height // 2, col - width // 2
        if keep_size:
            y1, x1 = min(max(y1, 0), 17 - height), min(max(x1, 0), 13 - width)
            expected.append([y1, x1, y1 + height, x1 + width])
        else:
            expected.append([max(y1, 0), max(x1, 0), min(y1 + height, 17), min(x1 + width, 13)])
    assert boxes.tolist() == expected

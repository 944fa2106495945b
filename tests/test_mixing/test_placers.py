import numpy as np
import pytest
import torch

from coc.mixing.boxes import box_size
from coc.mixing.placers import PredictedBox, RandomBox, SaliencyBox, predicted_map
from coc.mixing.registry import PLACERS
from coc.mixing.saliency import extreme_points, saliency_maps


def pasted_box(mixed, background):
    """(y1, x1, y2, x2) of the region where ``mixed`` differs from ``background``."""
    rows, cols = torch.nonzero((mixed != background).any(0), as_tuple=True)
    return [rows.min().item(), cols.min().item(), rows.max().item() + 1, cols.max().item() + 1]


def test_random_box_per_sample_and_per_batch():
    torch.manual_seed(0)
    bg, fg = torch.zeros(6, 3, 16, 16), torch.ones(6, 3, 16, 16)
    lam = torch.full((6, ), 0.75)
    mixed, lam_bg = PLACERS.build(dict(type='RandomBox'))(bg, fg, lam)
    areas = (mixed[:, 0] == 1).sum((1, 2)).float()
    assert torch.equal(lam_bg, 1 - areas / 256)
    assert len({tuple(pasted_box(m, b)) for m, b in zip(mixed, bg)}) > 1
    shared, shared_lam = RandomBox(per_sample=False)(bg, fg, 0.75)
    assert all(torch.equal(shared[0], m) for m in shared) and shared_lam.unique().numel() == 1


def blob_batch(fg_peak, bg_peak, size=32):
    """Noise-free images with one bright disc each (foreground at fg_peak, background at
    bg_peak) and a distinct colour per image so that pasted pixels are identifiable."""
    rows, cols = np.mgrid[:size, :size]
    images = []
    for (r, c), base in ((bg_peak, 30), (fg_peak, 60)):
        image = np.full((size, size, 3), base, np.float32)
        image[(rows - r)**2 + (cols - c)**2 <= 9] = 250
        images.append(torch.from_numpy(image).permute(2, 0, 1)[None])
    return images


def test_sal_corr_box_centres_on_opencv_saliency_peak():
    background, foreground = blob_batch(fg_peak=(10, 20), bg_peak=(24, 8))
    lam = torch.tensor([0.75])
    mixed, lam_bg = SaliencyBox('sal_corr')(background, foreground, lam)
    peak = extreme_points(saliency_maps(foreground), 'max')[0].tolist()
    height, width = box_size(lam, 32, 32)[0].tolist()
    y1, x1, y2, x2 = pasted_box(mixed[0], background[0])
    assert [y1, x1] == [max(peak[0] - height // 2, 0), max(peak[1] - width // 2, 0)]
    assert torch.equal(mixed[0, :, y1:y2, x1:x2], foreground[0, :, y1:y2, x1:x2])
    assert lam_bg.item() == pytest.approx(1 - (y2 - y1) * (x2 - x1) / 1024)


@pytest.mark.parametrize('mode,src,dst', [('sal_sal', 'max', 'max'), ('sal_non_sal', 'max', 'min'),
                                          ('non_sal_sal', 'min', 'max'),
                                          ('non_sal_non_sal', 'min', 'min')])
def test_sal_non_sal_modes_move_boxes_between_saliency_points(mode, src, dst):
    background, foreground = blob_batch(fg_peak=(10, 20), bg_peak=(22, 9))
    lam = torch.tensor([0.9375])  # 8 x 8 boxes
    mixed, lam_bg = PLACERS.build(dict(type='SaliencyBox', mode=mode))(background, foreground, lam)
    src_point = extreme_points(saliency_maps(foreground), src)[0].tolist()
    dst_point = extreme_points(saliency_maps(background), dst)[0].tolist()
    y1, x1, y2, x2 = pasted_box(mixed[0], background[0])
    assert (y2 - y1, x2 - x1) == (8, 8) and lam_bg.item() == pytest.approx(1 - 64 / 1024)
    assert y1 <= dst_point[0] < y2 and x1 <= dst_point[1] < x2
    # The pasted pixels are the foreground's 8 x 8 window around its source point.
    sy1, sx1 = (min(max(p - 4, 0), 24) for p in src_point)
    assert torch.equal(mixed[0, :, y1:y2, x1:x2], foreground[0, :, sy1:sy1 + 8, sx1:sx1 + 8])


def test_saliency_box_uses_given_maps_and_rejects_unknown_mode():
    background, foreground = torch.zeros(2, 3, 8, 8), torch.ones(2, 3, 8, 8)
    fg_map = torch.zeros(2, 8, 8)
    fg_map[0, 1, 1], fg_map[1, 6, 5] = 1, 1
    mixed, _ = SaliencyBox()(background, foreground, 0.75, fg_map=fg_map)
    assert pasted_box(mixed[0], background[0]) == [0, 0, 3, 3]
    assert pasted_box(mixed[1], background[1]) == [4, 3, 8, 7]
    with pytest.raises(ValueError, match='sal_corr'):
        SaliencyBox('salient')


def test_predicted_box_centres_on_upsampled_model_map():
    background, foreground = torch.zeros(2, 3, 16, 16), torch.ones(2, 3, 16, 16)
    low_res = torch.full((2, 4, 4), -5.0)
    low_res[0, 0, 3], low_res[1, 2, 1] = 5, 5
    placer = PLACERS.build(dict(type='PredictedBox'))
    assert placer.needs_model_map and not SaliencyBox.needs_model_map
    upsampled = predicted_map(low_res, 16, 16)
    assert upsampled.shape == (2, 16, 16) and 0 < upsampled.min() and upsampled.max() < 1
    mixed, lam_bg = placer(background, foreground, torch.tensor([0.75, 0.75]), fg_map=low_res)
    for image, bg, peak in zip(mixed, background, extreme_points(upsampled).tolist()):
        y1, x1, y2, x2 = pasted_box(image, bg)
        assert (y1, x1) == (max(peak[0] - 4, 0), max(peak[1] - 4, 0))
    # Low-res cell (0, 3) covers rows 0-3, columns 12-15 of the image.
    assert extreme_points(upsampled)[0, 0] < 4 and extreme_points(upsampled)[0, 1] >= 12
    with pytest.raises(ValueError, match='needs fg_map'):
        placer(background, foreground, 0.5)

import cv2
import numpy as np
import pytest
from mmpretrain.datasets import LoadImageFromFile

from coc.datasets import ImageListDataset


@pytest.fixture
def image_root(tmp_path):
    """ImageNet-LT-like tree; one path with a space, one listed Places-LT style ('/...')."""
    paths = ['train/n01/a.jpg', 'train/n01/b.jpg', 'train/n02/c d.jpg', 'data_256/x/e.jpg']
    for i, rel in enumerate(paths):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), np.full((8, 6, 3), 40 * i, dtype=np.uint8))
    lines = ['train/n01/a.jpg 0', 'train/n01/b.jpg 0', 'train/n02/c d.jpg 2', '',
             '/data_256/x/e.jpg 0']
    (tmp_path / 'train.txt').write_text('\n'.join(lines) + '\n')
    return tmp_path


def test_list_file_is_read_with_counts_and_loadable_images(image_root):
    ds = ImageListDataset(ann_file='train.txt', data_root=str(image_root),
                          pipeline=[dict(type=LoadImageFromFile)])
    assert len(ds) == 4
    assert ds.class_counts.tolist() == [3, 0, 1]
    assert ds.metainfo['classes'] == ('0', '1', '2')
    assert ds.get_data_info(2)['img_path'] == str(image_root / 'train/n02/c d.jpg')
    assert ds[3]['img'].shape == (8, 6, 3) and ds[3]['gt_label'] == 0


def test_num_classes_covers_labels_missing_from_a_split(image_root):
    ds = ImageListDataset(ann_file='train.txt', data_root=str(image_root), num_classes=5)
    assert ds.class_counts.tolist() == [3, 0, 1, 0, 0]
    with pytest.raises(ValueError, match='label 2 but the dataset has 2 classes'):
        ImageListDataset(ann_file='train.txt', data_root=str(image_root), num_classes=2)
    with pytest.raises(ValueError, match='num_classes=5 and 3 class names'):
        ImageListDataset(ann_file='train.txt', data_root=str(image_root), num_classes=5,
                         classes=['a', 'b', 'c'])


def test_missing_image_is_named(image_root):
    (image_root / 'train/n01/b.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'1 image\(s\).*train/n01/b.jpg'):
        ImageListDataset(ann_file='train.txt', data_root=str(image_root))


def test_malformed_line_is_named(image_root):
    (image_root / 'bad.txt').write_text('train/n01/a.jpg 0\ntrain/n01/b.jpg dog\n')
    with pytest.raises(ValueError, match=r'bad.txt:2: expected'):
        ImageListDataset(ann_file='bad.txt', data_root=str(image_root))


def test_missing_list_file(image_root):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        ImageListDataset(ann_file='nope.txt', data_root=str(image_root))

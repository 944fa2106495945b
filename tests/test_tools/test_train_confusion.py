import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from coc.datasets import DigitsLT


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('analysis_tools/train_confusion.py')


def test_matrix_counts_the_training_split(repo_root, tmp_path, tool):
    config = repo_root / 'configs' / 'demo' / 'coc_digits_lt_ot.py'
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'model.pth')
    out = tmp_path / 'confusion.npy'
    tool.main([str(config), str(tmp_path / 'model.pth'), str(out), '--work-dir', str(tmp_path)])
    matrix = np.load(out)
    # Rows are true classes: they add up to the long-tailed training counts, not the test's.
    assert matrix.shape == (10, 10)
    train = DigitsLT(split='train', test_per_class=50, val_per_class=20)  # the demo's split
    assert matrix.sum(1).tolist() == train.class_counts.tolist()


def test_bad_input(repo_root, tmp_path, tool):
    config = str(repo_root / 'configs' / 'demo' / 'coc_digits_lt_ot.py')
    with pytest.raises(tool.UsageError, match='.npy'):
        tool.main([config, 'model.pth', str(tmp_path / 'confusion.txt')])
    with pytest.raises(tool.UsageError, match='test_dataloader'):
        tool.main([config, 'model.pth', str(tmp_path / 'confusion.npy'), '--work-dir',
                   str(tmp_path), '--cfg-options', 'test_dataloader=None'])

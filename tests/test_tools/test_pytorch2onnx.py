"""tools/deployment/pytorch2onnx.py: a CoC classifier exported with dynamic batch and size."""
import subprocess
import sys

import numpy as np
import pytest
import torch

ort = pytest.importorskip(
    'onnxruntime', reason='ONNX export is optional: pip install -r requirements/deploy.txt')
pytest.importorskip('onnxscript', reason='torch\'s dynamo ONNX exporter needs onnxscript '
                    '(requirements/deploy.txt)')

# CoC-tiny's region layout (fold 8/4/2/1, 2x2 centers per region: size_divisor 32) at one
# block per stage and narrow widths, so that the export takes seconds, not minutes.
CONFIG = '''
custom_imports = dict(imports=['coc'])
default_scope = 'mmpretrain'
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ContextCluster', arch=dict(
        layers=[1, 1, 1, 1], embed_dims=[16, 32, 48, 64], mlp_ratios=2, heads=2, head_dim=8,
        proposal=2, fold=[8, 4, 2, 1])),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64))
'''


@pytest.fixture(scope='module')
def exported(tmp_path_factory, repo_root):
    """(model, onnx file, the tool's stdout): a randomly initialised classifier exported
    through the command line with --verify."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    folder = tmp_path_factory.mktemp('onnx')
    config = folder / 'coc_small_regions.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(config)).model).eval()
    model.init_weights()
    checkpoint = folder / 'model.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    result = subprocess.run(
        [sys.executable, 'tools/deployment/pytorch2onnx.py', str(config), str(checkpoint),
         '--out', str(folder / 'model.onnx'), '--shape', '224', '224', '--verify'],
        cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return model, str(folder / 'model.onnx'), result.stdout


@pytest.mark.parametrize('batch, height, width', [(1, 224, 224), (2, 256, 320)])
def test_onnx_logits_equal_pytorch_at_two_sizes(exported, batch, height, width):
    model, onnx_file, _ = exported
    inputs = torch.randn(batch, 3, height, width, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(inputs, mode='tensor').numpy()
    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    (logits, ) = session.run(None, {'input': inputs.numpy()})
    assert logits.shape == (batch, 10)
    np.testing.assert_allclose(logits, expected, rtol=0, atol=1e-4)
    assert np.abs(expected).max() > 1e-2  # logits that are not all ~0 (a real comparison)


def test_the_graph_declares_dynamic_batch_height_and_width(exported):
    import onnx
    _, onnx_file, _ = exported
    (graph_input, ) = onnx.load(onnx_file).graph.input
    dims = graph_input.type.tensor_type.shape.dim
    assert graph_input.name == 'input' and len(dims) == 4 and dims[1].dim_value == 3
    assert all(dims[i].dim_param and not dims[i].dim_value for i in (0, 2, 3))


def test_verify_reports_both_sizes(exported):
    _, _, stdout = exported
    lines = [line for line in stdout.splitlines() if line.startswith('onnxruntime vs PyTorch')]
    assert [line.split(':')[0] for line in lines] == [
        'onnxruntime vs PyTorch, input [1, 3, 224, 224]',
        'onnxruntime vs PyTorch, input [2, 3, 256, 320]']
    assert all(float(line.rsplit(' ', 1)[1]) <= 1e-4 for line in lines)


@pytest.mark.parametrize('args, message', [
    (['--shape', '224', '200'], 'multiples of the backbone\'s size_divisor 32'),
    (['--out', 'x.onnx'], 'does not exist'),
])
def test_bad_input_gets_one_clear_line(exported, repo_root, tmp_path, args, message):
    config = tmp_path / 'config.py'
    config.write_text(CONFIG)
    checkpoint = tmp_path / 'model.pth'
    if '--shape' in args:
        torch.save({'state_dict': exported[0].state_dict()}, checkpoint)
    result = subprocess.run(
        [sys.executable, 'tools/deployment/pytorch2onnx.py', str(config), str(checkpoint),
         *args], cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith('error: ')
    assert message in result.stderr

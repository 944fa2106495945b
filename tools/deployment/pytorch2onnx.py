"""Export a classifier (e.g. with a Context-Cluster backbone) to ONNX, batch and image size dynamic.

    python tools/deployment/pytorch2onnx.py configs/coc/coc_tiny_8xb128_in1k.py coc_tiny.pth \
        --out coc_tiny.onnx --shape 224 224 --verify

The graph maps ``input [B, 3, H, W]`` (float32 images already normalised as the config's
``data_preprocessor`` does: mean/std, RGB) to ``logits [B, num_classes]``, i.e.
``model(x, mode='tensor')``. B, H and W are dynamic. H and W must be multiples of the
backbone's ``size_divisor`` (32 for CoC tiny/small/medium): the graph is traced for region
partitions without padding, as the backbone runs those sides. ``--verify`` runs the file
with onnxruntime (CPU) at two sizes and compares its logits with PyTorch's.

Needs torch's dynamo exporter with onnx, onnxscript and onnxruntime:
``pip install -r requirements/deploy.txt`` (tools/install.sh installs them).
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.launch import UsageError, add_config_arguments, read_config, run_cli
from coc.models.utils.checkpoint import load_weights_strictly

DEPLOY_PACKAGES = ('onnx', 'onnxscript', 'onnxruntime')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export a classifier to ONNX')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--out', help='ONNX file to write (default: the checkpoint with .onnx)')
    parser.add_argument('--shape', type=int, nargs=2, default=[224, 224], metavar=('H', 'W'),
                        help='image size of the example input (the exported size is dynamic)')
    parser.add_argument('--opset', type=int, default=18, help='ONNX opset version')
    parser.add_argument('--verify', action='store_true',
                        help='compare onnxruntime logits with PyTorch at --shape and a second size')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest |logit difference| --verify accepts')
    add_config_arguments(parser)
    return parser.parse_args(argv)


class Logits(torch.nn.Module):
    """``model(x, mode='tensor')`` as a one-input module, what the exporter traces."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, mode='tensor')


def check_deploy_packages() -> None:
    missing = []
    for name in DEPLOY_PACKAGES:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UsageError(f'ONNX export needs {", ".join(missing)}: pip install -r '
                         'requirements/deploy.txt')


def size_divisor(model: torch.nn.Module) -> int:
    return getattr(getattr(model, 'backbone', None), 'size_divisor', 1)


def check_shape(shape, divisor: int) -> None:
    if min(shape) <= 0 or any(side % divisor for side in shape):
        raise UsageError(f'--shape {shape[0]} {shape[1]}: sides must be positive multiples of '
                         f'the backbone\'s size_divisor {divisor} (the region partitions are '
                         f'traced without padding), e.g. --shape {divisor * 7} {divisor * 7}')


def build_model(config: str, checkpoint: str, cfg_options=None) -> torch.nn.Module:
    cfg = read_config(config, cfg_options)
    if not osp.isfile(checkpoint):
        raise UsageError(f'checkpoint {checkpoint} does not exist')
    model = MODELS.build(cfg.model)
    load_weights_strictly(model, checkpoint)
    return model.eval()


def export(model: torch.nn.Module, out: str, shape, opset: int = 18) -> None:
    """Write ``model``'s logits as ONNX with dynamic batch, height and width."""
    dynamic = torch.export.Dim.DYNAMIC
    # Batch 2: torch.export fixes a dimension whose example size is 1.
    example = torch.randn(2, 3, *shape)
    torch.onnx.export(Logits(model).eval(), (example, ), out, dynamo=True,
                      input_names=['input'], output_names=['logits'], opset_version=opset,
                      dynamic_shapes={'x': {0: dynamic, 2: dynamic, 3: dynamic}})


def max_logit_difference(model: torch.nn.Module, onnx_file: str, inputs: torch.Tensor) -> float:
    """Largest |onnxruntime logit - PyTorch logit| on ``inputs``."""
    import onnxruntime
    session = onnxruntime.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    (onnx_logits, ) = session.run(None, {'input': inputs.numpy()})
    with torch.no_grad():
        torch_logits = model(inputs, mode='tensor').numpy()
    if onnx_logits.shape != torch_logits.shape:
        return float('inf')
    return float(np.abs(onnx_logits - torch_logits).max())


def verify_sizes(shape, divisor: int):
    """(batch, H, W) checked by --verify: the example size, and a larger batch at other sides."""
    return [(1, *shape), (2, shape[0] + divisor, shape[1] + 3 * divisor)]


def main(argv=None):
    args = parse_args(argv)
    check_deploy_packages()
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    divisor = size_divisor(model)
    check_shape(args.shape, divisor)
    out = args.out or osp.splitext(args.checkpoint)[0] + '.onnx'
    export(model, out, args.shape, args.opset)
    print(f'wrote {out} (input [B, 3, H, W], H and W multiples of {divisor}; logits [B, C])')
    if not args.verify:
        return
    generator = torch.Generator().manual_seed(0)
    worst = 0.
    for batch, height, width in verify_sizes(args.shape, divisor):
        inputs = torch.randn(batch, 3, height, width, generator=generator)
        difference = max_logit_difference(model, out, inputs)
        print(f'onnxruntime vs PyTorch, input [{batch}, 3, {height}, {width}]: '
              f'max |logit difference| {difference:.2e}')
        worst = max(worst, difference)
    if worst > args.atol:
        raise SystemExit(f'error: the ONNX logits differ from PyTorch\'s by {worst:.2e} > '
                         f'--atol {args.atol:g}')


if __name__ == '__main__':
    run_cli(main)

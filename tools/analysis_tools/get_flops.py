"""Parameters and FLOPs (multiply-accumulates) of the model in any config.

    python tools/analysis_tools/get_flops.py configs/coc/coc_s_cifar100lt_cmo.py --shape 32 32

Both conventions are printed: decimal units (10^6, 10^9), and the paper's, which divides
parameter counts by 2^20 and MACs by 2^30 (CoC-Tiny: 5.571 M params = "5.3 M", 1.10 G MACs =
"1.0 GFLOPs"). Counting is MMEngine's fvcore-style tracer: one FLOP = one multiply-add,
element-wise ops (activations, residual adds, scaling) are not counted.

The tracer counts all three ``bmm`` of coc's Cluster (cosine similarity, Eq. 1 aggregation,
Eq. 2 dispatch), so it needs no extra handles. The authors' code aggregates and dispatches
with broadcast multiply + sum, which fvcore-style counters skip: for CoC-Tiny at 224x224 the
same tracer gives 1.103 G on our broadcast reference (``--broadcast-reference``, the authors'
count) and 1.127 G on coc's Cluster: those two products (2 x points x centers x channels per
block, 11 M) plus f and v applied to the pooled centers (15 M; the reference pools their
outputs). docs/coc_tools.md has the per-variant table.
"""
import argparse
import os.path as osp

import torch
from mmengine.analysis import ActivationAnalyzer, FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import bmm_flop_jit, get_shape, matmul_flop_jit
from mmengine.analysis.print_helper import complexity_stats_table
from mmengine.config import Config, DictAction
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers coc's modules)
from coc.engine.config_options import merge_cfg_options
from coc.models.backbones import to_broadcast_reference


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Count parameters and FLOPs (MACs) of a model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input image size: one side (square) or H W')
    parser.add_argument('--table', action='store_true', help='also print the per-module table')
    parser.add_argument('--broadcast-reference', action='store_true',
                        help="count the authors' broadcast Cluster instead of coc's (same "
                             'model otherwise), to compare with their fvcore numbers')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.backbone.arch=small')
    return parser.parse_args(argv)


def input_shape(shape):
    if len(shape) == 1:
        return 3, shape[0], shape[0]
    if len(shape) == 2:
        return (3, *shape)
    raise ValueError(f'--shape takes one size (square) or two (H W), got {shape}')


def build_model(config: str, cfg_options=None) -> torch.nn.Module:
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist; pass the path of a '
                                'config, e.g. configs/coc/coc_s_cifar100lt_cmo.py')
    cfg = Config.fromfile(config)
    merge_cfg_options(cfg, cfg_options)
    model = MODELS.build(cfg.model)
    model.eval()
    return model


class TensorForward(torch.nn.Module):
    """Traceable ``model(inputs, mode='tensor')`` (the full network, head included)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model(inputs, mode='tensor')


def matmul_or_region_pool(inputs, outputs):
    """MMEngine's matmul count, except for a 2-D matrix times a batch: in these models that is
    only ContextCluster's region pooling (a fixed averaging matrix, see
    ``average_pool_matrix``), counted as the ``adaptive_avg_pool2d`` it computes (one per input
    element, MMEngine's handle) so that the count keeps the convention of the authors' fvcore
    numbers."""
    left, right = (get_shape(value) for value in inputs)
    if len(left) == 2 and len(right) == 3:
        return right[0] * right[1] * right[2]
    return matmul_flop_jit(inputs, outputs)


def baddbmm_flop(inputs, outputs):
    """``baddbmm(bias, a, b)`` (coc's f and v, one product per head) counts as ``bmm(a, b)``."""
    return bmm_flop_jit(inputs[1:3], outputs)


def complexity(model: torch.nn.Module, shape, table: bool = False) -> dict:
    """MMEngine's counts for one image: ``flops`` (MACs), ``params``, ``out_table``."""
    model = TensorForward(model)
    inputs = (torch.randn(1, *shape, device=next(model.parameters()).device), )
    with torch.no_grad():
        flops = FlopAnalyzer(model, inputs).set_op_handle(
            'aten::matmul', matmul_or_region_pool, 'aten::baddbmm', baddbmm_flop)
        out_table = ''
        if table:
            out_table = '\n' + complexity_stats_table(
                flops=flops, activations=ActivationAnalyzer(model, inputs),
                show_param_shapes=True)
        return dict(flops=flops.total(), params=parameter_count(model)[''], out_table=out_table)


def format_counts(result: dict, shape) -> str:
    params, macs = result['params'], result['flops']
    return '\n'.join([
        f'input shape: {tuple(shape)}',
        f'params: {params / 1e6:.3f} M (10^6) = {params / 2**20:.2f} M in the paper\'s 2^20 units',
        f'FLOPs (MACs): {macs / 1e9:.3f} G (10^9) = {macs / 2**30:.2f} G in the paper\'s '
        '2^30 units',
    ])


def main(argv=None):
    args = parse_args(argv)
    shape = input_shape(args.shape)
    model = build_model(args.config, args.cfg_options)
    if args.broadcast_reference:
        to_broadcast_reference(model)
    result = complexity(model, shape, args.table)
    if args.table:
        print(result['out_table'])
    print(format_counts(result, shape))


if __name__ == '__main__':
    main()

"""Convert the authors' Context-Cluster checkpoints (github.com/ma-xu/Context-Cluster) to coc.

    python tools/model_converters/coc_to_mmpretrain.py coc_tiny.pth.tar coc_tiny_mmpretrain.pth
    python tools/model_converters/coc_to_mmpretrain.py coc_small.pth.tar out.pth --ema
    python tools/model_converters/coc_to_mmpretrain.py coc_tiny_plain.pth.tar out.pth \
        --normalizer legacy   # 2-D MLP weights released before 2023-05-31

Prints what it mapped and which Eq. 1 normaliser the weights were trained with; where the
weights do not show it (2-D MLP weights, no ``fea_pos``), ``--normalizer auto`` converts as
current and prints a warning naming ``--normalizer current`` and ``legacy``. The output
loads with ``load_from=...`` (a whole classifier) or, on a backbone,
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
"""
import argparse
import os.path as osp
import sys

import mmengine
import torch

from coc.models.backbones.context_cluster_convert import NORMALIZERS, convert_coc_checkpoint
from coc.models.utils.checkpoint import CheckpointError, load_checkpoint_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the authors' checkpoint (.pth / .pth.tar)")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    parser.add_argument('--ema', action='store_true',
                        help='convert the EMA weights ("state_dict_ema") instead of the raw ones')
    parser.add_argument(
        '--normalizer', choices=NORMALIZERS, default='auto',
        help='Eq. 1 normaliser the weights were trained with: current = 1 + sum of the '
        'similarities (the authors\' code since 2023-05-31), legacy = 1 + number of points in '
        'the cluster (before; build with legacy_normalizer=True), auto = from the weights where '
        'they show it (4-D MLP weights or fea_pos: legacy), else current with a warning')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        checkpoint = load_checkpoint_file(args.src, map_location='cpu')
        state_dict, report = convert_coc_checkpoint(checkpoint, prefer_ema=args.ema,
                                                    normalizer=args.normalizer)
    except (CheckpointError, FileNotFoundError, KeyError, TypeError, ValueError) as err:
        sys.exit(f'error: {err.args[0]}')  # a one-line reason, not a traceback
    print(f'{args.src}:\n{report}')
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.dst)))
    torch.save({'state_dict': state_dict,
                'meta': {'converted_from': osp.basename(args.src), 'era': report.era,
                         'eq1_normalizer': report.eq1_normalizer,
                         'legacy_normalizer': report.normalizer == 'legacy'}}, args.dst)
    print(f'wrote {len(state_dict)} tensors to {args.dst}')


if __name__ == '__main__':
    sys.exit(main())

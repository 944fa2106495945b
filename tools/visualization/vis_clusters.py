"""Draw which center each point of a Context-Cluster block joined, over an image.

    python tools/visualization/vis_clusters.py demo.jpg CONFIG.py CHECKPOINT.pth \
        --stage 0 --block -1 --head 0 --out-dir work_dirs/clusters

Writes ``<image>_s<stage>b<block>h<head>.png`` (one head) and ``<image>_s<stage>b<block>_heads.png``
(all heads in a grid) into ``--out-dir``; ``--show`` also opens them. The image is used at its
own size (the authors' script only takes 224x224). Paper Fig. 8 is stage 0, last block, of
tiny_plain (no region partition): superpixel-like maps.
"""
import argparse
import os.path as osp

import mmcv
import mmengine
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.config_options import merge_cfg_options
from coc.visualization.cluster_maps import (cluster_assignment, preprocess, render_cluster_map,
                                            tile)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Cluster map of a Context-Cluster block')
    parser.add_argument('image', help='image file (any size)')
    parser.add_argument('config', help='config of the model')
    parser.add_argument('checkpoint', help='checkpoint of the model')
    parser.add_argument('--stage', type=int, default=0, help='stage 0..3')
    parser.add_argument('--block', type=int, default=-1, help='block in the stage, -1 = last')
    parser.add_argument('--head', type=int, default=0, help='head drawn in the single map')
    parser.add_argument('--alpha', type=float, default=0.5,
                        help='palette colour vs the cluster\'s mean image colour (1 = palette)')
    parser.add_argument('--out-dir', default='work_dirs/cluster_maps', help='where PNGs go')
    parser.add_argument('--show', action='store_true', help='also display the maps')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.backbone.arch=tiny_plain')
    return parser.parse_args(argv)


def build_model(config: str, checkpoint: str, cfg_options=None):
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path} does not exist')
    cfg = Config.fromfile(config)
    merge_cfg_options(cfg, cfg_options)
    model = MODELS.build(cfg.model)
    # strict: a checkpoint of another variant must fail here, not draw random clusters.
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.eval()


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.image):
        raise FileNotFoundError(f'image file {args.image} does not exist')
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    image_bgr = mmcv.imread(args.image, channel_order='bgr')
    assignment = cluster_assignment(model, preprocess(model, image_bgr), args.stage, args.block)[0]
    if not -len(assignment) <= args.head < len(assignment):
        raise ValueError(f'head {args.head} does not exist: this block has {len(assignment)} heads')
    image_rgb = mmcv.bgr2rgb(image_bgr)
    maps = [render_cluster_map(image_rgb, labels.numpy(), args.alpha) for labels in assignment]
    stem = f'{osp.splitext(osp.basename(args.image))[0]}_s{args.stage}b{args.block}'
    single = osp.join(args.out_dir, f'{stem}h{args.head}.png')
    grid = osp.join(args.out_dir, f'{stem}_heads.png')
    mmengine.mkdir_or_exist(args.out_dir)
    mmcv.imwrite(mmcv.rgb2bgr(maps[args.head]), single)
    mmcv.imwrite(mmcv.rgb2bgr(tile(maps)), grid)
    print(f'{len(assignment)} heads, {assignment[args.head].unique().numel()} '
          f'clusters in head {args.head}: wrote {single} and {grid}')
    if args.show:  # matplotlib: the headless OpenCV that coc installs has no windows
        import matplotlib.pyplot as plt
        for title, picture in (('cluster map', maps[args.head]), ('all heads', tile(maps))):
            plt.figure(title)
            plt.imshow(picture)
            plt.axis('off')
        plt.show()


if __name__ == '__main__':
    main()

"""Train a model from a config (classification or detection), as MMPretrain's tools/train.py."""
import argparse

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.launch import (add_config_arguments, build_runner, enable_amp,
                              enable_auto_scale_lr, load_config, parse_tool_args, run_cli)
from coc.models.utils.checkpoint import check_resumable


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir if no CKPT '
             'is given (checkpoints are loaded with weights_only=True, see README)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training (GPU): AmpOptimWrapper in place of the '
                             "config's OptimWrapper")
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default='float16',
                        help='the dtype --amp autocasts to (bfloat16 needs an Ampere or newer '
                             'GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help="scale the lr linearly from the config's auto_scale_lr."
                             'base_batch_size to the real batch (processes x batch size)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    add_config_arguments(parser, distributed=True)
    return parse_tool_args(parser, argv)


def resolve_config(args):
    """The config ``args`` train with (what the Runner is built from)."""
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        check_resumable(args.resume)
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main():
    build_runner(resolve_config(parse_args())).train()


if __name__ == '__main__':
    run_cli(main)

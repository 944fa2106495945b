"""Train a model from a config (classification or detection), as MMPretrain's tools/train.py."""
import argparse

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.launch import (add_config_arguments, build_runner, enable_amp, load_config,
                              parse_tool_args, run_cli)
from coc.models.utils.checkpoint import check_resumable


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir if no CKPT '
             'is given (checkpoints are loaded with weights_only=True, see README)')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training (GPU)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    add_config_arguments(parser, distributed=True)
    return parse_tool_args(parser)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        enable_amp(cfg)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        check_resumable(args.resume)
        cfg.resume, cfg.load_from = True, args.resume
    build_runner(cfg).train()


if __name__ == '__main__':
    run_cli(main)

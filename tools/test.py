"""Evaluate a checkpoint on a config's test set, as MMPretrain's tools/test.py."""
import argparse
import glob
import json
import os

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.launch import (UsageError, add_config_arguments, build_runner, load_config,
                              parse_tool_args, run_cli)
from coc.models.utils.checkpoint import load_weights_strictly
from mmengine.evaluator import DumpResults
from mmengine.model import is_model_wrapper


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation logs')
    parser.add_argument('--out', help='dump the predictions to this pickle file')
    parser.add_argument('--dump-metrics', metavar='FILE.json',
                        help='write the metrics to this JSON file (tools/experiments.py reads it)')
    add_config_arguments(parser, distributed=True)
    return parse_tool_args(parser)


def main():
    args = parse_args()
    if not os.path.isfile(args.checkpoint):
        raise UsageError(f'checkpoint {args.checkpoint} does not exist')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise UsageError(f'--out must name a .pkl file, got {args.out}')
    if args.dump_metrics is not None and not args.dump_metrics.endswith('.json'):
        raise UsageError(f'--dump-metrics must name a .json file, got {args.dump_metrics}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = None  # loaded strictly below: a wrong checkpoint must not test silently
    if args.out is not None:
        evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        cfg.test_evaluator = [*evaluators, dict(type=DumpResults, out_file_path=args.out)]
    runner = build_runner(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    load_weights_strictly(model, args.checkpoint)
    metrics = runner.test()
    if runner.rank == 0:
        print('\n'.join(f'{key}: {value:.4f}' if isinstance(value, float) else f'{key}: {value}'
                        for key, value in metrics.items()))
        if args.dump_metrics is not None:
            dump_metrics(metrics, args.dump_metrics)
        # The metrics draw into the run's folder (LongTailAccuracy: confusion matrix,
        # accuracy against class size, reliability diagram).
        for picture in sorted(glob.glob(os.path.join(runner.log_dir, '*.png'))):
            print(f'picture: {picture}')


def dump_metrics(metrics: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        # Metrics may be numpy or torch scalars; both have .item().
        json.dump(metrics, f, indent=2, default=lambda value: value.item())


if __name__ == '__main__':
    run_cli(main)

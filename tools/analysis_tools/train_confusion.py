"""Confusion matrix of a trained classifier on its TRAINING split, for ConfusionPairing and
OTmixPairing (the CMO + confusion rows of docs/results/reference.md).

    python tools/analysis_tools/train_confusion.py CONFIG CHECKPOINT OUT.npy

The config's training images go through its test pipeline; the matrix counts images by true
class (rows) and predicted class (columns). A matrix that guides training must never come
from the test split (its labels would leak into training).
"""
import argparse

import numpy as np
from mmengine.model import is_model_wrapper

import coc  # noqa: F401  (registers coc's modules, safe checkpoint loading)
from coc.engine.hooks.epoch_confusion_hook import innermost_dataset_cfg
from coc.engine.launch import UsageError, add_config_arguments, build_runner, load_config, run_cli
from coc.models.utils.checkpoint import load_weights_strictly


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('out', help='where to save the C x C matrix (.npy)')
    parser.add_argument('--work-dir', help='the dir to save the logs')
    add_config_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.out.endswith('.npy'):
        raise UsageError(f'OUT must name a .npy file, got {args.out}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.load_from = None
    if not cfg.get('train_dataloader') or not cfg.get('test_dataloader'):
        raise UsageError(f'{args.config} needs a train_dataloader (the images counted) and a '
                         'test_dataloader (the pipeline they go through)')
    train_set = cfg.train_dataloader.dataset
    innermost_dataset_cfg(train_set)['pipeline'] = \
        innermost_dataset_cfg(cfg.test_dataloader.dataset)['pipeline']
    cfg.test_dataloader = dict(cfg.test_dataloader, dataset=train_set,
                               sampler=dict(type='DefaultSampler', shuffle=False))
    cfg.test_evaluator = dict(type='ConfusionMatrix')
    runner = build_runner(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    load_weights_strictly(model, args.checkpoint)
    matrix = runner.test()['confusion_matrix/result'].numpy()
    np.save(args.out, matrix)
    print(f'saved the {matrix.shape[0]}x{matrix.shape[1]} training-set confusion matrix '
          f'({int(matrix.sum())} images, {np.trace(matrix) / matrix.sum():.1%} correct) '
          f'to {args.out}')


if __name__ == '__main__':
    run_cli(main)

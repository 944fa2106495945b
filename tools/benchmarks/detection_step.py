"""Training steps of a CoC detector config on a synthetic batch: time, step peak memory, losses.

    python tools/benchmarks/detection_step.py configs/mmdet/retinanet_coc-s_fpn_1x_coco.py \
        --device cuda --out result.json

The detector is the config's (backbone without its ImageNet checkpoint), trained with the
config's optimizer on ``--batch-size`` random images of ``--size`` with random boxes and
masks (``mmdet.testing.demo_mm_inputs``), so that every part a real step runs (mmcv's
RoIAlign and NMS, the heads' losses) runs on ``--device``: a first check that a machine
trains the detectors, not a speed figure of COCO training. Step cost as in
tools/benchmarks/step_measure.py.
"""
import argparse
import json
import math
import statistics

import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

import coc  # noqa: F401  (registers the CoC backbone)
from step_measure import measure_step


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='an MMDetection config of configs/mmdet')
    parser.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, default=[512, 672], metavar=('H', 'W'))
    parser.add_argument('--steps', type=int, default=3, help='timed steps after one warm-up')
    parser.add_argument('--out', help='write the result as JSON here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.model.backbone.pop('init_cfg', None)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        detector = MODELS.build(cfg.model).to(args.device).train()
        optim_wrapper = build_optim_wrapper(detector, cfg.optim_wrapper)
    packed = demo_mm_inputs(args.batch_size, [(3, *args.size)] * args.batch_size,
                            num_items=[3] * args.batch_size, num_classes=80, with_mask=True)
    losses = []

    def step():
        log_vars = detector.train_step(packed, optim_wrapper)
        losses.append(float(log_vars['loss'].detach()))

    step()  # warm-up: cuDNN / allocator set-up
    costs = [measure_step(step, args.device) for _ in range(args.steps)]
    result = dict(config=args.config, device=args.device, batch_size=args.batch_size,
                  size=args.size, losses=losses, finite=all(map(math.isfinite, losses)),
                  seconds_per_step=statistics.median(c['wall_s'] for c in costs),
                  peak_step_mib=max(c['peak_mib'] for c in costs))
    print(json.dumps(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    if not result['finite']:
        raise SystemExit(f'non-finite loss: {losses}')


if __name__ == '__main__':
    main()

"""Time per training step of CE, CMO and OT-guided CutMix (faithful and cheap) on ResNet-32.

    python tools/benchmarks/mix_step.py                      # CPU, and the GPU when present
    python tools/benchmarks/mix_step.py --devices cpu --steps 10 --threads 2

A step = loss (with mixing) + backward + SGD update of ``MixClassifier`` on a batch of
``--batch-size`` 32x32 images per stream, 100 classes; data loading is left out (every
two-stream mode loads both streams alike). Modes:

- ``ce``: the backgrounds alone (CMO's non-mixing step, a plain CE step);
- ``cmo``: CMO's mixing step (random pairing and box);
- ``ot_faithful``: OT pairing on the logits of extra no-grad forward passes of both streams
  (``resnet32_cifar100lt_r100_ot_col``);
- ``ot_faithful_cost``: the same plus the transport cost as a loss term, so the extra passes
  keep their graph (``..._ot_col_cost``);
- ``ot_remembered``: OT pairing on features remembered from earlier passes, no extra forward
  (``..._ot_col_remembered``; the memory is filled beforehand, as after the first epoch).

Modes run round-robin, one step each per round, so that a busy machine slows all alike; the
median over rounds is reported with its ratio to the CMO step, and each mode's step peak
memory (the most allocated during a step above what was allocated just before it,
tools/benchmarks/step_measure.py), the largest over the timed rounds. ``--devices`` takes
``cuda:N`` as well. Results go to ``<out-dir>/mix_step_<device>.{json,md}``.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import sys

import torch
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import coc  # noqa: F401  (registers the model parts)
from step_measure import measure_step

OT = dict(type='OTPairing', eps=0.1, num_iters=100)
MODES = {
    'ce': dict(schedule=dict(mix_prob=0.0)),
    'cmo': dict(),
    'ot_faithful': dict(pairing=OT),
    'ot_faithful_cost': dict(pairing=dict(OT, with_cost=True), ot_cost_weight=1.0),
    'ot_remembered': dict(pairing=OT, feature_pass='remembered'),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--devices', nargs='+', default=None,
                        help='cpu and/or cuda[:N] (default: cpu, plus cuda when available)')
    parser.add_argument('--modes', nargs='+', default=list(MODES), choices=list(MODES))
    parser.add_argument('--batch-size', type=int, default=128, help='images per stream')
    parser.add_argument('--steps', type=int, default=10, help='timed rounds')
    parser.add_argument('--warmup', type=int, default=2, help='untimed rounds first')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    return parser.parse_args(argv)


def build(mode: str, device: str):
    cfg = dict(
        type='MixClassifier',
        backbone=dict(type='ResNet32_CIFAR'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=64),
        mixer=dict(type='CutMixer', placer=dict(type='RandomBox', per_sample=False)),
        schedule=dict(mix_prob=1.0))
    cfg.update(MODES[mode])
    torch.manual_seed(0)
    model = MODELS.build(cfg).to(device).train()
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def make_batch(batch_size: int, device: str):
    inputs = torch.randn(2 * batch_size, 3, 32, 32, device=device)
    # on the model's device, as the data preprocessor leaves them in training
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i % 100).to(device)
               for i in range(2 * batch_size)]
    return inputs, samples


def step(model, optimizer, inputs, samples, device: str) -> dict:
    """One training step's wall time and peak memory."""
    def train():
        losses = model.loss(inputs, samples)
        optimizer.zero_grad(set_to_none=True)  # the gradients are allocated within the step
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
    return measure_step(train, device)


def run(args, device: str) -> dict:
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 100)
    hub.update_info('max_epochs', 200)
    inputs, samples = make_batch(args.batch_size, device)
    models = {mode: build(mode, device) for mode in args.modes}
    if 'ot_remembered' in models:
        model = models['ot_remembered'][0]
        with torch.no_grad():
            model._remember(torch.arange(len(samples), device=device),
                            model.classify(inputs))
    times, peaks = {mode: [] for mode in args.modes}, {mode: [] for mode in args.modes}
    for round_index in range(args.warmup + args.steps):
        for mode, (model, optimizer) in models.items():
            cost = step(model, optimizer, inputs, samples, device)
            if round_index >= args.warmup:
                times[mode].append(cost['wall_s'])
                peaks[mode].append(cost['peak_mib'])
    median = {mode: statistics.median(t) for mode, t in times.items()}
    cuda = torch.device(device).type == 'cuda'
    return dict(
        device=torch.cuda.get_device_name(device) if cuda else device,
        threads=torch.get_num_threads(), batch_per_stream=args.batch_size, steps=args.steps,
        torch=torch.__version__, machine=platform.processor() or platform.machine(),
        seconds_per_step={m: round(s, 4) for m, s in median.items()},
        spread={m: [round(min(t), 4), round(max(t), 4)] for m, t in times.items()},
        peak_step_mib={m: round(max(p), 1) for m, p in peaks.items()},
        ratio_to_cmo={m: round(s / median['cmo'], 3) for m, s in median.items()}
        if 'cmo' in median else {},
        # The fastest round of each mode: the least disturbed by other load.
        min_ratio_to_cmo={m: round(min(t) / min(times['cmo']), 3) for m, t in times.items()}
        if 'cmo' in times else {})


def to_markdown(result: dict, command: str) -> str:
    lines = [f"# Training step time, ResNet-32, {result['batch_per_stream']} images per stream, "
             f"32x32 ({result['device']}, {result['threads']} threads)", '',
             '| mode | s / step (median) | min .. max | x CMO step (median) | x CMO step (min) '
             '| step peak (MiB) |', '|---|---|---|---|---|---|']
    for mode, seconds in result['seconds_per_step'].items():
        low, high = result['spread'][mode]
        ratio = result['ratio_to_cmo'].get(mode, float('nan'))
        min_ratio = result['min_ratio_to_cmo'].get(mode, float('nan'))
        lines.append(f'| {mode} | {seconds:.4f} | {low:.4f} .. {high:.4f} | {ratio:.2f} '
                     f"| {min_ratio:.2f} | {result['peak_step_mib'][mode]:.0f} |")
    lines += ['', f"{result['steps']} timed rounds (modes interleaved), torch {result['torch']}.",
              f'Command: `{command}`', '']
    return '\n'.join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    command = ' '.join(['python tools/benchmarks/mix_step.py', *argv])
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.devices or ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    os.makedirs(args.out_dir, exist_ok=True)
    for device in devices:
        result = run(args, device)
        name = osp.join(args.out_dir, f"mix_step_{device.replace(':', '')}")
        with open(name + '.json', 'w') as f:
            json.dump(result, f, indent=2)
        with open(name + '.md', 'w') as f:
            f.write(to_markdown(result, command))
        print(to_markdown(result, command))


if __name__ == '__main__':
    main()

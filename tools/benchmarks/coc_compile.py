"""Does ``torch.compile`` pay for a CoC training step? Compile time and images/s, eager vs compiled.

    python tools/benchmarks/coc_compile.py --threads 2            # CPU, tiny, 224x224, batch 32
    python tools/benchmarks/coc_compile.py --device cuda --batch-size 128

Each mode runs in a fresh process with the same weights: ``eager`` (the default model) and
``compiled`` (``torch.compile`` of the model's forward; backward and AdamW as usual). Under
compilation the model takes its plain code paths (no chunking, no fused MLP: see
``_tracing`` in projects/coc/models/backbones/context_cluster.py) and inductor fuses what it
can. The first step's time is reported as the compile cost, with inductor's cache in a
fresh folder (a cold compile; a warm cache makes later runs start much sooner). Results:
``<out-dir>/coc_compile_<device type>.{json,md}``.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile

from step_measure import time_step


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='tiny')
    parser.add_argument('--shape', type=int, default=224)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=3, help='timed steps after the first')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int)
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    parser.add_argument('--worker', choices=['eager', 'compiled'], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def worker(args):
    import torch
    from coc_speed import build, classifier_step
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build(args, args.arch, 'coc').train()
    forward = lambda inputs: model(inputs, mode='tensor')  # noqa: E731
    if args.worker == 'compiled':
        forward = torch.compile(forward)
    inputs = torch.randn(args.batch_size, 3, args.shape, args.shape, device=args.device)
    step = classifier_step(args, model, inputs, forward)
    first = time_step(step, args.device)['wall_s']
    times = [time_step(step, args.device)['wall_s'] for _ in range(args.steps)]
    print(json.dumps(dict(first_step_s=first, step_s=times,
                          images_per_s=args.batch_size / statistics.median(times))))


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    results = {}
    for mode in ('eager', 'compiled'):
        command = [sys.executable, __file__, '--worker', mode, '--arch', args.arch,
                   '--shape', str(args.shape), '--batch-size', str(args.batch_size),
                   '--steps', str(args.steps), '--device', args.device]
        command += ['--threads', str(args.threads)] if args.threads else []
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache)
            run = subprocess.run(command, capture_output=True, text=True, env=env)
        if run.returncode != 0:
            raise RuntimeError(f'{mode} worker failed:\n{run.stderr[-3000:]}')
        results[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    eager, compiled = results['eager'], results['compiled']
    lines = [f'# torch.compile on a CoC-{args.arch} training step: {args.shape}x{args.shape}, '
             f'batch {args.batch_size}, {args.device} ({args.threads or "default"} threads)', '',
             '| mode | first step (s) | images/s after it |', '|---|---|---|']
    lines += [f"| {mode} | {r['first_step_s']:.1f} | {r['images_per_s']:.2f} |"
              for mode, r in results.items()]
    lines += ['', f"Compiled / eager images/s: "
                  f"{compiled['images_per_s'] / eager['images_per_s']:.2f}; compiling cost "
                  f"{compiled['first_step_s'] - eager['first_step_s']:.0f} s more than an eager "
                  f"first step.", '', f"Command: `{' '.join(['python', *sys.argv])}`", '']
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f"coc_compile_{args.device.split(':')[0]}")
    with open(f'{stem}.json', 'w') as f:
        json.dump(dict(setting=vars(args), results=results), f, indent=2)
    with open(f'{stem}.md', 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()

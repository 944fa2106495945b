"""Training speed and peak memory of coc's Cluster vs the broadcast reference (same weights).

    python tools/benchmarks/coc_speed.py                      # CPU, tiny, 224x224, batch 32
    python tools/benchmarks/coc_speed.py --device cuda --batch-size 128

One step = forward + cross-entropy + backward of ImageClassifier(ContextCluster) with a
1000-class head. Each implementation runs in its own fresh process, alternating
(ours, reference, ours, ...) for ``--rounds`` rounds, so that a machine shared with other
work loads both alike: compare the *ratios*, not the absolute numbers.

Peak memory on CPU is the growth of the process's resident-set high-water mark
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) from just before the first step to the end:
what the OS had to give the step, whatever allocator served it. ``tracemalloc`` does not see
torch's C++ allocations, and the profiler's per-op memory events do not give a peak. On GPU
it is ``torch.cuda.max_memory_allocated`` over the steps. Results go to
``<out-dir>/coc_speed_<device>.{json,md}``.
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import time

IMPLEMENTATIONS = ('coc', 'reference')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='tiny', help='ContextCluster arch')
    parser.add_argument('--shape', type=int, default=224, help='square input side')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=3, help='timed steps per process')
    parser.add_argument('--warmup', type=int, default=1, help='untimed steps per process')
    parser.add_argument('--rounds', type=int, default=2, help='processes per implementation')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--threads', type=int,
                        help="CPU threads (torch's default if unset). On a machine loaded by "
                             'other work 1 is far steadier: busy-waiting threads that lose '
                             'their core slow small ops down 10x and more')
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    parser.add_argument('--worker', choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build(args, implementation):
    import torch
    from mmpretrain.registry import MODELS

    from coc.models.backbones import ContextCluster, to_broadcast_reference
    torch.manual_seed(0)  # the same weights in every process
    width = ContextCluster.arch_settings[args.arch]['embed_dims'][-1]
    model = MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='ContextCluster', arch=args.arch),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=width)))
    if implementation == 'reference':
        to_broadcast_reference(model)
    return model.to(args.device).train()


def worker(args):
    """One implementation, in this process: step times (s) and peak memory (MiB)."""
    import torch
    import torch.nn.functional as F
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build(args, args.worker)
    inputs = torch.randn(args.batch_size, 3, args.shape, args.shape, device=args.device)
    labels = torch.randint(0, 1000, (args.batch_size, ), device=args.device)
    cuda = args.device.startswith('cuda')

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def step():
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(inputs, mode='tensor'), labels).backward()
        sync()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if cuda:
        peak_mib = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(json.dumps(dict(times=times, peak_mib=peak_mib, threads=torch.get_num_threads(),
                          cluster_s=cluster_seconds(model, inputs, sync))))


def cluster_seconds(model, inputs, sync):
    """Seconds of one step spent in the token mixers: each stage's first Cluster is timed
    alone (forward + backward, after one warm-up) at the shape it sees, times its blocks."""
    import torch
    from coc.models.backbones import Cluster
    shapes = {}

    def record_shape(module, args):
        shapes[module] = args[0].shape

    hooks = [m.register_forward_pre_hook(record_shape)
             for m in model.modules() if isinstance(m, Cluster)]
    with torch.no_grad():
        model(inputs, mode='tensor')
    for hook in hooks:
        hook.remove()
    total = 0.
    for stage in model.backbone.network[::2]:
        cluster = stage[0].token_mixer
        x = torch.randn(shapes[cluster], device=inputs.device, requires_grad=True)
        for _ in range(2):
            start = time.perf_counter()
            cluster(x).sum().backward()
            sync()
            seconds = time.perf_counter() - start
        total += seconds * len(stage)
    return total


def run_worker(args, implementation):
    command = [sys.executable, __file__, '--worker', implementation, '--arch', args.arch,
               '--shape', str(args.shape), '--batch-size', str(args.batch_size),
               '--steps', str(args.steps), '--warmup', str(args.warmup), '--device', args.device]
    command += ['--threads', str(args.threads)] if args.threads else []
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'{implementation} worker failed:\n{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarise(args, runs):
    results = {}
    for name in IMPLEMENTATIONS:
        times = [t for run in runs[name] for t in run['times']]
        step_s = statistics.median(times)
        cluster_s = statistics.median(run['cluster_s'] for run in runs[name])
        results[name] = dict(images_per_s=args.batch_size / step_s, median_step_s=step_s,
                             step_s=times, peak_mib=max(run['peak_mib'] for run in runs[name]),
                             cluster_s=cluster_s, cluster_share=cluster_s / step_s)
    speedup = results['coc']['images_per_s'] / results['reference']['images_per_s']
    memory = results['coc']['peak_mib'] / results['reference']['peak_mib']
    return dict(
        setting=dict(arch=args.arch, shape=args.shape, batch_size=args.batch_size,
                     steps=args.steps, warmup=args.warmup, rounds=args.rounds,
                     device=args.device, threads=runs['coc'][0]['threads'],
                     machine=platform.processor() or platform.machine(),
                     load_average_at_end=os.getloadavg(), command=' '.join(sys.argv)),
        results=results, speedup=speedup, memory_ratio=memory,
        target=dict(speedup_at_least=2.0, memory_ratio_at_most=0.5),
        meets_target=speedup >= 2.0 and memory <= 0.5)


def markdown(report):
    s, r = report['setting'], report['results']
    lines = [
        f"# CoC speed: {s['arch']}, {s['shape']}x{s['shape']}, batch {s['batch_size']}, "
        f"{s['device']} ({s['threads']} threads)", '',
        '| implementation | images/s (fwd+bwd) | median step (s) | in Cluster (s, share) '
        '| peak memory (MiB) |',
        '|---|---|---|---|---|']
    for name, label in (('coc', 'coc Cluster (bmm)'), ('reference', 'broadcast reference')):
        lines.append(f"| {label} | {r[name]['images_per_s']:.2f} | "
                     f"{r[name]['median_step_s']:.3f} | {r[name]['cluster_s']:.3f} "
                     f"({100 * r[name]['cluster_share']:.0f}%) | {r[name]['peak_mib']:.0f} |")
    lines += ['', f"speed-up {report['speedup']:.2f}x (target >= 2x), peak memory ratio "
                  f"{report['memory_ratio']:.2f} (target <= 0.5): "
                  f"{'met' if report['meets_target'] else 'NOT met'}.", '',
              f"{s['rounds']} alternating processes per implementation, {s['steps']} timed steps "
              f"each after {s['warmup']} warm-up; load average at the end "
              f"{', '.join(f'{x:.1f}' for x in s['load_average_at_end'])}.", '',
              f"Command: `{s['command']}`", '']
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    runs = {name: [] for name in IMPLEMENTATIONS}
    for _ in range(args.rounds):
        for name in IMPLEMENTATIONS:
            runs[name].append(run_worker(args, name))
    report = summarise(args, runs)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f"coc_speed_{args.device.split(':')[0]}")
    with open(f'{stem}.json', 'w') as f:
        json.dump(report, f, indent=2)
    with open(f'{stem}.md', 'w') as f:
        f.write(markdown(report))
    print(markdown(report))


if __name__ == '__main__':
    main()

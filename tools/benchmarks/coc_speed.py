"""Training speed and peak memory of coc's Cluster vs the broadcast reference (same weights).

    python tools/benchmarks/coc_speed.py --threads 1         # CPU, tiny, 224x224, batch 32
    python tools/benchmarks/coc_speed.py --device cuda --batch-size 128

Two parts, each forward + backward: ``model`` = ImageClassifier(ContextCluster) with a
1000-class head and cross-entropy (the acceptance setting); ``clusters`` = every Cluster of
that network alone, one after the other, each on the map it sees in the model: the only
operation the two implementations differ in. Its time over the model's is the share of a
training step that a faster Cluster can save. The model part also runs coc with
``with_cp=True`` (activation checkpointing: same values, less memory, recomputation). Each
(part, implementation) runs in its own fresh process, alternating ours / reference for
``--rounds`` rounds, so that a machine shared with other work loads both alike: compare the
*ratios*.

Speed: images per second of wall time and, on CPU, per second of the process's CPU time
(``time.process_time``). With ``--threads 1`` the CPU time is the work done, nearly immune
to other processes competing for the cores; the wall time is not.

Peak memory on CPU: growth of the process's resident-set high-water mark
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) from just before the first step to the end,
i.e. what the OS had to give the steps whatever allocator served them. ``tracemalloc`` does
not see torch's C++ allocations, and the profiler's per-op memory events give no peak. On
GPU it is ``torch.cuda.max_memory_allocated``. Results: ``<out-dir>/coc_speed_<device>.{json,md}``.
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
WITH_CP = 'coc_cp'  # coc with with_cp=True; its Clusters are coc's, so only the model part
PARTS = ('model', 'clusters')
LABELS = dict(coc='coc Cluster (bmm)', coc_cp='coc Cluster (bmm), with_cp',
              reference='broadcast reference')


def implementations(part):
    return ('coc', WITH_CP, 'reference') if part == 'model' else IMPLEMENTATIONS


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
    parser.add_argument('--profile', action='store_true',
                        help='after timing, profile one step of each part and implementation '
                             'into <out-dir>/coc_speed_<device>_profile_<part>_<impl>.txt')
    parser.add_argument('--worker', nargs=2, metavar=('PART', 'IMPL'), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build(args, implementation):
    import torch
    from mmpretrain.registry import MODELS

    from coc.models.backbones import ContextCluster, to_broadcast_reference
    torch.manual_seed(0)  # the same weights in every process
    width = ContextCluster.arch_settings[args.arch]['embed_dims'][-1]
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ContextCluster', arch=args.arch, with_cp=implementation == WITH_CP),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=width)))
    if implementation == 'reference':
        to_broadcast_reference(model)
    return model.to(args.device).train()


def training_step(args, model):
    """``step()`` running forward + backward of the chosen part once."""
    import torch
    import torch.nn.functional as F
    inputs = torch.randn(args.batch_size, 3, args.shape, args.shape, device=args.device)
    part = args.worker[0]
    if part == 'model':
        labels = torch.randint(0, 1000, (args.batch_size, ), device=args.device)
        return lambda: F.cross_entropy(model(inputs, mode='tensor'), labels).backward()
    inputs_of = record_cluster_inputs(model, inputs)
    return lambda: [cluster(x).sum().backward() for cluster, x in inputs_of.items()]


def record_cluster_inputs(model, inputs):
    """The input every Cluster of ``model`` sees for ``inputs`` (leaf tensors with grad)."""
    import torch
    from coc.models.backbones import Cluster
    inputs_of = {}

    def record(module, args):
        inputs_of[module] = args[0].detach().requires_grad_()

    hooks = [m.register_forward_pre_hook(record) for m in model.modules() if isinstance(m, Cluster)]
    with torch.no_grad():
        model(inputs, mode='tensor')
    for hook in hooks:
        hook.remove()
    return inputs_of


def worker(args):
    """One (part, implementation) in this process: step times and peak memory (MiB)."""
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    model = build(args, args.worker[1])
    run = training_step(args, model)
    cuda = args.device.startswith('cuda')

    def step():
        model.zero_grad(set_to_none=True)
        run()
        if cuda:
            torch.cuda.synchronize()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.warmup):
        step()
    wall, cpu = [], []
    for _ in range(args.steps):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    if cuda:
        peak_mib = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    if args.profile:
        write_profile(args, step)
    print(json.dumps(dict(wall=wall, cpu=cpu, peak_mib=peak_mib,
                          threads=torch.get_num_threads())))


def write_profile(args, step):
    """Where one step's time goes, by operator (self time)."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if 'cuda' in args.device else [])
    with profile(activities=activities) as prof:
        step()
    sort_by = 'self_device_time_total' if 'cuda' in args.device else 'self_cpu_time_total'
    path = osp.join(args.out_dir,
                    f"coc_speed_{args.device.split(':')[0]}_profile_{'_'.join(args.worker)}.txt")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(path, 'w') as f:
        f.write(prof.key_averages().table(sort_by=sort_by, row_limit=20))


def run_worker(args, part, implementation):
    command = [sys.executable, __file__, '--worker', part, implementation, '--arch', args.arch,
               '--shape', str(args.shape), '--batch-size', str(args.batch_size),
               '--steps', str(args.steps), '--warmup', str(args.warmup), '--device', args.device]
    command += ['--threads', str(args.threads)] if args.threads else []
    command += ['--profile', '--out-dir', args.out_dir] if args.profile else []
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'{part}/{implementation} worker failed:\n{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarise_part(args, runs):
    results = {}
    for name in runs:
        entry = dict(peak_mib=max(run['peak_mib'] for run in runs[name]))
        for clock in ('wall', 'cpu'):
            times = [t for run in runs[name] for t in run[clock]]
            entry[f'{clock}_step_s'] = times
            entry[f'images_per_{clock}_s'] = args.batch_size / statistics.median(times)
        results[name] = entry
    ref = results['reference']

    def ratios(ours):
        return dict(speedup_wall=ours['images_per_wall_s'] / ref['images_per_wall_s'],
                    speedup_cpu=ours['images_per_cpu_s'] / ref['images_per_cpu_s'],
                    memory_ratio=ours['peak_mib'] / ref['peak_mib'])

    summary = dict(results=results, **ratios(results['coc']))
    if WITH_CP in results:
        summary['with_cp'] = ratios(results[WITH_CP])
    return summary


def summarise(args, runs, threads):
    parts = {part: summarise_part(args, runs[part]) for part in PARTS}
    model = parts['model']
    clock = 'cpu' if args.device == 'cpu' and threads == 1 else 'wall'

    def meets(ratios):
        return ratios[f'speedup_{clock}'] >= 2.0 and ratios['memory_ratio'] <= 0.5

    key = f'images_per_{clock}_s'
    share = {name: model['results'][name][key] / parts['clusters']['results'][name][key]
             for name in IMPLEMENTATIONS}
    return dict(cluster_share=share,
        setting=dict(arch=args.arch, shape=args.shape, batch_size=args.batch_size,
                     steps=args.steps, warmup=args.warmup, rounds=args.rounds,
                     device=args.device, threads=threads, judged_on=clock,
                     machine=platform.processor() or platform.machine(),
                     load_average_at_end=os.getloadavg(),
                     command=' '.join(['python', *sys.argv])),
        parts=parts, target=dict(speedup_at_least=2.0, memory_ratio_at_most=0.5),
        meets_target=meets(model), meets_target_with_cp=meets(model['with_cp']))


def markdown(report):
    s = report['setting']
    lines = [f"# CoC speed: {s['arch']}, {s['shape']}x{s['shape']}, batch {s['batch_size']}, "
             f"{s['device']} ({s['threads']} threads)", '',
             '| part | implementation | images/s (wall) | images/s (CPU time) | '
             'peak memory (MiB) |', '|---|---|---|---|---|']
    for part, label in (('model', 'whole model'), ('clusters', 'all Clusters alone')):
        for name in implementations(part):
            r = report['parts'][part]['results'][name]
            lines.append(f"| {label} | {LABELS[name]} | {r['images_per_wall_s']:.2f} | "
                         f"{r['images_per_cpu_s']:.2f} | {r['peak_mib']:.0f} |")
    lines.append('')
    for part in PARTS:
        p = report['parts'][part]
        lines.append(f"- {part}: speed-up {p['speedup_wall']:.2f}x wall, {p['speedup_cpu']:.2f}x "
                     f"CPU time; peak memory ratio {p['memory_ratio']:.2f}")
        if 'with_cp' in p:
            q = p['with_cp']
            lines.append(f"- {part} with_cp: speed-up {q['speedup_wall']:.2f}x wall, "
                         f"{q['speedup_cpu']:.2f}x CPU time; peak memory ratio "
                         f"{q['memory_ratio']:.2f}")
    for name in IMPLEMENTATIONS:
        lines.append(f"- share of a training step spent in the Clusters ({name}, "
                     f"{s['judged_on']} time): {100 * report['cluster_share'][name]:.0f}%")
    lines.append(f"- so even a free Cluster would speed the reference's step up at most "
                 f"{1 / (1 - report['cluster_share']['reference']):.2f}x")
    lines += ['', f"Target on the whole model (speed-up >= 2x by {s['judged_on']} time, memory "
                  f"ratio <= 0.5): {'met' if report['meets_target'] else 'NOT met'}; with "
                  f"with_cp: {'met' if report['meets_target_with_cp'] else 'NOT met'}.", '',
              f"{s['rounds']} alternating processes per part and implementation, {s['steps']} "
              f"timed steps each after {s['warmup']} warm-up; load average at the end "
              f"{', '.join(f'{x:.1f}' for x in s['load_average_at_end'])}.", '',
              f"Command: `{s['command']}`", '']
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    runs = {part: {name: [] for name in implementations(part)} for part in PARTS}
    for _ in range(args.rounds):
        for part in PARTS:
            for name in implementations(part):
                runs[part][name].append(run_worker(args, part, name))
    report = summarise(args, runs, runs['model']['coc'][0]['threads'])
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f"coc_speed_{args.device.split(':')[0]}")
    with open(f'{stem}.json', 'w') as f:
        json.dump(report, f, indent=2)
    with open(f'{stem}.md', 'w') as f:
        f.write(markdown(report))
    print(markdown(report))


if __name__ == '__main__':
    main()

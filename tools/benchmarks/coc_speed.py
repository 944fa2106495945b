"""Training and inference speed and step memory of coc's blocks vs the broadcast reference.

    python tools/benchmarks/coc_speed.py --threads 2 --steps 2 --rounds 2  # CPU, tiny + small
    python tools/benchmarks/coc_speed.py --batch-size 2 --size 64 --iters 1 --rounds 1  # smoke
    python tools/benchmarks/coc_speed.py --device cuda:0 --batch-size 128 --amp

For each arch (``--archs``, default tiny and small), in one run, with the same weights:
``model`` = ImageClassifier(ContextCluster) with a 1000-class head and cross-entropy, one
training step (forward + backward + AdamW step) with coc's blocks (``coc``, the default), with
``low_memory=True`` (``coc_low_memory``: the memory option, token mixers and MLPs recompute
their intermediates), with ``with_cp=True`` (``coc_cp``: activation checkpointing of whole
blocks) and with the in-repo broadcast reference (``reference``, the authors' arithmetic:
projects/coc/models/backbones/context_cluster_reference.py); plus inference (eval, no grad)
of ``coc`` and ``reference``, and with ``--amp`` (GPU) the same under ``torch.autocast``
(``--amp-dtype``). ``clusters`` = every Cluster of that network alone, one after the other,
each on the map it sees in the model: the operation the two implementations differ in most. Its
time over the model's is the share of a training step that a faster Cluster can save. Each
(arch, part, implementation) runs in its own fresh process, alternating ours / reference for
``--rounds`` rounds, so that a machine shared with other work loads both alike: compare the
*ratios*.

Speed: images per second of wall time and, on CPU, per second of the process's CPU time
(``time.process_time``). With ``--threads 1`` the CPU time is the work done, nearly immune
to other processes competing for the cores; the wall time is not.

Memory: a training step's own peak (tools/benchmarks/step_measure.py: the most allocated
during the step above what was allocated just before it), in one more step after the timed
ones; GPU allocator statistics on GPU, the resident set on CPU. Results:
``<out-dir>/coc_speed_<device type>.{json,md}``.
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys

from step_measure import measure_step, time_step

IMPLEMENTATIONS = ('coc', 'reference')
# coc with one of its memory options; the Clusters are coc's, so only the model part.
MEMORY_OPTIONS = dict(coc_low_memory=dict(low_memory=True), coc_cp=dict(with_cp=True))
PARTS = ('model', 'clusters')
LABELS = dict(coc='coc (default)', coc_low_memory='coc, low_memory', coc_cp='coc, with_cp',
              reference='broadcast reference')


def implementations(part):
    return ('coc', *MEMORY_OPTIONS, 'reference') if part == 'model' else IMPLEMENTATIONS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--archs', '--arch', nargs='+', default=['tiny', 'small'],
                        help='ContextCluster archs')
    parser.add_argument('--shape', '--size', type=int, default=224, help='square input side')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', '--iters', type=int, default=3,
                        help='timed steps per process and mode')
    parser.add_argument('--warmup', type=int, default=1, help='untimed steps per process')
    parser.add_argument('--rounds', type=int, default=2, help='processes per implementation')
    parser.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    parser.add_argument('--amp', action='store_true',
                        help='also time every mode under torch.autocast (CUDA only)')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default='float16')
    parser.add_argument('--threads', type=int,
                        help="CPU threads (torch's default if unset). On a machine loaded by "
                             'other work 1 is far steadier: busy-waiting threads that lose '
                             'their core slow small ops down 10x and more')
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    parser.add_argument('--profile', action='store_true',
                        help='after timing, profile one training step of each arch, part and '
                             'implementation into <out-dir>/coc_speed_<device type>_profile_'
                             '<arch>_<part>_<impl>.txt')
    parser.add_argument('--worker', nargs=3, metavar=('ARCH', 'PART', 'IMPL'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.amp and not args.device.startswith('cuda'):
        parser.error('--amp times CUDA autocast: add --device cuda (or cuda:N)')
    return args


def build(args, arch, implementation):
    import torch
    from mmpretrain.registry import MODELS

    from coc.models.backbones import ContextCluster, to_broadcast_reference
    torch.manual_seed(0)  # the same weights in every process
    width = ContextCluster.arch_settings[arch]['embed_dims'][-1]
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ContextCluster', arch=arch, **MEMORY_OPTIONS.get(implementation, {})),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=width)))
    if implementation == 'reference':
        to_broadcast_reference(model)
    return model.to(args.device)


def classifier_step(args, model, inputs, forward):
    """``step()``: one training step of the classifier ``model`` whose logits are
    ``forward(inputs)``: cross-entropy on random labels, backward, AdamW."""
    import torch
    import torch.nn.functional as F
    labels = torch.randint(0, 1000, (args.batch_size, ), device=args.device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        model.zero_grad(set_to_none=True)  # the gradients are allocated within the step
        F.cross_entropy(forward(inputs), labels).backward()
        optimizer.step()
    return step


def training_step(args, model, inputs):
    """``step()`` running the worker's part once: a training step of the model, or forward +
    backward of every Cluster."""
    if args.worker[1] == 'model':
        return classifier_step(args, model, inputs, lambda x: model(x, mode='tensor'))
    inputs_of = record_cluster_inputs(model, inputs)

    def step():
        model.zero_grad(set_to_none=True)
        for cluster, x in inputs_of.items():
            cluster(x).sum().backward()
    return step


def inference_step(model, inputs):
    import torch

    def step():
        with torch.inference_mode():
            model(inputs, mode='tensor')
    return step


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


def measure(args, step, autocast):
    """Warm-up, ``--steps`` timed steps, then one step for the peak (MiB): measuring the peak
    on CPU hands the free heap back first, which the next step refaults, so it is kept out
    of the timed steps."""
    with autocast():
        for _ in range(args.warmup):
            step()
        steps = [time_step(step, args.device) for _ in range(args.steps)]
        peak = measure_step(step, args.device)['peak_mib']
    return dict(wall=[s['wall_s'] for s in steps], cpu=[s['cpu_s'] for s in steps],
                peak_mib=peak)


def worker(args):
    """One (arch, part, implementation) in this process: each mode's step times and peak."""
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    if torch.device(args.device).index is not None:  # cuda:N: library handles on that GPU too
        torch.cuda.set_device(args.device)
    arch, part, implementation = args.worker
    model = build(args, arch, implementation)
    inputs = torch.randn(args.batch_size, 3, args.shape, args.shape, device=args.device)
    amp = lambda: torch.autocast('cuda', dtype=getattr(torch, args.amp_dtype))  # noqa
    modes = dict(train=(True, training_step(args, model.train(), inputs), contextlib.nullcontext))
    if part == 'model' and implementation not in MEMORY_OPTIONS:  # they only act in training
        modes['infer'] = (False, inference_step(model, inputs), contextlib.nullcontext)
    if args.amp:
        modes.update({f'{mode}_amp': (training, step, amp)
                      for mode, (training, step, _) in list(modes.items())})
    result = dict(threads=torch.get_num_threads())
    for mode, (training, step, autocast) in modes.items():
        model.train(training)
        result[mode] = measure(args, step, autocast)
    if args.profile:
        write_profile(args, model.train(), modes['train'][1])
    print(json.dumps(result))


def write_profile(args, model, step):
    """Where one training step's time goes, by operator (self time)."""
    from torch.profiler import ProfilerActivity, profile
    cuda = args.device.startswith('cuda')
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        step()
    sort_by = 'self_device_time_total' if cuda else 'self_cpu_time_total'
    path = osp.join(args.out_dir, f"coc_speed_{device_type(args)}_profile_"
                                  f"{'_'.join(args.worker)}.txt")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(path, 'w') as f:
        f.write(prof.key_averages().table(sort_by=sort_by, row_limit=20))


def device_type(args):
    return args.device.split(':')[0]


def run_worker(args, arch, part, implementation):
    command = [sys.executable, __file__, '--worker', arch, part, implementation,
               '--shape', str(args.shape), '--batch-size', str(args.batch_size),
               '--steps', str(args.steps), '--warmup', str(args.warmup), '--device', args.device,
               '--amp-dtype', args.amp_dtype]
    command += ['--threads', str(args.threads)] if args.threads else []
    command += ['--amp'] if args.amp else []
    command += ['--profile', '--out-dir', args.out_dir] if args.profile else []
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'{arch}/{part}/{implementation} worker failed:\n'
                           f'{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarise_mode(args, runs):
    """Images/s by clock and the peak over the processes of one mode."""
    entry = dict(peak_mib=max(run['peak_mib'] for run in runs))
    for clock in ('wall', 'cpu'):
        times = [t for run in runs for t in run[clock]]
        entry[f'{clock}_step_s'] = times
        entry[f'images_per_{clock}_s'] = args.batch_size / statistics.median(times)
    return entry


def summarise_part(args, runs, clock):
    """Per implementation: its results and, against the reference's training step, speed-up
    (by either clock), peak memory ratio and, for a memory option, its speed cost vs coc."""
    results = {name: {mode: summarise_mode(args, [run[mode] for run in runs[name]])
                      for mode in runs[name][0] if mode != 'threads'} for name in runs}
    ref, default = results['reference']['train'], results['coc']['train']
    key = f'images_per_{clock}_s'

    def ratios(ours):
        return dict(speedup_wall=ours['images_per_wall_s'] / ref['images_per_wall_s'],
                    speedup_cpu=ours['images_per_cpu_s'] / ref['images_per_cpu_s'],
                    memory_ratio=ours['peak_mib'] / ref['peak_mib'],
                    speed_cost=1 - ours[key] / default[key])

    return dict(results=results, ratios={name: ratios(results[name]['train'])
                                         for name in results if name != 'reference'})


def summarise_arch(args, runs, clock):
    """The target: the default step >= 2x the reference's images/s, and a memory setting (the
    default, or an option costing at most 25 % of its speed) <= 0.5x its peak. ``with_cp``
    (recompute whole blocks) is reported but does not count: it buys memory with speed."""
    parts = {part: summarise_part(args, runs[part], clock) for part in PARTS}
    model = parts['model']['ratios']
    key = f'images_per_{clock}_s'
    share = {name: parts['model']['results'][name]['train'][key] /
             parts['clusters']['results'][name]['train'][key] for name in IMPLEMENTATIONS}
    memory_settings = [name for name, r in model.items() if name != 'coc_cp'
                       and r['speed_cost'] <= 0.25 and r['memory_ratio'] <= 0.5]
    return dict(cluster_share=share, parts=parts,
                meets_speed=model['coc'][f'speedup_{clock}'] >= 2.0,
                memory_settings_meeting_target=memory_settings)


def summarise(args, runs, threads):
    clock = 'cpu' if args.device == 'cpu' and threads == 1 else 'wall'
    return dict(
        setting=dict(archs=args.archs, shape=args.shape, batch_size=args.batch_size,
                     steps=args.steps, warmup=args.warmup, rounds=args.rounds,
                     device=args.device, amp=args.amp_dtype if args.amp else None,
                     threads=threads, judged_on=clock,
                     machine=platform.processor() or platform.machine(),
                     load_average_at_end=os.getloadavg(),
                     command=' '.join(['python', *sys.argv])),
        archs={arch: summarise_arch(args, runs[arch], clock) for arch in args.archs},
        target=dict(speedup_at_least=2.0, memory_ratio_at_most=0.5,
                    memory_option_speed_cost_at_most=0.25))


def markdown(report):
    s = report['setting']
    amp = s['amp']
    header = ['arch', 'part', 'implementation', 'train images/s (wall)',
              'train images/s (CPU time)', 'train step peak (MiB)', 'inference images/s (wall)']
    if amp:
        header += [f'{amp} train images/s', f'{amp} train step peak (MiB)',
                   f'{amp} inference images/s']
    lines = [f"# CoC speed: {', '.join(s['archs'])}, {s['shape']}x{s['shape']}, batch "
             f"{s['batch_size']}, {s['device']} ({s['threads']} threads)", '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]

    def speed(r, mode):
        return f"{r[mode]['images_per_wall_s']:.2f}" if mode in r else '-'

    for arch, result in report['archs'].items():
        for part, label in (('model', 'whole model'), ('clusters', 'all Clusters alone')):
            for name in implementations(part):
                r = result['parts'][part]['results'][name]
                cells = [arch, label, LABELS[name], speed(r, 'train'),
                         f"{r['train']['images_per_cpu_s']:.2f}", f"{r['train']['peak_mib']:.0f}",
                         speed(r, 'infer')]
                if amp:
                    cells += [speed(r, 'train_amp'), f"{r['train_amp']['peak_mib']:.0f}",
                              speed(r, 'infer_amp')]
                lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    clock = s['judged_on']
    for arch, result in report['archs'].items():
        for part in PARTS:
            for name, r in result['parts'][part]['ratios'].items():
                cost = f", {100 * r['speed_cost']:.0f} % slower than coc" if name != 'coc' else ''
                lines.append(f"- {arch} {part}, {LABELS[name]}: speed-up {r['speedup_wall']:.2f}x "
                             f"wall, {r['speedup_cpu']:.2f}x CPU time; peak memory ratio "
                             f"{r['memory_ratio']:.2f}{cost}")
        for name in IMPLEMENTATIONS:
            lines.append(f"- {arch}: share of a training step spent in the Clusters ({name}, "
                         f"{clock} time): {100 * result['cluster_share'][name]:.0f}%")
        settings = result['memory_settings_meeting_target']
        lines.append(f"- {arch}: speed target (default >= 2x the reference by {clock} time): "
                     f"{'met' if result['meets_speed'] else 'NOT met'}; memory target (<= 0.5x "
                     f"the reference's peak, at most 25 % slower than the default, with_cp "
                     f"not counted): "
                     + (f"met by {', '.join(LABELS[n] for n in settings)}." if settings
                        else 'NOT met.'))
    lines += ['', f"{s['rounds']} alternating processes per arch, part and implementation, "
                  f"{s['steps']} timed steps per mode each after {s['warmup']} warm-up; "
                  f"load average at the end "
                  f"{', '.join(f'{x:.1f}' for x in s['load_average_at_end'])}.", '',
              f"Command: `{s['command']}`", '']
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    runs = {arch: {part: {name: [] for name in implementations(part)} for part in PARTS}
            for arch in args.archs}
    for _ in range(args.rounds):
        for arch in args.archs:
            for part in PARTS:
                for name in implementations(part):
                    runs[arch][part][name].append(run_worker(args, arch, part, name))
    threads = runs[args.archs[0]]['model']['coc'][0]['threads']
    report = summarise(args, runs, threads)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f'coc_speed_{device_type(args)}')
    with open(f'{stem}.json', 'w') as f:
        json.dump(report, f, indent=2)
    with open(f'{stem}.md', 'w') as f:
        f.write(markdown(report))
    print(markdown(report))


if __name__ == '__main__':
    main()

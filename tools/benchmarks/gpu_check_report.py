"""The records and the summary of tools/benchmarks/gpu_check.sh.

    python tools/benchmarks/gpu_check_report.py record OUT STEP STATUS SECONDS RC COMMAND
    python tools/benchmarks/gpu_check_report.py table OUT

``record`` writes ``OUT/STEP.json`` (step, status, seconds, rc, command, log, key) with the
step's key number read from what it wrote; a result that fails its check (a non-finite loss,
fewer iterations than planned, deterministic runs with different weights) turns the status
to ``failed``. ``table`` prints the steps as one table and writes ``OUT/summary.{md,json}``.
"""
import glob
import json
import math
import os.path as osp
import sys

HEADLINE_ITERS = 200


def train_log(out, step):
    """The last training record (iter, loss, time) and the validation records of a run."""
    paths = sorted(glob.glob(osp.join(out, step, '*', 'vis_data', 'scalars.json')))
    if not paths:
        raise FileNotFoundError(f'{step}/*/vis_data/scalars.json')
    with open(paths[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    train = [r for r in records if 'loss' in r]
    if not train:
        raise FileNotFoundError(f'{step}: no training record in {paths[-1]}')
    return train[-1], [r for r in records if 'lt/top1' in r]


def run_key(out, step, iters=None):
    last, val = train_log(out, step)
    key = f"iter {last['iter']}, loss {last['loss']:.3f}, {last['time']:.3f} s/iter"
    key += f", val top-1 {val[-1]['lt/top1']:.2f}" if val else ''
    problem = None
    if not math.isfinite(last['loss']):
        problem = 'non-finite loss'
    elif iters is not None and last['iter'] != iters:
        problem = f'{last["iter"]} iterations instead of {iters}'
    return key, problem


def coc_speed_key(out, step):
    with open(osp.join(out, step, 'coc_speed_cuda.json')) as f:
        report = json.load(f)
    keys = []
    for arch, result in report['archs'].items():
        ours = result['parts']['model']['results']['coc']
        amp = ours.get('train_amp', {}).get('images_per_wall_s', float('nan'))
        keys.append(f"{arch} {ours['train']['images_per_wall_s']:.0f} img/s ({amp:.0f} AMP), "
                    f"{result['parts']['model']['ratios']['coc']['speedup_wall']:.2f}x ref, "
                    f"{ours['train']['peak_mib']:.0f} MiB")
    return '; '.join(keys), None


def mix_step_key(out, step):
    with open(glob.glob(osp.join(out, step, 'mix_step_cuda*.json'))[0]) as f:
        result = json.load(f)
    return (f"CMO {result['seconds_per_step']['cmo']:.3f} s/step; OT faithful "
            f"{result['ratio_to_cmo']['ot_faithful']:.2f}x CMO"), None


def detection_key(out, step):
    with open(osp.join(out, step, 'result.json')) as f:
        r = json.load(f)
    key = (f"{r['seconds_per_step']:.3f} s/step, {r['peak_step_mib']:.0f} MiB, loss "
           f"{r['losses'][0]:.2f} -> {r['losses'][-1]:.2f}")
    return key, None if r['finite'] else 'non-finite loss'


def deterministic_key(out, step):
    """Run b against run a: every weight of the last checkpoint equal."""
    import torch
    states = [torch.load(osp.join(out, run, 'epoch_1.pth'), map_location='cpu',
                         weights_only=False)['state_dict']
              for run in ('deterministic_a', 'deterministic_b')]
    diff = max((states[0][k].double() - states[1][k].double()).abs().max().item()
               for k in states[0] if states[0][k].is_floating_point())
    key, problem = run_key(out, step)
    if diff == 0:
        return f'{key}; weights equal to deterministic_a', problem
    return f'{key}; weights differ from deterministic_a by up to {diff:.3g}', 'not deterministic'


KEYS = dict(
    synthetic_cifar=lambda out, step: (open(osp.join(out, f'{step}.log')).read().strip()
                                       .splitlines()[-1], None),
    coc_speed=coc_speed_key,
    mix_step=mix_step_key,
    headline_amp_float16=lambda out, step: run_key(out, step, HEADLINE_ITERS),
    headline_amp_bfloat16=lambda out, step: run_key(out, step, HEADLINE_ITERS),
    deterministic_a=run_key,
    deterministic_b=deterministic_key,
    retinanet_step=detection_key,
    mask_rcnn_step=detection_key,
    ddp_2_gpus=run_key,
)


def record(out, step, status, seconds, rc, command):
    key = '-'
    if status != 'skipped':
        try:
            key, problem = KEYS[step](out, step)
        except (OSError, IndexError, KeyError, ValueError) as err:
            key, problem = f'no result ({type(err).__name__}: {err})', None
        if problem and status == 'ok':
            status, key = 'failed', f'{problem}: {key}'
    with open(osp.join(out, f'{step}.json'), 'w') as f:
        json.dump(dict(step=step, status=status, seconds=int(seconds), rc=int(rc),
                       command=command, log=f'{step}.log', key=key), f, indent=2)


def table(out):
    rows = []
    for step in KEYS:
        path = osp.join(out, f'{step}.json')
        if osp.exists(path):
            with open(path) as f:
                rows.append(json.load(f))
    lines = [f'# GPU check ({out})', '', '| step | status | seconds | key number |',
             '|---|---|---|---|']
    lines += [f"| {r['step']} | {r['status']} | {r['seconds']} | {r['key']} |" for r in rows]
    failed = [r['step'] for r in rows if r['status'] not in ('ok', 'skipped')]
    lines += ['', f"{len(rows) - len(failed)} of {len(rows)} steps ok or skipped"
                  + (f"; not ok: {', '.join(failed)} (see their .log)" if failed else ''), '']
    with open(osp.join(out, 'summary.md'), 'w') as f:
        f.write('\n'.join(lines))
    with open(osp.join(out, 'summary.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    print('\n'.join(lines))


if __name__ == '__main__':
    command, out, *rest = sys.argv[1:]
    record(out, *rest) if command == 'record' else table(out)

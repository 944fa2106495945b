"""Loss / lr / metric curves of training runs from MMEngine's vis_data/scalars.json.

    python tools/analysis_tools/plot_curves.py WORK_DIR... [--keys loss lr lt/top1 ...]
        [--x {iter,epoch}] [--out curves.png]

WORK_DIR is a run folder of tools/train.py: its work_dir (every ``<timestamp>/vis_data/
scalars.json`` in it, in time order: a resumed run goes on in a new folder, and its records
replace the old folder's from the step it resumed at), one ``<timestamp>`` folder, a
``vis_data`` folder or a scalars.json file. One panel per key, one line per run, the legend
names the runs by their paths below the folder the runs share. A key of the training lines
(loss, lr, ...) is drawn by iteration (``--x iter``) or as the mean of each epoch's logged
values (``--x epoch``, the default for epoch-based runs); a key only the validation lines
have (the metrics) is drawn at the epoch it was measured.
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from coc.engine.launch import UsageError, run_cli

# MMEngine's LoggerHook: training records carry `iter` (and `epoch` in epoch-based runs),
# validation records only `step` (the epoch).
POSITION_KEYS = ('epoch', 'iter', 'step')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR', help='runs to plot')
    parser.add_argument('--keys', nargs='+',
                        help='keys to plot (default: loss, lr and the first validation metric)')
    parser.add_argument('--x', choices=['iter', 'epoch'],
                        help='x axis of the training keys (default: epoch for epoch-based runs)')
    parser.add_argument('--out', default='curves.png', help='picture to write (.png, .pdf, ...)')
    return parser.parse_args(argv)


def scalar_files(work_dir: str) -> List[str]:
    if osp.isfile(work_dir):
        return [work_dir]
    for pattern in ('scalars.json', osp.join('vis_data', 'scalars.json'),
                    osp.join('*', 'vis_data', 'scalars.json')):
        found = sorted(glob.glob(osp.join(glob.escape(work_dir), pattern)))
        if found:
            return found
    raise UsageError(f'{work_dir} has no vis_data/scalars.json (looked in it, in vis_data/ and '
                     'in <timestamp>/vis_data/); pass the work_dir of a tools/train.py run')


def read_run(work_dir: str) -> Dict[str, list]:
    """The run's training and validation records, resumed parts joined."""
    run = dict(train=[], val=[])
    for path in scalar_files(work_dir):
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        for kind in run:
            new = [r for r in records if ('iter' in r) == (kind == 'train')]
            if new:
                resumed_at = new[0]['step']
                run[kind] = [r for r in run[kind] if r['step'] < resumed_at] + new
    if not run['train'] and not run['val']:
        raise UsageError(f'{work_dir}: its scalars.json has no records')
    return run


def run_keys(run: Dict[str, list], kind: str) -> List[str]:
    """Keys of the run's records of that kind, in the order they were first logged."""
    keys = {key: None for r in run[kind] for key in r if key not in POSITION_KEYS}
    return list(keys)


def default_keys(run: Dict[str, list]) -> List[str]:
    metrics = run_keys(run, 'val')
    return [key for key in ('loss', 'lr') if key in run_keys(run, 'train')] + metrics[:1]


def curve(run: Dict[str, list], key: str, by: str, name: str):
    """(x, y) of one key; training keys take precedence over validation keys of that name."""
    if key in run_keys(run, 'train'):
        records = [r for r in run['train'] if key in r]
        if by == 'iter':
            return [r['step'] for r in records], [r[key] for r in records]
        epochs = sorted({r['epoch'] for r in records})
        return epochs, [np.mean([r[key] for r in records if r['epoch'] == e]) for e in epochs]
    if key in run_keys(run, 'val'):
        records = [r for r in run['val'] if key in r]
        return [r['step'] for r in records], [r[key] for r in records]
    raise UsageError(f'unknown key {key!r} for {name}; its keys: training '
                     f'{", ".join(run_keys(run, "train")) or "none"}; validation '
                     f'{", ".join(run_keys(run, "val")) or "none"}')


def run_names(work_dirs: List[str]) -> List[str]:
    paths = [osp.abspath(d) for d in work_dirs]
    if len(paths) == 1:
        return [osp.basename(paths[0])]
    common = osp.commonpath(paths)
    return [osp.relpath(p, common) if p != common else osp.basename(p) for p in paths]


def plot(runs: Dict[str, dict], keys: List[str], by: str, out: str) -> Figure:
    columns = min(3, len(keys))
    rows = -(-len(keys) // columns)
    legend_height = 0.1 + 0.3 * -(-len(runs) // 3)  # inches, 3 run names a row
    height = 3.2 * rows + legend_height
    fig = Figure(figsize=(4.5 * columns, height), dpi=100)
    FigureCanvasAgg(fig)  # Figure + Agg canvas, not pyplot: no global state
    for i, key in enumerate(keys):
        ax = fig.add_subplot(rows, columns, i + 1)
        for color, (name, run) in enumerate(runs.items()):
            x, y = curve(run, key, by, name)
            ax.plot(x, y, color=f'C{color}', label=name, marker='.' if len(x) < 50 else None)
        is_train = any(key in run_keys(run, 'train') for run in runs.values())
        ax.set_xlabel('iteration' if is_train and by == 'iter' else 'epoch')
        ax.set_title(key if is_train else f'{key} (validation)', fontsize=10)
        ax.grid(alpha=0.3)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='upper center', ncol=min(len(runs), 3), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - legend_height / height))
    fig.savefig(out)
    return fig


def main(argv=None):
    args = parse_args(argv)
    picture_types = FigureCanvasAgg.get_supported_filetypes()
    if osp.splitext(args.out)[1].lstrip('.').lower() not in picture_types:
        raise UsageError(f'--out {args.out}: unknown picture type; use one of '
                         f'{", ".join(sorted(picture_types))}')
    names = run_names(args.work_dirs)
    runs = {name: read_run(work_dir) for name, work_dir in zip(names, args.work_dirs)}
    epoch_based = {name: all('epoch' in r for r in run['train']) for name, run in runs.items()}
    by = args.x or ('epoch' if all(epoch_based.values()) else 'iter')
    if by == 'epoch' and not all(epoch_based.values()):
        iteration_based = [name for name, flag in epoch_based.items() if not flag]
        raise UsageError(f'--x epoch: {", ".join(iteration_based)} logged no epochs '
                         '(iteration-based training); use --x iter')
    keys = args.keys or default_keys(next(iter(runs.values())))
    plot(runs, keys, by, args.out)
    print(f'saved {", ".join(keys)} of {len(runs)} run(s) to {args.out}')


if __name__ == '__main__':
    run_cli(main)

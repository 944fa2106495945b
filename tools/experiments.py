"""Multi-seed experiment tables: train and test every row x seed, then report mean ± std.

    python tools/experiments.py run TABLE [--seeds 0 1 2] [--work-root work_dirs/experiments]
        [--launcher none|pytorch] [--gpus N] [--rows NAME ...] [--dry-run]
    python tools/experiments.py collect TABLE [--seeds ...] [--work-root ...]
        [--out docs/results/<table stem>]

A table (configs/experiments/*.py) defines ``rows`` and optionally ``description``, ``seeds``
and ``cfg_options``. ``run`` trains each row x seed with tools/train.py (or dist_train.sh) in
WORK_ROOT/<table>/<row>/seed_<s>/, tests its last and its best-on-validation checkpoints with
tools/test.py and writes result.json there; finished runs are skipped, a killed run resumes.
A row with ``init_from=ROW`` starts, for each seed, from that earlier row's best-on-validation
checkpoint of the same seed (``load_from``); with ``test_only=True`` too it trains nothing and
tests that row's last and best checkpoints with its own config (post-hoc methods).
``collect`` turns the result.json files into <out>.md, <out>.json and <out>.png.
docs/experiments.md has the table format and the run-dir layout.
"""
import argparse
import json
import math
import re
import runpy
import shlex
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from coc.engine.launch import USER_ERRORS, UsageError, read_config, run_cli
from mmengine.config import DictAction

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = [0, 1, 2]
ROW_KEYS = ('name', 'config', 'cfg_options', 'best_on', 'reference', 'gpus', 'init_from',
            'test_only')
BEST_LABELS = {'val': 'best on validation', 'test': 'best on test (published protocol)'}
# (key in the test metrics, column title, key in a row's ``reference``)
METRICS = [('lt/top1', 'top-1', 'top1'), ('lt/top5', 'top-5', 'top5'),
           ('lt/many', 'many', 'many'), ('lt/medium', 'medium', 'medium'),
           ('lt/few', 'few', 'few'), ('lt/mean_class', 'mean class', 'mean_class')]
TITLES = {key: title for key, title, _ in METRICS}
PLOTTED = ['lt/top1', 'lt/many', 'lt/medium', 'lt/few']


class RunFailed(Exception):
    """A training or test process failed; the finished runs stay, a rerun resumes."""


# --- the table ------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    config: str
    cfg_options: dict  # the table's shared options updated by the row's own
    best_on: str
    reference: dict
    gpus: int = None  # this row's processes per run (e.g. a DDP-8 experiment), over --gpus
    init_from: str = None  # the row whose checkpoints (same seed) this row starts from
    test_only: bool = False  # tests init_from's checkpoints instead of training

    @property
    def slug(self) -> str:
        return re.sub(r'[^a-z0-9]+', '_', self.name.lower()).strip('_')


@dataclass
class Table:
    path: Path
    description: str
    seeds: list
    rows: list

    @property
    def stem(self) -> str:
        return self.path.stem


def load_table(path: str) -> Table:
    """The table at ``path``, checked whole: a mistake in row 7 must not wait for rows 1-6."""
    path = Path(path).resolve()
    if not path.is_file():
        raise UsageError(f'table {display(path)} does not exist; name a Python file such as '
                         'configs/experiments/<name>.py')
    values = runpy.run_path(str(path))
    where = f'table {display(path)}'
    rows = values.get('rows')
    if not isinstance(rows, (list, tuple)) or not rows:
        raise UsageError(f'{where} defines no rows: add rows = [dict(name=..., config=...)]')
    seeds = values.get('seeds', DEFAULT_SEEDS)
    if not (isinstance(seeds, (list, tuple)) and seeds
            and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
        raise UsageError(f'{where}: seeds must be a non-empty list of integers, got {seeds!r}')
    shared = checked_options(values.get('cfg_options', {}), f'{where} cfg_options')
    table = Table(path, values.get('description', ''), list(seeds),
                  [load_row(row, i, shared, where) for i, row in enumerate(rows)])
    check_unique_names(table.rows, where)
    check_init_from(table.rows, where)
    return table


def load_row(row, index: int, shared: dict, where: str) -> Row:
    where = f'{where} row {index}'
    if not isinstance(row, dict):
        raise UsageError(f'{where} is {row!r}, not a dict: write dict(name=..., config=...)')
    unknown = sorted(set(row) - set(ROW_KEYS))
    if unknown:
        raise UsageError(f'{where} has unknown keys {unknown}; a row takes {list(ROW_KEYS)}')
    for key in ('name', 'config'):
        if not isinstance(row.get(key), str) or not row[key]:
            raise UsageError(f'{where} has no {key}: add {key}=\'...\' to it')
    where = f'{where} ({row["name"]!r})'
    if not (REPO / row['config']).is_file():
        raise UsageError(f'{where}: config {row["config"]} does not exist (config paths are '
                         'relative to the repository root)')
    best_on = row.get('best_on', 'val')
    if best_on not in BEST_LABELS:
        raise UsageError(f'{where}: best_on must be one of {list(BEST_LABELS)}, got {best_on!r}')
    reference = row.get('reference', {})
    numbers = [ref for _, _, ref in METRICS]
    if not (isinstance(reference, dict) and set(reference) <= {*numbers, 'source'}
            and all(isinstance(reference[k], (int, float)) for k in numbers if k in reference)):
        raise UsageError(f'{where}: reference must be a dict of numbers {numbers} and a '
                         f'source, got {reference!r}')
    gpus = row.get('gpus')
    if gpus is not None and not (type(gpus) is int and gpus > 0):
        raise UsageError(f'{where}: gpus must be a positive integer (processes of each run), '
                         f'got {gpus!r}')
    init_from, test_only = row.get('init_from'), row.get('test_only', False)
    if init_from is not None and not (isinstance(init_from, str) and init_from):
        raise UsageError(f'{where}: init_from must be the name of another row, got '
                         f'{init_from!r}')
    if not isinstance(test_only, bool) or (test_only and init_from is None):
        raise UsageError(f'{where}: test_only=True tests the checkpoints of another row: give '
                         f'init_from=\'ROW NAME\' with it (got test_only={test_only!r})')
    options = {**shared, **checked_options(row.get('cfg_options', {}), f'{where} cfg_options')}
    return Row(row['name'], row['config'], options, best_on, reference, gpus, init_from,
               test_only)


def check_unique_names(rows: list, where: str) -> None:
    seen = {}
    for row in rows:
        if not row.slug:
            raise UsageError(f'{where}: row name {row.name!r} has no letter or digit to name its '
                             'run dir by')
        if row.slug in seen:
            raise UsageError(f'{where}: rows {seen[row.slug]!r} and {row.name!r} share the run '
                             f'dir name {row.slug!r}; rename one')
        seen[row.slug] = row.name


def check_init_from(rows: list, where: str) -> None:
    """``init_from`` names an earlier row that trains: rows run in table order, so its
    checkpoints exist by the time they are needed."""
    earlier = {}
    for row in rows:
        if row.init_from is not None:
            source = earlier.get(row.init_from)
            if source is None:
                raise UsageError(f'{where}: row {row.name!r} has init_from={row.init_from!r}, '
                                 f'which is not a row above it; rows above: {list(earlier)}')
            if source.test_only:
                raise UsageError(f'{where}: row {row.name!r} starts from {source.name!r}, which '
                                 'trains nothing (test_only); start from a row that trains')
        earlier[row.name] = row


def check_row_configs(table: Table) -> None:
    """Load every row's config with its options, so a typo in a key fails now, not hours in."""
    for row in table.rows:
        try:
            read_config(str(REPO / row.config), {'randomness.seed': 0, **row.cfg_options})
        except USER_ERRORS as err:
            raise UsageError(f'table {display(table.path)} row {row.name!r}: {err}') from None


# --- config options as command-line strings --------------------------------------------------

def checked_options(options, where: str) -> dict:
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise UsageError(f'{where} must be a dict of config keys to values, got {options!r}')
    if 'randomness.seed' in options:
        raise UsageError(f'{where} sets randomness.seed; each run\'s seed comes from --seeds '
                         '(or the table\'s seeds)')
    for key, value in options.items():
        option_string(key, value, where)
    return dict(options)


def option_string(key: str, value, where: str = 'cfg_options') -> str:
    """``key=value`` that MMEngine's DictAction (``--cfg-options``) parses back to ``value``."""
    if isinstance(value, dict):
        raise UsageError(f'{where}: {key} is a dict, which --cfg-options cannot pass; set its '
                         f'keys one by one, e.g. {key}.{next(iter(value), "name")}=...')
    kinds = 'a number, bool, None, a string without spaces or commas, or a list/tuple of those'
    text = option_text(value)
    if text is None:
        raise UsageError(f'{where}: {key}={value!r} cannot go through --cfg-options; use {kinds}')
    parsed = DictAction._parse_iterable(text)
    if parsed != value or type(parsed) is not type(value):
        raise UsageError(f'{where}: {key}={value!r} cannot go through --cfg-options unchanged '
                         f'(it would be read back as {parsed!r}); use {kinds}')
    return f'{key}={text}'


def option_text(value):
    if isinstance(value, (list, tuple)):
        items = [option_text(v) for v in value]
        if None in items:
            return None
        inner = ','.join(items)
        return f'[{inner}]' if isinstance(value, list) else f'({inner})'
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    return value if isinstance(value, str) else None


# --- runs and their commands -----------------------------------------------------------------

@dataclass
class Run:
    row: Row
    seed: int
    dir: Path
    gpus: int = None  # None: tools/*.py in one process; N: tools/dist_*.sh with N processes
    source: object = None  # the Run of row.init_from with the same seed

    @property
    def label(self) -> str:
        return f'{self.row.name} seed {self.seed}'

    @property
    def options(self) -> list:
        return [option_string(k, v) for k, v in self.row.cfg_options.items()]


class Unquoted(str):
    """A shell expression that --dry-run prints as is (a checkpoint named only after training)."""


def shell_line(command: list) -> str:
    return ' '.join(a if isinstance(a, Unquoted) else shlex.quote(a) for a in command)


def tool_command(gpus, tool: str, positional: list, options: list) -> list:
    if gpus is None:
        return [sys.executable, f'tools/{tool}.py', *positional, *options]
    # dist_*.sh start $PYTHON (default: python), which must be the interpreter running us.
    return ['env', f'PYTHON={sys.executable}', 'bash', f'tools/dist_{tool}.sh', *positional,
            str(gpus), *options]


def train_command(run: Run, resume: bool, load_from=None) -> list:
    """``load_from``: the checkpoint a fresh run starts from (a resumed one has its own)."""
    loaded = [] if resume or load_from is None else [
        load_from if isinstance(load_from, Unquoted) else f'load_from={load_from}']
    options = ['--work-dir', display(run.dir), *(['--resume'] if resume else []),
               '--cfg-options', f'randomness.seed={run.seed}', *run.options, *loaded]
    return tool_command(run.gpus, 'train', [run.row.config], options)


def test_command(run: Run, checkpoint: str, which: str) -> list:
    options = ['--work-dir', display(run.dir / f'test_{which}'),
               '--dump-metrics', display(run.dir / f'test_{which}.json')]
    if run.options:
        options += ['--cfg-options', *run.options]
    return tool_command(run.gpus, 'test', [run.row.config, checkpoint], options)


def plan_runs(table: Table, seeds: list, work_root: Path, names=None, gpus=None) -> list:
    rows = table.rows
    if names:
        unknown = sorted(set(names) - {row.name for row in rows})
        if unknown:
            raise UsageError(f'--rows {unknown} not in table {display(table.path)}; its rows: '
                             f'{[row.name for row in rows]}')
        rows = [row for row in rows if row.name in names]
    def run_of(row: Row, seed: int) -> Run:
        return Run(row, seed, work_root / table.stem / row.slug / f'seed_{seed}', row.gpus or gpus)

    by_name = {row.name: row for row in table.rows}
    runs = [run_of(row, seed) for row in rows for seed in seeds]
    for run in runs:
        if run.row.init_from is not None:
            run.source = run_of(by_name[run.row.init_from], run.seed)
    return runs


def is_finished(run: Run) -> bool:
    return (run.dir / 'result.json').is_file()


def is_trained(run: Run) -> bool:
    return (run.dir / 'train_done.json').is_file()


def same_settings(result: dict, row: Row) -> bool:
    return (result['config'] == row.config
            and result['cfg_options'] == json.loads(json.dumps(row.cfg_options))
            and result.get('init_from') == row.init_from
            and result.get('test_only', False) == row.test_only)


def source_checkpoints(run: Run) -> dict:
    """The last and best checkpoints of the run ``run`` starts from; a clear error while that
    run is not finished."""
    source = run.source
    if not is_finished(source):
        raise RunFailed(f'{run.label} starts from {source.label}, which has not finished '
                        f'({display(source.dir / "result.json")} is missing): run row '
                        f'{source.row.name!r} first (python tools/experiments.py run TABLE '
                        f'--rows {shlex.quote(source.row.name)} --seeds {run.seed})')
    names = json.loads((source.dir / 'result.json').read_text())['checkpoints']
    paths = {which: names.get(which) and source.dir / names[which] for which in ('last', 'best')}
    for which, path in paths.items():
        if path is not None and not path.is_file():
            raise RunFailed(f'the {which} checkpoint of {source.label}, {display(path)}, is gone; '
                            f'delete {display(source.dir)} and run that row again')
    return paths


def best_source_checkpoint(run: Run) -> Path:
    best = source_checkpoints(run)['best']
    if best is None:
        raise RunFailed(f'{run.label} starts from the best checkpoint of {run.source.label}, '
                        'which has none (its config\'s CheckpointHook has no save_best)')
    return best


def planned_source_checkpoints(run: Run) -> dict:
    """For --dry-run: the source run's checkpoints, or shell expressions that name them once
    that run has trained."""
    if is_finished(run.source):
        return {which: display(path) for which, path in source_checkpoints(run).items() if path}
    quoted = shlex.quote(display(run.source.dir))
    return {'last': Unquoted(f'"$(cat {quoted}/last_checkpoint)"'),
            'best': Unquoted(f'"$(ls {quoted}/best_*.pth)"')}


# --- run -------------------------------------------------------------------------------------

def print_commands(runs: list) -> None:
    """What ``run`` would execute, as a shell script (comments name the runs)."""
    for index, run in enumerate(runs, 1):
        print(f'# [run {index}/{len(runs)}] {run.label}')
        if is_finished(run):
            print(f'# finished ({display(run.dir / "result.json")}): skipped')
            continue
        quoted = shlex.quote(display(run.dir))
        checkpoints = {'last': Unquoted(f'"$(cat {quoted}/last_checkpoint)"'),
                       'best': Unquoted(f'"$(ls {quoted}/best_*.pth)"')}
        if run.row.test_only:
            checkpoints = planned_source_checkpoints(run)
        elif not is_trained(run):
            resume = (run.dir / 'last_checkpoint').is_file()
            load_from = None
            if run.source is not None:
                best = planned_source_checkpoints(run)['best']
                load_from = Unquoted(f'load_from={best}') if isinstance(best, Unquoted) else best
            print(shell_line(train_command(run, resume, load_from)))
        for which, checkpoint in checkpoints.items():
            print(shell_line(test_command(run, checkpoint, which)))


def run_all(runs: list) -> None:
    pending = sum(not is_finished(run) for run in runs)
    durations = []
    for index, run in enumerate(runs, 1):
        head = f'[run {index}/{len(runs)}] {run.label}'
        if is_finished(run):
            print(f'{head}: skip (finished: {display(run.dir / "result.json")})'
                  + skip_warning(run), flush=True)
            continue
        print(head, flush=True)
        started = time.monotonic()
        execute(run)
        durations.append(time.monotonic() - started)
        left = pending - len(durations)
        eta = (f'runs left: {left}, ETA {duration(statistics.mean(durations) * left)}' if left
               else 'no runs left')
        print(f'{head}: done in {duration(durations[-1])}; {eta}', flush=True)


def skip_warning(run: Run) -> str:
    result = json.loads((run.dir / 'result.json').read_text())
    if same_settings(result, run.row):
        return ''
    return ('; WARNING: it ran with other settings than the table now has (collect leaves it '
            'out): delete its dir to rerun it')


def execute(run: Run) -> None:
    run.dir.mkdir(parents=True, exist_ok=True)
    if run.row.test_only:
        train_seconds, load_from = None, None
        checkpoints = source_checkpoints(run)
    else:
        load_from = None if run.source is None else best_source_checkpoint(run)
        train_seconds = train(run, load_from)
        checkpoints = {'last': last_checkpoint(run), 'best': best_checkpoint(run)}
    started = time.monotonic()
    if checkpoints['best'] is None:
        print(f'  no best checkpoint in {display(run.dir)} (the config\'s CheckpointHook has no '
              'save_best): best = null', flush=True)
    metrics = {which: test(run, checkpoint, which) if checkpoint else None
               for which, checkpoint in checkpoints.items()}
    write_json(run.dir / 'result.json', dict(
        row=run.row.name, seed=run.seed, config=run.row.config, cfg_options=run.row.cfg_options,
        best_on=run.row.best_on, gpus=run.gpus, init_from=run.row.init_from,
        test_only=run.row.test_only, load_from=load_from and display(load_from),
        # a test-only run's checkpoints are in its init_from run's dir
        checkpoints={which: c and (display(c) if run.row.test_only else c.name)
                     for which, c in checkpoints.items()},
        last=metrics['last'], best=metrics['best'],
        seconds=dict(train=train_seconds, test=time.monotonic() - started)))


def train(run: Run, load_from: Path = None) -> float:
    """Seconds of the training invocation that finished it (a resumed run: the last part)."""
    done = run.dir / 'train_done.json'
    if done.is_file():
        return json.loads(done.read_text())['seconds']
    resume = (run.dir / 'last_checkpoint').is_file()
    started = time.monotonic()
    call(run, train_command(run, resume, load_from and display(load_from)), 'training')
    seconds = time.monotonic() - started
    write_json(done, dict(seconds=seconds, resumed=resume))
    return seconds


def test(run: Run, checkpoint: Path, which: str) -> dict:
    call(run, test_command(run, display(checkpoint), which), f'test of the {which} '
         'checkpoint')
    return json.loads((run.dir / f'test_{which}.json').read_text())


def last_checkpoint(run: Run) -> Path:
    pointer = run.dir / 'last_checkpoint'  # written by MMEngine's CheckpointHook
    if not pointer.is_file():
        raise RunFailed(f'training of {run.label} saved no checkpoint ({display(pointer)} is '
                        'missing); the config needs a CheckpointHook')
    return Path(pointer.read_text().strip())


def best_checkpoint(run: Run):
    # CheckpointHook(save_best=KEY) keeps one best_<KEY with / as _>_<epoch_N>.pth per key.
    found = sorted(run.dir.glob('best_*.pth'))
    if len(found) > 1:
        raise RunFailed(f'{display(run.dir)} has several best checkpoints '
                        f'{[p.name for p in found]} (save_best names several metrics); keep one '
                        'metric in save_best, or delete the others, and run again')
    return found[0] if found else None


def call(run: Run, command: list, what: str) -> None:
    log = run.dir / 'run.log'
    with log.open('a') as stream:
        stream.write(f'$ {shell_line(command)}\n')
        stream.flush()
        code = subprocess.call(command, cwd=REPO, stdout=stream, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    if code != 0:
        raise RunFailed(f'{what} of {run.label} exited with status {code} in {display(run.dir)}; '
                        f'its log {display(log)} ends with: {last_line(log)} -- finished runs '
                        'are kept, run again to continue')


def last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors='replace').splitlines()]
    return next((line for line in reversed(lines) if line), '(empty)')[:300]


# --- collect ---------------------------------------------------------------------------------

def collect_rows(table: Table, runs: list) -> list:
    by_row = {}
    for run in runs:
        by_row.setdefault(run.row.name, []).append(run)
    return [summarize_row(row, by_row[row.name]) for row in table.rows]


def summarize_row(row: Row, runs: list) -> dict:
    results, stale = {}, []
    for run in runs:
        if is_finished(run):
            result = json.loads((run.dir / 'result.json').read_text())
            if same_settings(result, row):
                results[run.seed] = result
            else:
                stale.append(run.seed)
    seeds = [run.seed for run in runs]
    return dict(name=row.name, label=row_label(row.name, seeds, list(results), stale),
                config=row.config, cfg_options=row.cfg_options, best_on=row.best_on,
                best_label=BEST_LABELS[row.best_on], reference=row.reference,
                seeds=seeds, seeds_finished=list(results), seeds_stale=stale,
                # the --gpus of the run command (a row's own gpus are not from it)
                gpus=[] if row.gpus else sorted({r.get('gpus') for r in results.values()}, key=str),
                last=summarize_checkpoints(results, 'last'),
                best=summarize_checkpoints(results, 'best'))


def row_label(name: str, seeds: list, finished: list, stale: list) -> str:
    if len(finished) == len(seeds):
        return name
    missing = [s for s in seeds if s not in finished and s not in stale]
    notes = [f'{seed_list(missing)} missing'] if missing else []
    if stale:
        notes.append(f'{seed_list(stale)} run with other settings, left out')
    return f'{name} (n={len(finished)} of {len(seeds)}: {"; ".join(notes)})'


def seed_list(seeds: list) -> str:
    return ('seed ' if len(seeds) == 1 else 'seeds ') + ', '.join(map(str, seeds))


def summarize_checkpoints(results: dict, which: str) -> dict:
    tested = {seed: r[which] for seed, r in results.items() if r.get(which) is not None}
    return dict(n=len(tested), metrics={
        key: summarize({seed: m[key] for seed, m in tested.items() if key in m})
        for key, _, _ in METRICS})


def summarize(values: dict) -> dict:
    """Mean and sample standard deviation (ddof=1; None for fewer than 2 seeds)."""
    numbers = list(values.values())
    return dict(n=len(numbers), mean=statistics.mean(numbers) if numbers else None,
                std=statistics.stdev(numbers) if len(numbers) > 1 else None,
                values={str(seed): v for seed, v in values.items()})


def reproducing_commands(table: Table, seeds: list, work_root: Path, out: Path,
                         rows: list) -> list:
    common = (f'{shlex.quote(display(table.path))} --seeds {" ".join(map(str, seeds))} '
              f'--work-root {shlex.quote(display(work_root))}')
    gpus = {g for row in rows for g in row['gpus']} or {None}
    runs = [f'python tools/experiments.py run {common}'
            + (f' --launcher pytorch --gpus {g}' if g else '') for g in sorted(gpus, key=str)]
    return runs + [f'python tools/experiments.py collect {common} --out '
                   f'{shlex.quote(display(out))}']


def cell(stats: dict, n: int) -> str:
    if not stats['n']:
        return '-'
    std = '-' if stats['std'] is None else f'{stats["std"]:.2f}'
    fewer = f' (n={stats["n"]})' if stats['n'] != n else ''
    return f'{stats["mean"]:.2f} ± {std}{fewer}'


def markdown(table: Table, seeds: list, commands: list, rows: list, png_name: str) -> str:
    lines = [f'# {table.stem}', '']
    if table.description:
        lines += [table.description.strip(), '']
    lines += ['Produced by:', '', '```bash', *commands, '```', '',
              f'Seeds: {", ".join(map(str, seeds))}. Test accuracy in %, mean ± sample standard '
              'deviation (ddof=1; `-` for a single seed) over the finished seeds; n = seeds '
              'that went into the mean. A row with fewer finished seeds than asked says which '
              'are missing.', '',
              '| row | checkpoint | n | ' + ' | '.join(TITLES.values()) + ' |',
              '|---|---|---|' + '---|' * len(METRICS)]
    for row in rows:
        for i, which in enumerate(('last', 'best')):
            summary = row[which]
            label = 'last' if which == 'last' else row['best_label']
            cells = [cell(summary['metrics'][key], summary['n']) for key, _, _ in METRICS]
            lines.append(f'| {row["label"] if i == 0 else ""} | {label} | {summary["n"]} | '
                         + ' | '.join(cells) + ' |')
        if row['reference']:
            ref = row['reference']
            cells = [f'{ref[r]:.2f}' if r in ref else '-' for _, _, r in METRICS]
            lines.append(f'|  | reference: {ref.get("source", "no source given")} |  | '
                         + ' | '.join(cells) + ' |')
    lines += ['', f'![top-1 and shot-group accuracy per row]({png_name})', '']
    return '\n'.join(lines)


def plot(rows: list, title: str, path: Path) -> None:
    """Bars of top-1 / many / medium / few per row, error bars = std over seeds; the best
    checkpoint where there is one, else the last."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(max(6.0, 1.6 * len(rows) + 1.5), 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(PLOTTED)
    shown = [row['best'] if row['best']['n'] else row['last'] for row in rows]
    for j, key in enumerate(PLOTTED):
        stats = [summary['metrics'][key] for summary in shown]
        means = [math.nan if s['mean'] is None else s['mean'] for s in stats]
        errors = [s['std'] or 0.0 for s in stats]
        positions = [i + (j - (len(PLOTTED) - 1) / 2) * width for i in range(len(rows))]
        ax.bar(positions, means, width, yerr=errors, capsize=3, label=TITLES[key])
    ax.set_xticks(range(len(rows)), [
        # Wrapped: long row names would run into their neighbours.
        f'{textwrap.fill(row["name"], 18)}\n'
        f'({"best" if row["best"]["n"] else "last"}, n={summary["n"]})'
        for row, summary in zip(rows, shown)])
    ax.set_ylabel('test accuracy (%)')
    ax.set_ylim(0, 115)  # room above 100 for the legend
    ax.set_title(title)
    ax.legend(fontsize='small', ncol=len(PLOTTED), loc='upper center')
    fig.tight_layout()
    fig.savefig(path)


# --- command line ----------------------------------------------------------------------------

def display(path) -> str:
    """A path as the commands use it: relative to the repository root (their cwd) if inside."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f'{hours}h {minutes:02d}m' if hours else f'{minutes}m {secs:02d}s'


def write_json(path: Path, data) -> None:
    # Written aside and renamed: a run counts as finished iff result.json exists, so a kill
    # mid-write must not leave half a file.
    partial = path.with_name(path.name + '.partial')
    partial.write_text(json.dumps(data, indent=2) + '\n')
    partial.replace(path)


def command_run(args) -> None:
    if args.gpus is not None and (args.launcher != 'pytorch' or args.gpus < 1):
        raise UsageError(f'--gpus {args.gpus}: give a positive number of processes, with '
                         '--launcher pytorch')
    table = load_table(args.table)
    gpus = (args.gpus or 1) if args.launcher == 'pytorch' else None
    runs = plan_runs(table, args.seeds or table.seeds, Path(args.work_root).resolve(), args.rows,
                     gpus)
    check_row_configs(table)
    if args.dry_run:
        print_commands(runs)
    else:
        run_all(runs)


def command_collect(args) -> None:
    table = load_table(args.table)
    seeds = args.seeds or table.seeds
    work_root = Path(args.work_root).resolve()
    runs = plan_runs(table, seeds, work_root)
    rows = collect_rows(table, runs)
    if not any(row['seeds_finished'] for row in rows):
        raise UsageError(f'nothing finished under {display(work_root / table.stem)} for seeds '
                         f'{seeds}: run python tools/experiments.py run {display(table.path)} '
                         'first')
    out = Path(args.out or f'docs/results/{table.stem}').resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    commands = reproducing_commands(table, seeds, work_root, out, rows)
    files = {ext: out.with_name(f'{out.name}.{ext}') for ext in ('md', 'json', 'png')}
    files['md'].write_text(markdown(table, seeds, commands, rows, files['png'].name))
    files['json'].write_text(json.dumps(dict(
        table=display(table.path), description=table.description, seeds=seeds,
        commands=commands, rows=rows), indent=2) + '\n')
    plot(rows, f'{table.stem}: mean ± std over seeds', files['png'])
    print(f'wrote {display(out)}.md, .json and .png')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Multi-seed experiment tables')
    commands = parser.add_subparsers(dest='command', required=True)
    run = commands.add_parser('run', help='train and test every row x seed of a table')
    collect = commands.add_parser('collect', help='mean ± std per row from the finished runs')
    for sub in (run, collect):
        sub.add_argument('table', help='a table file, e.g. configs/experiments/cifar10lt_cpu.py')
        sub.add_argument('--seeds', nargs='+', type=int,
                         help=f'seeds (default: the table\'s seeds, else {DEFAULT_SEEDS})')
        sub.add_argument('--work-root', default='work_dirs/experiments',
                         help='runs go to WORK_ROOT/<table>/<row>/seed_<s>/')
    run.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                     help='pytorch: tools/dist_train.sh / dist_test.sh with --gpus processes')
    run.add_argument('--gpus', type=int, help='processes per run with --launcher pytorch')
    run.add_argument('--rows', nargs='+', metavar='NAME', help='only these rows')
    run.add_argument('--dry-run', action='store_true',
                     help='print the commands (a shell script) and run nothing')
    collect.add_argument('--out', help='writes OUT.md, OUT.json, OUT.png (default: '
                                       'docs/results/<table stem>)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        (command_run if args.command == 'run' else command_collect)(args)
    except RunFailed as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    run_cli(main)

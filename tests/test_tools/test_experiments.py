"""tools/experiments.py: a multi-seed table runs, skips, resumes, prints its commands, and
``collect`` reports mean ± std and n."""
import argparse
import contextlib
import io
import json
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import DictAction

from coc.engine.launch import run_cli

REPO = Path(__file__).resolve().parents[2]
DEMO = 'configs/demo/resnet_digits_lt.py'
HELPERS_ON_PATH = dict(PYTHONPATH=str(REPO / 'tests' / 'helpers'))
# A quarter-width demo ResNet (4 base channels): the runs cost little beyond starting Python.
TINY = {'model.backbone.stem_channels': 4, 'model.backbone.base_channels': 4,
        'model.head.in_channels': 32, 'train_cfg.val_interval': 1}
KILL_IN_EPOCH_2 = {'+custom_imports.imports': ['kill_mid_epoch_hook'],
                   '+default_hooks.kill.type': 'KillMidEpochHook',
                   '+default_hooks.kill.epoch': 1, '+default_hooks.kill.batch_idx': 3}
METRIC_KEYS = {'lt/top1', 'lt/top5', 'lt/many', 'lt/medium', 'lt/few', 'lt/mean_class'}


@pytest.fixture(scope='module')
def experiments(load_tool):
    return load_tool('experiments.py')


def write_table(path: Path, rows, **settings) -> Path:
    lines = [f'{key} = {value!r}' for key, value in settings.items()] + [f'rows = {rows!r}']
    path.write_text('\n'.join(lines) + '\n')
    return path


def run_experiments(*args, env=None):
    return subprocess.run([sys.executable, 'tools/experiments.py', *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def invoke(experiments, *argv):
    """The tool in this process (no second start of Python): exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run_cli(lambda: experiments.main([str(a) for a in argv]))
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def commands_in(dry_run_output: str) -> list:
    return [line for line in dry_run_output.splitlines() if line and not line.startswith('#')]


def run_dir(work_root: Path, table: str, row: str, seed: int) -> Path:
    return work_root / table / row / f'seed_{seed}'


# --- run -------------------------------------------------------------------------------------

def tiny_rows(kill: bool) -> list:
    """Row 'CE' trains 1 epoch; row 'CE 2 epochs' 2, and with ``kill`` it dies in epoch 2."""
    return [dict(name='CE', config=DEMO, cfg_options={'train_cfg.max_epochs': 1}),
            dict(name='CE 2 epochs', config=DEMO,
                 cfg_options={'train_cfg.max_epochs': 2, **(KILL_IN_EPOCH_2 if kill else {})})]


@pytest.fixture(scope='module')
def table_runs(experiments, tmp_path_factory):
    """A 2-row x 2-seed table (the tests below share it: 13 short tool processes). The first
    ``run`` finishes CE's two seeds, then its training of 'CE 2 epochs' seed 0 is killed in
    epoch 2; the second ``run`` skips the two finished runs, resumes the killed one and does
    the last."""
    root = tmp_path_factory.mktemp('table')
    table, work_root = root / 'tiny.py', root / 'work'
    with pytest.MonkeyPatch.context() as env:
        env.setenv('OMP_NUM_THREADS', '1')  # on 2 shared cores a second thread only waits
        write_table(table, tiny_rows(kill=True), cfg_options=TINY)
        first = run_experiments('run', table, '--seeds', 0, 1, '--work-root', work_root,
                                env=HELPERS_ON_PATH)
        logs = {seed: (run_dir(work_root, 'tiny', 'ce', seed) / 'run.log').read_text()
                for seed in (0, 1)}
        killed = run_dir(work_root, 'tiny', 'ce_2_epochs', 0)
        state = dict(result_exists=(killed / 'result.json').exists(),
                     epoch_1_mtime=(killed / 'epoch_1.pth').stat().st_mtime_ns,
                     epoch_2_exists=(killed / 'epoch_2.pth').exists())
        write_table(table, tiny_rows(kill=False), cfg_options=TINY)
        code, second, err = invoke(experiments, 'run', table, '--seeds', 0, 1,
                                   '--work-root', work_root)
    assert code == 0, second[-3000:] + err[-3000:]
    return dict(table=table, work_root=work_root, first=first, second=second,
                logs_after_first=logs, killed_state=state)


def test_a_two_by_two_table_runs_end_to_end(table_runs):
    for row, epochs in (('ce', 1), ('ce_2_epochs', 2)):
        for seed in (0, 1):
            run = run_dir(table_runs['work_root'], 'tiny', row, seed)
            record = json.loads((run / 'result.json').read_text())
            assert record['seed'] == seed and record['config'] == DEMO
            assert METRIC_KEYS <= record['last'].keys() and METRIC_KEYS <= record['best'].keys()
            assert record['checkpoints']['last'] == f'epoch_{epochs}.pth'
            assert record['checkpoints']['best'].startswith('best_lt_top1_epoch_')
            assert (run / record['checkpoints']['best']).is_file()
            assert f'randomness.seed={seed}' in train_lines(run)[-1]
    progress = table_runs['second'].splitlines()
    assert [line.split(':')[0] for line in progress if line.startswith('[run')] == [
        '[run 1/4] CE seed 0', '[run 2/4] CE seed 1', '[run 3/4] CE 2 epochs seed 0',
        '[run 3/4] CE 2 epochs seed 0', '[run 4/4] CE 2 epochs seed 1',
        '[run 4/4] CE 2 epochs seed 1']
    done_3 = next(line for line in progress if line.startswith('[run 3/4] CE 2 epochs seed 0: d'))
    assert 'runs left: 1, ETA ' in done_3 and progress[-1].endswith('no runs left')
    assert 'Epoch(train)' not in table_runs['second']  # the tools' logs go to run.log


def train_lines(run: Path) -> list:
    return [line for line in (run / 'run.log').read_text().splitlines()
            if line.startswith('$ ') and 'tools/train.py' in line]


def test_a_second_run_skips_finished_runs(table_runs):
    second = table_runs['second']
    assert '[run 1/4] CE seed 0: skip' in second and '[run 2/4] CE seed 1: skip' in second
    for seed, log in table_runs['logs_after_first'].items():  # not trained or tested again
        assert (run_dir(table_runs['work_root'], 'tiny', 'ce', seed) / 'run.log').read_text() \
            == log


def test_a_failing_run_stops_with_one_line_naming_its_log(table_runs):
    first = table_runs['first']
    run = run_dir(table_runs['work_root'], 'tiny', 'ce_2_epochs', 0)
    assert first.returncode == 1
    error = first.stderr.strip().splitlines()[-1]
    assert error.startswith('error: training of CE 2 epochs seed 0 exited with status 37')
    assert str(run / 'run.log') in error
    assert '[run 4/4]' not in first.stdout


def test_a_killed_run_resumes_from_its_last_checkpoint(table_runs):
    state = table_runs['killed_state']
    assert not state['result_exists'] and not state['epoch_2_exists']
    run = run_dir(table_runs['work_root'], 'tiny', 'ce_2_epochs', 0)
    lines = train_lines(run)
    assert len(lines) == 2 and '--resume' not in lines[0] and '--resume' in lines[1]
    assert 'resumed epoch: 1' in (run / 'run.log').read_text()
    assert (run / 'epoch_1.pth').stat().st_mtime_ns == state['epoch_1_mtime']  # not retrained
    assert json.loads((run / 'train_done.json').read_text())['resumed'] is True


def test_collect_averages_the_finished_runs(experiments, table_runs, tmp_path):
    work_root = table_runs['work_root']
    code, _, err = invoke(experiments, 'collect', table_runs['table'], '--seeds', 0, 1,
                          '--work-root', work_root, '--out', tmp_path / 'tiny')
    assert code == 0, err
    summary = json.loads((tmp_path / 'tiny.json').read_text())
    top1 = [json.loads((run_dir(work_root, 'tiny', 'ce', s) / 'result.json').read_text())
            ['last']['lt/top1'] for s in (0, 1)]
    stats = summary['rows'][0]['last']['metrics']['lt/top1']
    assert stats['n'] == 2 and stats['mean'] == pytest.approx(sum(top1) / 2)
    assert (tmp_path / 'tiny.png').read_bytes()[:4] == b'\x89PNG'
    assert 'python tools/experiments.py run' in (tmp_path / 'tiny.md').read_text()


def test_dry_run_prints_train_and_two_tests_per_run_and_creates_nothing(experiments, tmp_path):
    options = {'train_cfg.max_epochs': 1, 'model.head.topk': (1, 5),
               'model.data_preprocessor.mean': [127.5, 127.5, 127.5],
               'randomness.deterministic': True, 'load_from': None,
               '+train_dataloader.dataset.profile': 'exp'}
    table = write_table(tmp_path / 'plan.py', [dict(name='A', config=DEMO),
                                               dict(name='B', config=DEMO)],
                        cfg_options=options, seeds=[3, 4])
    work_root = tmp_path / 'work'
    code, out, err = invoke(experiments, 'run', table, '--work-root', work_root,
                            '--dry-run')
    assert code == 0, err
    lines = commands_in(out)
    assert len(lines) == 12
    for i, (row, seed) in enumerate([('a', 3), ('a', 4), ('b', 3), ('b', 4)]):
        train, test_last, test_best = (shlex.split(line) for line in lines[3 * i:3 * i + 3])
        assert train[1:3] == ['tools/train.py', DEMO]
        assert train[train.index('--work-dir') + 1] == str(run_dir(work_root, 'plan', row, seed))
        assert parsed_cfg_options(train) == {'randomness.seed': seed, **options}
        assert test_last[1] == 'tools/test.py' and 'last_checkpoint' in test_last[3]
        assert test_best[1] == 'tools/test.py' and 'best_*.pth' in test_best[3]
        assert parsed_cfg_options(test_best) == options
    assert not work_root.exists()


def test_a_row_with_its_own_gpus_runs_that_many_processes(experiments, tmp_path):
    table = write_table(tmp_path / 'ddp.py', [dict(name='one', config=DEMO),
                                              dict(name='ddp8', config=DEMO, gpus=8)], seeds=[0])
    code, out, err = invoke(experiments, 'run', table, '--work-root', tmp_path, '--dry-run')
    assert code == 0, err
    one, ddp8 = [[shlex.split(line) for line in commands_in(out)[i:i + 3]] for i in (0, 3)]
    assert [c[1] for c in one] == ['tools/train.py', 'tools/test.py', 'tools/test.py']
    assert [c[2:4] for c in ddp8] == [['bash', 'tools/dist_train.sh']] + \
        [['bash', 'tools/dist_test.sh']] * 2
    assert ddp8[0][5] == '8' and ddp8[1][6] == '8' and ddp8[2][6] == '8'  # after CONFIG [CKPT]
    assert ddp8[0][1] == f'PYTHON={sys.executable}'


def second_stage_rows() -> list:
    """CE as in the tiny table, a post-hoc row on its checkpoints, a row trained from it."""
    return [tiny_rows(kill=False)[0],
            dict(name='post hoc', config=DEMO, init_from='CE', test_only=True),
            dict(name='from CE', config=DEMO, init_from='CE',
                 cfg_options={'train_cfg.max_epochs': 1})]


def test_rows_that_start_from_another_row_use_its_same_seed_checkpoints(experiments,
                                                                        table_runs, tmp_path):
    work_root = table_runs['work_root']
    table = write_table(tmp_path / 'tiny.py', second_stage_rows(), cfg_options=TINY)
    ce = {seed: json.loads((run_dir(work_root, 'tiny', 'ce', seed) / 'result.json').read_text())
          for seed in (0, 1)}
    code, out, err = invoke(experiments, 'run', table, '--seeds', 0, 1, '--work-root',
                            work_root, '--rows', 'post hoc', 'from CE', '--dry-run')
    assert code == 0, err
    lines = [shlex.split(line) for line in commands_in(out)]
    assert len(lines) == 2 * 2 + 3 * 2  # post hoc: two tests per seed; from CE: train + tests
    for seed in (0, 1):
        ce_dir = run_dir(work_root, 'tiny', 'ce', seed)
        test_last, test_best = lines[2 * seed:2 * seed + 2]
        assert test_last[3] == str(ce_dir / ce[seed]['checkpoints']['last'])
        assert test_best[3] == str(ce_dir / ce[seed]['checkpoints']['best'])
        train = lines[4 + 3 * seed]
        assert train[1] == 'tools/train.py'
        assert parsed_cfg_options(train)['load_from'] == str(
            ce_dir / ce[seed]['checkpoints']['best'])

    with pytest.MonkeyPatch.context() as env:
        env.setenv('OMP_NUM_THREADS', '1')
        code, out, err = invoke(experiments, 'run', table, '--seeds', 0, '--work-root',
                                work_root, '--rows', 'post hoc', 'from CE')
    assert code == 0, out[-3000:] + err[-3000:]
    post_hoc = json.loads((run_dir(work_root, 'tiny', 'post_hoc', 0) / 'result.json').read_text())
    ce_dir = run_dir(work_root, 'tiny', 'ce', 0)
    assert post_hoc['checkpoints'] == {k: str(ce_dir / v) for k, v in ce[0]['checkpoints'].items()}
    # The same checkpoints tested with the same config: the CE run's numbers, to the digit.
    assert post_hoc['last'] == ce[0]['last'] and post_hoc['best'] == ce[0]['best']
    assert not (run_dir(work_root, 'tiny', 'post_hoc', 0) / 'train_done.json').exists()
    from_ce = run_dir(work_root, 'tiny', 'from_ce', 0)
    best = str(ce_dir / ce[0]['checkpoints']['best'])
    assert f'load_from={best}' in train_lines(from_ce)[0]
    assert f'Load checkpoint from {best}' in (from_ce / 'run.log').read_text()
    assert json.loads((from_ce / 'result.json').read_text())['load_from'] == best


def test_a_row_whose_source_has_not_run_names_the_row_to_run_first(experiments, tmp_path):
    table = write_table(tmp_path / 'tiny.py', second_stage_rows())
    code, out, err = invoke(experiments, 'run', table, '--seeds', 3, '--work-root', tmp_path,
                            '--rows', 'post hoc')
    assert code == 1
    assert err.startswith('error: post hoc seed 3 starts from CE seed 3, which has not finished')
    assert "run row 'CE' first" in err


def parsed_cfg_options(argv: list) -> dict:
    """What tools/train.py and tools/test.py read back from the printed --cfg-options."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv[argv.index('--cfg-options'):]).cfg_options


# --- collect ---------------------------------------------------------------------------------

def write_result(work_root: Path, row: dict, seed: int, last: dict, best) -> None:
    run = run_dir(work_root, 'hand', row['slug'], seed)
    run.mkdir(parents=True)
    (run / 'result.json').write_text(json.dumps(dict(
        row=row['name'], seed=seed, config=DEMO, cfg_options=row.get('cfg_options', {}),
        best_on=row.get('best_on', 'val'), gpus=None, last=last, best=best)))


@pytest.fixture
def hand_written(tmp_path):
    """Results written by hand: A has seeds 0-2, B misses seed 2 (and has best on test),
    C has seed 0 only."""
    rows = [dict(name='A', config=DEMO, reference=dict(top1=43.9, source='Paper, Table 2')),
            dict(name='B', config=DEMO, best_on='test'),
            dict(name='C', config=DEMO)]
    table = write_table(tmp_path / 'hand.py', rows, seeds=[0, 1, 2],
                        description='Hand-written protocol.')
    work_root = tmp_path / 'work'
    for seed, top1, few, best in [(0, 50, 10, 55), (1, 60, 20, 65), (2, 70, 30, 75)]:
        write_result(work_root, dict(rows[0], slug='a'), seed,
                     {'lt/top1': top1, 'lt/few': few}, {'lt/top1': best})
    for seed, top1 in [(0, 40), (1, 44)]:
        write_result(work_root, dict(rows[1], slug='b'), seed, {'lt/top1': top1}, None)
    write_result(work_root, dict(rows[2], slug='c'), 0, {'lt/top1': 80}, None)
    return table, work_root


def test_collect_gives_the_mean_std_and_n_computed_by_hand(experiments, tmp_path, hand_written):
    table, work_root = hand_written
    code, _, err = invoke(experiments, 'collect', table, '--work-root', work_root,
                          '--out', tmp_path / 'out' / 'hand')
    assert code == 0, err
    summary = json.loads((tmp_path / 'out' / 'hand.json').read_text())
    a, b, c = summary['rows']
    assert a['last']['metrics']['lt/top1'] == dict(
        n=3, mean=60, std=10, values={'0': 50, '1': 60, '2': 70})
    assert (a['last']['metrics']['lt/few']['mean'], a['last']['metrics']['lt/few']['std']) == \
        (20, 10)
    assert a['best']['metrics']['lt/top1']['mean'] == 65 and a['best']['n'] == 3
    assert a['last']['metrics']['lt/top5']['n'] == 0  # not reported: no number made up
    assert b['last']['metrics']['lt/top1']['std'] == pytest.approx(math.sqrt(8))
    assert b['best']['n'] == 0
    assert c['last']['metrics']['lt/top1']['std'] is None

    md = (tmp_path / 'out' / 'hand.md').read_text()
    assert md.startswith('# hand\n\nHand-written protocol.')
    assert '| A | last | 3 | 60.00 ± 10.00 | - | - | - | 20.00 ± 10.00 | - |' in md
    assert '|  | best on validation | 3 | 65.00 ± 10.00 |' in md
    assert '|  | reference: Paper, Table 2 |  | 43.90 | - |' in md
    assert '| B (n=2 of 3: seed 2 missing) | last | 2 | 42.00 ± 2.83 |' in md
    assert '|  | best on test (published protocol) | 0 | - |' in md
    assert '| C (n=1 of 3: seeds 1, 2 missing) | last | 1 | 80.00 ± - |' in md
    assert f'python tools/experiments.py run {table} --seeds 0 1 2 --work-root {work_root}' in md
    assert (tmp_path / 'out' / 'hand.png').read_bytes()[:4] == b'\x89PNG'


def test_collect_leaves_out_a_run_made_with_other_settings(experiments, tmp_path, hand_written):
    table, work_root = hand_written
    result = run_dir(work_root, 'hand', 'a', 2) / 'result.json'
    record = json.loads(result.read_text())
    result.write_text(json.dumps({**record, 'cfg_options': {'train_cfg.max_epochs': 3}}))
    code, _, err = invoke(experiments, 'collect', table, '--work-root', work_root,
                          '--out', tmp_path / 'hand')
    assert code == 0, err
    a = json.loads((tmp_path / 'hand.json').read_text())['rows'][0]
    assert a['last']['metrics']['lt/top1']['mean'] == 55
    assert a['label'] == 'A (n=2 of 3: seed 2 run with other settings, left out)'


# --- bad input -------------------------------------------------------------------------------

BAD_TABLES = [
    ('no_rows', 'description = "x"\n', 'defines no rows'),
    ('no_config', 'rows = [dict(name="A")]\n', 'row 0 has no config'),
    ('missing_config', 'rows = [dict(name="A", config="configs/no_such.py")]\n',
     'config configs/no_such.py does not exist'),
    ('duplicate', f'rows = [dict(name="A", config="{DEMO}"), dict(name="a", config="{DEMO}")]\n',
     "rows 'A' and 'a' share the run dir name 'a'"),
    ('unknown_key', f'rows = [dict(name="A", config="{DEMO}", cfg_option={{}})]\n',
     "unknown keys ['cfg_option']"),
    ('dict_value', f'rows = [dict(name="A", config="{DEMO}", '
                   'cfg_options={"model.head": dict(num_classes=3)})]\n',
     'model.head is a dict, which --cfg-options cannot pass'),
    ('spaces', f'rows = [dict(name="A", config="{DEMO}", cfg_options={{"x": "a b"}})]\n',
     "x='a b' cannot go through --cfg-options unchanged"),
    ('bad_gpus', f'rows = [dict(name="A", config="{DEMO}", gpus=0)]\n',
     'gpus must be a positive integer'),
    ('typo_key', f'rows = [dict(name="A", config="{DEMO}", '
                 'cfg_options={"train_cfg.max_epoch": 1})]\n',
     "row 'A': unknown --cfg-options key 'train_cfg.max_epoch'"),
    ('init_from_below', f'rows = [dict(name="B", config="{DEMO}", init_from="A"), '
                        f'dict(name="A", config="{DEMO}")]\n',
     "row 'B' has init_from='A', which is not a row above it"),
    ('test_only_alone', f'rows = [dict(name="A", config="{DEMO}", test_only=True)]\n',
     "test_only=True tests the checkpoints of another row: give init_from="),
    ('from_test_only', f'rows = [dict(name="A", config="{DEMO}"), dict(name="B", '
                       f'config="{DEMO}", init_from="A", test_only=True), '
                       f'dict(name="C", config="{DEMO}", init_from="B")]\n',
     "row 'C' starts from 'B', which trains nothing (test_only)"),
]


@pytest.mark.parametrize('command', ['run', 'collect'])
@pytest.mark.parametrize('name, source, message', BAD_TABLES, ids=[t[0] for t in BAD_TABLES])
def test_a_bad_table_gets_one_clear_line(experiments, tmp_path, command, name, source, message):
    if command == 'collect' and name == 'typo_key':
        pytest.skip('collect reads result.json files and starts no config')
    table = tmp_path / f'{name}.py'
    table.write_text(source)
    code, out, err = invoke(experiments, command, table, '--work-root', tmp_path)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and err.startswith('error: ')
    assert message in err


@pytest.mark.parametrize('argv, message', [
    (['run', 'configs/experiments/no_such.py'], 'no_such.py does not exist'),
    (['run', 'TABLE', '--seeds', '0', 'one'], "argument --seeds: invalid int value: 'one'"),
    (['run', 'TABLE', '--gpus', '2'], 'with --launcher pytorch'),
    (['run', 'TABLE', '--launcher', 'pytorch', '--gpus', '0'], 'a positive number of processes'),
    (['run', 'TABLE', '--rows', 'CE', 'Nope'], "--rows ['Nope'] not in table"),
    (['collect', 'TABLE'], 'nothing finished under'),
])
def test_bad_arguments_get_a_clear_error(experiments, tmp_path, argv, message):
    table = write_table(tmp_path / 'ok.py', [dict(name='CE', config=DEMO)])
    argv = [str(table) if a == 'TABLE' else a for a in argv]
    code, out, err = invoke(experiments, *argv, '--work-root', tmp_path / 'none')
    assert code == 2 and not out
    last = err.strip().splitlines()[-1]  # argparse prints its usage line first
    assert 'error: ' in last and message in last


def test_test_py_refuses_a_metrics_file_that_is_not_json(capsys, monkeypatch, tmp_path,
                                                          load_tool):
    test_tool = load_tool('test.py')
    monkeypatch.setattr(sys, 'argv', ['test.py', DEMO, str(REPO / 'README.md'),
                                      '--dump-metrics', str(tmp_path / 'metrics.txt')])
    with pytest.raises(SystemExit) as exit_:
        run_cli(test_tool.main)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        f'error: --dump-metrics must name a .json file, got {tmp_path / "metrics.txt"}\n')

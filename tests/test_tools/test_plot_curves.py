"""tools/analysis_tools/plot_curves.py on scalars.json files written by MMEngine's own
LocalVisBackend, with the records its LoggerHook logs (training: lr, loss, epoch, iter at
step = iter; validation: the metrics at step = epoch)."""
import subprocess
import sys

import pytest
from mmengine.visualization import LocalVisBackend
from PIL import Image

ITERS_PER_EPOCH = 4


def log_run(log_dir, losses, top1, first_epoch=1):
    """A run's vis_data/scalars.json: ``losses[i]`` are the training losses of its i-th epoch,
    logged every other iteration (2 and 4); ``top1[i]`` that epoch's validation accuracy
    (fewer than the epochs: killed before validating)."""
    backend = LocalVisBackend(str(log_dir / 'vis_data'))
    for i, epoch_losses in enumerate(losses):
        epoch = first_epoch + i
        for k, loss in enumerate(epoch_losses):
            it = (epoch - 1) * ITERS_PER_EPOCH + 2 * (k + 1)
            backend.add_scalars(dict(lr=0.1 / epoch, data_time=0.01, loss=loss, time=0.2,
                                     epoch=epoch, iter=it), step=it)
        if i < len(top1):
            backend.add_scalars({'lt/top1': top1[i], 'data_time': 0.01, 'time': 0.1},
                                step=epoch)


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('analysis_tools/plot_curves.py')


@pytest.fixture
def two_runs(tmp_path):
    ce, bs = tmp_path / 'runs' / 'ce' / 'seed_0', tmp_path / 'runs' / 'bs' / 'seed_0'
    log_run(ce / '20261202_010000', [[2.0, 1.6], [1.2, 1.0], [0.9, 0.7]], [30.0, 40.0, 45.0])
    log_run(bs / '20261202_020000', [[2.2, 1.8], [1.4, 1.2], [1.1, 0.9]], [25.0, 42.0, 50.0])
    return ce, bs


def lines(fig):
    """{panel title: {run name: (x, y)}} of the drawn figure."""
    return {ax.get_title(): {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
                             for line in ax.get_lines()} for ax in fig.axes}


def test_two_runs_on_one_picture_by_epoch(tool, two_runs, tmp_path):
    out = tmp_path / 'curves.png'
    tool.main([str(d) for d in two_runs] + ['--keys', 'loss', 'lr', 'lt/top1',
                                             '--out', str(out)])
    with Image.open(out) as png:
        png.verify()
        assert png.format == 'PNG' and png.size == (1350, 360)  # 3 panels of 4.5 in, 100 dpi
    runs = {name: tool.read_run(str(d)) for name, d in zip(['ce/seed_0', 'bs/seed_0'], two_runs)}
    drawn = lines(tool.plot(runs, ['loss', 'lr', 'lt/top1'], 'epoch', str(out)))
    # By epoch, a training key is the mean of the epoch's logged values.
    assert drawn['loss']['ce/seed_0'] == ([1, 2, 3], pytest.approx([1.8, 1.1, 0.8]))
    assert drawn['lr']['bs/seed_0'] == ([1, 2, 3], pytest.approx([0.1, 0.05, 0.1 / 3]))
    assert drawn['lt/top1 (validation)'] == {'ce/seed_0': ([1, 2, 3], [30.0, 40.0, 45.0]),
                                             'bs/seed_0': ([1, 2, 3], [25.0, 42.0, 50.0])}


def test_training_keys_by_iteration(tool, two_runs):
    run = tool.read_run(str(two_runs[0]))
    assert tool.curve(run, 'loss', 'iter', 'ce') == ([2, 4, 6, 8, 10, 12],
                                                     [2.0, 1.6, 1.2, 1.0, 0.9, 0.7])
    # `time` is in training and validation records: the training one is meant.
    assert tool.curve(run, 'time', 'iter', 'ce')[0] == [2, 4, 6, 8, 10, 12]


def test_a_resumed_run_continues_from_where_it_resumed(tool, tmp_path):
    work = tmp_path / 'resumed'
    # Killed in epoch 3 after logging iteration 10 (and epoch 2's validation) ...
    log_run(work / '20261202_010000', [[2.0, 1.6], [1.2, 1.0], [9.9]], [30.0, 40.0])
    # ... and resumed from epoch_2.pth: epoch 3 again, then 4.
    log_run(work / '20261202_030000', [[0.9, 0.7], [0.6, 0.5]], [45.0, 47.0], first_epoch=3)
    run = tool.read_run(str(work))
    assert tool.curve(run, 'loss', 'iter', 'r') == ([2, 4, 6, 8, 10, 12, 14, 16],
                                                    [2.0, 1.6, 1.2, 1.0, 0.9, 0.7, 0.6, 0.5])
    assert tool.curve(run, 'lt/top1', 'epoch', 'r') == ([1, 2, 3, 4], [30.0, 40.0, 45.0, 47.0])


def test_default_keys_and_run_names(tool, two_runs):
    assert tool.default_keys(tool.read_run(str(two_runs[0]))) == ['loss', 'lr', 'lt/top1']
    assert tool.run_names([str(d) for d in two_runs]) == ['ce/seed_0', 'bs/seed_0']
    assert tool.run_names([str(two_runs[0])]) == ['seed_0']


def test_bad_input_is_explained(tool, two_runs, tmp_path):
    with pytest.raises(tool.UsageError, match=r"unknown key 'acc' for ce/seed_0; its keys: "
                       r'training lr, data_time, loss, time; validation lt/top1, data_time'):
        tool.main([str(d) for d in two_runs] + ['--keys', 'acc', '--out',
                                                 str(tmp_path / 'c.png')])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(tool.UsageError, match='empty has no vis_data/scalars.json'):
        tool.main([str(tmp_path / 'empty')])
    with pytest.raises(tool.UsageError, match=r'--out c\.txt: unknown picture type'):
        tool.main([str(two_runs[0]), '--out', 'c.txt'])
    iteration_based = tmp_path / 'iter_run' / 'vis_data'
    LocalVisBackend(str(iteration_based)).add_scalars(dict(loss=1.0, lr=0.1, iter=10), step=10)
    with pytest.raises(tool.UsageError, match='iter_run logged no epochs.*use --x iter'):
        tool.main([str(tmp_path / 'iter_run'), '--x', 'epoch'])


def test_command_line_error_is_one_line(repo_root, tmp_path):
    result = subprocess.run([sys.executable, 'tools/analysis_tools/plot_curves.py',
                             str(tmp_path)], cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'error: {tmp_path} has no vis_data/scalars.json (looked in it, in vis_data/ and in '
        '<timestamp>/vis_data/); pass the work_dir of a tools/train.py run']

"""Config rows derive in one direction: a row of a dataset and ratio imports bases (a dataset,
a method of configs/_base_/methods/) or rows of its own dataset and ratio, never the row of
another dataset or ratio; the ratio is one field and the dataset one import."""
import ast
import re
from pathlib import Path

import pytest
from mmengine.config import Config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
ROW = re.compile(r'^resnet32_(?P<data>[a-z0-9]+)_r(?P<ratio>\d+)_(?P<method>\w+)$')


def base_imports(path: Path) -> list:
    """The config files ``path`` reads in its ``with read_base():`` block."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call)
                and getattr(item.context_expr.func, 'id', '') == 'read_base'
                for item in node.items):
            for stmt in node.body:
                parts = stmt.module.split('.')
                folder = path.parent
                for _ in range(stmt.level - 1):
                    folder = folder.parent
                found.append(folder.joinpath(*parts).with_suffix('.py').resolve())
    return found


ROWS = sorted(p for folder in ('resnet32', 'cifar10lt') for p in (CONFIGS / folder).glob('*.py')
              if ROW.match(p.stem))
# Rows written on the old pattern (the CIFAR-100-LT row with the data swapped), still to move
# onto a method of configs/_base_/methods/; strict, so that the mark goes with the move.
@pytest.mark.parametrize('row', ROWS, ids=[p.stem for p in ROWS])
def test_a_row_reads_no_row_of_another_dataset_or_ratio(row):
    own = ROW.match(row.stem)
    for parent in base_imports(row):
        assert parent.is_file(), f'{row.name} reads {parent}, which does not exist'
        match = ROW.match(parent.stem)
        if match:
            assert (match['data'], match['ratio']) == (own['data'], own['ratio']), (
                f'{row.name} derives from {parent.name}: take the method from '
                'configs/_base_/methods/ and the data from configs/_base_/datasets/ instead')


def methods_at_every_ratio():
    names = {ROW.match(p.stem)['method'] for p in ROWS}
    return sorted(m for m in names if all(
        (CONFIGS / 'resnet32' / f'resnet32_cifar100lt_r{r}_{m}.py').is_file()
        for r in (10, 50, 100)))


@pytest.mark.parametrize('method', methods_at_every_ratio())
def test_the_ratio_rows_of_a_method_differ_only_in_the_ratio(method):
    configs = {r: Config.fromfile(CONFIGS / 'resnet32' / f'resnet32_cifar100lt_r{r}_{method}.py')
               for r in (10, 50, 100)}
    for ratio, cfg in configs.items():
        assert cfg.train_dataloader.dataset.imbalance_ratio == ratio
        cfg.train_dataloader.dataset.imbalance_ratio = 100
    assert configs[10].to_dict() == configs[100].to_dict() == configs[50].to_dict()


CIFAR10_ROWS = sorted((CONFIGS / 'cifar10lt').glob('resnet32_cifar10lt_r100_*.py'))


@pytest.mark.parametrize('row', CIFAR10_ROWS, ids=[p.stem for p in CIFAR10_ROWS])
def test_a_cifar10_lt_row_is_its_cifar100_lt_method_on_other_data(row):
    """Same model (but the classes), loss hooks, schedule and sampler settings as the
    CIFAR-100-LT row of the method, where there is one."""
    twin = CONFIGS / 'resnet32' / row.name.replace('cifar10lt', 'cifar100lt')
    if not twin.is_file():
        pytest.skip(f'no CIFAR-100-LT row {twin.name}')
    cifar10, cifar100 = Config.fromfile(row), Config.fromfile(twin)
    assert cifar10.model.head.num_classes == 10
    cifar10.model.head.num_classes = 100
    for key in ('model', 'custom_hooks', 'param_scheduler', 'train_cfg', 'optim_wrapper'):
        assert cifar10[key] == cifar100[key], key
    sampler_keys = ('sampler', 'batch_sampler', 'batch_size')
    assert ({k: cifar10.train_dataloader.get(k) for k in sampler_keys}
            == {k: cifar100.train_dataloader.get(k) for k in sampler_keys})
    assert cifar10.train_dataloader.dataset.type != cifar100.train_dataloader.dataset.type

"""The package's import graph: no cycles (function-level imports included), models below engine.

A cycle hidden behind a function-level import works until someone moves the import to the
top; this test reads every module with ``ast`` instead of importing it, so it sees both.
"""
import ast
import textwrap
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'projects' / 'coc'


def module_names(package_dir: Path) -> dict:
    """``{dotted module name: file}`` for every ``.py`` under ``package_dir``."""
    names = {}
    for path in sorted(package_dir.rglob('*.py')):
        parts = (package_dir.name, *path.relative_to(package_dir).with_suffix('').parts)
        names['.'.join(parts[:-1] if parts[-1] == '__init__' else parts)] = path
    return names


def _imported(node, module: str, is_package: bool, modules: dict) -> list:
    """The package's modules an ``import`` / ``from ... import`` node names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:  # relative: start at the module's own package
        base = module.split('.') if is_package else module.split('.')[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = '.'.join(base + ([node.module] if node.module else []))
    else:
        source = node.module
    # ``from pkg import name``: the submodules named, else pkg itself (name is an attribute)
    targets = [f'{source}.{alias.name}' for alias in node.names
               if f'{source}.{alias.name}' in modules]
    return targets or ([source] if source in modules else [])


def import_graph(package_dir: Path) -> dict:
    """``{module: {imported module: line}}`` over module- and function-level imports."""
    modules = module_names(package_dir)
    graph = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(node, module, path.name == '__init__.py', modules):
                    if target != module:
                        edges.setdefault(target, node.lineno)
    return graph


def find_cycle(graph: dict):
    """One import cycle as ``['a (line 3) -> b', ...]``, or None."""
    try:
        TopologicalSorter({m: set(edges) for m, edges in graph.items()}).prepare()
    except CycleError as err:
        cycle = err.args[1]  # [n0, n1, ..., n0] where each node is a predecessor of the last
        cycle = cycle[::-1]  # n0 imports n1 imports ...
        return [f'{a} (line {graph[a][b]}) -> {b}' for a, b in zip(cycle, cycle[1:])]
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph(PACKAGE))
    assert cycle is None, 'import cycle: ' + '; '.join(cycle)


def test_models_do_not_import_the_engine():
    """engine/ holds runner plumbing (hooks, launch) and may use models; what a model needs
    at build time (checkpoint loading) lives in coc.models.utils."""
    graph = import_graph(PACKAGE)
    upward = [f'{module} (line {line}) imports {target}'
              for module, edges in graph.items() if module.split('.')[:2] == ['coc', 'models']
              for target, line in edges.items() if target.split('.')[:2] == ['coc', 'engine']]
    assert not upward, '; '.join(upward)


def write_package(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / 'pkg' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / 'pkg'


def test_a_function_level_cycle_is_found_and_named(tmp_path):
    """The shape of the cycle this test was written for: a -> b at the top, b -> a inside a
    function, through relative, absolute and ``from package import module`` forms."""
    package = write_package(tmp_path, {
        '__init__.py': 'from . import sub\n',
        'sub/__init__.py': '',
        'sub/a.py': 'import os\nfrom .b import helper\n',
        'sub/b.py': 'def helper():\n    from pkg.sub import c\n',
        'sub/c.py': 'def later():\n    from ..sub.a import x\n'})
    graph = import_graph(package)
    assert graph['pkg'] == {'pkg.sub': 1}
    assert graph['pkg.sub.a'] == {'pkg.sub.b': 2}
    assert graph['pkg.sub.b'] == {'pkg.sub.c': 2}
    cycle = find_cycle(graph)
    # the same cycle, whichever module the sorter starts it from
    start = next(i for i, step in enumerate(cycle) if step.startswith('pkg.sub.a '))
    assert cycle[start:] + cycle[:start] == [
        'pkg.sub.a (line 2) -> pkg.sub.b', 'pkg.sub.b (line 2) -> pkg.sub.c',
        'pkg.sub.c (line 2) -> pkg.sub.a']


def test_an_acyclic_package_passes(tmp_path):
    package = write_package(tmp_path, {
        '__init__.py': 'from .a import x\nfrom .b import y\n',
        'a.py': 'x = 1\n', 'b.py': 'from .a import x\ny = x\n'})
    graph = import_graph(package)
    assert graph == {'pkg': {'pkg.a': 1, 'pkg.b': 2}, 'pkg.a': {}, 'pkg.b': {'pkg.a': 1}}
    assert find_cycle(graph) is None


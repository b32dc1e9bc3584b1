"""Render nbdev's processed notebooks (`_proc/`) into a browsable static HTML site under `_docs/`.

Quarto cannot be installed on the project's machines, so this is the offline docs build that
`make test` checks; users with Quarto run `nbdev-docs` instead. Navigation comes from
`nbs/sidebar.yml` (the same file Quarto reads), so both builds show the same sections.

Usage: python tools/render_docs.py [--proc _proc] [--out _docs]
"""
import argparse, copy, html, json, re, shutil, sys
from pathlib import Path

import nbformat, yaml
from nbconvert import HTMLExporter
from pygments.formatters import HtmlFormatter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent

CSS = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;line-height:1.55}
header{background:#2780e3;color:#fff;padding:.7rem 1.5rem;font-size:1.25rem}
header a{color:#fff;text-decoration:none;font-weight:600}
.layout{display:flex;align-items:flex-start}
nav.sidebar{width:250px;flex:none;padding:1rem 1.2rem;border-right:1px solid #dee2e6;min-height:100vh;font-size:.93rem}
nav.sidebar .section{font-weight:600;margin:1rem 0 .3rem;color:#495057}
nav.sidebar a{display:block;padding:.12rem 0 .12rem .4rem;color:#343a40;text-decoration:none}
nav.sidebar a.active{color:#2780e3;font-weight:600;border-left:3px solid #2780e3}
main{flex:1;min-width:0;max-width:960px;padding:1rem 2.5rem 4rem}
main h1.title{margin-bottom:.2rem}
p.description{font-style:italic;font-size:1.2rem;opacity:.7;margin-top:0}
a{color:#2780e3;text-decoration:none}a:hover{text-decoration:underline}
code,pre{font-family:SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
:not(pre)>code{font-size:.875em;background:#f4f4f6;color:#7d12ba;padding:.1em .25em;border-radius:3px}
a>code{color:inherit!important}
pre{background:#f7f7f9;padding:.6rem .8rem;overflow-x:auto;border-radius:4px;font-size:.85rem;line-height:1.4}
.output_area pre{background:none;border-left:2px solid lightsalmon;border-radius:0;margin:.2rem 0 1rem}
.output_stderr pre{background:#fff6ef;border-left-color:#ff7518}
.output_error pre{background:#fdf0f0;border-left-color:#cc1914}
.output_markdown pre{background:#f7f7f9;border:none;border-radius:4px}
.output_markdown>hr{border:none;border-top:1px solid #dee2e6;margin:2rem 0 .5rem}
.output_markdown>h3,.output_markdown>h4{margin-top:.3rem}
div.cell{margin:.5rem 0}
td code{white-space:nowrap}
.output_png img,.output_jpeg img{display:block;margin:.4rem 0}
.output_area,.output_html,.output_text{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:.6rem 0}th,td{border:1px solid #dee2e6;padding:.25rem .6rem}
img{max-width:100%}
.callout{border-left:4px solid #2780e3;background:#f3f8fe;padding:.4rem 1rem;margin:1rem 0}
.callout-warning{border-color:#ff7518;background:#fff6ef}.callout-important{border-color:#cc1914;background:#fdf0f0}
.callout-tip{border-color:#3fb618;background:#f2fbef}
.pager{display:flex;justify-content:space-between;margin-top:3rem;border-top:1px solid #dee2e6;padding-top:1rem}
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {site}</title><style>{css}</style><style>{pygments}</style></head>
<body><header><a href="index.html">{site}</a></header>
<div class="layout"><nav class="sidebar">{nav}</nav>
<main><h1 class="title">{title}</h1>{description}{body}<div class="pager">{prev}{next}</div></main></div>
</body></html>"""


def _directives(src):
    "Quarto/nbdev `#|` directives at the top of a code cell, and the source without them"
    d, lines = {}, src.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith('#|') or not lines[i].strip()):
        s = lines[i][2:].strip() if lines[i].startswith('#|') else ''
        if s:
            k, _, v = s.partition(':')
            d[k.strip()] = v.strip() or True
        i += 1
    return d, '\n'.join(lines[i:])


def _callouts(md):
    "Quarto callouts (`::: {.callout-note}` ... `:::`) to HTML divs"
    md = re.sub(r'^:::+\s*\{\.(callout-[a-z]+)[^}]*\}\s*$', r'\n<div class="callout \1">\n', md, flags=re.M)
    return re.sub(r'^:::+\s*$', '\n</div>\n', md, flags=re.M)


def _attrs(spec):
    "Pandoc attributes (`.cls #id key=\"v\"`) as HTML attributes"
    cls = [t[1:] for t in re.findall(r'(?<![\w"])\.[\w-]+', spec)]
    ids = re.findall(r'(?<![\w"])#([\w-]+)', spec)
    kv = [f'{k}="{html.escape(v1 or v2, quote=True)}"' for k, v1, v2 in re.findall(r'([\w-]+)=(?:"([^"]*)"|(\S+))', spec)]
    return ''.join(f' {a}' for a in ([f'id="{ids[0]}"'] if ids else []) + ([f'class="{" ".join(cls)}"'] if cls else []) + kv)


def _link_attrs(md):
    "Pandoc links with attributes, `[text](url){target=\"_blank\"}` (nbdev's show_doc source links), to HTML"
    return re.sub(r'\[([^\]\n]+)\]\(([^)\s]+)\)\{([^}\n]*)\}',
                  lambda m: f'<a href="{html.escape(m[2], quote=True)}"{_attrs(m[3])}>{m[1]}</a>', md)


def _markdown(md): return _link_attrs(_callouts(md))


def _inline(text):
    "Plain front-matter text (title, description) to HTML, with `code` spans"
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))


def _falsy(v): return str(v).lower() in ('false', 'no', '0')


def prep_notebook(nb):
    "Front matter and a copy of `nb` whose cells are tagged for nbconvert's TagRemovePreprocessor"
    nb, fm = copy.deepcopy(nb), {}
    cells = []
    for c in nb.cells:
        # nbdev-proc-nbs leaves keys that fail nbformat's schema (nbconvert validates before export):
        # `has_sd` on show_doc cells and float timings in `metadata.execution`
        c.pop('has_sd', None); c.metadata.pop('execution', None)
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'):
            fm.update(yaml.safe_load(c.source.strip().strip('-')) or {})
            continue
        tags = set(c.metadata.get('tags', []))
        if c.cell_type == 'code':
            d, src = _directives(c.source)
            if _falsy(d.get('include', True)): continue
            if _falsy(d.get('echo', True)) or not src.strip(): tags.add('remove_input')
            if _falsy(d.get('output', True)): tags.add('remove_output')
            c.source = src
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md is not None: o['data']['text/markdown'] = _markdown(''.join(md) if isinstance(md, list) else md)
            if not src.strip() and not c.get('outputs'): continue
        elif c.cell_type == 'markdown':
            c.source = _markdown(c.source)
            if '<!-- WARNING: THIS FILE WAS AUTOGENERATED' in c.source: continue
        c.metadata['tags'] = sorted(tags)
        cells.append(c)
    nb.cells = cells
    return fm, nb


def _exporter():
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = ('remove_input',)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ('remove_output',)
    c.TagRemovePreprocessor.remove_cell_tags = ('remove_cell',)
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True   # no In [2]: / Out[4]:
    return HTMLExporter(config=c, template_name='basic')


def sidebar(nbs_path):
    "[(section or None, [notebook path relative to nbs])] from `sidebar.yml`"
    sb = yaml.safe_load((nbs_path/'sidebar.yml').read_text())['website']['sidebar']['contents']
    out = []
    for item in sb:
        if isinstance(item, str): out.append((None, [item]))
        else: out.append((item['section'], list(item.get('contents') or [])))
    return out


def _relink(body, doc_url):
    "Links to notebooks and to the published site become relative links to the local pages"
    body = re.sub(r'href="([\w./-]+?)\.ipynb(#[^"]*)?"', lambda m: f'href="{m[1]}.html{m[2] or ""}"', body)
    if doc_url: body = body.replace(f'href="{doc_url.rstrip("/")}/', 'href="')
    return body


def _ident(text):
    "Pandoc's (so Quarto's) automatic heading identifier: the anchors nbdev's doc links point at"
    t = re.sub(r'[^\w\s.-]', '', html.unescape(re.sub(r'<[^>]+>', '', text)).strip().lower())
    return re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', t)) or 'section'


def _heading_ids(body):
    "Give every heading without an id Quarto's id (nbconvert leaves them without), so `page.html#name` links land"
    seen = set(re.findall(r'\bid="([^"]+)"', body))
    def add(m):
        if re.search(r'\bid=', m[2]): return m[0]
        base = _ident(m[3]); ident, n = base, 0
        while ident in seen: n += 1; ident = f'{base}-{n}'
        seen.add(ident)
        return f'<h{m[1]} id="{ident}"{m[2]}>{m[3]}</h{m[1]}>'
    return re.sub(r'<h([1-6])([^>]*)>(.*?)</h\1>', add, body, flags=re.S)


def render(proc, out, nbs_path, site, doc_url=''):
    "Render every processed notebook in `proc`; return the list of problems found"
    problems, pages = [], {}
    exporter = _exporter()
    for fn in sorted(proc.rglob('*.ipynb')):
        rel = fn.relative_to(proc).as_posix()
        try:
            fm, nb = prep_notebook(nbformat.read(fn, as_version=4))
            body, _ = exporter.from_notebook_node(nb)
        except Exception as e:
            problems.append(f'{rel}: could not render: {e!r}'); continue
        target = fm.get('output-file') or rel.replace('.ipynb', '.html')
        pages[rel] = dict(title=str(fm.get('title', Path(rel).stem)), description=fm.get('description', ''),
                          body=_heading_ids(_relink(body, doc_url)), file=target)
    nav = sidebar(nbs_path)
    listed = [p for _, ps in nav for p in ps]
    for p in listed:
        if p not in pages: problems.append(f'sidebar.yml lists {p} but no processed notebook has that name')
    for p in pages:
        if p not in listed: problems.append(f'{p} has no entry in nbs/sidebar.yml: add it to a section')
    order = [p for p in listed if p in pages] + [p for p in pages if p not in listed]
    out.mkdir(parents=True, exist_ok=True)
    pyg = HtmlFormatter().get_style_defs('.highlight')
    for i, p in enumerate(order):
        navh = []
        for sec, ps in nav:
            if sec and any(q in pages for q in ps): navh.append(f'<div class="section">{html.escape(sec)}</div>')
            for q in ps:
                if q not in pages: continue
                cls = ' class="active"' if q == p else ''
                navh.append(f'<a href="{pages[q]["file"]}"{cls}>{html.escape(pages[q]["title"])}</a>')
        pg = pages[p]
        prev = f'<a href="{pages[order[i-1]]["file"]}">← {html.escape(pages[order[i-1]]["title"])}</a>' if i else '<span></span>'
        nxt = f'<a href="{pages[order[i+1]]["file"]}">{html.escape(pages[order[i+1]]["title"])} →</a>' if i+1 < len(order) else '<span></span>'
        desc = f'<p class="description">{_inline(pg["description"])}</p>' if pg['description'] else ''
        (out/pg['file']).write_text(PAGE.format(title=html.escape(pg['title']), site=html.escape(site), css=CSS,
            pygments=pyg, nav='\n'.join(navh), description=desc, body=pg['body'], prev=prev, next=nxt))
    if 'index.ipynb' not in pages: problems.append('no index.ipynb: the site has no home page')
    (out/'pages.json').write_text(json.dumps({p: pages[p]['file'] for p in order}, indent=1))
    return problems, order


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--proc', default=str(ROOT/'_proc'), help='folder written by nbdev-proc-nbs')
    ap.add_argument('--out', default=str(ROOT/'_docs'), help='where to write the site')
    a = ap.parse_args(argv)
    proc, out = Path(a.proc), Path(a.out)
    if not proc.exists(): sys.exit(f'{proc} does not exist: run nbdev-proc-nbs first')
    quarto = yaml.safe_load((ROOT/'nbs/_quarto.yml').read_text())
    meta = yaml.safe_load((ROOT/'nbs/nbdev.yml').read_text())['website']
    site = meta.get('title') or quarto.get('website', {}).get('title', 'docs')
    if out.exists(): shutil.rmtree(out)
    problems, order = render(proc, out, ROOT/'nbs', site, meta.get('site-url', ''))
    for p in problems: print(f'docs: {p}', file=sys.stderr)
    print(f'docs: {len(order)} pages written to {out}' + (f', {len(problems)} problem(s)' if problems else ''))
    return 1 if problems else 0


if __name__ == '__main__': sys.exit(main())

"""Check the offline docs site in `_docs/` the way a person sees it: in headless Chromium.

Run after `nbdev-proc-nbs` and `python tools/render_docs.py`. One Chromium instance, driven over the
DevTools protocol on a pipe (`--remote-debugging-pipe`, no extra packages), loads every page and
reports JavaScript errors, console errors and resources that fail to load; the DOM it rendered is then
checked: sidebar nav, a `<main>` with a title and real content, images that decode and are not blank,
local links (and their `#anchors`) that resolve, no Python tracebacks in outputs, a page per notebook
and a show_doc heading for every exported public function/class (`qfae/_modidx.py`). Finally the
index and model pages are screenshotted (`chromium --screenshot`) into `_docs/_screenshots/` and the
screenshots must not be blank.

Installs Debian's `chromium` with apt-get when it is missing and we are root. When it is missing and we are
not root, the browser check is SKIPPED: it says so with the command that installs Chromium and exits 77
(`tools/test.sh` reports it as skipped and lets the other checks decide).
Prints one line per problem, then `docs check: N pages, M problems`; exits 1 on problems.

Usage: python tools/check_docs.py [--docs _docs] [--nbs nbs] [--timeout 30]
"""
import argparse, ast, base64, binascii, fcntl, io, json, os, re, select, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
from bs4 import BeautifulSoup
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = '/usr/bin/chromium'
INSTALL = 'apt-get update -qq && apt-get install -y -qq chromium'
SKIPPED = 77   # exit code: not run (Chromium missing and not root), as automake's test drivers count it
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio']
WINDOW = (1280, 900)
TRACEBACK = 'Traceback (most recent call last)'


# ---------------------------------------------------------------- Chromium
def ensure_chromium():
    "Path of Debian's chromium, installing it with apt-get when missing and we are root; None when missing and we are not"
    exe = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which('chromium')
    if exe: return exe
    if os.geteuid() != 0: return None
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for cmd in (['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'chromium']):
        print('check_docs: chromium missing, running:', ' '.join(cmd), flush=True)
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            print(r.stdout[-2000:], file=sys.stderr)
            sys.exit(f'check_docs: `{" ".join(cmd)}` failed (exit {r.returncode}); install Chromium with `{INSTALL}`')
    if not os.access(CHROMIUM, os.X_OK): sys.exit(f'check_docs: {CHROMIUM} still missing after apt-get; run `{INSTALL}`')
    return CHROMIUM


class CDP:
    "Minimal DevTools-protocol client over Chromium's `--remote-debugging-pipe` (fd 3: commands in, fd 4: messages out)"
    def __init__(self, exe, profile, timeout=30):
        self.timeout, self.next_id, self.events, self.buf = timeout, 0, [], b''
        cmd_r, self.cmd_w = os.pipe()
        self.msg_r, msg_w = os.pipe()
        # copies at fd >= 10 so that the child can dup2 them to 3 and 4 without clobbering each other
        hi_r, hi_w = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(msg_w, fcntl.F_DUPFD_CLOEXEC, 10)
        def child(): os.dup2(hi_r, 3); os.dup2(hi_w, 4)   # dup2'd fds are inheritable
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([exe, *FLAGS, f'--user-data-dir={profile}', '--remote-debugging-pipe',
                                      f'--window-size={WINDOW[0]},{WINDOW[1]}', 'about:blank'],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=child, close_fds=False, start_new_session=True)
        for fd in (cmd_r, msg_w, hi_r, hi_w): os.close(fd)

    def _read(self, deadline):
        "Next message, or None at the deadline"
        while b'\0' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.msg_r], [], [], left)[0]: return None
            chunk = os.read(self.msg_r, 1 << 20)
            if not chunk: raise RuntimeError(f'chromium exited (code {self.proc.poll()}): {self.stderr()}')
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b'\0')
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=None):
        "Send a command and wait for its result (events that arrive meanwhile are kept in `events`)"
        self.next_id += 1
        msg = dict(id=self.next_id, method=method, params=params or {})
        if session: msg['sessionId'] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b'\0')
        deadline = time.monotonic() + (timeout or self.timeout)
        while (m := self._read(deadline)) is not None:
            if m.get('id') == self.next_id:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"].get("message")}')
                return m.get('result', {})
            if 'method' in m: self.events.append(m)
        raise TimeoutError(f'{method}: no answer from chromium in {timeout or self.timeout} s')

    def wait_event(self, method, timeout=None):
        "Wait for an event named `method`; True if it came"
        deadline = time.monotonic() + (timeout or self.timeout)
        if any(e['method'] == method for e in self.events): return True
        while (m := self._read(deadline)) is not None:
            if 'method' in m:
                self.events.append(m)
                if m['method'] == method: return True
        return False

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors='replace')[-1500:]

    def close(self):
        try: self.send('Browser.close', timeout=5)
        except Exception: pass
        try: self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9); self.proc.wait()
        for fd in (self.cmd_w, self.msg_r): os.close(fd)


INSPECT = """JSON.stringify({
  html: document.documentElement.outerHTML,
  imgs: Array.from(document.images).map(i => ({src: i.getAttribute('src') || '', ok: i.complete && i.naturalWidth > 0,
                                               w: i.getBoundingClientRect().width})),
  nav: (e => e ? [e.getBoundingClientRect().width, e.getBoundingClientRect().height, getComputedStyle(e).display] : null)(document.querySelector('nav.sidebar')),
  main: (e => e ? [e.getBoundingClientRect().width, e.getBoundingClientRect().height] : null)(document.querySelector('main')),
  overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
  code: (e => e ? getComputedStyle(e).color : null)(document.querySelector('main .highlight .k, main .highlight .kn, main .highlight .nf'))
})"""


def load_pages(exe, urls, timeout):
    "{url: (inspection dict or None, [browser-side problems])} for every url, in one Chromium"
    out = {}
    with tempfile.TemporaryDirectory(prefix='check_docs-') as profile:
        b = CDP(exe, profile, timeout)
        try:
            tgt = b.send('Target.createTarget', {'url': 'about:blank'})['targetId']
            s = b.send('Target.attachToTarget', {'targetId': tgt, 'flatten': True})['sessionId']
            for m in ('Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable'): b.send(m, session=s)
            b.send('Emulation.setDeviceMetricsOverride', dict(width=WINDOW[0], height=WINDOW[1], deviceScaleFactor=1, mobile=False), session=s)
            for url in urls:
                b.events.clear()
                probs = []
                nav = b.send('Page.navigate', {'url': url}, session=s)
                if nav.get('errorText'): out[url] = (None, [f'does not load: {nav["errorText"]}']); continue
                if not b.wait_event('Page.loadEventFired'): probs.append(f'load event not fired within {timeout} s')
                info = json.loads(b.send('Runtime.evaluate', {'expression': INSPECT, 'returnByValue': True}, session=s)['result']['value'])
                for e in b.events:
                    p, m = e.get('params', {}), e['method']
                    if m == 'Runtime.exceptionThrown':
                        d = p['exceptionDetails']
                        probs.append(f'JavaScript exception: {d.get("exception", {}).get("description") or d.get("text")}'.splitlines()[0])
                    elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                        probs.append('console error: ' + ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', []))[:300])
                    elif m == 'Log.entryAdded' and p['entry'].get('level') == 'error':
                        probs.append(f'browser error: {p["entry"].get("text", "")[:300]} {p["entry"].get("url", "")[:150]}'.rstrip())
                    elif m == 'Network.loadingFailed' and not p.get('canceled'):
                        probs.append(f'resource failed to load ({p.get("errorText")}, {p.get("type")})')
                    elif m == 'Network.responseReceived' and p['response'].get('status', 0) >= 400:
                        probs.append(f'HTTP {p["response"]["status"]} for {p["response"]["url"][:150]}')
                out[url] = (info, list(dict.fromkeys(probs)))
        finally:
            b.close()
    return out


def screenshot(exe, url, png, timeout):
    "Screenshot `url` at the window size with Chromium's own `--screenshot`"
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix='check_docs-') as profile:
        r = subprocess.run([exe, *FLAGS, f'--user-data-dir={profile}', f'--screenshot={png}',
                            f'--window-size={WINDOW[0]},{WINDOW[1]}', url],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if not png.exists(): return [f'chromium --screenshot wrote no file (exit {r.returncode}): {r.stdout[-300:]}']
    im = Image.open(png).convert('RGB')
    w, h = im.size
    return (blank_problems(im, min_std=12, min_colours=64, what='screenshot')   # and a person sees a sidebar and text
            + blank_problems(im.crop((0, h//15, w//5, h)), min_std=4, min_colours=8, what='sidebar area of the screenshot')
            + blank_problems(im.crop((w//4, h//15, w, h)), min_std=8, min_colours=32, what='content area of the screenshot'))


FIGURE_AFTER = """(id => { const h = document.getElementById(id); if (!h) return null;
  const img = Array.from(document.querySelectorAll('main img')).find(i => h.compareDocumentPosition(i) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (!img) return null;
  const a = h.getBoundingClientRect(), b = img.getBoundingClientRect();
  return [Math.max(0, b.left + scrollX - 8), a.top + scrollY - 8, b.width + 16, b.bottom - a.top + 16]; })(%s)"""


def figure_screenshot(exe, url, anchor, png, timeout):
    "Screenshot, as Chromium renders it, the page region from heading `#anchor` down to the first figure after it"
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix='check_docs-') as profile:
        b = CDP(exe, profile, timeout)
        try:
            tgt = b.send('Target.createTarget', {'url': 'about:blank'})['targetId']
            s = b.send('Target.attachToTarget', {'targetId': tgt, 'flatten': True})['sessionId']
            b.send('Page.enable', session=s)
            b.send('Emulation.setDeviceMetricsOverride', dict(width=WINDOW[0], height=WINDOW[1], deviceScaleFactor=1, mobile=False), session=s)
            b.send('Page.navigate', {'url': url}, session=s)
            if not b.wait_event('Page.loadEventFired'): return [f'load event not fired within {timeout} s']
            box = b.send('Runtime.evaluate', {'expression': FIGURE_AFTER % json.dumps(anchor), 'returnByValue': True}, session=s)['result'].get('value')
            if not box: return [f'no figure after #{anchor}']
            shot = b.send('Page.captureScreenshot', dict(format='png', captureBeyondViewport=True,
                          clip=dict(x=box[0], y=box[1], width=box[2], height=box[3], scale=1)), session=s)
            png.write_bytes(base64.b64decode(shot['data']))
        finally:
            b.close()
    return blank_problems(Image.open(png).convert('RGB'), min_std=12, min_colours=64, what=f'figure screenshot after #{anchor}')


# ---------------------------------------------------------------- image checks
def blank_problems(im, min_std=2, min_colours=2, what='image'):
    "Problems if `im` is (nearly) one flat colour"
    a = np.asarray(im.convert('RGB'), dtype=np.float32)
    if a.size == 0: return [f'{what} is empty']
    std, colours = float(a.std()), len(np.unique(a.reshape(-1, 3).astype(np.uint8).view('V3')))
    if std < min_std or colours < min_colours:
        return [f'{what} looks blank ({im.size[0]}x{im.size[1]}, pixel std {std:.1f}, {colours} colours)']
    return []


def image_problems(src, page, docs):
    "Problems with one `<img src>`: it must be a data: URI or a local file that decodes and is not blank"
    short = src[:60] + ('…' if len(src) > 60 else '')
    if src.startswith('data:'):
        head, _, data = src.partition(',')
        if ';base64' not in head: return [f'image {short}: data URI is not base64']
        if head[5:].split(';')[0] == 'image/svg+xml': return []
        try: raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as e: return [f'image {short}: bad base64 ({e})']
    else:
        u = urlsplit(src)
        if u.scheme or u.netloc: return [f'image {short}: not local (will not show offline)']
        f = (page.parent/unquote(u.path)).resolve()
        if not f.is_file(): return [f'image {short}: file {f} does not exist']
        if f.suffix.lower() == '.svg': return []
        raw = f.read_bytes()
    try:
        Image.open(io.BytesIO(raw)).verify()
        im = Image.open(io.BytesIO(raw)); im.load()
    except Exception as e: return [f'image {short}: does not decode ({e})']
    return [f'{p} ({short})' for p in blank_problems(im)]


# ---------------------------------------------------------------- DOM checks
def page_problems(soup, page, docs, pages, ids):
    "Problems in the rendered DOM `soup` of one page; `ids` maps page names to the ids in their DOM"
    probs = []
    nav = soup.select_one('nav.sidebar')
    if nav is None: probs.append('no sidebar (<nav class="sidebar">)')
    else:
        hrefs = {a.get('href') for a in nav.find_all('a')}
        if missing := sorted(set(pages) - hrefs - {page.name}):
            probs.append(f'sidebar has no link to {", ".join(missing)} (is the notebook in nbs/sidebar.yml?)')
        active = [a.get('href') for a in nav.select('a.active')]
        if page.name not in hrefs: probs.append('page is not in its own sidebar (is the notebook in nbs/sidebar.yml?)')
        elif active != [page.name]: probs.append(f'sidebar highlights {active}, expected [{page.name!r}]')
    main = soup.find('main')
    if main is None: return probs + ['no <main>']
    h1 = main.find('h1')
    if h1 is None or not h1.get_text(strip=True): probs.append('<main> has no <h1> title')
    text = main.get_text(' ', strip=True)
    if len(text) < 300: probs.append(f'<main> has only {len(text)} characters of text')
    if TRACEBACK in text:
        i = text.index(TRACEBACK)
        probs.append(f'Python traceback in an output: …{text[max(0, i-80):i+120]}…')
    for m in re.finditer(r'<[\w.]+ object at 0x[0-9a-f]+>', text): probs.append(f'raw object repr in the page: {m[0]}')
    leftover = re.compile(r'^\s*(:::|```)|\{(?:[.#][\w-]+|[\w-]+="[^"]*")[^}]*\}')   # fences, callouts, pandoc {attrs}
    for el in main.find_all(string=leftover):
        if not el.find_parent(['pre', 'code', 'script', 'style']): probs.append(f'unrendered markdown: {el.strip()[:70]!r}')
    for img in soup.find_all('img'):
        probs += image_problems(img.get('src') or '', page, docs)
    for a in soup.find_all('a', href=True):
        href = a['href']
        u = urlsplit(href)
        if u.scheme or u.netloc or href.startswith(('mailto:', 'javascript:')): continue
        target = (page.parent/unquote(u.path)).resolve() if u.path else page.resolve()
        if not target.exists(): probs.append(f'broken link {href!r}: {target} does not exist'); continue
        if u.fragment and target.suffix == '.html' and target.parent == docs.resolve():
            if target.name in ids and u.fragment not in ids[target.name]:
                probs.append(f'broken anchor {href!r}: no id={u.fragment!r} in {target.name}')
    return probs


def browser_layout_problems(info):
    "Problems visible in the live layout (computed in the browser)"
    probs = []
    for i in info['imgs']:
        if not i['ok']: probs.append(f'browser could not display image {i["src"][:60]}')
    if info['nav'] and (info['nav'][0] < 100 or info['nav'][2] == 'none'): probs.append(f'sidebar is not visible ({info["nav"]})')
    if info['main'] and info['main'][0] < 400: probs.append(f'<main> is only {info["main"][0]:.0f} px wide at {WINDOW[0]} px')
    if info['overflow']: probs.append(f'page scrolls sideways at {WINDOW[0]} px (something is too wide)')
    return probs


# ---------------------------------------------------------------- notebooks and symbols
def exported_symbols(modidx):
    "{module: [public top-level names]} from nbdev's `_modidx.py`"
    tree = ast.parse(modidx.read_text())
    d = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == 'd')
    out = {}
    for mod, syms in d['syms'].items():
        names = [s[len(mod)+1:] for s in syms]
        out[mod] = sorted(n for n in names if '.' not in n and not n.startswith('_'))
    return out


def notebook_modules(nbs, lib):
    "{module: notebook name} from each notebook's `#| default_exp`"
    out = {}
    for nb in sorted(nbs.glob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and (m := re.search(r'^#\|\s*default_exp\s+(\S+)', src, re.M)):
                out[f'{lib}.{m[1]}'] = nb.name; break
    return out


def symbol_problems(soup, names):
    "Exported names with no heading in the page (show_doc renders one heading per symbol)"
    main = soup.find('main')
    heads = {h.get_text(' ', strip=True) for h in main.find_all(['h2', 'h3', 'h4', 'h5'])} if main else set()
    text = main.get_text(' ', strip=True) if main else ''
    probs = []
    for n in names:
        if n in heads: continue
        if re.search(rf'\b{re.escape(n)}\b', text): probs.append(f'exported {n} has no show_doc heading (only mentioned in the text)')
        else: probs.append(f'exported {n} is not documented on the page')
    return probs


# ---------------------------------------------------------------- main
def output_images(nb) -> int:
    "Number of figures (PNG, JPEG, SVG outputs) in notebook `nb`"
    cells = json.loads(Path(nb).read_text()).get('cells', [])
    return sum(any(k in o.get('data', {}) for k in ('image/png', 'image/jpeg', 'image/svg+xml'))
               for c in cells for o in c.get('outputs', []))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--docs', default=str(ROOT/'_docs'), help='site written by tools/render_docs.py')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'))
    ap.add_argument('--lib', default='qfae')
    ap.add_argument('--timeout', type=float, default=30, help='seconds per page load')
    ap.add_argument('--min-plot-pages', type=int, default=0,
                    help='fail unless at least this many pages show figures from notebook outputs (docs built from executed notebooks)')
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    docs, nbs = Path(a.docs), Path(a.nbs)
    if not (docs/'pages.json').exists(): sys.exit(f'{docs}/pages.json missing: run nbdev-proc-nbs and tools/render_docs.py first')
    pagemap = json.loads((docs/'pages.json').read_text())
    problems = []   # (where, what)

    for nb in sorted(nbs.glob('*.ipynb')):
        if nb.name.startswith('_'): continue
        if nb.name not in pagemap: problems.append((nb.name, 'notebook has no page in pages.json'))
        elif not (docs/pagemap[nb.name]).is_file(): problems.append((nb.name, f'page {pagemap[nb.name]} does not exist'))
    files = sorted(docs.glob('*.html'))
    for f in files:
        if f.name not in pagemap.values(): problems.append((f.name, 'page is not in pages.json'))

    exe = ensure_chromium()
    if exe is None:
        for where, what in problems: print(f'{where}: {what}')
        print('docs check: SKIPPED (Chromium is not installed and we are not root): install it with '
              '`sudo apt-get install -y chromium`, then run `make test` again')
        return 1 if problems else SKIPPED
    urls = {f.resolve().as_uri(): f for f in files}
    loaded = load_pages(exe, list(urls), a.timeout)
    soups = {f.name: BeautifulSoup(loaded[u][0]['html'], 'html.parser') for u, f in urls.items() if loaded[u][0]}
    ids = {n: {t['id'] for t in s.find_all(id=True)} | {t['name'] for t in s.find_all('a', attrs={'name': True})}
           for n, s in soups.items()}
    for url, f in urls.items():
        info, probs = loaded[url]
        problems += [(f.name, p) for p in probs]
        if info is None: continue
        problems += [(f.name, p) for p in browser_layout_problems(info)]
        problems += [(f.name, p) for p in page_problems(soups[f.name], f, docs, [g.name for g in files], ids)]

    plot_pages = 0   # every figure a notebook's outputs hold must be on its page, as an image
    for nb in sorted(nbs.glob('*.ipynb')):
        n, page = output_images(nb), pagemap.get(nb.name)
        if not n or page not in soups: continue
        m = sum((i.get('src') or '').startswith('data:image/') for i in soups[page].find_all('img'))
        plot_pages += m > 0
        if m < n: problems.append((page, f'{nb.name} has {n} figures in its outputs but the page shows {m}'))
    if plot_pages < a.min_plot_pages:
        problems.append(('site', f'{plot_pages} pages show figures, fewer than --min-plot-pages {a.min_plot_pages} '
                                 '(were the notebooks executed before the build, e.g. `nbdev-test --save`?)'))

    mods, syms = notebook_modules(nbs, a.lib), exported_symbols(ROOT/a.lib/'_modidx.py')
    for mod, names in syms.items():
        nb = mods.get(mod)
        if nb is None: problems.append((mod, 'no notebook has `#| default_exp` for this module')); continue
        page = pagemap.get(nb)
        if page in soups: problems += [(page, p) for p in symbol_problems(soups[page], names)]

    shots = docs/'_screenshots'
    shots.mkdir(exist_ok=True)
    # the index, a model page, and the viewer's headless rendering of its app (the figure below the `snapshot` heading)
    for name, nb, anchor in (('index', 'index.ipynb', None), ('model', '15_model.ipynb', None), ('viewer', '33_viewer.ipynb', 'snapshot')):
        if nb not in pagemap: problems.append((nb, 'no page to screenshot')); continue
        png, url = shots/f'{name}.png', (docs/pagemap[nb]).resolve().as_uri()
        probs = figure_screenshot(exe, url, anchor, png, 60) if anchor else screenshot(exe, url, png, 60)
        problems += [(png.relative_to(docs).as_posix(), p) for p in probs]

    problems = list(dict.fromkeys(problems))   # a broken link repeated on a page is one problem
    bywhat = {}
    for where, what in problems: bywhat.setdefault(' '.join(what.split()), []).append(where)
    for what, wheres in bywhat.items():   # one line for a problem shared by many pages
        if len(wheres) > 2: print(f'{len(wheres)} pages ({", ".join(wheres[:3])}{", …" if len(wheres) > 3 else ""}): {what}')
        else: print('\n'.join(f'{w}: {what}' for w in wheres))
    print(f'docs check: {len(files)} pages, {len(problems)} problems ({time.monotonic()-t0:.0f} s)')
    return 1 if problems else 0


if __name__ == '__main__': sys.exit(main())

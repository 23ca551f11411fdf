"""The book as readers meet it: every built page opened in headless Chromium, offline.

Which HTML: ``$QBOOK_HTML`` when it names a built folder (e.g. ``_build/html`` after
``make book``); otherwise a session fixture builds the book *without execution* from the
committed ``.ipynb`` files (they carry real outputs), so ``make test`` does not run every
chapter a second time. ``$QBOOK_TOC`` may name another table of contents for that build.

Checks on every page: no JavaScript console errors, no request leaves the local server (no CDN),
every image loads and every figure of the notebook is on the page, math is typeset by the local
MathJax (no raw ``$$`` or ``\\[`` left, no MathJax errors), widgets render, every internal link
and anchor resolves, no TensorFlow/CUDA log noise, and each chapter shows its Colab button.
A screenshot of each chapter's first screen goes to ``_build/screenshots/<page>.png``.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``); without
them the tests skip with a loud message. ``.ci/run`` installs them, so CI runs these tests.
"""

from __future__ import annotations

import functools
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from qbook.common import report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import home  # noqa: E402  (tools/home.py: the book's address, from _config.yml)

CHROMIUM = os.environ.get("QBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QBOOK_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "_build" / "screenshots"
COLAB = home.home().colab(home.COLAB_DIR + "/{}.ipynb")  # the notebooks `make colab` writes
CHAPTER_PAGE = re.compile(r"^book/(\d\d_[^/]+)\.html$")
LOG_NOISE = (
    "cuda_dnn",
    "cuda_blas",
    "cuda_fft",
    "oneDNN",
    "absl::InitializeLog",
    "This TensorFlow binary is optimized",
    "Unable to register cuDNN",
    "TF-TRT Warning",
    "computation placer already registered",
)
BUILD_TIMEOUT = 900


def _missing_browser() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install selenium)")
    if missing:
        return (
            "\n" + "!" * 78 + "\nBROWSER TESTS SKIPPED: missing " + ", ".join(missing) + ".\n"
            "Install them (Debian: apt-get install chromium chromium-driver); .ci/run does.\n"
            + "!"
            * 78
        )
    return None


# --------------------------------------------------------------------------------------------
# Building the HTML without execution
# --------------------------------------------------------------------------------------------


def _is_jupytext_notebook(md: Path) -> bool:
    head = md.read_text().split("\n---", 1)[0] if md.read_text().startswith("---") else ""
    return "jupytext" in head or "kernelspec" in head


def _toc_files(toc: dict) -> list[str]:
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def build_without_execution(dest: Path, toc_path: Path = ROOT / "_toc.yml") -> tuple[Path, str]:
    """Build the book from the committed notebooks (no kernel runs); return (html, log)."""
    if not (ROOT / "_offline" / "mathjax" / "tex-chtml.js").exists():
        pytest.fail("_offline/mathjax is missing: run `make static` (it fetches MathJax from npm)")
    src = dest / "src"
    src.mkdir(parents=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    config["exclude_patterns"] = [p for p in config["exclude_patterns"] if "ipynb" not in p]
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    toc = yaml.safe_load(toc_path.read_text())
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    shutil.copytree(ROOT / "_offline", src / "_offline")
    shutil.copytree(ROOT / "_ext", src / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "book").mkdir()
    for f in (ROOT / "book").glob("*.bib"):
        shutil.copy(f, src / "book" / f.name)
    # The Colab button points at colab/NN_name.ipynb (_ext/qbook_html.py)
    shutil.copytree(ROOT / home.COLAB_DIR, src / home.COLAB_DIR)
    if (ROOT / "book" / "bib").is_dir():
        shutil.copytree(ROOT / "book" / "bib", src / "book" / "bib")
    for name in _toc_files(toc):
        md, nb = ROOT / f"{name}.md", ROOT / f"{name}.ipynb"
        if nb.exists():  # a chapter: its notebook with the committed outputs
            shutil.copy(nb, src / f"{name}.ipynb")
        elif md.exists() and not _is_jupytext_notebook(md):  # intro, references, API pages ...
            (src / f"{name}.md").parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(md, src / f"{name}.md")
        else:
            pytest.fail(f"{name} in {toc_path.name} has no .ipynb (or plain .md) to build from")
    # Chapter 13 writes results/all_rows.csv (its download link) when it runs; this build runs
    # nothing, so write the same file from the rows recorded so far (none on a fresh clone).
    (src / "results").mkdir()
    report.results_frame().to_csv(src / "results" / "all_rows.csv", index=False)
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "-n", "--keep-going"]
    cmd += ["--path-output", str(dest)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    log = res.stdout + res.stderr
    html = dest / "_build" / "html"
    if res.returncode != 0 and not (html / "index.html").exists():
        pytest.fail("jupyter-book build failed:\n" + log[-4000:])
    return html, log


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """(html folder, build log or None, source folder with the notebooks)."""
    env = os.environ.get("QBOOK_HTML")
    if env:
        html = Path(env)
        if not (html / "index.html").exists():
            pytest.fail(f"QBOOK_HTML={env} holds no built book (no index.html)")
        return html, None, ROOT
    toc = Path(os.environ.get("QBOOK_TOC", ROOT / "_toc.yml"))
    t0 = time.perf_counter()
    html, log = build_without_execution(tmp_path_factory.mktemp("book"), toc)
    print(f"\nbuilt the book without execution in {time.perf_counter() - t0:.0f} s")
    return html, log, html.parent.parent / "src"


def _pages(html: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_") and p.name not in skip
    )


def test_build_from_notebooks_is_warning_free(built_book):
    html, log, _ = built_book
    if log is None:
        pytest.skip("testing a given QBOOK_HTML; `make book` checks its own warnings (-W)")
    warns = [line for line in log.splitlines() if "WARNING" in line and "[IPKernelApp]" not in line]
    assert not warns, "the build from the committed notebooks warns:\n" + "\n".join(warns[:30])


def test_no_cdn_or_log_noise_in_html(built_book):
    """Static checks over the HTML files: no remote scripts/styles, no log noise in outputs."""
    html, _, _ = built_book
    pages = _pages(html)
    assert pages, f"no pages in {html}"
    remote = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["'](https?:)?//""", re.I)
    for page in pages:
        text = (html / page).read_text()
        for m in remote.finditer(text):
            tag = text[m.start() : text.find(">", m.start()) + 1]
            if "<link" in tag and "stylesheet" not in tag and "preload" not in tag:
                continue  # rel="canonical", "icon" ... are not loaded from elsewhere
            pytest.fail(f"{page} loads a remote resource: {tag[:200]}")
        outputs = _OutputText()
        outputs.feed(text)
        for noise in LOG_NOISE:
            assert noise not in outputs.text, f"{page} shows TensorFlow/CUDA log noise: {noise!r}"


class _OutputText(html.parser.HTMLParser):
    """The text inside cell outputs (``div.cell_output``): where log noise would show."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # > 0 while inside a cell output
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in _VOID
        elif tag == "div" and "cell_output" in (dict(attrs).get("class") or ""):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_book):
    html = built_book[0]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def chromium(profile: Path, timeout: float = 60):
    """Headless Chromium through selenium (the browser test and tests/test_lab.py)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--window-size=1366,900",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(timeout)
    driver.set_script_timeout(timeout)
    return driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    why = _missing_browser()
    if why:
        warnings.warn(why, stacklevel=1)
        print(why)
        pytest.skip(why)
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


WAIT_READY = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
function imagesDone() { return Array.from(document.images).every(i => i.complete); }
function widgetsDone() {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  return views.length === 0 || document.querySelectorAll('.jupyter-widgets').length > 0;
}
function poll() {
  const mj = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
  const ready = document.readyState === 'complete' && imagesDone() && widgetsDone();
  if (ready && (!document.querySelector('.math') || mj)) {
    (mj ? window.MathJax.startup.promise : Promise.resolve())
      .then(() => done('ok')).catch(e => done('MathJax failed: ' + e));
  } else if (Date.now() - t0 > 30000) {
    done('timeout: readyState=' + document.readyState + ' images=' + imagesDone() +
         ' widgets=' + widgetsDone() + ' mathjax=' + !!mj);
  } else { setTimeout(poll, 100); }
}
poll();
"""

INSPECT = r"""
const out = {};
out.brokenImages = Array.from(document.images)
  .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
const article = document.querySelector('article') || document.body;
out.figures = article.querySelectorAll('.cell_output img, .cell_output svg').length;
out.emptySvgs = Array.from(article.querySelectorAll('.cell_output svg'))
  .filter(s => { const b = s.getBoundingClientRect(); return !(b.width > 0 && b.height > 0); })
  .length;
out.math = Array.from(article.querySelectorAll('.math')).length;
out.mathUntypeset = Array.from(article.querySelectorAll('.math'))
  .filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
out.mjx = document.querySelectorAll('mjx-container').length;
out.mathErrors = Array.from(document.querySelectorAll('mjx-merror'))
  .map(e => e.getAttribute('data-mjx-error') || e.textContent);
const clone = article.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
  .forEach(e => e.remove());
out.text = clone.innerText || clone.textContent;
out.outputs = Array.from(article.querySelectorAll('.cell_output'))
  .map(e => e.innerText || e.textContent).join('\n');
out.links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
out.resources = performance.getEntriesByType('resource').map(r => r.name);
out.widgetStates = document.querySelectorAll(
  'script[type="application/vnd.jupyter.widget-state+json"]').length;
out.widgets = document.querySelectorAll('.jupyter-widgets').length;
const colab = Array.from(document.querySelectorAll('a[href^="https://colab.research.google.com"]'));
out.colab = colab.map(a => a.getAttribute('href'));
const launch = document.querySelector('.dropdown-launch-buttons button, .dropdown-launch-buttons');
out.colabFolded = Array.from(document.querySelectorAll('details summary'))
  .some(e => e.textContent.includes('Colab install cell'));
out.launchVisible = !!launch && launch.getBoundingClientRect().width > 0;
// Code that scrolls sideways or is cut, display math cut off (it may scroll, never be cut).
out.codeBlocks = article.querySelectorAll('div.cell_input pre, div.highlight pre').length;
out.codeOverflow = Array.from(article.querySelectorAll('div.cell_input pre, div.highlight pre'))
  .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 60));
const box = article.getBoundingClientRect();
out.mathCut = Array.from(article.querySelectorAll('mjx-container[display="true"]'))
  .filter(m => {
    const b = m.getBoundingClientRect();
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(m).overflowX);
    return b.right > box.right + 1 || (m.scrollWidth > m.clientWidth + 1 && !scrolls);
  }).map(m => (m.getAttribute('aria-label') || m.textContent).slice(0, 60));
return out;
"""


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


def _expected_figures(source: Path, page: str) -> int | None:
    """How many image outputs the page's notebook holds (None if it is not a notebook)."""
    nb = source / (page[: -len(".html")] + ".ipynb")
    if not nb.exists():
        return None
    count = 0
    for cell in json.loads(nb.read_text())["cells"]:
        if {"remove-output", "remove-cell"} & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(k in data for k in ("image/png", "image/svg+xml", "image/jpeg")):
                count += 1
    return count


@pytest.fixture(scope="session")
def visited(browser, built_book, server):
    """Open every page once; return {page: what the browser saw}."""
    html, _, source = built_book
    pages = _pages(html)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    t0 = time.perf_counter()
    browser.get_log("browser")  # drop anything from start-up
    for page in pages:
        browser.get(server + page)
        state = browser.execute_async_script(WAIT_READY)
        info = browser.execute_script(INSPECT)
        info["ready"] = state
        info["console"] = [
            e["message"]
            for e in browser.get_log("browser")
            if e.get("level") == "SEVERE" and "/favicon.ico " not in e["message"]
        ]  # the browser asks for /favicon.ico on its own; the book does not link one
        info["expected_figures"] = _expected_figures(source, page)
        m = CHAPTER_PAGE.match(page)
        if m:
            browser.execute_script("window.scrollTo(0, 0)")
            browser.save_screenshot(str(SCREENSHOTS / f"{m.group(1)}.png"))
        seen[page] = info
    print(f"\nbrowser visited {len(pages)} pages in {time.perf_counter() - t0:.0f} s")
    return seen


def _each(visited, key):
    return {page: info[key] for page, info in visited.items()}


def test_pages_load_without_console_errors(visited):
    bad = {p: (i["ready"], i["console"]) for p, i in visited.items() if i["ready"] != "ok"}
    assert not bad, f"pages that never finished loading: {bad}"
    errors = {p: c for p, c in _each(visited, "console").items() if c}
    assert not errors, "JavaScript console errors:\n" + json.dumps(errors, indent=1)[:4000]


def test_nothing_is_requested_from_another_host(visited, server):
    for page, resources in _each(visited, "resources").items():
        remote = [r for r in resources if not r.startswith(server) and not r.startswith("data:")]
        assert not remote, f"{page} requested {remote[:5]} (the book must read offline)"


def test_images_and_figures_render(visited):
    for page, info in visited.items():
        assert not info["brokenImages"], f"{page}: images that did not load: {info['brokenImages']}"
        assert info["emptySvgs"] == 0, f"{page}: {info['emptySvgs']} inline SVGs have no size"
        expected = info["expected_figures"]
        if expected is not None:
            assert info["figures"] >= expected, (
                f"{page}: the notebook has {expected} figures, the page shows {info['figures']}"
            )


def test_math_is_typeset_by_local_mathjax(visited):
    math_pages = [p for p, i in visited.items() if i["math"]]
    for page in math_pages:
        info = visited[page]
        assert info["mjx"] > 0, f"{page} has math but MathJax typeset none of it"
        assert not info["mathUntypeset"], f"{page}: math left untypeset: {info['mathUntypeset']}"
        assert not info["mathErrors"], f"{page}: MathJax errors: {info['mathErrors']}"
    for page, text in _each(visited, "text").items():
        for raw in ("$$", "\\[", "\\(", "\\begin{"):
            assert raw not in text, f"{page} shows raw TeX {raw!r} in its text"


def test_widgets_render(visited):
    for page, info in visited.items():
        if info["widgetStates"]:
            assert info["widgets"] > 0, f"{page} has widget state but no widget was rendered"


def test_no_log_noise_on_pages(visited):
    for page, text in _each(visited, "outputs").items():
        for noise in LOG_NOISE:
            assert noise not in text, f"{page} shows TensorFlow/CUDA log noise: {noise!r}"


def test_internal_links_and_anchors_resolve(visited, server):
    ids: dict[str, set[str]] = {}
    status: dict[str, int] = {}
    problems = []
    for page, links in _each(visited, "links").items():
        for link in sorted(set(links)):
            if not link.startswith(server):
                continue
            url, _, frag = link.partition("#")
            if url not in status:
                try:
                    with urllib.request.urlopen(url, timeout=10) as resp:
                        status[url] = resp.status
                        body = resp.read()
                except urllib.error.HTTPError as err:
                    status[url], body = err.code, b""
                parser = _Ids()
                if url.endswith((".html", "/")):
                    parser.feed(body.decode("utf-8", "replace"))
                ids[url] = parser.ids
            if status[url] != 200:
                problems.append(f"{page}: {link} -> HTTP {status[url]}")
            elif frag and urllib.parse.unquote(frag) not in ids[url] and url.endswith(".html"):
                problems.append(f"{page}: {link} -> no element with id {frag!r}")
    assert status, "no internal links were found"
    assert not problems, "broken internal links:\n" + "\n".join(problems[:40])


def test_code_wraps_and_math_is_never_cut(visited):
    """At desktop width no code block scrolls sideways and no display equation is cut."""
    for page, info in visited.items():
        assert not info["codeOverflow"], f"{page}: code lines overflow: {info['codeOverflow'][:5]}"
        assert not info["mathCut"], f"{page}: display equations cut: {info['mathCut'][:5]}"


PHONE_PAGES = ("book/08_vrp_hamiltonians.html", "book/10_constrained_qaoa.html")


def test_on_a_phone_equations_scroll_instead_of_being_cut(browser, server, visited):
    """At a phone's width (390 px) display equations fit or scroll; screenshots *_phone.png."""
    browser.set_window_size(390, 844)
    try:
        for page in PHONE_PAGES:
            if page not in visited:
                continue
            browser.get(server + page)
            assert browser.execute_async_script(WAIT_READY) == "ok"
            info = browser.execute_script(INSPECT)
            assert info["mjx"] > 0, f"{page}: no math typeset at phone width"
            assert not info["mathCut"], f"{page}: equations cut on a phone: {info['mathCut'][:5]}"
            assert not info["codeOverflow"], f"{page}: code overflows on a phone"
            first = browser.find_element("css selector", 'mjx-container[display="true"]')
            browser.execute_script("arguments[0].scrollIntoView()", first)
            stem = CHAPTER_PAGE.match(page).group(1)
            browser.save_screenshot(str(SCREENSHOTS / f"{stem}_phone.png"))
    finally:
        browser.set_window_size(1366, 900)


def test_each_chapter_has_its_colab_button(visited):
    chapters = [p for p in visited if CHAPTER_PAGE.match(p)]
    assert chapters, "no chapter pages (book/NN_*.html) were built"
    for page in chapters:
        stem = CHAPTER_PAGE.match(page).group(1)
        info = visited[page]
        assert COLAB.format(stem) in info["colab"], f"{page}: Colab links {info['colab']}"
        assert info["launchVisible"], f"{page}: the launch button is not visible"
        assert info["colabFolded"], f"{page}: the Colab install cell is not folded away"
        assert (SCREENSHOTS / f"{stem}.png").stat().st_size > 10_000, f"{page}: no screenshot"


def test_execution_status_lists_each_chapter_with_its_run_time(built_book):
    html, log, _ = built_book
    if log is not None:
        pytest.skip("the test build does not execute; `make browser` checks the real build")
    page = html / "book" / "exec_status.html"
    assert page.exists(), "the book has no execution status page"
    text = re.sub(r"<[^>]+>", " ", page.read_text())
    for chapter in (p for p in _pages(html) if CHAPTER_PAGE.match(p)):
        doc = chapter[: -len(".html")]
        m = re.search(re.escape(doc) + r"\s+\S+ \S+\s+(\w+)\s+([\d.]+)\s+(\S+)", text)
        assert m, f"{doc} is missing from the execution status table"
        assert float(m.group(2)) > 0 and m.group(3) == "✅", f"{doc}: {m.group(0)}"

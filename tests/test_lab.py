"""The book in JupyterLab as `make lab` opens it, driven by headless Chromium.

The server is what ``make lab`` starts (``jupyter lab --config=lab/jupyter_lab_config.py``), on a
free 127.0.0.1 port with a token, serving a temporary copy of the repository (so saving touches
no real chapter). For every chapter it opens ``lab/tree/book/NN_name.md`` (the default viewer)
and checks that it is a notebook, with the outputs of the paired ``.ipynb`` and its MyST rendered
by jupyterlab-myst (no role, directive fence or label target left as text) and its citations
as author-year text (lab/citations.py); it runs the first
code cells of one chapter per half in a kernel; then it edits a cell of one chapter, saves, and
checks that both files of the pair changed and that the ``.md`` header did not. Screenshots go to
``_build/screenshots/lab_<chapter>.png``.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``); without
them the tests skip loudly. ``.ci/run`` installs them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_browser import SCREENSHOTS, _missing_browser, chromium  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "lab/jupyter_lab_config.py"
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))
if os.environ.get("QBOOK_LAB_CHAPTERS"):  # e.g. "08,10": open only these (a quick look)
    CHAPTERS = [c for c in CHAPTERS if c[:2] in os.environ["QBOOK_LAB_CHAPTERS"].split(",")]
RUN_CELLS = ("02_classical_cnn", "07_qubo_ising")  # the first code cells run, one per half
SAVE = "07_qubo_ising"
START_TIMEOUT = 120
MYST_RAW = re.compile(r"\{(cite|cite:[pt]|eq|doc|ref|numref|download)\}`|```\{|^\([\w-]+\)=$", re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_starts_this_config():
    """The Makefile's `lab` target starts JupyterLab with lab/jupyter_lab_config.py."""
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe and f"lab --config={CONFIG}" in recipe.group(1), "make lab must use " + CONFIG


def test_chapter_headers_stay_as_saving_leaves_them():
    """No format_version/jupytext_version (jupytext.toml filters them), and the kernel's own
    display name (JupyterLab writes it when the kernel starts: a chapter opened would be
    'modified' at once, and closing it would ask to save)."""
    from jupyter_client.kernelspec import get_kernel_spec

    display = get_kernel_spec("python3").display_name
    for name in CHAPTERS:
        head = (ROOT / "book" / f"{name}.md").read_text().split("\n---", 1)[0]
        assert "jupytext_version" not in head and "format_version" not in head, (
            f"{name}.md: version numbers in the header (run `make sync`)"
        )
        assert f"display_name: {display}\n" in head + "\n", f"{name}.md: kernel not {display!r}"


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    """The parts of the repository that JupyterLab serves, in a temporary folder."""
    dest = tmp_path_factory.mktemp("lab") / "qbook"
    dest.mkdir()
    for name in ("book", "lab", "tools"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_*"))
    for name in ("jupytext.toml", "_config.yml", "_toc.yml", "Makefile"):
        shutil.copy(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def lab(repo_copy, tmp_path_factory):
    """(base URL, token) of a JupyterLab server started as `make lab` starts it."""
    why = _missing_browser()
    if why:
        pytest.skip(why)
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("home")
    env = {
        **os.environ,
        "HOME": str(home),  # no reader settings or workspaces from this machine
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "PYTHONPATH": str(ROOT),  # the kernel imports this checkout's qbook
    }
    jupyter = Path(sys.executable).parent / "jupyter"
    cmd = [str(jupyter) if jupyter.exists() else "jupyter", "lab", f"--config={CONFIG}"]
    cmd += ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}"]
    cmd += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    # window.jupyterapp: the test opens chapter after chapter without reloading JupyterLab
    cmd += ["--LabApp.expose_app_in_browser=True"]
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=repo_copy, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > START_TIMEOUT:
            proc.kill()
            pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
        time.sleep(0.5)
    print(f"\nJupyterLab started in {time.perf_counter() - t0:.0f} s")
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def driver(lab, tmp_path_factory):
    d = chromium(tmp_path_factory.mktemp("chromium-lab"), timeout=300)
    yield d
    d.quit()


# Waits until the notebook panel of the opened file shows its cells and the rendered markdown
# settles; returns what it holds.
INSPECT = r"""
const done = arguments[arguments.length - 1];
const expected = arguments[0];
const t0 = Date.now();
function state() {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const editor = document.querySelector('.jp-FileEditor:not(.lm-mod-hidden)');
  if (!panel) return {panel: false, editor: !!editor};
  const cells = panel.querySelectorAll('.jp-Cell');
  const md = panel.querySelectorAll('.jp-MarkdownCell');
  const rendered = panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst');
  const code = panel.querySelectorAll('.jp-CodeCell');
  const withOut = Array.from(code).filter(c => c.querySelector('.jp-OutputArea-output')).length;
  const text = Array.from(panel.querySelectorAll('.jp-MarkdownCell .jp-MarkdownOutput'))
      .map(e => e.innerText).join('\n');
  return {panel: true, cells: cells.length, markdown: md.length, rendered: rendered.length,
          code: code.length, withOutputs: withOut, text: text,
          math: panel.querySelectorAll('.jp-MarkdownCell .katex, .jp-MarkdownCell mjx-container').length,
          exercises: panel.querySelectorAll('.jp-MarkdownCell .exercise, .jp-MarkdownCell aside.exercise').length,
          solutions: Array.from(panel.querySelectorAll('.jp-MarkdownCell details'))
              .filter(d => /solution/i.test(d.innerText)).map(d => d.open),
          admonitions: panel.querySelectorAll('.jp-MarkdownCell aside.admonition').length,
          details: panel.querySelectorAll('.jp-MarkdownCell details').length,
          myst: panel.querySelectorAll('.jp-MarkdownCell .myst').length,
          cites: Array.from(panel.querySelectorAll('.jp-MarkdownCell [data-qbook-cite]'))
              .map(e => e.getAttribute('data-qbook-cite')),
          unresolved: Array.from(panel.querySelectorAll(
              '.jp-MarkdownCell span[title="Citation Not Found"]')).map(e => e.textContent.trim()),
          title: document.title,
          dirty: !!document.querySelector('.jp-mod-current.jp-mod-dirty, .lm-TabBar-tab.lm-mod-current.jp-mod-dirty')};
}
let last = '', same = 0;
function poll() {
  const s = state();
  const key = JSON.stringify([s.cells, s.withOutputs, s.rendered, s.math, s.cites && s.cites.length]);
  same = key === last ? same + 1 : 0;
  last = key;
  const loaded = s.panel && (expected === null || s.cells >= expected) && s.rendered >= s.markdown &&
      !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Spinner');
  if (loaded && same >= 2) { s.waited = Date.now() - t0; done(s); return; }
  if (Date.now() - t0 > 120000) { s.waited = Date.now() - t0; done(s); return; }
  setTimeout(poll, 500);
}
poll();
"""


SCROLL_TO_EXERCISES = r"""
const cells = Array.from(document.querySelectorAll(
  '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell'));
const ex = cells.find(c => /Exercises/.test(c.innerText));
if (ex) { ex.scrollIntoView(); return true; }
return false;
"""


def _expected(repo_copy: Path, name: str) -> tuple[int, int]:
    """(code cells, code cells with outputs) of the paired notebook."""
    nb = json.loads((repo_copy / "book" / f"{name}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return len(code), sum(1 for c in code if c.get("outputs"))


OPEN = r"""
const done = arguments[arguments.length - 1];
const app = window.jupyterapp;
// close what is open without a save dialog (this test saves on purpose, elsewhere)
for (const w of Array.from(app.shell.widgets('main'))) {
  if (w.context && w.context.model) { w.context.model.dirty = false; }
  w.dispose();
}
app.commands.execute('docmanager:open', {path: arguments[0]})
  .then(() => done('ok')).catch(e => done('error: ' + e));
"""


def _open(driver, lab, path: str, cells: int | None = None) -> dict:
    """Open ``path`` with its default viewer, as a double-click does; wait until it shows."""
    base, token = lab
    ready = "return !!(window.jupyterapp && document.querySelector('.jp-DirListing'));"
    if not driver.current_url.startswith(base) or not driver.execute_script(ready):
        driver.get(f"{base}/lab/tree/{path}?reset&token={token}")
    else:
        assert driver.execute_async_script(OPEN, path) == "ok"
    return driver.execute_async_script(INSPECT, cells)


def _cells(repo_copy: Path, name: str) -> int:
    import jupytext

    return len(jupytext.read(repo_copy / "book" / f"{name}.md").cells)


@pytest.fixture(scope="module")
def opened(driver, lab, repo_copy):
    """Open every chapter by its path; return {chapter: (what the page held, seconds)}."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    for name in CHAPTERS:
        t0 = time.perf_counter()
        info = _open(driver, lab, f"book/{name}.md", _cells(repo_copy, name))
        seen[name] = (info, time.perf_counter() - t0)
        driver.save_screenshot(str(SCREENSHOTS / f"lab_{name}.png"))
        if driver.execute_script(SCROLL_TO_EXERCISES):
            time.sleep(0.5)
            driver.save_screenshot(str(SCREENSHOTS / f"lab_{name}_exercises.png"))
    print("\n" + "\n".join(f"lab {n}: {s:.1f} s" for n, (_, s) in seen.items()))
    return seen


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_opens_as_a_notebook_with_outputs_and_rendered_myst(opened, repo_copy, name):
    info, _ = opened[name]
    assert info.get("panel"), f"{name}.md did not open as a notebook: {info}"
    assert not info["dirty"], f"{name}.md is marked modified as soon as it opens"
    code, with_outputs = _expected(repo_copy, name)
    assert info["code"] == code, f"{name}: {info['code']} code cells, the .ipynb has {code}"
    assert info["withOutputs"] == with_outputs, (
        f"{name}: {info['withOutputs']} cells show outputs, the .ipynb has {with_outputs}"
    )
    assert info["rendered"] >= info["markdown"] > 0, f"{name}: markdown cells not rendered"
    raw = sorted({m.group(0) for m in MYST_RAW.finditer(info["text"])})
    assert not raw, f"{name}: raw MyST in the rendered notebook: {raw}"
    if "$" in (ROOT / "book" / f"{name}.md").read_text():
        assert info["math"] > 0, f"{name}: no typeset math"


CITE = re.compile(r"\{cite(?::[pt])?\}`([^`]*)`")


@pytest.mark.parametrize("name", CHAPTERS)
def test_citations_read_as_author_year(opened, name):
    """Every citation shows author-year text from the bibliography (lab/citations.py), none
    jupyterlab-myst's bare key: as many as the chapter's citation roles cite keys."""
    info, _ = opened[name]
    keys = [
        k.strip()
        for m in CITE.finditer((ROOT / "book" / f"{name}.md").read_text())
        for k in m.group(1).split(",")
        if k.strip()
    ]
    assert not info.get("unresolved"), f"{name}: citations shown as bare keys: {info['unresolved']}"
    assert len(info.get("cites", [])) == len(keys), (
        f"{name}: {len(info.get('cites', []))} citations rendered, the chapter cites {len(keys)}"
    )
    assert all(re.search(r"\b(1[89]|20)\d\d\b|n\.d\.", c) for c in info["cites"]), info["cites"]


RUN = r"""
const done = arguments[arguments.length - 1];
const n = arguments[0];
const t0 = Date.now();
function prompts() {
  return Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt'))
    .slice(0, n).map(p => p.textContent.trim());
}
function poll() {
  const p = prompts();
  const ok = p.length === n && p.every(t => /^\[\d+\]:$/.test(t));
  const errors = document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').length;
  if (ok) { done({ok: true, prompts: p}); return; }
  if (Date.now() - t0 > 240000) { done({ok: false, prompts: p}); return; }
  setTimeout(poll, 500);
}
poll();
"""


def _run_first_cells(driver, n: int) -> dict:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    first = driver.find_element(
        "css selector", ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt"
    )
    first.click()
    actions = ActionChains(driver)
    for _ in range(n):
        actions.key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT)
    actions.perform()
    return driver.execute_async_script(RUN, n)


@pytest.mark.parametrize("name", RUN_CELLS)
def test_first_cells_run_in_a_kernel(opened, driver, lab, name):
    info = _open(driver, lab, f"book/{name}.md")
    assert info.get("panel")
    _wait_kernel_idle(driver)
    t0 = time.perf_counter()
    res = _run_first_cells(driver, 2)
    driver.save_screenshot(str(SCREENSHOTS / f"lab_{name}_run.png"))
    print(f"\nlab {name}: first two cells ran in {time.perf_counter() - t0:.1f} s: {res}")
    assert res["ok"], f"{name}: the first cells did not run: {res}"


def _wait_kernel_idle(driver, timeout: float = 120) -> None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        status = driver.execute_script(
            "const e = document.querySelector('.jp-Notebook-ExecutionIndicator');"
            "return e ? e.getAttribute('data-status') : null;"
        )
        if status == "idle":
            return
        time.sleep(0.5)


def test_saving_keeps_the_pair_in_step_and_the_header_alone(opened, driver, lab, repo_copy):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    md, ipynb = repo_copy / "book" / f"{SAVE}.md", repo_copy / "book" / f"{SAVE}.ipynb"
    header = md.read_text().split("\n---", 1)[0]
    before_nb = ipynb.read_text()
    _open(driver, lab, f"book/{SAVE}.md")
    marker = f"edited_in_lab = {secrets.randbelow(10**6)}"
    editors = driver.find_elements(
        "css selector", ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .cm-content"
    )
    editors[1].click()
    actions = ActionChains(driver)
    actions.key_down(Keys.CONTROL).send_keys(Keys.END).key_up(Keys.CONTROL)
    actions.send_keys(Keys.ENTER).send_keys(marker)
    actions.key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL)
    actions.perform()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 30:
        if marker in md.read_text() and marker in ipynb.read_text():
            break
        time.sleep(0.5)
    driver.save_screenshot(str(SCREENSHOTS / f"lab_{SAVE}_saved.png"))
    assert marker in md.read_text(), "saving did not write the .md"
    assert marker in ipynb.read_text() and ipynb.read_text() != before_nb, (
        "the .ipynb was not updated"
    )
    assert md.read_text().split("\n---", 1)[0] == header, "saving changed the .md header"
    import jupytext

    a, b = jupytext.read(md), jupytext.read(ipynb)
    assert [c.source for c in a.cells] == [c.source for c in b.cells], (
        "the pair differs after saving"
    )
    nb = json.loads(ipynb.read_text())
    assert sum(1 for c in nb["cells"] if c["cell_type"] == "code" and c.get("outputs")) > 0, (
        "saving dropped the outputs"
    )


def test_citation_extension_carries_every_reference(tmp_path):
    """lab/citations.py writes a loadable extension: package.json names a script that exists,
    that script holds every key of the bibliography, and a second write replaces the first."""
    sys.path.insert(0, str(ROOT / "lab"))
    try:
        import citations
    finally:
        sys.path.pop(0)
    from pybtex.database import parse_file

    for _ in range(2):
        citations.write_extension(ROOT, tmp_path)
    ext = tmp_path / citations.NAME
    pkg = json.loads((ext / "package.json").read_text())
    script = ext / pkg["jupyterlab"]["_build"]["load"]
    assert script.exists() and len(list((ext / "static").glob("*.js"))) == 1
    refs = json.loads(re.search(r"const REFS = (\{.*?\});\n", script.read_text()).group(1))
    keys = set(parse_file(str(ROOT / "book" / "references.bib")).entries)
    assert keys <= set(refs)
    assert refs["cong2019"] == {
        "t": "Cong et al. (2019)",
        "p": "Cong et al., 2019",
        "full": refs["cong2019"]["full"],
    }
    assert refs["cong2019"]["full"].startswith("Cong, Choi, Lukin (2019). Quantum convolutional")


def test_chapters_cite_with_an_explicit_style():
    """`{cite:t}` or `{cite:p}`, never a bare `{cite}`: Sphinx reads `{cite}` as `{cite:p}` but
    jupyterlab-myst as narrative, so in JupyterLab its parentheses would go missing."""
    bare = [p.name for p in sorted((ROOT / "book").glob("*.md")) if "{cite}`" in p.read_text()]
    assert not bare, f"bare {{cite}} roles in {bare}: write {{cite:p}} (or {{cite:t}})"

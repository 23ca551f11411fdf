"""The Colab check: every chapter's Colab notebook, top to bottom, on a simulated fresh runtime.

Run by ``make colab-check`` (part of ``make test``) with .venv313's Python, which holds Colab's
default runtime (tests/colab/runtime.txt: Python 3.13, TensorFlow 2.20, Keras 3, tf_keras,
ipywidgets 7.7.1, numpy 2.1.3, no TFQ) and no qbook. Not collected by ``pytest tests`` (its name
is not ``test_*.py``); ``pytest tests/colab/check.py`` runs it.

What stands in for Colab:

* a ``google.colab`` module in every kernel (an IPython start-up file), as Colab's kernel has;
* the book's home (``qbook.common.colab.REPOSITORY``, from _config.yml) points at a git snapshot
  of this working tree, on the branch the first cell names: the first cell's fetch of
  ``colab.py`` from raw.githubusercontent.com reads the snapshot's file, and its
  ``pip install "qbook @ git+https://github.com/..."`` clones the snapshot (git's
  ``url.<snapshot>.insteadOf``); nothing else leaves the machine but pip's registry;
* a working directory with no repository around it (Colab's ``/content``);
* qbook uninstalled at the start: the first chapter's first cell installs it, later chapters
  find it installed, as on one Colab VM. A cell that restarts the runtime (``colab_setup``'s
  one restart) is answered as a reader would: run the notebook again from the top.

Each chapter is one test; its time goes to ``_build/colab-check.json`` and the summary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

ROOT = Path(__file__).resolve().parents[2]
COLAB_DIR = ROOT / "colab"
NOTEBOOKS = sorted(COLAB_DIR.glob("[0-9][0-9]_*.ipynb"))
if os.environ.get("QBOOK_COLAB_CHAPTERS"):  # e.g. "07,08": only these (a quick look)
    NOTEBOOKS = [
        p for p in NOTEBOOKS if p.name[:2] in os.environ["QBOOK_COLAB_CHAPTERS"].split(",")
    ]
CELL_TIMEOUT = int(os.environ.get("QBOOK_COLAB_CELL_TIMEOUT", "900"))
REPORT = ROOT / "_build" / "colab-check.json"
TIMES: dict[str, dict] = {}

STUB = r"""
# Colab stand-in (tests/colab/check.py): the kernel has google.colab loaded, as on Colab, and
# the book's home on GitHub is this machine's snapshot of the repository.
import sys, types, urllib.request
try:  # google is a namespace package (protobuf lives in it too): add colab to it
    import google as _google
except ImportError:
    _google = types.ModuleType("google")
    _google.__path__ = []
    sys.modules["google"] = _google
_colab = types.ModuleType("google.colab")
_colab.output = types.ModuleType("google.colab.output")
_colab.output.enable_custom_widget_manager = lambda: None
_google.colab = _colab
sys.modules["google.colab"], sys.modules["google.colab.output"] = _colab, _colab.output
_RAW, _SNAPSHOT = {raw!r}, {snapshot!r}
_urlopen = urllib.request.urlopen
def _local_urlopen(url, *args, **kwargs):
    name = url if isinstance(url, str) else url.full_url
    if name.startswith(_RAW + "/"):
        return _urlopen("file://" + _SNAPSHOT + name[len(_RAW):])
    return _urlopen(url, *args, **kwargs)
urllib.request.urlopen = _local_urlopen
"""


def _colab_constants() -> tuple[str, str]:
    """REPOSITORY and BRANCH of qbook/common/colab.py (read as text: qbook is not installed)."""
    text = (ROOT / "qbook" / "common" / "colab.py").read_text()
    repo = re.search(r'^REPOSITORY = "(.+)"$', text, re.M).group(1)
    branch = re.search(r'^BRANCH = "(.+)"$', text, re.M).group(1)
    return repo, branch


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=qbook", "-c", "user.email=qbook@localhost", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="session")
def runtime(tmp_path_factory):
    """A fresh simulated Colab runtime; returns the kernel's working directory."""
    if sys.version_info[:2] != (3, 13):
        pytest.skip("the Colab check runs on Colab's Python 3.13 (make colab-check)")
    repo, branch = _colab_constants()
    base = tmp_path_factory.mktemp("colab")
    # 1. the repository as GitHub would serve it: a snapshot of this working tree
    snapshot = base / "github"
    files = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT)
    for name in filter(None, files.split("\0")):
        src = ROOT / name
        if src.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, snapshot / name)
    _git("init", "-q", "-b", branch, cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot for the Colab check", cwd=snapshot)
    gitconfig = base / "gitconfig"
    gitconfig.write_text(f'[url "{snapshot.as_uri()}"]\n\tinsteadOf = {repo}\n')
    # 2. the kernel: google.colab loaded, raw.githubusercontent.com served from the snapshot
    ipython = base / "ipython"
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True)
    raw = repo.replace("https://github.com/", "https://raw.githubusercontent.com/", 1)
    startup.joinpath("00-colab.py").write_text(
        STUB.format(raw=f"{raw}/{branch}", snapshot=str(snapshot))
    )
    content = base / "content"  # Colab's working directory: no repository around it
    content.mkdir()
    for var in ("PYTHONPATH", "TF_USE_LEGACY_KERAS", "QBOOK_QML_BACKEND"):
        os.environ.pop(var, None)
    os.environ.update(
        IPYTHONDIR=str(ipython),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        QBOOK_OFFLINE="1",  # no data downloads in CI: the synthetic SVHN stand-in
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    # 3. a fresh runtime has no qbook
    subprocess.run(
        [sys.executable, "-m", "pip", "uninstall", "-q", "-y", "qbook"],
        check=False,
        capture_output=True,
    )
    yield content
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(TIMES, indent=1) + "\n")
    print("\nColab check, seconds per chapter:")
    for name, row in TIMES.items():
        print(f"  {name:34s} {row['seconds']:7.1f}  {row['result']}")


def _run(nb: nbformat.NotebookNode, cwd: Path) -> None:
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        allow_errors=False,
    )
    client.execute()


def _first_output(nb: nbformat.NotebookNode) -> str:
    first = next(c for c in nb.cells if c.cell_type == "code")
    return "".join(o.get("text", "") for o in first.get("outputs", [])).strip()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_notebook_runs_top_to_bottom(runtime, path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    t0 = time.perf_counter()
    result = "ok"
    try:
        try:
            _run(nb, runtime)
        except DeadKernelError:
            # colab_setup restarted the runtime after an install: run it again from the top
            result = "ok after the one restart"
            nb = nbformat.read(path, as_version=4)
            _run(nb, runtime)
    except CellExecutionError as err:
        result = "failed: " + re.sub(r"\x1b\[[0-9;]*m", "", str(err).strip().splitlines()[-1])[:300]
        raise
    finally:
        TIMES[path.stem] = {
            "seconds": round(time.perf_counter() - t0, 1),
            "result": result,
            "first cell": _first_output(nb)[:300],
        }
    print(f"\n{path.stem}: {TIMES[path.stem]}")
    first = TIMES[path.stem]["first cell"]
    assert re.search(r"Installed\. Carry on\.|already installed", first), first

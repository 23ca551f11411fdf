"""Colab set-up, run by the first cell of every chapter when ``google.colab`` is loaded.

This file uses the standard library only: on Colab it runs *before* qbook is installed (the
first cell fetches it from the repository and calls :func:`colab_setup`). Elsewhere it does
nothing. Introduced in the introduction ("Three ways to read this book").

* Learning chapters need TensorFlow Quantum 0.7.6, which has wheels for Python 3.10-3.12 only.
  On Colab's default Python 3.13 runtime the cell explains how to switch runtime and stops.
* Optimisation chapters need no TensorFlow and install only qbook's core dependencies.
* Installing TensorFlow 2.18 over Colab's own version needs a restart: the cell installs, then
  restarts the runtime once; running the notebook again finds the stack in place and goes on.
"""

from __future__ import annotations

import importlib.metadata as _md
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

REPOSITORY = "https://github.com/qbook-dev/qbook"
BRANCH = "main"
RAW_URL = f"https://raw.githubusercontent.com/qbook-dev/qbook/{BRANCH}/qbook/colab.py"

# Exactly the stack the book is tested with (see pyproject.toml's `learning` extra).
LEARNING_PINS = (
    "tensorflow==2.18.1",
    "tensorflow-quantum==0.7.6",
    "tf-keras==2.18.0",
    "cirq-core==1.5.0",
    "qsimcirq==0.22.1",
    "sympy==1.14.0",
)
TFQ_PYTHONS = ((3, 10), (3, 11), (3, 12))


class ColabStop(Exception):
    """Stops the notebook cleanly: IPython shows only the message, no traceback."""

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def _pip(args: Sequence[str]) -> None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *args])


def _restart() -> None:
    os.kill(os.getpid(), 9)  # Colab restarts a kernel that dies; the new one sees the new stack


def _installed(name: str) -> str | None:
    try:
        return _md.version(name)
    except _md.PackageNotFoundError:
        return None


def qbook_requirement(learning: bool, branch: str = BRANCH) -> str:
    """The pip requirement that installs qbook from the repository."""
    extra = "[learning]" if learning else ""
    return f"qbook{extra} @ git+{REPOSITORY}@{branch}"


def colab_setup(
    learning: bool,
    *,
    pip: Callable[[Sequence[str]], None] = _pip,
    restart: Callable[[], None] = _restart,
    version_info: tuple[int, int] | None = None,
    out: Callable[[str], None] = print,
) -> str:
    """Install what a chapter needs on Colab; return what was done.

    Returns ``"not-colab"``, ``"ready"`` (already installed), ``"installed"`` or
    ``"restarting"``; raises :class:`ColabStop` on a Python without TFQ wheels.
    """
    if "google.colab" not in sys.modules:
        return "not-colab"
    py = tuple(version_info or sys.version_info[:2])
    if learning and py not in TFQ_PYTHONS:
        raise ColabStop(
            f"This chapter needs TensorFlow Quantum 0.7.6, which has no wheel for Python "
            f"{py[0]}.{py[1]} (Colab's default runtime since 2026-08-25).\n"
            "Switch runtime: open the Command Palette (Ctrl+Shift+P), choose "
            "'Change runtime version', pick 2026.07 (Python 3.12), then run this notebook again.\n"
            "The optimisation chapters (QUBO, routing, QAOA, minimal encoding) run on any runtime."
        )
    need_tf = learning and _installed("tensorflow") != "2.18.1"
    have_qbook = _installed("qbook") is not None
    if have_qbook and not need_tf and (not learning or _installed("tensorflow-quantum")):
        out("qbook and its stack are already installed.")
        return "ready"
    reqs = [*LEARNING_PINS, qbook_requirement(True)] if learning else [qbook_requirement(False)]
    out("Installing the book's pinned stack: " + ", ".join(reqs))
    pip(reqs)
    if need_tf:
        out(
            "TensorFlow was replaced: the runtime restarts now. Run the notebook again from the top."
        )
        restart()
        return "restarting"
    out("Installed. Carry on.")
    return "installed"


def first_cell(learning: bool) -> str:
    """The source of every chapter's first code cell (a test checks each chapter uses it)."""
    return (
        "# On Colab, install the book's pinned stack first (does nothing anywhere else).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import urllib.request\n"
        "\n"
        f'    exec(urllib.request.urlopen("{RAW_URL}").read().decode())\n'
        f"    colab_setup(learning={learning})"
    )

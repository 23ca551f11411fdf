"""Colab set-up, run by the first cell of every chapter when ``google.colab`` is loaded.

This file uses the standard library only: on Colab it runs *before* qbook is installed (the
first cell fetches it from the repository and calls :func:`colab_setup`). Elsewhere it does
nothing. Introduced in the introduction ("Three ways to read this book").

* Learning chapters on Python 3.10-3.12 install the pinned TensorFlow Quantum 0.7.6 stack.
  On Colab's default Python 3.13 runtime, where TFQ has no wheel, they keep Colab's own
  TensorFlow and Keras 3, install qbook's core dependencies only, and simulate circuits with
  qbook's own simulator (``QBOOK_QML_BACKEND=qbook``, see ``qbook.learning.tfsim``).
* Optimisation chapters need no TensorFlow and install only qbook's core dependencies, so they
  run on any runtime, 3.13 included.
* Installing over packages that Colab already loaded (TensorFlow 2.18 over Colab's own version,
  or a library the kernel had imported) needs a restart: the cell installs, then restarts the
  runtime once; running the notebook again finds the stack in place and goes on. A second
  restart is never attempted: if the stack is still wrong after one, the cell stops and says why.
"""

from __future__ import annotations

import importlib.metadata as _md
import numbers
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence

# The book's home, copied from _config.yml's `repository:` by `make home` (tools/home.py; this
# file runs on Colab before qbook is installed, so it cannot read _config.yml). Edit it there.
REPOSITORY = "https://github.com/qbook-dev/qbook"
BRANCH = "main"
RAW_URL = (
    REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/", 1)
    + f"/{BRANCH}/qbook/common/colab.py"
)

# Exactly the stack the book is tested with; each pin lies inside pyproject.toml's `learning`
# extra and core dependencies (tests/test_colab.py checks).
LEARNING_PINS = (
    "tensorflow==2.18.1",
    "tensorflow-quantum==0.7.6",
    "tf-keras==2.18.0",
    "cirq-core==1.5.0",
    "qsimcirq==0.22.1",
    "sympy==1.14.0",
)
TFQ_PYTHONS = ((3, 10), (3, 11), (3, 12))
BACKEND_ENV = "QBOOK_QML_BACKEND"
# Written just before the one restart this module ever asks for (the file outlives the kernel).
RESTART_MARKER = os.path.join(tempfile.gettempdir(), "qbook-colab-restarted")


class ColabStop(Exception):
    """Stops the notebook cleanly: IPython shows only the message, no traceback."""

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def _pip(args: Sequence[str]) -> None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *args])


def _restart() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), 9)  # Colab restarts a kernel that dies; the new one sees the new stack


def _installed(name: str) -> str | None:
    try:
        return _md.version(name)
    except _md.PackageNotFoundError:
        return None


def _pin_name_version(pin: str) -> tuple[str, str]:
    name, version = pin.split("==")
    return name, version


def _unmet(pins: Sequence[str]) -> list[str]:
    """The pins whose exact version is not installed."""
    return [p for p in pins if _installed(_pin_name_version(p)[0]) != _pin_name_version(p)[1]]


def _loaded_distributions() -> dict[str, str | None]:
    """Versions of the installed distributions whose modules this kernel has imported."""
    try:
        owners = _md.packages_distributions()
    except Exception:  # an odd environment: fall back to no information
        return {}
    tops = {name.split(".")[0] for name in list(sys.modules)}
    dists = {d for top in tops for d in owners.get(top, [])}
    return {d: _installed(d) for d in sorted(dists)}


def _forget(marker: str) -> None:
    """The stack is right: a later restart (another chapter, a new need) is allowed again."""
    if os.path.exists(marker):
        os.remove(marker)


def _enable_widgets() -> None:
    """Colab renders its own ipywidgets 7.7 natively; ipywidgets 8 needs its custom manager."""
    version = _installed("ipywidgets") or ""
    if not version or int(version.split(".")[0]) < 8:
        return
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception:  # not on Colab, or an older Colab without the switch
        pass


def _check_bool(value: object, name: str) -> None:
    """Plain checks here: this file runs on Colab before qbook (and qbook.common.checks) exists."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def _check_version(value: object, name: str) -> tuple[int, int]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) < 2
        or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0
            for v in value[:2]
        )
    ):
        raise TypeError(f"{name} must be a (major, minor) pair of integers, got {value!r}")
    return (int(value[0]), int(value[1]))


def qbook_requirement(learning: bool, branch: str = BRANCH) -> str:
    """The pip requirement that installs qbook from the repository."""
    _check_bool(learning, "learning")
    if not isinstance(branch, str) or not branch or any(c.isspace() for c in branch):
        raise ValueError(f"branch must be a non-empty git ref without spaces, got {branch!r}")
    extra = "[learning]" if learning else ""
    return f"qbook{extra} @ git+{REPOSITORY}@{branch}"


def tfq_runtime(py: tuple[int, int]) -> bool:
    """Whether TensorFlow Quantum 0.7.6 has wheels for this Python (3.10-3.12)."""
    py = _check_version(py, "py")
    return tuple(py) in TFQ_PYTHONS


def colab_setup(
    learning: bool,
    *,
    pip: Callable[[Sequence[str]], None] = _pip,
    restart: Callable[[], None] = _restart,
    version_info: tuple[int, int] | None = None,
    out: Callable[[str], None] = print,
    marker: str = RESTART_MARKER,
) -> str:
    """Install what a chapter needs on Colab; return what was done.

    Returns ``"not-colab"``, ``"ready"`` (already installed), ``"installed"`` or
    ``"restarting"``; raises :class:`ColabStop` when a learning chapter finds no TensorFlow on
    a Python without TFQ wheels, or when the stack is still wrong after the one restart.
    """
    _check_bool(learning, "learning")
    for name, fn in (("pip", pip), ("restart", restart), ("out", out)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    if version_info is not None:
        version_info = _check_version(version_info, "version_info")
    if not isinstance(marker, str) or not marker:
        raise TypeError(f"marker must be a file path (str), got {marker!r}")
    if "google.colab" not in sys.modules:
        return "not-colab"
    py = tuple(version_info or sys.version_info[:2])
    with_tfq = learning and tfq_runtime(py)
    if learning and not with_tfq:
        if _installed("tensorflow") is None:
            raise ColabStop(
                f"This chapter needs TensorFlow, which this Python {py[0]}.{py[1]} runtime lacks. "
                "Pick a runtime with TensorFlow (Colab's default has it) and run it again."
            )
        os.environ[BACKEND_ENV] = "qbook"
        out(
            f"Python {py[0]}.{py[1]}: TensorFlow Quantum has no wheel here, so this chapter keeps "
            f"Colab's TensorFlow {_installed('tensorflow')} and simulates its circuits with "
            "qbook's own simulator."
        )
    pins = LEARNING_PINS if with_tfq else ()
    if _installed("qbook") is not None and not _unmet(pins):
        _forget(marker)
        _enable_widgets()
        out("qbook and its stack are already installed.")
        return "ready"
    restarted_before = os.path.exists(marker)
    tf_before = _installed("tensorflow")
    loaded_before = _loaded_distributions()
    reqs = [*pins, qbook_requirement(with_tfq)]
    out("Installing the book's pinned stack: " + ", ".join(reqs))
    pip(reqs)
    unmet = _unmet(pins)
    if unmet or _installed("qbook") is None:
        raise ColabStop(
            "The install did not give the pinned stack (still wrong: "
            + (", ".join(unmet) or "qbook")
            + "). Restart the runtime (Runtime > Restart session) and run the notebook again."
        )
    changed = sorted(d for d, v in loaded_before.items() if _installed(d) != v)
    if with_tfq and tf_before is not None and tf_before != _installed("tensorflow"):
        changed.append(f"tensorflow {tf_before}")
    if not changed:
        _forget(marker)
        _enable_widgets()
        out("Installed. Carry on.")
        return "installed"
    if restarted_before:
        raise ColabStop(
            "The runtime was restarted once already and packages it had loaded changed again ("
            + ", ".join(changed)
            + "). Restart the runtime by hand (Runtime > Restart session) and run the "
            "notebook again."
        )
    with open(marker, "w") as fh:
        fh.write(", ".join(changed))
    out(
        "Installed. Packages this runtime had already loaded changed ("
        + ", ".join(changed)
        + "), so the runtime restarts now: run the notebook again from the top."
    )
    restart()
    return "restarting"


def first_cell(learning: bool) -> str:
    """The source of every chapter's first code cell (a test checks each chapter uses it)."""
    _check_bool(learning, "learning")
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

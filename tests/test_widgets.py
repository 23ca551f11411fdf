"""The explorers work with ipywidgets 7.7 (what Colab ships and renders) and 8.

ipywidgets 7.7.1 is installed (with pip, no dependencies) into a temporary folder that goes
first on ``sys.path`` of a subprocess; ipywidgets 8 is the book environment's own. The
subprocess builds chapter 1's explorer and the ``interact`` explorers of chapters 8 and 9,
moves every control and checks that each move redraws.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import ipywidgets as widgets

assert widgets.__version__.split(".")[0] == sys.argv[1], widgets.__version__
draws = []
plt.show = lambda *a, **k: (draws.append(1), plt.close("all"))

from qbook.learning import data
from qbook.learning import data_plots

X = np.random.default_rng(0).random((6, 32, 32, 3)).astype("float32")
box = data_plots.explorer(X, np.arange(6))
assert [type(c).__name__ for c in box.children] == ["HBox", "ToggleButtons", "Output"]
slider, steps = box.children[0].children[0], box.children[1]
n = len(draws)
slider.value = 4
for option in steps.options:
    steps.value = option
assert len(draws) >= n + len(steps.options), (n, len(draws))

# the interact explorers of chapters 8 and 9: a FloatLogSlider and (min, max, step) tuples
seen = []
w1 = widgets.interact(lambda penalty=2.0: seen.append(penalty),
                      penalty=widgets.FloatLogSlider(value=2.0, base=10, min=0.5, max=4, step=0.05))
w2 = widgets.interact(lambda gamma=0.5, beta=0.3: seen.append((gamma, beta)),
                      gamma=(0.0, 3.14, 0.02), beta=(0.0, 1.57, 0.02))
w1.widget.children[0].value = 100.0
w2.widget.children[0].value = 1.0
assert 100.0 in seen and (1.0, 0.3) in seen, seen
print("OK", widgets.__version__)
"""


@pytest.fixture(scope="module")
def ipywidgets7(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("ipywidgets7")
    res = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
        + ["ipywidgets==7.7.1", "ipython_genutils==0.2.0"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if res.returncode != 0:
        msg = f"\n{'!' * 70}\nWIDGET TEST SKIPPED: pip could not fetch ipywidgets 7.7.1\n"
        warnings.warn(msg, stacklevel=1)
        pytest.skip(msg + res.stderr[-500:])
    return target


def _run(major: str, first: Path | None) -> str:
    path = [str(first)] if first else []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*path, str(ROOT)]), MPLBACKEND="Agg")
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, major], capture_output=True, text=True, env=env, timeout=300
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_explorers_with_ipywidgets_7_7(ipywidgets7):
    assert "OK 7.7.1" in _run("7", ipywidgets7)


def test_explorers_with_ipywidgets_8():
    import ipywidgets

    if not ipywidgets.__version__.startswith("8."):
        pytest.skip(f"this environment has ipywidgets {ipywidgets.__version__}")
    assert "OK 8." in _run("8", None)


def test_qbook_accepts_colabs_ipywidgets():
    """Installing qbook on Colab must keep Colab's ipywidgets 7.7.1 (no upgrade to 8)."""
    import tomllib
    from packaging.requirements import Requirement

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    req = next(Requirement(d) for d in deps if d.startswith("ipywidgets"))
    assert req.specifier.contains("7.7.1") and req.specifier.contains("8.1.5")

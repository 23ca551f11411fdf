"""The Colab set-up (qbook/common/colab.py) under the Pythons Colab offers: 3.12 and 3.13.

Each scenario runs in a fresh subprocess of a pyenv interpreter (``~/.pyenv/versions/3.12.*``,
``3.13.*``) that loads ``qbook/common/colab.py`` the way Colab does (its text, exec'd), with
``google.colab`` faked in ``sys.modules`` and pip, the restart and the installed versions replaced
by recorders. Missing interpreters skip loudly.
"""

from __future__ import annotations

import glob
import importlib.metadata as md
import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

from qbook.common import colab

ROOT = Path(__file__).resolve().parent.parent
COLAB_PY = ROOT / "qbook" / "common" / "colab.py"
QBOOK_LEARNING = f"qbook[learning] @ git+{colab.REPOSITORY}@{colab.BRANCH}"
QBOOK_CORE = f"qbook @ git+{colab.REPOSITORY}@{colab.BRANCH}"


def _python(minor: int) -> str:
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python")))
    if not found:
        msg = f"\n{'!' * 70}\nCOLAB TEST SKIPPED: no ~/.pyenv/versions/3.{minor}.* interpreter\n"
        warnings.warn(msg, stacklevel=1)
        pytest.skip(msg)
    return found[-1]


# A driver run by the pyenv interpreter: state (installed versions, loaded distributions,
# marker file) comes in as JSON, what happened goes out as JSON.
DRIVER = r"""
import json, sys, types
args = json.loads(sys.argv[1])
widget_manager = []
if args["colab"]:
    google = types.ModuleType("google")
    google.colab = sys.modules["google.colab"] = types.ModuleType("google.colab")
    google.colab.output = sys.modules["google.colab.output"] = types.ModuleType("google.colab.output")
    google.colab.output.enable_custom_widget_manager = lambda: widget_manager.append(1)
    sys.modules["google"] = google
ns = {"__name__": "qbook_colab"}
exec(compile(open(args["colab_py"]).read(), "colab.py", "exec"), ns)
installed = dict(args["installed"])
calls = {"pip": [], "restart": 0, "out": []}

def fake_pip(reqs):
    calls["pip"].append(list(reqs))
    for name, version in args["pip_installs"].items():
        installed[name] = version

ns["_installed"] = lambda name: installed.get(name)
ns["_loaded_distributions"] = lambda: {d: installed.get(d) for d in args["loaded"]}
result = error = rendered = None
try:
    result = ns["colab_setup"](
        args["learning"], pip=fake_pip, restart=lambda: calls.__setitem__("restart", calls["restart"] + 1),
        out=calls["out"].append, marker=args["marker"],
    )
except ns["ColabStop"] as exc:
    error, rendered = str(exc), exc._render_traceback_()
import os
calls["widget_manager"] = len(widget_manager)
print(json.dumps({"result": result, "error": error, "rendered": rendered, "calls": calls,
                  "installed": installed, "marker": os.path.exists(args["marker"]),
                  "backend": os.environ.get("QBOOK_QML_BACKEND"),
                  "python": list(sys.version_info[:2])}))
"""

COLAB_TF = {"tensorflow": "2.19.0", "numpy": "2.0.2", "keras": "3.10.0", "ipywidgets": "7.7.1"}
PINNED = {r.split("==")[0]: r.split("==")[1] for r in colab.LEARNING_PINS}


def run_setup(minor, tmp_path, *, learning, installed, pip_installs=None, loaded=(), colab_on=True):
    args = {
        "colab": colab_on,
        "colab_py": str(COLAB_PY),
        "learning": learning,
        "installed": installed,
        "pip_installs": pip_installs or {},
        "loaded": list(loaded),
        "marker": str(tmp_path / "restarted"),
    }
    res = subprocess.run(
        [_python(minor), "-I", "-c", DRIVER, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout)
    assert out["python"] == [3, minor]
    return out


@pytest.mark.parametrize("minor", [12, 13])
def test_does_nothing_outside_colab(minor, tmp_path):
    out = run_setup(minor, tmp_path, learning=True, installed={}, colab_on=False)
    assert out["result"] == "not-colab" and out["calls"]["pip"] == []


def test_learning_on_312_installs_pins_restarts_once_then_is_ready(tmp_path):
    after = {**COLAB_TF, **PINNED, "qbook": "0.1.0"}
    first = run_setup(12, tmp_path, learning=True, installed=COLAB_TF, pip_installs=after)
    assert first["result"] == "restarting"
    assert first["calls"]["pip"] == [[*colab.LEARNING_PINS, QBOOK_LEARNING]]
    assert first["calls"]["restart"] == 1 and first["marker"]
    assert "tensorflow 2.19.0" in first["calls"]["out"][-1]
    assert "run the notebook again" in first["calls"]["out"][-1]
    # after the restart the same VM (same marker file) has the stack: no second install/restart
    second = run_setup(12, tmp_path, learning=True, installed=first["installed"])
    assert second["result"] == "ready"
    assert second["calls"]["pip"] == [] and second["calls"]["restart"] == 0
    assert not second["marker"]


def test_learning_on_312_with_tf_2181_present_does_not_restart(tmp_path):
    have = {**COLAB_TF, "tensorflow": "2.18.1"}
    out = run_setup(
        12,
        tmp_path,
        learning=True,
        installed=have,
        pip_installs={**PINNED, "qbook": "0.1.0"},
        loaded=["numpy"],
    )
    assert out["result"] == "installed"
    assert out["calls"]["pip"] == [[*colab.LEARNING_PINS, QBOOK_LEARNING]]
    assert out["calls"]["restart"] == 0 and not out["marker"]


def test_learning_on_313_keeps_colabs_tensorflow_and_uses_qbooks_simulator(tmp_path):
    colab313 = {**COLAB_TF, "tensorflow": "2.20.0", "keras": "3.11.0"}
    out = run_setup(
        13,
        tmp_path,
        learning=True,
        installed=colab313,
        pip_installs={"qbook": "0.1.0", "cirq-core": "1.5.0", "qsimcirq": "0.22.1"},
        loaded=["numpy"],
    )
    assert out["result"] == "installed" and out["error"] is None
    assert out["calls"]["pip"] == [[QBOOK_CORE]]  # no TensorFlow, no TFQ: Colab's own stay
    assert out["installed"]["tensorflow"] == "2.20.0" and out["installed"]["ipywidgets"] == "7.7.1"
    assert out["calls"]["restart"] == 0
    assert out["backend"] == "qbook"
    assert "qbook's own simulator" in out["calls"]["out"][0]
    assert "2.20.0" in out["calls"]["out"][0]
    again = run_setup(13, tmp_path, learning=True, installed=out["installed"])
    assert again["result"] == "ready" and again["calls"]["pip"] == []


def test_learning_on_313_without_tensorflow_stops_and_says_why(tmp_path):
    out = run_setup(13, tmp_path, learning=True, installed={"numpy": "2.0.2"})
    assert out["result"] is None and out["calls"]["pip"] == [] and out["calls"]["restart"] == 0
    assert "needs TensorFlow" in out["error"] and out["rendered"] == [out["error"]]


@pytest.mark.parametrize("minor", [12, 13])
def test_optimisation_chapters_install_only_core_qbook(minor, tmp_path):
    out = run_setup(
        minor,
        tmp_path,
        learning=False,
        installed=COLAB_TF,
        pip_installs={"qbook": "0.1.0", "cirq-core": "1.5.0"},
        loaded=["numpy"],
    )
    assert out["result"] == "installed"
    assert out["calls"]["pip"] == [[QBOOK_CORE]]  # no TensorFlow, no TFQ
    assert out["calls"]["restart"] == 0
    assert out["calls"]["widget_manager"] == 0  # Colab's own ipywidgets 7.7 renders natively
    again = run_setup(minor, tmp_path, learning=False, installed=out["installed"])
    assert again["result"] == "ready" and again["calls"]["pip"] == []


def test_ipywidgets_8_gets_colabs_custom_widget_manager(tmp_path):
    have = {**COLAB_TF, "ipywidgets": "8.1.5", "qbook": "0.1.0"}
    out = run_setup(13, tmp_path, learning=False, installed=have)
    assert out["result"] == "ready" and out["calls"]["widget_manager"] == 1


def test_a_changed_loaded_library_restarts_but_never_twice(tmp_path):
    kw = dict(learning=False, installed={"numpy": "1.26.4"}, loaded=["numpy"])
    kw["pip_installs"] = {"numpy": "2.0.2", "qbook": "0.1.0"}
    first = run_setup(13, tmp_path, **kw)
    assert first["result"] == "restarting" and first["calls"]["restart"] == 1
    assert "numpy" in first["calls"]["out"][-1]
    # the marker survives the restart; the same situation again must stop, not loop
    second = run_setup(13, tmp_path, **kw)
    assert second["result"] is None and second["calls"]["restart"] == 0
    assert "restarted once already" in second["error"]


def test_a_failed_install_stops_instead_of_restarting(tmp_path):
    out = run_setup(12, tmp_path, learning=True, installed=COLAB_TF, pip_installs={})
    assert out["result"] is None and out["calls"]["restart"] == 0
    assert "did not give the pinned stack" in out["error"] and "tensorflow==2.18.1" in out["error"]


FIRST_CELL_DRIVER = r"""
import io, json, os, subprocess, sys, types, urllib.request
args = json.loads(sys.argv[1])
sys.modules["google.colab"] = types.ModuleType("google.colab")
seen = {"urls": [], "pip": [], "kill": []}

def fake_urlopen(url, *a, **k):
    seen["urls"].append(url)
    return io.BytesIO(open(args["colab_py"], "rb").read())

urllib.request.urlopen = fake_urlopen
subprocess.check_call = lambda cmd, *a, **k: seen["pip"].append(cmd[1:])
os.kill = lambda *a: seen["kill"].append(a)
ns = {"__name__": "__main__"}
try:
    exec(args["source"], ns)
    seen["result"] = "returned"
except Exception as exc:
    seen["result"] = type(exc).__name__ + ": " + str(exc)
seen["has_setup"] = "colab_setup" in ns
print(json.dumps(seen))
"""


@pytest.mark.parametrize("minor", [12, 13])
@pytest.mark.parametrize("learning", [True, False])
def test_first_cell_fetches_colab_py_and_calls_colab_setup(minor, learning):
    args = {"colab_py": str(COLAB_PY), "source": colab.first_cell(learning)}
    res = subprocess.run(
        [_python(minor), "-I", "-c", FIRST_CELL_DRIVER, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    *printed, last = res.stdout.strip().splitlines()
    seen = json.loads(last)
    assert seen["urls"] == [colab.RAW_URL] and seen["has_setup"]
    assert seen["kill"] == []
    if learning and minor == 13:
        # pyenv's bare 3.13 has no TensorFlow: the cell says so instead of installing anything
        assert seen["pip"] == [] and "needs TensorFlow" in seen["result"]
    else:
        reqs = [*colab.LEARNING_PINS, QBOOK_LEARNING] if learning else [QBOOK_CORE]
        assert seen["pip"] == [["-m", "pip", "install", "-q", *reqs]]
        assert printed == ["Installing the book's pinned stack: " + ", ".join(reqs)]
        # the recorder installed nothing, so the cell stops cleanly instead of restarting
        assert seen["result"].startswith("ColabStop: The install did not give")


def test_first_cell_is_inert_outside_colab():
    ns: dict = {}
    exec(colab.first_cell(True), ns)  # no google.colab here: nothing is fetched
    assert "colab_setup" not in ns
    assert colab.colab_setup(True) == "not-colab"


def test_pins_match_pyproject_and_the_tested_stack():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["learning"]]
    pins = dict(colab._pin_name_version(p) for p in colab.LEARNING_PINS)
    for req in project["optional-dependencies"]["learning"]:
        assert Requirement(req).name in pins, f"learning extra {req} has no Colab pin"
    for name, version in pins.items():
        for req in reqs:
            if req.name == name:
                assert req.specifier.contains(version), f"{name}=={version} breaks {req}"
        try:  # the pin is what the book is tested with, where that stack is installed
            assert md.version(name) == version, f"pin {name}=={version}, tested {md.version(name)}"
        except md.PackageNotFoundError:
            pass

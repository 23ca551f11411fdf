"""The pip stack (pyproject.toml) and the conda stack (environment.yml) must agree."""

from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(req: str) -> str:
    return req.replace(" ", "").lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_reqs = list(project["dependencies"])
    for extra in ("learning", "book"):
        pip_reqs += project["optional-dependencies"][extra]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_reqs = [r for r in conda_pip if not r.startswith("-e")]
    assert sorted(map(_norm, conda_reqs)) == sorted(map(_norm, pip_reqs))
    assert "-e ." in conda_pip, "environment.yml must install qbook itself"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python == "python=3.11"


def test_stack_pins_that_tfq_demands():
    learning = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["learning"]
    assert "tensorflow-quantum==0.7.6" in learning
    assert any(r.startswith("tensorflow>=2.18,<2.19") for r in learning)
    assert any(r.startswith("tf-keras>=2.18,<2.19") for r in learning)

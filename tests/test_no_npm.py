"""A first `make book` without npm: one loud line, and pages that load MathJax from a CDN."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ext():
    spec = importlib.util.spec_from_file_location("qbook_html", ROOT / "_ext" / "qbook_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config():
    return SimpleNamespace(
        html_static_path=["_offline"],
        mathjax_path="mathjax/tex-chtml.js",
        nb_ipywidgets_js={"widgets/require.js": {}, "widgets/embed-amd.js": {}},
    )


def test_without_offline_copies_the_pages_use_a_cdn(tmp_path):
    pytest.importorskip("sphinx")
    ext = _ext()
    config = _config()
    ext.use_cdn_without_offline_copies(SimpleNamespace(confdir=str(tmp_path)), config)
    assert config.html_static_path == []  # no missing static folder: no warning under -W
    assert config.mathjax_path == ext.CDN_MATHJAX and "mathjax@3.2.2" in config.mathjax_path
    assert list(config.nb_ipywidgets_js) == [ext.CDN_REQUIRE, ext.CDN_EMBED]


def test_with_offline_copies_nothing_comes_from_a_cdn(tmp_path):
    pytest.importorskip("sphinx")
    ext = _ext()
    for f in ("mathjax/tex-chtml.js", "widgets/embed-amd.js"):
        (tmp_path / "_offline" / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "_offline" / f).write_text("//")
    config = _config()
    ext.use_cdn_without_offline_copies(SimpleNamespace(confdir=str(tmp_path)), config)
    assert config == _config()


def test_make_static_without_npm_says_so_loudly_and_succeeds(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    (tmp_path / "make").symlink_to(make)  # PATH holds make and nothing else: npm is hidden
    env = dict(os.environ, PATH=str(tmp_path))
    res = subprocess.run(
        [str(tmp_path / "make"), "-s", "static"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("WARNING: npm (Node.js) not found")
    assert "CDN" in lines[0]

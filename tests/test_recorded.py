"""The book's recorded figures travel with the package (issue 18, item 5).

A fresh runtime (Colab) installs qbook from a wheel and has no repository: the committed
benchmark results and the chapters' recorded run must be inside the package, and chapter 13
must show its ledger from them, labelled as the book's recorded run. Chapters 3, 5, 11 and 12
read their benchmark files through ``bench_results_dir()``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qbook.common import claims
from qbook.common.results import bench_results_dir, read_jsonl_rows, recorded_chapters_dir

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))


def test_benchmark_results_live_in_the_package_and_nowhere_else():
    assert bench_results_dir().is_relative_to(ROOT / "qbook")
    names = {p.name for p in bench_results_dir().iterdir()}
    for needed in ("bench_backends.json", "bench_cvrp_small.json", "bench_cvrp_full.json"):
        assert needed in names  # chapters 3, 12 and the ledger read these
    assert not (ROOT / "benchmarks" / "results").exists(), "benchmarks write to the package now"
    for md in ROOT.glob("book/*.md"):
        assert '"benchmarks" / "results"' not in md.read_text(), md.name


def test_the_recorded_run_holds_one_run_of_each_recording_chapter():
    files = sorted(recorded_chapters_dir().glob("*.jsonl"))
    assert {f.stem for f in files} <= set(CHAPTERS)
    claim_chapters = {lk.chapter for c in claims.CLAIMS for lk in (c.measure, c.versus) if lk}
    assert claim_chapters <= {f.stem for f in files}
    for f in files:
        rows = read_jsonl_rows(f)
        assert rows and {r["chapter"] for r in rows} == {f.stem}
        assert len({r.get("run") for r in rows}) == 1, f"{f.name}: one run only"


def test_package_data_lists_the_recorded_figures():
    text = (ROOT / "pyproject.toml").read_text()
    for pattern in (
        "common/recorded/benchmarks/*.json",
        "common/recorded/benchmarks/*.jsonl",
        "common/recorded/chapters/*.jsonl",
    ):
        assert f'"{pattern}"' in text


CHECK = r"""
import json, sys
from pathlib import Path
import qbook
from qbook.common import claims, results
assert Path(qbook.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), qbook.__file__
df = claims.load_origins()  # results/ in a fresh folder: nothing has run here
table = claims.ledger(df)
chapters = df[~df.origin.str.startswith("benchmark")]
bench = [r for r in results.load_results(results.bench_results_dir()) if r["experiment"].endswith("_step")]
print(json.dumps({
    "origins": sorted(set(chapters.origin)),
    "claims": len(table),
    "bench_files": sorted(p.name for p in results.bench_results_dir().iterdir()),
    "recorded_files": sorted(p.name for p in results.recorded_chapters_dir().iterdir()),
    "backends_step_rows": len(bench),
    "cvrp_small": (results.bench_results_dir() / "bench_cvrp_small.json").exists(),
}))
"""


def _setuptools_version() -> tuple[int, ...]:
    try:
        from importlib.metadata import version

        return tuple(int(x) for x in version("setuptools").split(".")[:2])
    except Exception:  # noqa: BLE001 - not installed or an odd version string
        return (0,)


@pytest.mark.slow
def test_an_installed_wheel_reads_the_recorded_figures_without_the_repository(tmp_path):
    wheels, site, fresh = tmp_path / "wheels", tmp_path / "site", tmp_path / "fresh"
    fresh.mkdir()
    src = tmp_path / "src"  # what a wheel is built from: no tests, no benchmarks, no book
    shutil.copytree(ROOT / "qbook", src / "qbook", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    if _setuptools_version() >= (77,):  # PEP 639 licence field; else pip fetches a newer one
        build.append("--no-build-isolation")
    res = subprocess.run([*build, "-w", str(wheels), str(src)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    (wheel,) = wheels.glob("qbook-*.whl")
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site)]
    res = subprocess.run([*install, str(wheel)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(site), "QBOOK_RESULTS_DIR": str(fresh / "results")}
    env.pop("QBOOK_PROFILE", None)
    res = subprocess.run(
        [sys.executable, "-c", CHECK, str(site)],
        cwd=fresh,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["origins"] == [claims.RECORDED]
    assert out["claims"] == len(claims.CLAIMS)
    assert out["bench_files"] == sorted(p.name for p in bench_results_dir().iterdir())
    assert out["recorded_files"] == sorted(p.name for p in recorded_chapters_dir().iterdir())
    assert out["backends_step_rows"] > 0 and out["cvrp_small"]
    assert not re.search(r"\bbenchmarks/results\b", res.stdout)

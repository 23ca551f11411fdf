"""Seeded Part II computations give bit-identical results with 1 and with 4 threads (issue 22).

Each check runs in a fresh process whose BLAS and OpenMP thread counts are set through the
environment (they are read once, when NumPy, SciPy and qsim load), and prints the exact bits of
its results; the two processes must print the same. The computations are the ones whose printed
results moved between machines: QAOA angles at 16 qubits (OpenBLAS splits a dot product over
more than about 10^4 entries across its threads, so without
``qbook.common.env.one_blas_thread`` the angles differ between 1 and 2 threads), the held-out
3-customer QAOA of chapter 9, the minimal-encoding solver of chapter 11, and the two
deterministic budgets of phase one (MIP nodes, PyVRP iterations). About a minute.

It also runs chapters 09 and 11 under nbval with 1 and with 4 threads, both at once: every
``nbval-check-output`` cell must match the committed notebook both times. ``make test`` leaves
these two chapters out of its own nbval run (the Makefile's ``THREAD_CHAPTERS``), so each runs
twice in all, not three times. ``QBOOK_THREAD_NOTEBOOKS=0`` skips the notebook part (for a quick
run of this file).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

SCRIPT = r"""
import numpy as np
from qbook.routing import clustering, instances, minimal_solve, qaoa, qaoa_tsp, vrp_qubo
from qbook.routing.generators import random_tsp

inst = instances.read_instance("E-n13-k4")
clusters = clustering.mip_clusters(inst.D, inst.demands, inst.capacity, inst.n_vehicles)
print("mip", sorted(map(sorted, clusters)))
print("pyvrp", instances.pyvrp_solve(inst, 300, seed=1))
four = next(c for c in clusters if len(c) == 4)
t16 = qaoa_tsp.tsp_problem(inst.D[np.ix_([0, *four], [0, *four])])
run = qaoa.optimize(t16.diag, p_max=1, restarts=1, seed=0, maxiter=40).by_p(1)
print("qaoa16", [g.hex() for g in run.gammas], [b.hex() for b in run.betas])
print("metrics16", qaoa.qaoa_metrics(run.probs, t16.diag, t16.feasible)["p_optimal"].hex())
t3 = qaoa_tsp.tsp_problem(random_tsp(3, 1000))
run = qaoa.optimize(t3.diag, p_max=2, restarts=3, seed=1000, objective="cvar", maxiter=120).by_p(2)
print("qaoa9", [g.hex() for g in run.gammas], [b.hex() for b in run.betas])
Q, off = vrp_qubo.tsp_qubo(random_tsp(4, 0))
r = minimal_solve.solve(Q, off, restarts=1, samples=500, seed=0, anneal=8, maxiter=120)
print("minimal", [float(v).hex() for v in r.theta], r.x.tolist())
"""


def _env(threads: int) -> dict[str, str]:
    env = {**os.environ, **{v: str(threads) for v in THREAD_VARS}}
    env.setdefault("QBOOK_PROFILE", "small")
    env.setdefault("QBOOK_OFFLINE", "1")
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _run_both(cmd: list[str], timeout: int) -> dict[int, str]:
    """``cmd`` with 1 and with 4 threads, the two processes at the same time (each result is
    the same under any load, by construction, and CI waits for the slower one only); their
    standard outputs by thread count."""
    procs = {
        t: subprocess.Popen(
            cmd, cwd=ROOT, env=_env(t), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for t in (1, 4)
    }
    out = {}
    for t, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for p in procs.values():
                p.kill()
            raise
        assert proc.returncode == 0, f"{t} threads:\n{stdout[-6000:]}\n{stderr[-3000:]}"
        out[t] = stdout
    return out


def test_seeded_results_do_not_depend_on_threads():
    out = _run_both([sys.executable, "-c", SCRIPT], 1200)
    assert out[1].count("\n") == 6
    assert out[1] == out[4]


THREAD_CHAPTERS = ["book/09_qaoa.ipynb", "book/11_minimal_encoding.ipynb"]


def test_make_test_runs_every_chapter_under_nbval():
    """``make test``'s nbval run plus this file's cover every chapter: none is left out."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    dry = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    line = next(x for x in dry.stdout.splitlines() if "--nbval-lax" in x)
    once = {w for w in line.split() if w.endswith(".ipynb")}
    chapters = {f"book/{p.name}" for p in (ROOT / "book").glob("[0-9]*.ipynb")}
    assert once.isdisjoint(THREAD_CHAPTERS)
    assert once | set(THREAD_CHAPTERS) == chapters


@pytest.mark.skipif(
    os.environ.get("QBOOK_THREAD_NOTEBOOKS") == "0", reason="QBOOK_THREAD_NOTEBOOKS=0"
)
def test_chapters_09_and_11_pass_nbval_with_1_and_4_threads():
    pytest.importorskip("nbval")
    cmd = [sys.executable, "-m", "pytest", *THREAD_CHAPTERS]
    cmd += ["--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=900"]
    out = _run_both([*cmd, "-p", "no:cacheprovider", "-q"], 3600)
    for t in (1, 4):
        assert " passed" in out[t] and "failed" not in out[t], f"{t} threads:\n{out[t][-3000:]}"

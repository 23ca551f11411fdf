"""Part II chapters give the same checked outputs with 1 and with 4 threads (issue 22).

Runs chapters 09 and 11 under nbval in a fresh process whose BLAS and OpenMP thread counts are
set through the environment (read once, when NumPy and qsim load). Every ``nbval-check-output``
cell must match the committed notebook in both. qbook keeps BLAS to one thread inside its
optimisers (``qbook.common.env.one_blas_thread``), so a thread count can only change a result
through code that escapes that: this test is the guard. ``make test`` already runs every
chapter with the machine's default thread count.

About 2 x (chapter 09 + chapter 11), 3-4 minutes on two idle cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbval")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ("book/09_qaoa.ipynb", "book/11_minimal_encoding.ipynb")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@pytest.mark.parametrize("threads", [1, 4])
def test_part_two_chapters_do_not_depend_on_threads(threads):
    env = {**os.environ, **{v: str(threads) for v in THREAD_VARS}}
    env.setdefault("QBOOK_PROFILE", "small")
    env.setdefault("QBOOK_OFFLINE", "1")
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "pytest", *CHAPTERS, "--nbval-lax", "--nbval-current-env"]
    cmd += ["--nbval-cell-timeout=900", "-p", "no:cacheprovider", "-q"]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, f"{threads} threads:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"

"""Time qbook.routing.qubo.brute_force on random QUBOs with 16..24 variables (chapter 7's claim).

Targets on the book's 2-core machine: 20 variables in <= 1 s, 24 variables in <= 20 s.
Writes qbook/common/recorded/benchmarks/brute_force.json (rows in the qbook.common.results format).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_brute_force.py
"""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np

from qbook.common.env import hardware, versions
from qbook.common.profile import profile_name
from qbook.common.results import bench_results_dir
from qbook.routing.qubo import brute_force

SIZES = range(16, 25)
REPEATS = 3
SEED = 0


def main() -> list[dict]:
    rng = np.random.default_rng(SEED)
    hw, ver, prof = hardware(), versions(), profile_name()
    date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows = []
    for n in SIZES:
        Q = np.triu(rng.normal(size=(n, n)))
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            brute_force(Q)
            times.append(time.perf_counter() - t0)
        best = min(times)
        print(f"n = {n:2d}: {best:7.3f} s (best of {REPEATS}), {2**n / best / 1e6:7.1f} M states/s")
        rows.append(
            {
                "chapter": "07_qubo_ising",
                "experiment": f"brute_force_n{n}",
                "metric": "seconds",
                "value": best,
                "unit": "s",
                "seed": SEED,
                "data_source": "random normal upper-triangular Q",
                "profile": prof,
                "hardware": hw,
                "versions": ver,
                "date": date,
                "n_vars": n,
                "repeats": REPEATS,
            }
        )
    out = bench_results_dir() / "brute_force.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {out}")
    return rows


if __name__ == "__main__":
    main()

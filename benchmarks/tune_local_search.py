"""Tuning evidence for the quantum local search's classical parts (chapter 12, issue 19), on the
TUNING seeds only.

The random CVRPs ``random_cvrp(n, seed, capacity=200 or 250)`` of ``bench_cvrp.py long_routes=1``
with the profile's ``heldout.tune_seeds`` (never its evaluation seeds), phase one
(``cvrp.best_clustering``), and every cluster of 9-18 customers routed three ways with the
profile's ``cvrp`` window settings: (0) nearest-neighbour start, windows inside the tour (the
earlier schedule); (1) nearest-neighbour start, windows around the closed tour, depot included;
(2) nearest neighbour + 2-opt + Or-opt start, windows around the closed tour (the chosen
default). Each with the ``qaoa``, ``null`` and ``exact`` window solvers (``solvers=`` to pick).
Rows: per configuration and solver, clusters within 2% of Held-Karp and at Held-Karp, and raw
<= null, with 95% Wilson intervals.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/tune_local_search.py [sizes=20,30,40,50]
[seeds=0,...,9] [solvers=qaoa,null,exact]``; writes
``qbook/common/recorded/benchmarks/bench_local_search_tuning_<profile>.json``.
"""

from __future__ import annotations

import sys

from _rows import Rows, single_thread_blas

single_thread_blas()

import numpy as np  # noqa: E402

from qbook import get_profile  # noqa: E402
from qbook.common.stats import rate_text, wilson_interval  # noqa: E402
from qbook.routing import classical, cvrp  # noqa: E402
from qbook.routing import local_search as ls  # noqa: E402
from qbook.routing.generators import random_cvrp  # noqa: E402

CONFIGS = (
    ("nn start, windows inside", dict(start_from="nearest-neighbour", wrap=False)),
    ("nn start, windows around", dict(start_from="nearest-neighbour", wrap=True)),
    ("2-opt+or-opt start, windows around", dict(start_from="2-opt+or-opt", wrap=True)),
)


def main() -> None:
    prof = get_profile()
    a = dict(x.split("=", 1) for x in sys.argv[1:] if "=" in x)
    H, C = prof.heldout, prof.cvrp
    seeds = [int(v) for v in a.get("seeds", ",".join(map(str, H.tune_seeds))).split(",")]
    assert set(seeds) <= set(H.tune_seeds), "tuning runs on tuning seeds only"
    sizes = [int(v) for v in a.get("sizes", "20,30,40,50").split(",")]
    solvers = a.get("solvers", ",".join(ls.SOLVERS)).split(",")
    rows = Rows(f"bench_local_search_tuning_{prof.name}", "12_cvrp_end_to_end")
    src = "random CVRP, long routes (tuning seeds)"
    res: dict[tuple[int, str], list[dict]] = {}
    for n in sizes:
        for s in seeds:
            inst = random_cvrp(n, s, capacity=200 if n <= 40 else 250)
            clusters, _, _ = cvrp.best_clustering(inst)
            for cl in clusters:
                if not 8 < len(cl) <= 18:
                    continue
                nodes = [0, *cl]
                D = inst.D[np.ix_(nodes, nodes)]
                opt = classical.held_karp(D)[0]
                for i, (_, cfg) in enumerate(CONFIGS):
                    out = dict(opt=opt)
                    for solver in solvers:
                        r = ls.local_search(
                            D,
                            solver=solver,
                            width=C.window,
                            max_passes=C.max_passes,
                            p=C.constrained_p,
                            shots=C.samples,
                            seed=0,
                            **cfg,
                        )
                        out[solver], out["start"] = r.cost, r.start_cost
                    res.setdefault((i, "all"), []).append(out)
            print(f"  n={n} seed={s}: {len(res.get((0, 'all'), []))} clusters so far", flush=True)
    for i, (label, cfg) in enumerate(CONFIGS):
        runs = res.get((i, "all"), [])
        checks = [(f"{k}_within_2pct", k, 1.02) for k in ("start", *solvers)]
        checks += [(f"{k}_at_held_karp", k, 1.0) for k in ("start", *solvers)]
        counts = {m: sum(r[k] <= f * r["opt"] + 1e-9 for r in runs) for m, k, f in checks}
        if "qaoa" in solvers and "null" in solvers:
            counts["qaoa_at_least_null"] = sum(r["qaoa"] <= r["null"] + 1e-9 for r in runs)
            counts["qaoa_beats_null"] = sum(r["qaoa"] < r["null"] - 1e-9 for r in runs)
        for metric, k in counts.items():
            lo, hi = wilson_interval(k, len(runs))
            rows.add(
                label,
                metric,
                k,
                data_source=src,
                n=len(runs),
                wilson_lo=lo,
                wilson_hi=hi,
                seeds=seeds,
                sizes=sizes,
                **cfg,
            )
            print(f"  {label}: {metric} {rate_text(k, len(runs))}")
    rows.write()


if __name__ == "__main__":
    main()

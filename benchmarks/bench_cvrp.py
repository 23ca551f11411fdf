"""End-to-end CVRP benchmark (chapter 12): the pipeline on held-out random CVRPs of 15-50
customers and on every shipped CVRPLIB instance.

For each instance: phase one (``cvrp.best_clustering``, at most k clusters), phase two with the
profile's ``cvrp`` settings (``cvrp.route_settings``) on the evaluation solver seeds, and PyVRP
with the same fleet. Rows: infeasible clusters, raw / repaired / null / exact two-phase costs,
which routine routed how many clusters, cluster sizes, seconds; summary rows give counts with
95% Wilson intervals (raw with 0 infeasible clusters; raw within 2% of the exact two-phase
cost). The random CVRPs (``qbook.routing.generators.random_cvrp``) come from the profile's
``heldout.eval_cvrp_seeds``: no setting was chosen on them. The shipped instances are not held
out (the book was developed on them) and are reported separately.

Cluster rows: for every cluster of more than 8 customers, whether the raw tour is at least as
good as its null with the same budget (``ClusterResult.null_sampled_cost``), per routine, with
its start, null, exact-window and Held-Karp costs; summary rows count, per routine, raw <= null,
raw < null, raw < start, null < start, raw <= the exact-window search and raw within 2% of
Held-Karp. ``start_from`` overrides the local search's classical start tour (the profile's
``cvrp.start_from``), e.g. ``start_from=nearest-neighbour tag=long_routes_nn_start``.

Run: ``PYTHONPATH=. [QBOOK_PROFILE=full] .venv/bin/python benchmarks/bench_cvrp.py
[sizes=15,20,30,40,50] [instance_seeds=1000,1001] [solver_seeds=1000] [shipped=1]
[long_routes=1] [start_from=nearest-neighbour] [tag=...]``; writes
``qbook/common/recorded/benchmarks/bench_cvrp_<profile>[_<tag>].json``.
``long_routes=1`` draws the random CVRPs with capacity 200 (250 above 40 customers), so 20-50
customers need 2-4 vehicles and routes hold 8-16 customers (issue 19's held-out set); an
instance with a cluster past Held-Karp's exact reference (18 customers) is recorded as skipped.
"""

from __future__ import annotations

import sys

from _rows import Rows, single_thread_blas

single_thread_blas()

from qbook import get_profile  # noqa: E402
from qbook.common.stats import rate_text, wilson_interval  # noqa: E402
from qbook.routing import cvrp, instances  # noqa: E402
from qbook.routing.generators import random_cvrp  # noqa: E402


def _args() -> dict[str, str]:
    return dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def run(
    rows: Rows, inst, solver_seeds, settings, pyvrp_iterations, held_out: bool, clusters: list
) -> list[dict]:
    src = f"{'random CVRP (held out)' if held_out else 'CVRPLIB (not held out)'} {inst.name}"
    pv_routes, pv_cost = instances.pyvrp_solve(inst, pyvrp_iterations, seed=0)
    out = []
    for seed in solver_seeds:
        try:
            row, res = cvrp.end_to_end(inst, seed, settings)
        except ValueError as exc:  # a cluster past Held-Karp's exact reference
            rows.add("end_to_end", "skipped", 1, seed=seed, data_source=src, reason=str(exc))
            print(f"  {inst.name} seed {seed}: skipped ({exc})", flush=True)
            continue
        for c in res.clusters:
            if len(c.customers) > 8:
                ok = c.raw_as_good_as_null
                raw = c.raw_cost if c.raw_cost is not None else float("inf")
                counts = dict(
                    method=c.routine,
                    ok=ok,
                    beats=c.raw_beats_null,
                    within_2pct=raw <= 1.02 * c.optimal_cost + 1e-9,
                )
                if c.routine == "local search":
                    counts.update(
                        below_start=raw < c.start_cost - 1e-9,
                        null_below_start=c.null_sampled_cost < c.start_cost - 1e-9,
                        at_exact_window=raw <= c.exact_window_cost + 1e-9,
                    )
                clusters.append(counts)
                rows.add(
                    "cluster",
                    "raw_at_least_as_good_as_null",
                    float(ok),
                    seed=seed,
                    data_source=src,
                    instance=inst.name,
                    n_customers=len(c.customers),
                    method=c.method,
                    raw=c.raw_cost,
                    null=c.null_sampled_cost,
                    exact=c.optimal_cost,
                    start=c.start_cost,
                    exact_window=c.exact_window_cost,
                )
        print(
            f"  {inst.name} seed {seed}: raw {row['raw']}, exact {row['exact']:g}, "
            f"sizes {row['cluster_sizes']}, {row['seconds']:.0f} s",
            flush=True,
        )
        instances.check_solution(inst, res.repaired_routes)
        extra = dict(
            instance=inst.name,
            held_out=held_out,
            k=inst.n_vehicles,
            cluster_sizes=row["cluster_sizes"],
            routines=row["routines"],
            phase_one=row["phase_one"],
        )
        for key in ("infeasible", "repaired", "null", "null_sampled", "exact", "seconds"):
            rows.add("end_to_end", key, row[key], seed=seed, data_source=src, **extra)
        if row["raw"] is not None:
            rows.add("end_to_end", "raw", row["raw"], seed=seed, data_source=src, **extra)
        rows.add(
            "end_to_end",
            "pyvrp",
            pv_cost,
            seed=0,
            data_source=src,
            routes=len(pv_routes),
            iterations=pyvrp_iterations,
            **extra,
        )
        if inst.best_cost is not None:
            assert pv_cost >= inst.best_cost and row["exact"] >= inst.best_cost
        out.append(row)
    return out


CLUSTER_COUNTS = (
    ("ok", "raw_at_least_null", "raw <= null"),
    ("beats", "raw_beats_null", "raw < null"),
    ("below_start", "raw_below_start", "raw < start"),
    ("null_below_start", "null_below_start", "null < start"),
    ("at_exact_window", "raw_at_exact_window", "raw <= exact-window search"),
    ("within_2pct", "raw_within_2pct_of_exact", "raw within 2% of Held-Karp"),
)


def cluster_summary(rows: Rows, label: str, clusters: list[dict], seeds: dict) -> None:
    for method in sorted({c["method"] for c in clusters}):
        mine = [c for c in clusters if c["method"] == method]
        for key, metric, text in CLUSTER_COUNTS:
            if key not in mine[0]:
                continue
            k, n = sum(bool(c[key]) for c in mine), len(mine)
            lo, hi = wilson_interval(k, n)
            rows.add(
                label,
                f"clusters_over_8_{metric}_{method}",
                k,
                data_source=label,
                n=n,
                wilson_lo=lo,
                wilson_hi=hi,
                **seeds,
            )
            print(f"  {label} clusters > 8, {method}: {text} {rate_text(k, n)}")


def summary(rows: Rows, label: str, runs: list[dict], seeds: dict) -> None:
    n = len(runs)
    if not n:
        return
    for metric, k in (
        ("raw_0_infeasible_runs", sum(r["infeasible"] == 0 for r in runs)),
        ("raw_within_2pct_of_exact_runs", sum(bool(r["raw_within_2pct"]) for r in runs)),
        ("repaired_equals_exact_runs", sum(r["repaired"] <= r["exact"] + 1e-9 for r in runs)),
        ("null_equals_exact_runs", sum(r["null"] <= r["exact"] + 1e-9 for r in runs)),
        (
            "null_raw_within_2pct_of_exact_runs",
            sum(r["null_sampled"] <= 1.02 * r["exact"] for r in runs),
        ),
    ):
        lo, hi = wilson_interval(k, n)
        rows.add(label, metric, k, data_source=label, n=n, wilson_lo=lo, wilson_hi=hi, **seeds)
        print(f"  {label} {metric}: {rate_text(k, n)}", flush=True)


def main() -> None:
    prof = get_profile()
    a = _args()
    H, C = prof.heldout, prof.cvrp
    sizes = _ints(a.get("sizes", ",".join(map(str, H.eval_cvrp_sizes))))
    inst_seeds = _ints(a.get("instance_seeds", ",".join(map(str, H.eval_cvrp_seeds))))
    solver_seeds = _ints(a.get("solver_seeds", str(H.eval_seeds[0])))
    assert not set(inst_seeds) & set(H.tune_seeds), "evaluation seeds must not be tuning seeds"
    settings = cvrp.route_settings(C)
    if "start_from" in a:  # the local search's classical start tour (chapter 12's contrast)
        settings["start_from"] = a["start_from"]
    long_routes = a.get("long_routes", "0") == "1"
    tag = a.get("tag", "long_routes" if long_routes else "")
    rows = Rows(f"bench_cvrp_{prof.name}" + (f"_{tag}" if tag else ""), "12_cvrp_end_to_end")
    print(f"profile {prof.name}; settings {settings}; long routes {long_routes}")
    held, held_cl = [], []
    for n in sizes:
        for s in inst_seeds:
            cap = (200 if n <= 40 else 250) if long_routes else 100
            inst = random_cvrp(n, s, capacity=cap)
            held += run(
                rows, inst, solver_seeds, settings, prof.vrp.pyvrp_iterations, True, held_cl
            )
            rows.write()
    seeds = dict(
        sizes=sizes, instance_seeds=inst_seeds, solver_seeds=solver_seeds, long_routes=long_routes
    )
    summary(rows, "heldout_random_cvrp", held, seeds)
    cluster_summary(rows, "heldout_random_cvrp", held_cl, seeds)
    if a.get("shipped", "1") == "1":
        shipped, ship_cl = [], []
        for name in C.instances:
            inst = instances.read_instance(name)
            shipped += run(
                rows, inst, solver_seeds, settings, prof.vrp.pyvrp_iterations, False, ship_cl
            )
            rows.write()
        summary(rows, "shipped_cvrplib", shipped, dict(instances=list(C.instances), **seeds))
        cluster_summary(rows, "shipped_cvrplib", ship_cl, dict(instances=list(C.instances)))
    rows.write()


if __name__ == "__main__":
    main()

"""Constraint-preserving QAOA benchmarks (chapter 10), on EVALUATION seeds only.

Targets (issue 10), on ``random_tsp(n, seed)`` with the evaluation seeds 1000-1009 (disjoint from
the tuning seeds 0-9 on which the mixer order, the restarts and the transferred angles were
chosen):

* the optimal tour among 1,000 shots in >= 9 of 10 TSPs at every size 4..8 customers, and among
  10,000 shots at 9 customers (p = 3, uniform start, parity order, single precision);
* one cost-and-gradient evaluation at 9 customers, p = 3: <= 100 ms; a full optimisation at
  9 customers, p = 3: <= 60 s;
* the peak memory (tracemalloc) within ``memory_bytes(n)``;
* parameter transfer: angles from 5-7 customers (tuning seeds) as the start at 8-10 customers,
  against the layer-by-layer search from scratch (time and P(optimal)).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_constrained.py [quick|tuning|speed]``; writes
``qbook/common/recorded/benchmarks/bench_constrained.json`` (``quick``: 3 seeds per size, no 10 customers;
``tuning``: the evidence for the settings on the tuning seeds, ``bench_constrained_tuning.json``;
``speed``: the timings alone, ``bench_constrained_speed.json``; run it when the shared machine is
quiet, the rows record the load average; ``big``: 10 customers x 10 and 11 customers x 5
evaluation seeds at the transferred angles, p = 3, 200,000 shots, peak memory against
``memory_bytes``, ``bench_constrained_big.json``; ``memory``: only the memory rows of
``bench_constrained.json`` re-measured, the other rows kept).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import tracemalloc

from _rows import Rows, single_thread_blas

single_thread_blas()

import numpy as np  # noqa: E402

from qbook.common.results import bench_results_dir  # noqa: E402
from qbook.common.stats import wilson_interval  # noqa: E402
from qbook.routing import generators, tour_subspace  # noqa: E402
from qbook.routing import qaoa_constrained as qc  # noqa: E402

TUNE_SEEDS = tuple(range(10))
EVAL_SEEDS = tuple(range(1000, 1010))
SRC = "random_tsp (uniform integer coordinates in [0,100]^2, EUC_2D), evaluation seeds"


def warm_up() -> None:
    """One small call before any measurement: the first call imports SciPy's optimiser lazily
    (about 20 MiB under tracemalloc), which is not the algorithm's memory."""
    qc.constrained_tsp(generators.random_tsp(3, TUNE_SEEDS[0]), 1, 10, 0)


def hit_rates(rows: Rows, seeds, p: int = 3) -> None:
    warm_up()
    print(f"optimal tour among the shots, p = {p}, evaluation seeds {seeds[0]}..{seeds[-1]}")
    for n in range(4, 10):
        shots = 1000 if n <= 8 else 10000
        hits, pops, walls, peaks = 0, [], [], []
        for seed in seeds:
            D = generators.random_tsp(n, seed)
            tracemalloc.start()
            r = qc.constrained_tsp(D, p, shots, seed)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            hits += r.found_optimal
            pops.append(r.p_optimal)
            walls.append(r.wall_time)
            extra = dict(n_customers=n, p=p, shots=shots, eval_seed=True)
            rows.add(
                f"tsp{n}", "p_optimal_per_shot", r.p_optimal, seed=seed, data_source=SRC, **extra
            )
            rows.add(
                f"tsp{n}",
                "found_optimal",
                float(r.found_optimal),
                seed=seed,
                data_source=SRC,
                **extra,
            )
            rows.add(f"tsp{n}", "approx_ratio", r.approx_ratio, seed=seed, data_source=SRC, **extra)
            rows.add(f"tsp{n}", "wall_s", r.wall_time, "s", seed=seed, data_source=SRC, **extra)
        lo, hi = wilson_interval(hits, len(seeds))
        bound = tour_subspace.memory_bytes(n, shots=shots)
        extra = dict(n_customers=n, p=p, shots=shots, seeds=list(seeds), eval_seed=True)
        rows.add(
            f"tsp{n}", "optimal_found_count", hits, f"of {len(seeds)}", data_source=SRC, **extra
        )
        rows.add(f"tsp{n}", "optimal_found_wilson_lo", lo, data_source=SRC, **extra)
        rows.add(f"tsp{n}", "optimal_found_wilson_hi", hi, data_source=SRC, **extra)
        rows.add(f"tsp{n}", "p_optimal_median", float(np.median(pops)), data_source=SRC, **extra)
        rows.add(f"tsp{n}", "p_optimal_min", float(np.min(pops)), data_source=SRC, **extra)
        rows.add(f"tsp{n}", "wall_s_max", float(np.max(walls)), "s", data_source=SRC, **extra)
        rows.add(
            f"tsp{n}", "peak_memory_bytes", float(np.max(peaks)), "B", data_source=SRC, **extra
        )
        rows.add(f"tsp{n}", "memory_bound_bytes", bound, "B", data_source=SRC, **extra)
        rows.add(
            f"tsp{n}", "peak_within_bound", float(np.max(peaks) <= bound), data_source=SRC, **extra
        )


def speed(rows: Rows) -> None:
    print("one cost-and-gradient evaluation and a full optimisation, 9 customers, p = 3")
    D = generators.random_tsp(9, EVAL_SEEDS[0])
    th = np.array([0.3, 0.5, 0.7, 0.4, 0.3, 0.2])
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    for prec in ("single", "double"):
        space = tour_subspace.tour_space(D, prec)
        tour_subspace.cost_and_grad(space, th)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            tour_subspace.cost_and_grad(space, th)
            times.append(time.perf_counter() - t0)
        for stat, value in (("median", np.median(times)), ("min", np.min(times))):
            rows.add(
                "speed9",
                f"ms_per_cost_and_grad_{stat}",
                1e3 * float(value),
                "ms",
                precision=prec,
                n_customers=9,
                p=3,
                seed=EVAL_SEEDS[0],
                repeats=10,
                load_average_1min=load,
            )
    for seed in EVAL_SEEDS[:3]:
        r = qc.constrained_tsp(generators.random_tsp(9, seed), 3, 10000, seed)
        rows.add(
            "speed9",
            "full_optimisation_s",
            r.wall_time,
            "s",
            seed=seed,
            n_customers=9,
            p=3,
            n_evals=r.n_evals,
            data_source=SRC,
            eval_seed=True,
            load_average_1min=os.getloadavg()[0],
        )


def transfer(rows: Rows, sizes, seeds, p: int = 3) -> None:
    print(f"parameter transfer at p = {p}: angles from 5-7 customers (tuning seeds 0-9)")
    t0 = time.perf_counter()
    start = qc.transfer_angles((5, 6, 7), TUNE_SEEDS, p)
    rows.add(
        "transfer",
        "source_optimisation_s",
        time.perf_counter() - t0,
        "s",
        p=p,
        angles=start.tolist(),
        tune_seeds=list(TUNE_SEEDS),
        sizes=[5, 6, 7],
    )
    for n in sizes:
        for seed in seeds:
            D = generators.random_tsp(n, seed)
            scratch = qc.constrained_tsp(D, p, 1000, seed)
            warm = qc.constrained_tsp(D, p, 1000, seed, start=start)
            space = tour_subspace.tour_space(D, "single")
            psi = tour_subspace.subspace_state(space, start[:p], start[p:])
            opt = space.costs <= space.opt_cost + 1e-9
            p_fixed = float((np.abs(psi) ** 2)[opt].sum())
            ex = dict(n_customers=n, p=p, data_source=SRC, eval_seed=True)
            rows.add(f"transfer{n}", "scratch_s", scratch.wall_time, "s", seed=seed, **ex)
            rows.add(f"transfer{n}", "transfer_s", warm.wall_time, "s", seed=seed, **ex)
            rows.add(f"transfer{n}", "scratch_p_optimal", scratch.p_optimal, seed=seed, **ex)
            rows.add(f"transfer{n}", "transfer_p_optimal", warm.p_optimal, seed=seed, **ex)
            rows.add(f"transfer{n}", "fixed_transferred_p_optimal", p_fixed, seed=seed, **ex)
            rows.add(f"transfer{n}", "scratch_n_evals", scratch.n_evals, seed=seed, **ex)
            rows.add(f"transfer{n}", "transfer_n_evals", warm.n_evals, seed=seed, **ex)


def big(rows: Rows, sizes=(10, 11), counts=(10, 5), p: int = 3, shots: int = 200_000) -> None:
    """10 and 11 customers at the transferred angles (no optimisation at that size): P(optimal)
    per shot against the random-tour probability, the optimum among ``shots`` shots, the
    measured peak (tracemalloc) against ``memory_bytes``, the wall time."""
    t0 = time.perf_counter()
    angles = qc.transferred_angles(p)
    rows.add(
        "big",
        "transfer_source_s",
        time.perf_counter() - t0,
        "s",
        p=p,
        angles=angles.tolist(),
        sizes=list(qc.TRANSFER_SIZES),
        tune_seeds=list(qc.TRANSFER_SEEDS),
        load_average_1min=os.getloadavg()[0],
    )
    print(f"transferred angles (p = {p}): {np.round(angles, 3).tolist()}", flush=True)
    for n, count in zip(sizes, counts, strict=True):
        seeds = EVAL_SEEDS[:count]
        hits, pops, walls, peaks, rand = 0, [], [], [], []
        for seed in seeds:
            D = generators.random_tsp(n, seed)
            tracemalloc.start()
            r = qc.constrained_tsp(D, p, shots, seed)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            n_opt = int(np.sum(r.space.costs <= r.optimal_cost + 1e-9))
            p_rand = n_opt / r.space.size
            hits += r.found_optimal
            pops.append(r.p_optimal)
            walls.append(r.wall_time)
            peaks.append(peak / r.memory_bytes)
            rand.append(p_rand)
            ex = dict(n_customers=n, p=p, shots=shots, eval_seed=True, data_source=SRC)
            rows.add(f"big{n}", "p_optimal_per_shot", r.p_optimal, seed=seed, **ex)
            rows.add(f"big{n}", "random_tour_p_optimal", p_rand, seed=seed, **ex)
            rows.add(f"big{n}", "found_optimal", float(r.found_optimal), seed=seed, **ex)
            rows.add(f"big{n}", "wall_s", r.wall_time, "s", seed=seed, **ex)
            rows.add(f"big{n}", "peak_memory_bytes", peak, "B", seed=seed, **ex)
            rows.add(f"big{n}", "memory_bound_bytes", r.memory_bytes, "B", seed=seed, **ex)
            print(
                f"  {n} customers, seed {seed}: P(opt) {r.p_optimal:.2e} (random {p_rand:.1e}), "
                f"found {r.found_optimal}, {r.wall_time:.0f} s, peak {peak / 2**20:.0f} MiB "
                f"of {r.memory_bytes / 2**20:.0f} MiB (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            rows.write()
        lo, hi = wilson_interval(hits, len(seeds))
        ex = dict(n_customers=n, p=p, shots=shots, seeds=list(seeds), eval_seed=True)
        ex.update(data_source=SRC, n=len(seeds), wilson_lo=lo, wilson_hi=hi)
        rows.add(f"big{n}", "optimal_found_count", hits, f"of {len(seeds)}", **ex)
        rows.add(f"big{n}", "p_optimal_median", float(np.median(pops)), **ex)
        rows.add(f"big{n}", "p_optimal_min", float(np.min(pops)), **ex)
        rows.add(f"big{n}", "random_tour_p_optimal_median", float(np.median(rand)), **ex)
        rows.add(f"big{n}", "wall_s_max", float(np.max(walls)), "s", **ex)
        rows.add(f"big{n}", "peak_over_bound_min", float(np.min(peaks)), **ex)
        rows.add(f"big{n}", "peak_over_bound_max", float(np.max(peaks)), **ex)
        rows.write()


def tuning(rows: Rows) -> None:
    """The settings' evidence, on the TUNING seeds 0-9: mixer order and extra random starts."""
    print("tuning seeds 0-9: parity vs sequential order (p = 1..4), 1 vs 3 starts (p = 3)")
    for n in (5, 6, 7):
        for order in ("sequential", "parity"):
            pops = []
            for seed in TUNE_SEEDS:
                r = qc.constrained_tsp(generators.random_tsp(n, seed), 4, 1000, seed, order=order)
                pops.append([run.p_optimal for run in r.runs])
            for p, col in enumerate(np.array(pops).T, start=1):
                rows.add(
                    f"tune{n}",
                    f"{order}_p_optimal_median",
                    float(np.median(col)),
                    p=p,
                    n_customers=n,
                    tune_seeds=list(TUNE_SEEDS),
                    data_source="random_tsp, tuning seeds",
                )
    for n in (6, 7):
        for restarts in (1, 3):
            pops, walls = [], []
            for seed in TUNE_SEEDS:
                r = qc.constrained_tsp(
                    generators.random_tsp(n, seed), 3, 1000, seed, restarts=restarts
                )
                pops.append(r.p_optimal)
                walls.append(r.wall_time)
            ex = dict(
                n_customers=n,
                p=3,
                restarts=restarts,
                tune_seeds=list(TUNE_SEEDS),
                data_source="random_tsp, tuning seeds",
            )
            rows.add(f"tune{n}", "restarts_p_optimal_median", float(np.median(pops)), **ex)
            rows.add(f"tune{n}", "restarts_wall_s_mean", float(np.mean(walls)), "s", **ex)


def memory_rows(seeds, p: int = 3) -> None:
    """Re-measure only the memory rows of ``bench_constrained.json`` (the peak of the same calls
    as :func:`hit_rates`, against the current ``memory_bytes`` with the shots); other rows stay."""
    path = bench_results_dir() / "bench_constrained.json"
    old = json.loads(path.read_text())
    keep = [
        r for r in old if r["metric"] not in MEMORY_METRICS or not r["experiment"].startswith("tsp")
    ]
    rows = Rows("bench_constrained", "10_constrained_qaoa")
    warm_up()
    for n in range(4, 10):
        shots = 1000 if n <= 8 else 10000
        peaks = []
        for seed in seeds:
            D = generators.random_tsp(n, seed)
            tracemalloc.start()
            qc.constrained_tsp(D, p, shots, seed)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        bound = tour_subspace.memory_bytes(n, shots=shots)
        extra = dict(n_customers=n, p=p, shots=shots, seeds=list(seeds), eval_seed=True)
        peak = float(np.max(peaks))
        rows.add(f"tsp{n}", "peak_memory_bytes", peak, "B", data_source=SRC, **extra)
        rows.add(f"tsp{n}", "memory_bound_bytes", bound, "B", data_source=SRC, **extra)
        rows.add(f"tsp{n}", "peak_within_bound", float(peak <= bound), data_source=SRC, **extra)
        print(f"  {n} customers: peak {peak / 2**20:.1f} MiB, bound {bound / 2**20:.1f} MiB")
    rows.rows = keep + rows.rows
    rows.write()


MEMORY_METRICS = ("peak_memory_bytes", "memory_bound_bytes", "peak_within_bound")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "memory":  # the memory rows alone
        memory_rows(EVAL_SEEDS)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "speed":  # timings alone, when the machine is quiet
        rows = Rows("bench_constrained_speed", "10_constrained_qaoa")
        speed(rows)
        rows.write()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "big":  # 10 and 11 customers, transferred angles
        rows = Rows("bench_constrained_big", "10_constrained_qaoa")
        big(rows)
        rows.write()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "tuning":  # the tuning evidence, its own file
        rows = Rows("bench_constrained_tuning", "10_constrained_qaoa")
        tuning(rows)
        rows.write()
        return
    quick = len(sys.argv) > 1 and sys.argv[1] == "quick"
    seeds = EVAL_SEEDS[:3] if quick else EVAL_SEEDS
    rows = Rows("bench_constrained", "10_constrained_qaoa")
    hit_rates(rows, seeds)
    rows.write()
    transfer(rows, (8, 9) if quick else (8, 9, 10), seeds[:3])
    rows.write()
    print(
        f"memory bound at 10 customers: {tour_subspace.memory_bytes(10) / 2**20:.0f} MiB "
        f"({math.factorial(10):,} tours)"
    )


if __name__ == "__main__":
    main()

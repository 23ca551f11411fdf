"""Minimal-encoding benchmarks (chapter 11).

* cost-and-gradient evaluations per second (adjoint) vs n_c = 16 ... 1024; the 1024 target is
  <= 50 ms per evaluation;
* optimisation wall time and quality vs n_c on random dense QUBOs;
* held-out random TSPs (``qbook.routing.generators.random_tsp``) with 4 ... max_customers customers on
  the profile's *evaluation* seeds (``heldout.eval_seeds``, first ``n_eval``; settings are the
  profile's ``minimal`` section, chosen on tuning seeds 0-9): how often the best sampled tour is
  optimal, how often the final distribution's most likely valid tour is, how many distinct valid
  tours the sampling evaluated, and the random-search null baseline with as many tours (counts
  with 95% Wilson intervals); QAOA's rate where it fits (4 customers, p = 1, 2).

Run: ``PYTHONPATH=. [QBOOK_PROFILE=full] .venv/bin/python benchmarks/bench_minimal.py
[max_customers [n_eval] | speed | heldout [max_customers [n_eval]] | tune [configs]]`` (``speed``: only the
evaluation-speed table, written to ``bench_minimal_speed.json``; ``heldout``: only the held-out
TSP rates, written to ``bench_minimal_heldout_<profile>.json``; ``tune [configs]``: the settings
compared on the tuning seeds, ``bench_minimal_tune_<profile>.json``). Every row records its seeds.
"""

from __future__ import annotations

import sys
import time

from _rows import Rows, single_thread_blas

single_thread_blas()

import numpy as np  # noqa: E402

from qbook import get_profile  # noqa: E402
from qbook.common.stats import rate_text, wilson_interval  # noqa: E402
from qbook.routing import minimal as mn  # noqa: E402
from qbook.routing import minimal_solve, qaoa, qaoa_tsp  # noqa: E402
from qbook.routing.evaluation import minimal_tsp_trial  # noqa: E402
from qbook.routing.generators import random_tsp  # noqa: E402


def speed(rows: Rows) -> None:
    print("cost-and-gradient speed (adjoint), 4 layers")
    rng = np.random.default_rng(0)
    for n_c in (16, 64, 128, 256, 512, 1024):
        Q = rng.normal(size=(n_c, n_c))
        th = rng.uniform(-np.pi, np.pi, mn.n_params(n_c, 4))
        mn.cost_and_grad(th, Q, 4)
        reps = 50
        t0 = time.perf_counter()
        for _ in range(reps):
            mn.cost_and_grad(th, Q, 4)
        dt = (time.perf_counter() - t0) / reps
        rows.add("speed", "ms_per_cost_and_grad", dt * 1e3, "ms", n_c=n_c, layers=4)
        rows.add("speed", "evals_per_second", 1 / dt, "1/s", n_c=n_c, layers=4)
        if n_c in (16, 64):
            t0 = time.perf_counter()
            mn.grad_parameter_shift(th, Q, 4)
            rows.add(
                "speed",
                "ms_per_parameter_shift_grad",
                (time.perf_counter() - t0) * 1e3,
                "ms",
                n_c=n_c,
            )


def random_qubos(rows: Rows) -> None:
    print("optimisation vs n_c on random QUBOs (one seed each, exact optimum where n_c <= 20)")
    from qbook.routing.qubo import brute_force

    for n_c in (8, 16, 20, 64, 256):
        rng = np.random.default_rng(n_c)
        Q = np.triu(rng.normal(size=(n_c, n_c)))
        r = minimal_solve.solve(
            Q, restarts=2, samples=2000, seed=0, layers=None if n_c <= 64 else 4
        )
        rows.add("random_qubo", "wall_s", r.wall_time, "s", n_c=n_c, layers=r.layers)
        rows.add("random_qubo", "energy", r.energy, n_c=n_c)
        if n_c <= 20:
            emin, _ = brute_force(Q)
            rows.add("random_qubo", "gap_to_optimum", r.energy - emin, n_c=n_c)


def _rate(rows: Rows, exp: str, metric: str, k: int, n: int, seeds: list[int], **extra) -> None:
    lo, hi = wilson_interval(k, n)
    rows.add(
        exp,
        metric,
        k,
        data_source="random TSP (held out)",
        n=n,
        seeds=seeds,
        wilson_lo=lo,
        wilson_hi=hi,
        **extra,
    )
    print(f"    {exp} {metric}: {rate_text(k, n)}", flush=True)


def tsp_rates(rows: Rows, max_customers: int, n_eval: int) -> None:
    prof = get_profile()
    M, seeds = prof.minimal, list(prof.heldout.eval_seeds[:n_eval])
    opts = dict(
        layers=M.layers,
        restarts=M.restarts,
        samples=M.samples,
        anneal=M.anneal,
        maxiter=M.maxiter,
        likely=M.decode_likely,
    )
    print(f"held-out random TSPs, evaluation seeds {seeds}, profile {prof.name}: {opts}")
    for n in range(4, max_customers + 1):
        trials = []
        for seed in seeds:
            t = minimal_tsp_trial(random_tsp(n, seed), seed, **opts)
            trials.append(t)
            print(f"    n={n} seed={seed}: {t}", flush=True)
        k = len(trials)
        for key in ("optimal", "valid", "final_optimal"):
            _rate(rows, f"tsp{n}", f"minimal_{key}", sum(t[key] for t in trials), k, seeds, **opts)
        if n <= 8:
            rows.add(
                f"tsp{n}",
                "null_random_search_expected_optimal",
                float(sum(t["null_probability"] for t in trials)),
                data_source="random TSP",
                n=k,
                seeds=seeds,
            )
        rows.add(
            f"tsp{n}",
            "minimal_valid_tours_seen_median",
            float(np.median([t["valid_seen"] for t in trials])),
            data_source="random TSP",
            seeds=seeds,
        )
        rows.add(
            f"tsp{n}",
            "minimal_wall_s_mean",
            float(np.mean([t["wall_s"] for t in trials])),
            "s",
            data_source="random TSP",
            seeds=seeds,
        )
        if n <= 4:  # QAOA fits (16 qubits); p = 1 and 2 only
            for p in (1, 2):
                hits_q = 0
                for seed in seeds:
                    t = qaoa_tsp.tsp_problem(random_tsp(n, seed))
                    res = qaoa.optimize(t.diag, p_max=p, restarts=1, seed=seed, maxiter=60)
                    idx = qaoa.sample(res.runs[-1].probs, 2000, seed=seed)
                    ok = t.feasible[idx]
                    hits_q += bool(ok.any() and t.diag[idx[ok]].min() <= t.opt_cost + 1e-9)
                _rate(rows, f"tsp{n}", f"qaoa_p{p}_optimal_in_2000_shots", hits_q, k, seeds)


TUNE_CONFIGS = {  # the settings compared on tuning seeds before the evaluation (5 customers)
    "restarts5": dict(restarts=5, likely=False),
    "restarts5_likely": dict(restarts=5, likely=True),
    "restarts10_likely": dict(restarts=10, likely=True),
}


def tune(rows: Rows, n: int, configs: list[str]) -> None:
    """Minimal-encoding settings compared on the profile's *tuning* seeds only."""
    prof = get_profile()
    M, seeds = prof.minimal, list(prof.heldout.tune_seeds)
    for name in configs:
        opts = dict(layers=M.layers, samples=M.samples, anneal=M.anneal, maxiter=M.maxiter)
        opts.update(TUNE_CONFIGS[name])
        trials = [minimal_tsp_trial(random_tsp(n, s), s, **opts) for s in seeds]
        k = len(trials)
        rows.add(
            f"tune_tsp{n}",
            f"{name}_optimal",
            sum(t["optimal"] for t in trials),
            data_source="random TSP (tuning seeds)",
            n=k,
            seeds=seeds,
            **opts,
        )
        rows.add(
            f"tune_tsp{n}",
            f"{name}_null_expected",
            sum(t["null_probability"] for t in trials),
            data_source="random TSP (tuning seeds)",
            n=k,
            seeds=seeds,
        )
        print(
            f"    tuning {name}: optimal {rate_text(sum(t['optimal'] for t in trials), k)}",
            flush=True,
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "speed":  # the speed table alone, its own file
        rows = Rows("bench_minimal_speed", "11_minimal_encoding")
        speed(rows)
        rows.write()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "tune":  # settings on tuning seeds (5 customers)
        configs = sys.argv[2].split(",") if len(sys.argv) > 2 else list(TUNE_CONFIGS)
        rows = Rows(f"bench_minimal_tune_{get_profile().name}", "11_minimal_encoding")
        tune(rows, 5, configs)
        rows.write()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "heldout":  # the held-out TSP rates alone
        max_customers = int(sys.argv[2]) if len(sys.argv) > 2 else 5
        n_eval = int(sys.argv[3]) if len(sys.argv) > 3 else 10
        rows = Rows(f"bench_minimal_heldout_{get_profile().name}", "11_minimal_encoding")
        tsp_rates(rows, max_customers, n_eval)
        rows.write()
        return
    max_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    n_eval = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rows = Rows("bench_minimal", "11_minimal_encoding")
    speed(rows)
    random_qubos(rows)
    rows.write()
    tsp_rates(rows, max_customers, n_eval)
    rows.write()


if __name__ == "__main__":
    main()

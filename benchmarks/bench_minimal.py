"""Minimal-encoding benchmarks (chapter 11).

* cost-and-gradient evaluations per second (adjoint) vs n_c = 16 ... 1024; the 1024 target is
  <= 50 ms per evaluation;
* optimisation wall time and quality vs n_c on random dense QUBOs;
* random TSPs with 4 ... 9 customers over 10 seeds: how often the best decoded bitstring is an
  optimal tour (target for 4 customers: >= 8 of 10), and the wall time of the 9-customer
  (81-variable) optimisation (target <= 60 s); QAOA's rate where it fits (4 customers, p <= 3).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_minimal.py [max_customers | speed]``
(``speed``: only the evaluation-speed table, written to ``bench_minimal_speed.json``).
"""

from __future__ import annotations

import sys
import time

from _rows import Rows, single_thread_blas

single_thread_blas()

import numpy as np  # noqa: E402

from qbook import minimal as mn  # noqa: E402
from qbook import qaoa, vrp  # noqa: E402


def random_tsp(n: int, seed: int) -> np.ndarray:
    return vrp.euclidean_rounded(np.random.default_rng(seed).integers(0, 101, size=(n + 1, 2)))


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
    from qbook.qubo import brute_force

    for n_c in (8, 16, 20, 64, 256):
        rng = np.random.default_rng(n_c)
        Q = np.triu(rng.normal(size=(n_c, n_c)))
        r = mn.solve(Q, restarts=2, samples=2000, seed=0, layers=None if n_c <= 64 else 4)
        rows.add("random_qubo", "wall_s", r.wall_time, "s", n_c=n_c, layers=r.layers)
        rows.add("random_qubo", "energy", r.energy, n_c=n_c)
        if n_c <= 20:
            emin, _ = brute_force(Q)
            rows.add("random_qubo", "gap_to_optimum", r.energy - emin, n_c=n_c)


def solve_tsp(D: np.ndarray, seed: int, **options):
    """Minimal encoding on the TSP QUBO of ``D``, keeping only samples that decode to a tour."""
    n_nodes = len(D)
    Q, off = vrp.tsp_qubo(D)
    return mn.solve(
        Q,
        off,
        restarts=3,
        samples=2000,
        seed=seed,
        accept=lambda x: vrp.decode_tour(x, n_nodes) is not None,
        **options,
    )


def tsp_rates(rows: Rows, max_customers: int) -> None:
    print("random TSPs, 10 seeds: optimal-tour rate of the best decoded bitstring")
    for n in range(4, max_customers + 1):
        hits, valid, walls = 0, 0, []
        for seed in range(10):
            D = random_tsp(n, seed)
            r = solve_tsp(D, seed)
            tour = vrp.decode_tour(r.x, n + 1)
            best = vrp.held_karp(D)[0]
            valid += tour is not None
            hits += tour is not None and vrp.tour_cost(D, tour) == best
            walls.append(r.wall_time)
            print(
                f"    n={n} seed={seed}: {'INVALID' if tour is None else vrp.tour_cost(D, tour)} vs {best:g}, {r.wall_time:.1f} s",
                flush=True,
            )
        rows.add(f"tsp{n}", "minimal_optimal_of_10", hits, data_source="random TSP", n_vars=n * n)
        rows.add(f"tsp{n}", "minimal_valid_of_10", valid, data_source="random TSP")
        rows.add(
            f"tsp{n}", "minimal_wall_s_mean", float(np.mean(walls)), "s", data_source="random TSP"
        )
        rows.add(
            f"tsp{n}", "minimal_wall_s_max", float(np.max(walls)), "s", data_source="random TSP"
        )
        if n == 4:  # the same without the annealing stages (plain descent from random angles)
            hits0 = 0
            for seed in range(10):
                D = random_tsp(n, seed)
                r = solve_tsp(D, seed, anneal=0, init_scale=np.pi)
                tour = vrp.decode_tour(r.x, n + 1)
                hits0 += tour is not None and vrp.tour_cost(D, tour) == vrp.held_karp(D)[0]
            rows.add(f"tsp{n}", "minimal_no_anneal_optimal_of_10", hits0, data_source="random TSP")
        if n <= 4:  # QAOA fits (16 qubits); p <= 3 is slow there, so p = 1 and 2 only
            for p in (1, 2):
                hits_q, p_opts = 0, []
                for seed in range(10):
                    D = random_tsp(n, seed)
                    t = qaoa.tsp_problem(D)
                    res = qaoa.optimize(t.diag, p_max=p, restarts=1, seed=seed, maxiter=60)
                    probs = res.runs[-1].probs
                    idx = qaoa.sample(probs, 2000, seed=seed)
                    ok = t.feasible[idx]
                    found = ok.any() and t.diag[idx[ok]].min() <= t.opt_cost + 1e-9
                    hits_q += bool(found)
                    p_opts.append(qaoa.qaoa_metrics(probs, t.diag, t.feasible)["p_optimal"])
                rows.add(
                    f"tsp{n}",
                    f"qaoa_p{p}_optimal_in_2000_shots_of_10",
                    hits_q,
                    data_source="random TSP",
                )
                rows.add(
                    f"tsp{n}",
                    f"qaoa_p{p}_p_optimal_mean",
                    float(np.mean(p_opts)),
                    data_source="random TSP",
                )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "speed":  # the speed table alone, its own file
        rows = Rows("bench_minimal_speed", "11_minimal_encoding")
        speed(rows)
        rows.write()
        return
    max_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    rows = Rows("bench_minimal", "11_minimal_encoding")
    speed(rows)
    random_qubos(rows)
    rows.write()
    tsp_rates(rows, max_customers)
    rows.write()


if __name__ == "__main__":
    main()

"""QAOA benchmarks (chapter 9): qsimcirq vs cirq.Simulator, and QAOA quality vs p.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_qaoa.py``; writes
``qbook/common/recorded/benchmarks/bench_qaoa.json``. Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import os
import time

import cirq
import numpy as np
import qsimcirq
from _rows import Rows

from qbook.routing import instances, qaoa, qaoa_tsp

CIRQ_MAX_QUBITS = 22  # cirq.Simulator beyond this takes minutes per circuit here


def random_ising(n: int, seed: int, density: float = 0.5):
    """Fields on every qubit and a coupling on each pair with probability ``density``
    (TSP QUBOs are dense like this: each variable meets about 2n others)."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(size=(n, n)) * (rng.random((n, n)) < density), 1)
    return rng.normal(size=n) * 0.5, J


def time_once(f, args, reps=1):
    f(*args)  # warm-up
    t0 = time.perf_counter()
    for _ in range(reps):
        f(*args)
    return (time.perf_counter() - t0) / reps


def simulators(rows: Rows) -> None:
    """Time one simulation of the same resolved p = 2 QAOA circuit in each simulator.

    Parameters are resolved once, outside the timing: both simulators then do the same work,
    a full state vector in complex64. qsimcirq runs on every core (QSimOptions(cpu_threads)).
    """
    print(
        "qsimcirq (all cores) vs cirq.Simulator, p = 2 QAOA circuits, random Ising, half the pairs coupled"
    )
    qsim = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=os.cpu_count() or 1))
    plain = cirq.Simulator(dtype=np.complex64)
    for n in (12, 16, 20, 22, 24):
        h, J = random_ising(n, n)
        circ, g, b = qaoa.qaoa_circuit(h, J, p=2)
        resolved = cirq.resolve_parameters(
            circ, {**dict(zip(g, [0.3, 0.5], strict=True)), **dict(zip(b, [0.4, 0.2], strict=True))}
        )
        qubits = sorted(circ.all_qubits())
        t_q = time_once(qsim.simulate, (resolved, None, qubits), reps=3 if n < 22 else 1)
        rows.add("simulators", "qsim_seconds", t_q, "s", n_qubits=n, p=2)
        if n <= CIRQ_MAX_QUBITS:
            reps = 2 if n <= 16 else 1
            t_c = time_once(plain.simulate, (resolved, None, qubits), reps=reps)
            rows.add("simulators", "cirq_seconds", t_c, "s", n_qubits=n, p=2)
            rows.add("simulators", "speedup_qsim_over_cirq", t_c / t_q, "x", n_qubits=n, p=2)
        else:
            print(
                f"  cirq.Simulator skipped at {n} qubits (cap {CIRQ_MAX_QUBITS}: minutes per run)"
            )


def quality_vs_p(rows: Rows) -> None:
    print(
        "QAOA quality vs p: E-n13-k4 3-customer cluster TSP (9 qubits) and random MaxCut (10 nodes)"
    )
    inst = instances.read_instance("E-n13-k4")
    three = [8, 5, 10]
    tsp = qaoa_tsp.tsp_problem(inst.D[np.ix_([0, *three], [0, *three])])
    rng = np.random.default_rng(0)
    edges = [(i, j) for i in range(10) for j in range(i + 1, 10) if rng.random() < 0.4]
    from qbook.routing.qubo import maxcut_qubo, qubo_to_ising

    h, J, c = qubo_to_ising(*maxcut_qubo(10, edges))
    mc = qaoa.energy_diagonal(h, J, c)
    for name, diag, feas in (("tsp3_E-n13-k4", tsp.diag, tsp.feasible), ("maxcut10", mc, None)):
        for obj in ("energy", "cvar"):
            for seed in range(3):
                t0 = time.perf_counter()
                res = qaoa.optimize(
                    diag, p_max=5, restarts=3, seed=seed, objective=obj, maxiter=200
                )
                wall = time.perf_counter() - t0
                for run in res.runs:
                    m = qaoa.qaoa_metrics(run.probs, diag, feas)
                    for key in ("p_optimal", "approx_ratio", "p_feasible"):
                        if key in m:
                            rows.add(name, f"{obj}_{key}", m[key], seed=seed, p=run.p)
                rows.add(name, f"{obj}_wall_s_p1to5", wall, "s", seed=seed)


def main() -> None:
    rows = Rows("bench_qaoa", "09_qaoa")
    simulators(rows)
    quality_vs_p(rows)
    rows.write()


if __name__ == "__main__":
    main()

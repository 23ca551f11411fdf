"""Penalty studies for QUBOs with constraints (chapter 8, "Vehicle routing as Hamiltonians").

How small can a penalty be while the ground states stay optimal and feasible, and what does a
large one cost a heuristic solver (spectral gap, simulated annealing at a fixed budget)?
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qbook.common import checks as chk

__all__ = ["smallest_working_penalty", "penalty_study"]


# ---------------------------------------------------------------------------------------------
# Penalty studies (chapter 8)
# ---------------------------------------------------------------------------------------------


def _ground_ok(build, optimum: float, p: float) -> bool:
    from qbook.routing.qubo import brute_force

    Q, offset, evaluate = build(p)
    _, xs = brute_force(Q, offset)
    feasible, cost = evaluate(xs)
    return bool(np.all(feasible) and np.allclose(cost, optimum))


def smallest_working_penalty(build, optimum: float, upper: float, iters: int = 16) -> float:
    """Bisect for the smallest penalty whose QUBO ground states are all optimal and feasible.

    ``build(p)`` returns ``(Q, offset, evaluate)`` with ``evaluate(X) -> (feasible, cost)`` for
    a batch of bitstrings; ``upper`` must work (e.g. a sufficient penalty). Brute force, so
    small instances only. Introduced in chapter 8.
    """
    build = chk.callable_(build, "build")
    optimum = chk.real(optimum, "optimum")
    upper = chk.positive(upper, "upper")
    iters = chk.count(iters, "iters", hi=200)
    if not _ground_ok(build, optimum, upper):
        raise ValueError(f"the upper penalty {upper} does not give optimal ground states")
    lo, hi = 0.0, float(upper)
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if _ground_ok(build, optimum, mid) else (mid, hi)
    return hi


def penalty_study(
    build,
    optimum: float,
    penalties: Sequence[float],
    *,
    n_reads: int,
    n_sweeps: int,
    seeds: Sequence[int] = (0,),
) -> list[dict]:
    """For each penalty: are the ground states optimal, the relative spectral gap, and how often
    simulated annealing at a fixed budget ends feasible / optimal (mean over ``seeds``).

    The relative gap is ``(E_1 - E_0) / (E_max - E_0)`` over all ``2^n`` energies, ``E_1`` the
    first level above the ground energy. Introduced in chapter 8.
    """
    from qbook.routing.qubo import all_energies, simulated_annealing

    build = chk.callable_(build, "build")
    optimum = chk.real(optimum, "optimum")
    penalties = chk.finite_array(penalties, "penalties", ndim=1, lo=0.0)
    n_reads = chk.count(n_reads, "n_reads", lo=1)
    n_sweeps = chk.count(n_sweeps, "n_sweeps", lo=1)
    seeds = chk.int_array(seeds, "seeds", ndim=1, lo=0, min_size=1).tolist()
    rows = []
    for p in penalties:
        Q, offset, evaluate = build(p)
        E = np.sort(all_energies(Q, offset))
        above = E[E > E[0] + 1e-9 * max(1.0, abs(E[0]))]
        if above.size == 0:
            raise ValueError(f"penalty {p}: every bitstring has the same energy (no gap)")
        e1 = above[0]
        succ, feas = [], []
        for seed in seeds:
            X, _ = simulated_annealing(Q, offset, n_reads=n_reads, n_sweeps=n_sweeps, seed=seed)
            f, c = evaluate(X)
            succ.append(np.mean(f & np.isclose(c, optimum)))
            feas.append(np.mean(f))
        rows.append(
            dict(
                penalty=float(p),
                ground_ok=_ground_ok(build, optimum, p),
                rel_gap=float((e1 - E[0]) / (E[-1] - E[0])),
                sa_success=float(np.mean(succ)),
                sa_feasible=float(np.mean(feas)),
            )
        )
    return rows

"""The minimal-encoding solver: optimise the ansatz from restarts, then decode (chapter 11).

Introduced in chapter 11, "Minimal encoding". :func:`solve` runs the steps that
:mod:`qbook.routing.minimal` provides (the ansatz's state and adjoint gradient, the product distribution,
sampling and decoding) and returns a :class:`MinimalResult`. Re-exported by :mod:`qbook.routing.minimal`,
where the chapter finds it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.common.env import one_blas_thread
from qbook.routing.minimal import (
    ansatz_state,
    check_qubo,
    cost_and_grad,
    energies,
    most_likely,
    n_params,
    n_qubits,
    probabilities,
    sample_candidates,
)

__all__ = ["MinimalResult", "auto_layers", "solve"]


@dataclass
class MinimalResult:
    """Result of :func:`solve`.

    ``x`` is the best bitstring found (most likely or sampled, whichever is lower), ``energy``
    its ``x^T Q x + offset``. ``cost`` is the optimised eq. 25 value (plus offset).
    """

    x: np.ndarray
    energy: float
    cost: float
    probabilities: np.ndarray
    x_most_likely: np.ndarray
    energy_most_likely: float
    x_sampled: np.ndarray
    energy_sampled: float
    n_distinct_samples: int
    theta: np.ndarray = field(repr=False)
    history: list[float] = field(repr=False)
    restart_costs: list[float]
    n_qubits: int
    n_params: int
    layers: int
    n_evals: int
    wall_time: float
    n_accepted_distinct: int = 0  # distinct accepted bitstrings (e.g. valid tours) evaluated


def auto_layers(n_c: int) -> int:
    """Enough layers for ``n_q (layers + 1) >= n_c`` angles (one per variable), at least 4.

    Introduced in chapter 11, Minimal encoding.
    """
    nq = n_qubits(n_c)
    return max(4, math.ceil(n_c / nq) - 1)


@one_blas_thread
def solve(
    Q: np.ndarray,
    offset: float = 0.0,
    layers: int | None = None,
    restarts: int = 3,
    samples: int = 2000,
    seed: int = 0,
    maxiter: int = 200,
    accept: Callable[[np.ndarray], bool] | None = None,
    init_scale: float = 0.1,
    anneal: int = 8,
    decoder: Callable[[np.ndarray], np.ndarray] | None = None,
    cooling: float = 0.5,
) -> MinimalResult:
    """Minimise eq. 25 with L-BFGS-B and the adjoint gradient; decode the best bitstring.

    ``layers=None`` picks :func:`auto_layers` (about one angle per variable, so the ansatz can
    set every ``P1_i`` on its own).

    Annealing (our addition, ``anneal`` stages, 0 switches it off): the first stages minimise
    ``C_min - T S`` with ``S = sum_i H(P1_i)`` the entropy of the product distribution and ``T``
    falling by the factor ``cooling`` (default: halving) per stage from the scale of ``Q``; the
    last stage minimises ``C_min`` itself. Starting near
    ``theta = 0`` (the uniform distribution, ``init_scale`` small) this follows the
    distribution from "every bit 50/50" down to a bitstring, like mean-field annealing, instead of
    dropping into the nearest of the many local minima that the penalty terms create. The
    ``samples`` shots are split over the stages, so the sampled candidates come from the
    distributions seen on the way down.

    ``restarts`` random starts (angles uniform in ``[-init_scale, init_scale]``). Each restart's
    product distribution is decoded: its most likely bitstring and ``samples`` bitstrings drawn
    from it compete, and the lowest energy over all restarts wins (with ``accept``, a
    feasibility check, accepted bitstrings come first; an infeasible ``x`` is still returned when
    nothing feasible was seen, never hidden). ``history`` is the eq. 25 cost per evaluation of the
    winning restart. ``decoder`` (optional) maps a stage's ``P1`` to candidate bitstrings (rows)
    that compete with the samples, e.g. ``qbook.routing.vrp_qubo.likely_tours``, the most likely
    valid tours under the distribution. ``n_accepted_distinct`` counts the distinct accepted
    bitstrings that were evaluated over all restarts, the figure a random-search null baseline
    must match. Introduced in chapter 11, Minimal encoding.
    """
    from scipy.optimize import minimize

    Q = check_qubo(Q)
    offset = chk.real(offset, "offset")
    n_c = Q.shape[0]
    layers = auto_layers(n_c) if layers is None else chk.count(layers, "layers", lo=0, hi=10**4)
    restarts = chk.count(restarts, "restarts", lo=1)
    samples = chk.count(samples, "samples", lo=1, hi=10**8)
    seed = chk.seed(seed)
    maxiter = chk.count(maxiter, "maxiter", lo=1)
    init_scale = chk.non_negative(init_scale, "init_scale")
    anneal = chk.count(anneal, "anneal", lo=0, hi=100)
    if accept is not None:
        chk.callable_(accept, "accept")
    npar = n_params(n_c, layers)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    best: dict | None = None
    costs = []
    t_top = float(np.abs(np.diag(Q)).max() + np.abs(Q - np.diag(np.diag(Q))).sum(1).max()) / 2
    if not (isinstance(cooling, int | float) and 0 < cooling < 1):
        raise ValueError(f"cooling must be a number in (0, 1), got {cooling!r}")
    temps = [t_top * float(cooling) ** k for k in range(anneal)]
    n_evals = 0
    seen_ok: set[bytes] = set()

    def rank(cand: dict) -> tuple:
        ok = accept(cand["x"]) if accept is not None else True
        return (not ok, cand["energy"])

    for _ in range(restarts):
        hist: list[float] = []

        def fun(th, hist=hist):
            nonlocal n_evals
            n_evals += 1
            c, g = cost_and_grad(th, Q, layers, offset)
            hist.append(c)
            return c, g

        x0 = rng.uniform(-init_scale, init_scale, npar)
        stages = [*temps, 0.0]  # annealed entropy bonus, then the plain cost
        per_stage = max(1, samples // len(stages))
        x_s, e_s, n_distinct = None, np.inf, 0
        for k, temp in enumerate(stages):
            last = k == len(stages) - 1
            res = minimize(
                fun if last else (lambda th, temp=temp: cost_and_grad(th, Q, layers, offset, temp)),
                x0,
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": maxiter if last else max(10, maxiter // 8)},
            )
            if not last:
                n_evals += res.nfev
            x0 = res.x
            # shots from this stage's distribution: the samples budget is split over the stages
            p_stage = probabilities(ansatz_state(res.x, n_c, layers), n_c)
            n_draw = per_stage if not last else samples - per_stage * (len(stages) - 1)
            extra = decoder(p_stage) if decoder is not None else None
            xk, ek, nk, acc = sample_candidates(Q, p_stage, n_draw, offset, rng, accept, extra)
            n_distinct += nk
            seen_ok |= acc
            ok_new = accept is None or accept(xk)
            ok_old = x_s is not None and (accept is None or accept(x_s))
            if x_s is None or (ok_new, -ek) > (ok_old, -e_s):
                x_s, e_s = xk, ek
        costs.append(float(res.fun))
        p1 = probabilities(ansatz_state(res.x, n_c, layers), n_c)
        x_ml = most_likely(p1)
        e_ml = float(energies(Q, x_ml[None, :], offset)[0])
        cand = {
            "theta": res.x,
            "cost": float(res.fun),
            "p1": p1,
            "x_ml": x_ml,
            "e_ml": e_ml,
            "x_s": x_s,
            "e_s": e_s,
            "n_distinct": n_distinct,
            "hist": hist,
        }
        # best_of_samples also tried the most likely bitstring, so x_s is the restart's best
        cand["x"], cand["energy"] = x_s, e_s
        if best is None or rank(cand) < rank(best):
            best = cand
    assert best is not None
    return MinimalResult(
        x=best["x"].astype(int),
        energy=best["energy"],
        cost=best["cost"],
        probabilities=best["p1"],
        x_most_likely=best["x_ml"].astype(int),
        energy_most_likely=best["e_ml"],
        x_sampled=best["x_s"].astype(int),
        energy_sampled=best["e_s"],
        n_distinct_samples=best["n_distinct"],
        theta=best["theta"],
        history=best["hist"],
        restart_costs=costs,
        n_qubits=n_qubits(n_c),
        n_params=npar,
        layers=layers,
        n_evals=n_evals,
        wall_time=time.perf_counter() - t0,
        n_accepted_distinct=len(seen_ok),
    )

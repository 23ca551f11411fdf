"""QAOA that never leaves the valid tours: the partial swap mixer, simulated in the tour subspace.

Introduced in chapter 10, "Constrained QAOA" ({cite}`hadfield2019`).

The encoding is chapter 8's one-hot TSP encoding (:func:`qbook.routing.vrp_qubo.tsp_qubo`): ``n`` customers,
``n^2`` qubits, qubit ``t*n + (i-1)`` is 1 when customer ``i`` is visited at position ``t``, the
depot fixed at both ends. The valid tours are the ``n!`` permutation matrices.

The ansatz (the quantum alternating operator ansatz of Hadfield et al.) is

``|gamma, beta> = prod_k [ U_M(beta_k) e^{-i gamma_k H_C} ] |s>``

with ``|s>`` a feasible start (the uniform superposition of all tours, or one tour), the cost
layer of chapter 9 and the mixer ``U_M(beta) = prod_t exp(-i beta H_t)``, a product of *partial
swap mixers*: ``H_t`` swaps the customers at positions ``t`` and ``t+1``,

``H_t = sum_{u<v} (S+_{t,u} S+_{t+1,v} S-_{t,v} S-_{t+1,u} + h.c.)``, ``S+ = |1><0|``.

On a tour whose positions ``t, t+1`` hold ``(a, b)`` only the term ``{u, v} = {a, b}`` acts and it
gives the tour with ``a, b`` exchanged, so on the tour subspace ``H_t`` is a permutation matrix
``S_t`` with ``S_t^2 = 1`` and ``exp(-i beta S_t) = cos(beta) - i sin(beta) S_t``. Every operator
of the circuit maps the span of the tours into itself, so the amplitudes outside it stay exactly
zero and the state is fully described by ``n!`` amplitudes (:func:`~qbook.routing.tour_subspace.subspace_state`).

How the simulation stores and gathers the tours, and why the cost layer uses standardised
costs (so angles transfer between instances): :mod:`qbook.routing.tour_subspace`. The circuits on
``n^2`` qubits that check it: :mod:`qbook.routing.constrained_circuit`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.routing.generators import random_tsp

# From TRANSFER_MIN_CUSTOMERS customers constrained_tsp does not optimise: it runs the angles
# of transferred_angles (an optimisation at 10 customers took minutes, at 11 it would take most
# of an hour; chapter 10 measured what transfer costs in P(optimal)).
from qbook.routing.tour_subspace import (
    TRANSFER_MIN_CUSTOMERS,
    TourSpace,
    check_n,
    check_space,
    cost_and_grad,
    initial_state,
    memory_bytes,
    subspace_state,
    tour_space,
)

__all__ = [
    "TRANSFER_SEEDS",
    "TRANSFER_SIZES",
    "ConstrainedResult",
    "DepthRun",
    "constrained_tsp",
    "optimize_angles",
    "transfer_angles",
    "transferred_angles",
]

#: The instances the transferred angles come from: ``random_tsp(n, seed)`` for these sizes and
#: the tuning seeds 0-9 (never an evaluation seed).
TRANSFER_SIZES = (5, 6, 7)
TRANSFER_SEEDS = tuple(range(10))
MAX_GRID = 64  # a grid x grid scan per call at most (the chapters use 8)


def _interp(theta: np.ndarray) -> np.ndarray:
    """INTERP warm start (Zhou et al. 2020): depth-p angles interpolated onto p+1 layers."""
    p = theta.size // 2
    out = []
    for half in (theta[:p], theta[p:]):
        x = np.linspace(0, 1, p) if p > 1 else np.array([0.0])
        xn = np.linspace(0, 1, p + 1)
        out.append(np.interp(xn, x, half) if p > 1 else np.full(p + 1, half[0]))
    return np.concatenate(out)


@dataclass
class DepthRun:
    """The best angles at one depth ``p`` and what they give."""

    p: int
    gammas: np.ndarray
    betas: np.ndarray
    energy: float  # expected tour cost
    p_optimal: float
    n_evals: int
    seconds: float


def optimize_angles(
    space: TourSpace,
    p: int,
    init: str | Sequence[int] = "uniform",
    order: str = "parity",
    restarts: int = 1,
    seed: int = 0,
    maxiter: int = 200,
    start: np.ndarray | None = None,
    grid: int = 8,
) -> list[DepthRun]:
    """Minimise the expected tour cost for depths ``1..p`` with L-BFGS-B and the adjoint gradient.

    Depth 1 starts from the best point of a ``grid x grid`` scan of ``gamma in [-1.5, 1.5]``,
    ``beta in [0, pi/2]`` plus ``restarts - 1`` random points; depth ``k + 1`` starts from depth
    ``k``'s angles interpolated onto ``k + 1`` layers (layer-by-layer warm start) plus the random
    starts. ``start`` (``2p`` angles, e.g. transferred from smaller instances) replaces all of
    that with one start at depth ``p`` only. Returns one :class:`DepthRun` per depth optimised.
    Introduced in chapter 10.
    """
    from scipy.optimize import minimize

    space = check_space(space)
    p = check_n(p, "p", lo=1, hi=50)
    restarts = chk.count(restarts, "restarts", lo=1, hi=100)
    maxiter = chk.count(maxiter, "maxiter", lo=1, hi=10_000)
    grid = chk.count(grid, "grid", lo=0, hi=MAX_GRID)
    seed = chk.seed(seed)
    psi0 = initial_state(space, init)
    rng = np.random.default_rng(seed)
    opt_mask = space.costs <= space.opt_cost + 1e-9 * max(1.0, abs(space.opt_cost))
    runs: list[DepthRun] = []

    def fun(th):
        nonlocal n_evals
        n_evals += 1
        return cost_and_grad(space, th, psi0, order)

    def finish(k, best, n_evals, t0):
        probs = np.abs(subspace_state(space, best.x[:k], best.x[k:], psi0, order)) ** 2
        runs.append(
            DepthRun(
                p=k,
                gammas=best.x[:k].copy(),
                betas=best.x[k:].copy(),
                energy=float(space.mean + space.sd * (probs @ space.scaled)),
                p_optimal=float(probs[opt_mask].sum()),
                n_evals=n_evals,
                seconds=time.perf_counter() - t0,
            )
        )
        return best.x

    depths = [p] if start is not None else list(range(1, p + 1))
    prev = None
    for k in depths:
        t0, n_evals = time.perf_counter(), 0
        if start is not None:
            starts = [_check_start(start, p)]
        elif prev is None:
            starts = [_grid_start(space, psi0, order, grid)]
        else:
            starts = [_interp(prev)]
        starts += [
            np.concatenate([rng.uniform(-1.5, 1.5, k), rng.uniform(0, np.pi / 2, k)])
            for _ in range(restarts - 1)
        ]
        if grid and prev is None and start is None:
            n_evals += grid * grid
        best = None
        for x0 in starts:
            res = minimize(fun, x0, jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
            if best is None or res.fun < best.fun:
                best = res
        prev = finish(k, best, n_evals, t0)
    return runs


def _check_start(start, p: int) -> np.ndarray:
    s = chk.finite_array(start, "start", ndim=1)  # complex, NaN and inf refused before a cast
    if s.shape != (2 * p,):
        raise ValueError(f"start must hold 2p = {2 * p} angles, got shape {s.shape}")
    return s


def _grid_start(space, psi0, order, grid) -> np.ndarray:
    if not grid:
        return np.array([0.5, np.pi / 8])
    best, arg = np.inf, None
    for g in np.linspace(-1.5, 1.5, grid):
        for b in np.linspace(0, np.pi / 2, grid + 1)[1:]:
            psi = subspace_state(space, [g], [b], psi0, order)
            e = float((psi.real**2 + psi.imag**2) @ space.scaled)
            if e < best:
                best, arg = e, np.array([g, b])
    return arg


def transfer_angles(
    sizes: Sequence[int],
    seeds: Sequence[int],
    p: int,
    init: str = "uniform",
    order: str = "parity",
) -> np.ndarray:
    """Angles for depth ``p`` transferred from smaller instances (parameter concentration).

    Optimises :func:`~qbook.routing.generators.random_tsp` instances of every size in ``sizes`` and every seed in ``seeds``
    (use tuning seeds) layer by layer and returns the median of their depth-``p`` angles, as
    ``2p`` numbers for ``constrained_tsp(..., start=...)``. The standardised cost makes the
    angles comparable across instances. Introduced in chapter 10.
    """
    p = check_n(p, "p", lo=1, hi=50)
    if isinstance(sizes, (str, bytes)) or isinstance(seeds, (str, bytes)):
        raise TypeError("sizes and seeds must be sequences of integers")
    sizes = [check_n(n, "size", lo=3, hi=9) for n in sizes]
    seeds = [chk.seed(s) for s in seeds]
    if not sizes or not seeds:
        raise ValueError("need at least one size and one seed")
    if len(sizes) * len(seeds) > 200:
        raise ValueError(f"at most 200 source instances, got {len(sizes) * len(seeds)}")
    found = []
    for n in sizes:
        for seed in seeds:
            space = tour_space(random_tsp(n, seed), "single")
            run = optimize_angles(space, p, init, order, seed=int(seed))[-1]
            found.append(np.concatenate([run.gammas, run.betas]))
    return np.median(np.array(found), axis=0)


@functools.lru_cache(maxsize=16)
def _transferred(p: int, init: str, order: str) -> tuple[float, ...]:
    return tuple(transfer_angles(TRANSFER_SIZES, TRANSFER_SEEDS, p, init, order).tolist())


def transferred_angles(p: int, init: str = "uniform", order: str = "parity") -> np.ndarray:
    """The depth-``p`` angles :func:`constrained_tsp` runs from ``TRANSFER_MIN_CUSTOMERS``
    customers: :func:`transfer_angles` from ``TRANSFER_SIZES`` customers and the tuning seeds
    ``TRANSFER_SEEDS``, computed once per process (seconds) and then cached. A fresh array each
    call. Introduced in chapter 10.
    """
    p = check_n(p, "p", lo=1, hi=10)
    if init not in ("uniform", "nearest"):
        raise ValueError(f"transferred angles exist for init 'uniform' or 'nearest', got {init!r}")
    if order not in ("sequential", "parity"):
        raise ValueError(f"order must be 'sequential' or 'parity', got {order!r}")
    return np.array(_transferred(p, init, order))


@dataclass
class ConstrainedResult:
    """Result of :func:`constrained_tsp`.

    ``tour`` is the best sampled tour (customers in visiting order, 1-based node indices of
    ``D``, depot excluded) and ``cost`` its cost; ``p_optimal`` the exact probability that one
    shot is an optimal tour; ``valid_fraction`` the fraction of shots that are tours (1.0 by
    construction). ``energy`` is the expected tour cost, ``approx_ratio``
    ``(c_max - energy)/(c_max - c_opt)``. ``runs`` holds every depth of the layer-by-layer
    optimisation; ``probabilities`` the distribution over ``tours`` (the space's tour table).
    """

    tour: list[int]
    cost: float
    optimal_cost: float
    p_optimal: float
    valid_fraction: float
    energy: float
    approx_ratio: float
    gammas: np.ndarray
    betas: np.ndarray
    p: int
    shots: int
    seed: int
    init: str
    order: str
    found_optimal: bool
    wall_time: float
    n_evals: int
    memory_bytes: int
    runs: list[DepthRun] = field(repr=False)
    probabilities: np.ndarray = field(repr=False)
    space: TourSpace = field(repr=False)

    def p_optimal_within(self, shots: int) -> float:
        """Exact probability that ``shots`` shots contain an optimal tour: ``1-(1-p)^shots``."""
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
            raise ValueError(f"shots must be a positive integer, got {shots!r}")
        if self.p_optimal >= 1.0:
            return 1.0
        return float(-np.expm1(shots * np.log1p(-self.p_optimal)))


MAX_SHOTS = 10**7


def constrained_tsp(
    D: np.ndarray,
    p: int = 3,
    shots: int = 1000,
    seed: int = 0,
    *,
    init: str | Sequence[int] = "uniform",
    order: str = "parity",
    restarts: int = 1,
    maxiter: int = 200,
    start: np.ndarray | None = None,
    precision: str = "single",
    optimise: bool | None = None,
) -> ConstrainedResult:
    """Solve a TSP (depot 0, 1..11 customers) with constraint-preserving QAOA of depth ``p``.

    With ``optimise`` (the default below ``TRANSFER_MIN_CUSTOMERS`` = 10 customers) the angles
    minimise the expected tour cost (:func:`optimize_angles`: layer by layer, L-BFGS-B, adjoint
    gradient; ``start``, ``2p`` angles, replaces the layer-by-layer search by one run from
    there). Without it (the default from 10 customers) the circuit runs at fixed angles:
    ``start`` if given, else :func:`transferred_angles`, so a 10- or 11-customer solve is one
    forward pass. Then the exact distribution over the ``n!`` tours, ``shots`` shots drawn
    with ``seed``, and the best sampled tour. Every shot is a valid tour. Peak memory:
    :func:`qbook.routing.tour_subspace.memory_bytes` (about 1.1 GB at 11 customers in single
    precision). Introduced in chapter 10, Constrained QAOA.
    """
    t0 = time.perf_counter()
    p = check_n(p, "p", lo=1, hi=50)
    shots = check_n(shots, "shots", lo=1, hi=MAX_SHOTS)
    restarts = chk.count(restarts, "restarts", lo=1, hi=100)
    seed = chk.seed(seed)
    if optimise is not None:
        optimise = chk.boolean(optimise, "optimise")
    if isinstance(init, str) and init not in ("uniform", "nearest"):
        raise ValueError(f"init must be 'uniform', 'nearest' or a tour, got {init!r}")
    if order not in ("sequential", "parity"):
        raise ValueError(f"order must be 'sequential' or 'parity', got {order!r}")
    theta = _check_start(start, p) if start is not None else None
    space = tour_space(D, precision)
    if not isinstance(init, str):
        init = chk.permutation(init, "init", space.n)
    if optimise is None:
        optimise = space.n < TRANSFER_MIN_CUSTOMERS
    runs: list[DepthRun] = []
    if space.n == 1 or space.max_cost - space.opt_cost <= 1e-12 * max(1.0, space.max_cost):
        gammas, betas = np.zeros(p), np.zeros(p)  # one tour or all equally good: nothing to do
    elif optimise:
        runs = optimize_angles(space, p, init, order, restarts, seed, maxiter, start)
        gammas, betas = runs[-1].gammas, runs[-1].betas
    else:
        if theta is None:
            if not isinstance(init, str):
                raise ValueError("fixed angles from a given start tour need start= (2p angles)")
            theta = transferred_angles(p, init, order)
        gammas, betas = theta[:p], theta[p:]
    probs = _probabilities(subspace_state(space, gammas, betas, init, order))
    idx = _sample(probs, shots, np.random.default_rng(seed))
    best = int(idx[np.argmin(space.costs[idx])])
    tol = 1e-9 * max(1.0, abs(space.opt_cost))
    energy = float(probs @ space.costs)
    spread = space.max_cost - space.opt_cost
    return ConstrainedResult(
        tour=space.tour(best),
        cost=float(space.costs[best]),
        optimal_cost=space.opt_cost,
        p_optimal=float(probs[space.costs <= space.opt_cost + tol].sum()),
        valid_fraction=1.0,
        energy=energy,
        approx_ratio=float((space.max_cost - energy) / spread) if spread > 0 else 1.0,
        gammas=np.asarray(gammas, dtype=float),
        betas=np.asarray(betas, dtype=float),
        p=p,
        shots=shots,
        seed=int(seed),
        init=init if isinstance(init, str) else "tour",
        order=order,
        found_optimal=bool(space.costs[best] <= space.opt_cost + tol),
        wall_time=time.perf_counter() - t0,
        n_evals=sum(r.n_evals for r in runs),
        memory_bytes=memory_bytes(space.n, precision, optimise, shots),
        runs=runs,
        probabilities=probs,
        space=space,
    )


def _probabilities(psi: np.ndarray) -> np.ndarray:
    """``|psi|^2`` as float64, normalised, in chunks (no complex or float32 temporary of the
    whole state)."""
    probs = np.empty(psi.size)
    step = 1 << 18
    for s in range(0, psi.size, step):
        v = psi[s : s + step]
        probs[s : s + step] = v.real.astype(float) ** 2 + v.imag.astype(float) ** 2
    probs /= probs.sum()
    return probs


def _sample(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """``shots`` indices drawn from ``probs`` (inverse transform on the cumulative sum)."""
    cdf = np.cumsum(probs)
    idx = np.searchsorted(cdf, rng.random(shots) * cdf[-1], side="right")
    return np.minimum(idx, probs.size - 1)

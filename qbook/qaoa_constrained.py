"""QAOA that never leaves the valid tours: the partial swap mixer, simulated in the tour subspace.

Introduced in chapter 10, "Constrained QAOA" ({cite}`hadfield2019`).

The encoding is chapter 8's one-hot TSP encoding (:func:`qbook.vrp.tsp_qubo`): ``n`` customers,
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
zero and the state is fully described by ``n!`` amplitudes (:func:`subspace_state`).

Tour order: the ``n!`` tours are listed in lexicographic order (:func:`tour_table`). In that
order the swap of positions ``t, t+1`` keeps the first ``t`` customers and the last
``n - t - 2``, so ``S_t`` is one small permutation of ``m (m-1)`` entries (``m = n - t``) applied
along the middle axis of the state reshaped to ``(n!/m!, m(m-1), (m-2)!)``: a gather with a table
of at most ``n(n-1)`` integers, not ``n!``.

Angles: the cost layer uses the *standardised* tour cost ``(c - mean) / sd`` over all tours, so
``gamma`` is in units of the cost spread and angles from one instance fit another (parameter
transfer). On a device this is ``exp(-i (gamma/sd) H_C)`` up to a global phase.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ConstrainedResult",
    "TourSpace",
    "circuit_state",
    "constrained_circuit",
    "constrained_tsp",
    "cost_and_grad",
    "embed_state",
    "initial_state",
    "layer_order",
    "memory_bytes",
    "mixer_matrix",
    "mixer_operations",
    "optimize_angles",
    "random_tsp",
    "subspace_state",
    "success_interval",
    "swap_table",
    "swap_term_paulis",
    "tour_space",
    "tour_table",
    "transfer_angles",
]

MAX_CUSTOMERS = 10  # 10! = 3,628,800 amplitudes (58 MB); 11! would need 0.6 GB per vector
ORDERS = ("sequential", "parity")


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------
# random_tsp is qbook.generators.random_tsp (one generator for Part II), re-exported here
from qbook.generators import random_tsp  # noqa: E402


def success_interval(successes: int, trials: int) -> tuple[float, float]:
    """95% Wilson score interval of a success rate ``successes / trials`` (scipy's binomtest).

    Introduced in chapter 10 for counts such as "optimal tour in 9 of 10 TSPs".
    """
    from scipy.stats import binomtest

    k = _check_n(successes, "successes", lo=0, hi=10**12)
    m = _check_n(trials, "trials", lo=1, hi=10**12)
    if k > m:
        raise ValueError(f"successes ({k}) cannot exceed trials ({m})")
    ci = binomtest(k, m).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def _check_n(n, name: str, lo: int = 1, hi: int = MAX_CUSTOMERS) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(n).__name__}")
    if not lo <= n <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {n}")
    return int(n)


# --------------------------------------------------------------------------------------------
# The tour subspace
# --------------------------------------------------------------------------------------------
def tour_table(n: int) -> np.ndarray:
    """All ``n!`` permutations of ``0..n-1`` in lexicographic order, shape ``(n!, n)``, int8.

    Row ``r`` is tour number ``r`` of the subspace simulation (customer ``i`` is entry ``i-1``).
    Built recursively without Python loops over the rows. Introduced in chapter 10.
    """
    n = _check_n(n, "n")
    table = np.zeros((1, 0), dtype=np.int8)
    for m in range(1, n + 1):
        # permutations of m symbols: first symbol f, then the (m-1)-permutations relabelled
        # to skip f (symbol j becomes j + (j >= f)), which keeps lexicographic order
        blocks = [
            np.column_stack([np.full(len(table), f, np.int8), table + (table >= f)])
            for f in range(m)
        ]
        table = np.concatenate(blocks).astype(np.int8)
    return table


def swap_table(m: int) -> np.ndarray:
    """The swap of the first two of ``m`` remaining symbols, as a permutation of pair ranks.

    In lexicographic order the first two symbols of a suffix over ``m`` symbols have rank
    ``a = r0 (m-1) + r1`` (``r0`` the first symbol's rank among ``m``, ``r1`` the second's among the
    ``m-1`` left). Exchanging them gives rank ``swap_table(m)[a]``; the rest of the suffix keeps
    its rank. An involution without fixed points. Introduced in chapter 10.
    """
    m = _check_n(m, "m", lo=2, hi=MAX_CUSTOMERS)
    out = np.empty(m * (m - 1), dtype=np.intp)
    for r0 in range(m):
        for r1 in range(m - 1):
            s = r1 if r1 < r0 else r1 + 1  # the second symbol's rank among all m
            r1_new = r0 if r0 < s else r0 - 1  # the old first among the m-1 left after s
            out[r0 * (m - 1) + r1] = s * (m - 1) + r1_new
    return out


@dataclass
class TourSpace:
    """A TSP's tour subspace: tours in lexicographic order, their costs and the swap tables.

    ``tours`` holds 1-based customers (row ``r`` is tour ``r``), ``costs`` the tour costs,
    ``scaled`` the standardised costs ``(c - mean) / sd`` the cost layer uses, ``swaps[t]`` the
    permutation of :func:`swap_table` for positions ``t, t+1`` with its reshape ``shapes[t]``.
    """

    D: np.ndarray = field(repr=False)
    n: int
    tours: np.ndarray = field(repr=False)
    costs: np.ndarray = field(repr=False)
    scaled: np.ndarray = field(repr=False)
    mean: float
    sd: float
    opt_cost: float
    max_cost: float
    swaps: list = field(repr=False)
    shapes: list = field(repr=False)
    levels: np.ndarray = field(repr=False)
    level_of: np.ndarray = field(repr=False)
    dtype: type = np.complex128

    @property
    def size(self) -> int:
        """Number of tours, ``n!``."""
        return int(self.costs.size)

    def swap(self, psi: np.ndarray, t: int, out: np.ndarray | None = None) -> np.ndarray:
        """``S_t psi``: the amplitudes with the customers at positions ``t, t+1`` exchanged."""
        v = psi.reshape(self.shapes[t])
        if out is None:
            out = np.empty_like(psi)
        # mode="clip" (the indices are valid anyway) lets numpy write into ``out`` unbuffered
        np.take(v, self.swaps[t], axis=1, out=out.reshape(v.shape), mode="clip")
        return out

    def phases(self, gamma: float) -> np.ndarray:
        """``exp(-i gamma scaled)`` per tour, from one exponential per distinct cost level."""
        return np.take(np.exp(-1j * gamma * self.levels), self.level_of, mode="clip")

    def rank(self, tour: Sequence[int]) -> int:
        """Row of ``tour`` (1-based customers) in :attr:`tours` (its lexicographic rank)."""
        tour = [int(c) for c in tour]
        if sorted(tour) != list(range(1, self.n + 1)):
            raise ValueError(f"tour {tour} must visit each of the {self.n} customers once")
        left, r = list(range(1, self.n + 1)), 0
        for k, c in enumerate(tour):
            i = left.index(c)
            r += i * math.factorial(self.n - 1 - k)
            left.pop(i)
        return r


def tour_space(D: np.ndarray, precision: str = "double") -> TourSpace:
    """Enumerate the tours of a TSP (depot 0, ``1 <= n <= 10`` customers) and their costs.

    ``precision="double"`` simulates in complex128, ``"single"`` in complex64 (half the memory
    traffic, about twice as fast at 9 customers; amplitudes good to about 1e-6).
    Introduced in chapter 10, Constrained QAOA.
    """
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    real = np.float64 if precision == "double" else np.float32
    from qbook.vrp import check_distance_matrix

    D = check_distance_matrix(D, symmetric=False).astype(float)
    n = _check_n(D.shape[0] - 1, "the number of customers (size of D minus one)")
    tours = tour_table(n)
    tours += 1  # 1-based customers
    costs = D[0, tours[:, 0]] + D[tours[:, -1], 0]  # column by column: no n! x n index copy
    for t in range(n - 1):
        costs += D[tours[:, t], tours[:, t + 1]]
    mean, sd = float(costs.mean()), float(costs.std())
    scale = sd if sd > 1e-12 * max(1.0, abs(mean)) else 1.0
    scaled = (costs - mean) / scale
    # integer distances give few distinct tour costs: one exponential per level, then a gather
    levels, level_of = np.unique(scaled, return_inverse=True)
    fact = math.factorial
    swaps, shapes = [], []
    for t in range(n - 1):
        m = n - t
        swaps.append(swap_table(m))
        shapes.append((fact(n) // fact(m), m * (m - 1), fact(m - 2)))
    return TourSpace(
        D=D,
        n=n,
        tours=tours,
        costs=costs,
        scaled=scaled.astype(real),
        mean=mean,
        sd=scale,
        opt_cost=float(costs.min()),
        max_cost=float(costs.max()),
        swaps=swaps,
        shapes=shapes,
        levels=levels.astype(real),
        level_of=level_of.astype(np.intp),
        dtype=np.complex128 if precision == "double" else np.complex64,
    )


def layer_order(n: int, order: str = "parity") -> list[int]:
    """The positions ``t`` of the partial mixers in one mixer layer, in the order applied.

    ``"sequential"``: ``t = 0, 1, ..., n-2``. ``"parity"``: the even ``t`` first, then the odd
    ones; partial mixers on disjoint position pairs commute, so a device applies each half in
    parallel (two rounds per layer). Introduced in chapter 10.
    """
    n = _check_n(n, "n")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    ts = list(range(n - 1))
    return ts if order == "sequential" else ts[0::2] + ts[1::2]


def initial_state(space: TourSpace, init: str | Sequence[int] = "uniform") -> np.ndarray:
    """The start state over the ``n!`` tours (complex128).

    ``"uniform"``: every tour with amplitude ``1/sqrt(n!)``; ``"nearest"``: the nearest-neighbour
    tour (:func:`qbook.vrp.nearest_neighbour_tour`); or a tour given as 1-based customers.
    Introduced in chapter 10.
    """
    from qbook.vrp import nearest_neighbour_tour

    space = _check_space(space)
    psi = np.zeros(space.size, dtype=space.dtype)
    if isinstance(init, str):
        if init == "uniform":
            psi[:] = 1 / math.sqrt(space.size)
            return psi
        if init != "nearest":
            raise ValueError(f"init must be 'uniform', 'nearest' or a tour, got {init!r}")
        init = nearest_neighbour_tour(space.D)
    psi[space.rank(init)] = 1.0
    return psi


def _check_angles(gammas, betas) -> tuple[np.ndarray, np.ndarray]:
    g = np.atleast_1d(np.asarray(gammas, dtype=float))
    b = np.atleast_1d(np.asarray(betas, dtype=float))
    if g.ndim != 1 or g.shape != b.shape or g.size < 1:
        raise ValueError(f"need as many gammas as betas (at least one), got {g.shape}, {b.shape}")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(b))):
        raise ValueError("angles must be finite")
    return g, b


def _check_space(space) -> TourSpace:
    if not isinstance(space, TourSpace):
        raise TypeError(
            f"space must be a TourSpace (from tour_space(D)), got {type(space).__name__}"
        )
    return space


def subspace_state(
    space: TourSpace,
    gammas: Sequence[float],
    betas: Sequence[float],
    init: str | Sequence[int] | np.ndarray = "uniform",
    order: str = "parity",
) -> np.ndarray:
    """The QAOA state over the tours: ``n!`` complex amplitudes, exactly.

    Per layer: the phases ``exp(-i gamma scaled_cost)``, then ``cos(beta) - i sin(beta) S_t``
    for each ``t`` of :func:`layer_order`. ``init`` is as in :func:`initial_state` or a state
    vector. Introduced in chapter 10.
    """
    space = _check_space(space)
    g, b = _check_angles(gammas, betas)
    psi = _start(space, init)
    ts = layer_order(space.n, order)
    buf = np.empty_like(psi)
    for gk, bk in zip(g, b, strict=True):
        psi *= space.phases(gk)
        c, s = math.cos(bk), -1j * math.sin(bk)
        for t in ts:
            space.swap(psi, t, out=buf)
            psi *= c
            buf *= s
            psi += buf
    return psi


def _start(space: TourSpace, init) -> np.ndarray:
    if isinstance(init, np.ndarray) and init.ndim == 1 and init.size == space.size:
        if not np.all(np.isfinite(init)):
            raise ValueError("init state must be finite")
        return init.astype(space.dtype)
    return initial_state(space, init)


def cost_and_grad(
    space: TourSpace,
    theta: np.ndarray,
    init: str | Sequence[int] | np.ndarray = "uniform",
    order: str = "parity",
) -> tuple[float, np.ndarray]:
    """Expected standardised cost ``<psi| C |psi>`` and its gradient by the adjoint method.

    ``theta = (gamma_1..gamma_p, beta_1..beta_p)``. One forward pass, then one backward pass
    that undoes each layer on the state and on ``lambda = C psi``: for the cost layer
    ``d/d gamma = 2 Im <lambda| C psi>``, for a partial mixer ``d/d beta = 2 Im <lambda| S_t psi>``
    (``d/d beta e^{-i beta S} = -i S e^{-i beta S}``). Costs about three gathers per partial mixer.
    Introduced in chapter 10.
    """
    space = _check_space(space)
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1 or theta.size < 2 or theta.size % 2:
        raise ValueError(f"theta must hold p gammas then p betas, got shape {theta.shape}")
    p = theta.size // 2
    g, b = _check_angles(theta[:p], theta[p:])
    c = space.scaled
    psi = subspace_state(space, g, b, init, order)
    ts = layer_order(space.n, order)
    lam = c * psi
    energy = float(np.real(_inner(psi, lam)))
    grad = np.zeros(2 * p)
    s_psi, s_lam = np.empty_like(psi), np.empty_like(psi)
    for k in range(p - 1, -1, -1):
        cb, sb = math.cos(b[k]), math.sin(b[k])
        for t in reversed(ts):
            space.swap(psi, t, out=s_psi)
            grad[p + k] += 2 * np.imag(_inner(lam, s_psi))
            space.swap(lam, t, out=s_lam)
            psi *= cb  # undo: e^{+i beta S} = cos + i sin S
            s_psi *= 1j * sb
            psi += s_psi
            lam *= cb
            s_lam *= 1j * sb
            lam += s_lam
        np.multiply(c, psi, out=s_psi)
        grad[k] = 2 * np.imag(_inner(lam, s_psi))
        phase = np.conjugate(space.phases(g[k]))
        psi *= phase
        lam *= phase
    return energy, grad


def _inner(a: np.ndarray, b: np.ndarray) -> complex:
    """``<a|b>`` without BLAS: on a busy 2-core machine a threaded ``np.vdot`` waits for its second
    thread (measured 2.7-8 ms against 0.15-0.6 ms for this einsum at 40,320-362,880 entries)."""
    return complex(np.einsum("i,i->", a.conj(), b))


# --------------------------------------------------------------------------------------------
# Optimisation
# --------------------------------------------------------------------------------------------
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

    space = _check_space(space)
    p = _check_n(p, "p", lo=1, hi=50)
    if isinstance(restarts, bool) or not isinstance(restarts, (int, np.integer)) or restarts < 1:
        raise ValueError(f"restarts must be a positive integer, got {restarts!r}")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
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
            s = np.asarray(start, dtype=float)
            if s.shape != (2 * p,) or not np.all(np.isfinite(s)):
                raise ValueError(f"start must hold 2p = {2 * p} finite angles, got {s.shape}")
            starts = [s]
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


def _grid_start(space, psi0, order, grid) -> np.ndarray:
    if not grid:
        return np.array([0.5, np.pi / 8])
    best, arg = np.inf, None
    for g in np.linspace(-1.5, 1.5, grid):
        for b in np.linspace(0, np.pi / 2, grid + 1)[1:]:
            psi = subspace_state(space, [g], [b], psi0, order)
            e = float(np.abs(psi) ** 2 @ space.scaled)
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

    Optimises :func:`random_tsp` instances of every size in ``sizes`` and every seed in ``seeds``
    (use tuning seeds) layer by layer and returns the median of their depth-``p`` angles, as
    ``2p`` numbers for ``constrained_tsp(..., start=...)``. The standardised cost makes the
    angles comparable across instances. Introduced in chapter 10.
    """
    p = _check_n(p, "p", lo=1, hi=50)
    sizes, seeds = list(sizes), list(seeds)
    if not sizes or not seeds:
        raise ValueError("need at least one size and one seed")
    found = []
    for n in sizes:
        n = _check_n(n, "size", lo=3)
        for seed in seeds:
            space = tour_space(random_tsp(n, seed), "single")
            run = optimize_angles(space, p, init, order, seed=int(seed))[-1]
            found.append(np.concatenate([run.gammas, run.betas]))
    return np.median(np.array(found), axis=0)


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


def memory_bytes(n_customers: int, precision: str = "single") -> int:
    """Peak bytes of :func:`constrained_tsp` at ``n`` customers: everything scales with ``n!``.

    Per tour: up to eight complex vectors at once (state, adjoint, two gather buffers, the phase
    vector and temporaries: 8 bytes each in single precision, 16 in double), the standardised
    cost (4 or 8), the cost, its level index and the sampling distribution (8 each), and the tour
    table (``n`` int8); plus 256 KiB for everything that does not grow with ``n!`` (the
    optimiser's small arrays, the swap tables of at most ``n(n-1)`` integers each). The depth
    ``p`` does not enter: the backward pass undoes the layers instead of storing them.
    ``benchmarks/bench_constrained.py`` checks the measured peak (tracemalloc) against this.
    Introduced in chapter 10.
    """
    n = _check_n(n_customers, "n_customers")
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    c, r = (8, 4) if precision == "single" else (16, 8)
    return int(math.factorial(n) * (8 * c + r + 24 + n) + 256 * 1024)


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
) -> ConstrainedResult:
    """Solve a TSP (depot 0, 1..10 customers) with constraint-preserving QAOA of depth ``p``.

    Optimises the angles for the expected tour cost (:func:`optimize_angles`: layer-by-layer,
    L-BFGS-B, adjoint gradient), computes the exact distribution over the ``n!`` tours, draws
    ``shots`` shots with ``seed`` and returns the best sampled tour. Every shot is a valid tour.
    ``start`` (``2p`` angles) skips the depth-by-depth search and starts from given angles, e.g.
    angles transferred from smaller instances. Introduced in chapter 10, Constrained QAOA.
    """
    t0 = time.perf_counter()
    p = _check_n(p, "p", lo=1, hi=50)
    shots = _check_n(shots, "shots", lo=1, hi=10**9)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    space = tour_space(D, precision)
    if space.n == 1 or space.max_cost - space.opt_cost <= 1e-12 * max(1.0, space.max_cost):
        runs = []  # one tour or all tours equally good: nothing to optimise
        gammas, betas = np.zeros(p), np.zeros(p)
    else:
        runs = optimize_angles(space, p, init, order, restarts, seed, maxiter, start)
        gammas, betas = runs[-1].gammas, runs[-1].betas
    psi = subspace_state(space, gammas, betas, initial_state(space, init), order)
    probs = np.abs(psi).astype(float) ** 2
    probs /= probs.sum()
    rng = np.random.default_rng(seed)
    idx = rng.choice(space.size, size=shots, p=probs)
    best = int(idx[np.argmin(space.costs[idx])])
    tol = 1e-9 * max(1.0, abs(space.opt_cost))
    opt_mask = space.costs <= space.opt_cost + tol
    energy = float(probs @ space.costs)
    spread = space.max_cost - space.opt_cost
    return ConstrainedResult(
        tour=[int(c) for c in space.tours[best]],
        cost=float(space.costs[best]),
        optimal_cost=space.opt_cost,
        p_optimal=float(probs[opt_mask].sum()),
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
        memory_bytes=memory_bytes(space.n, precision),
        runs=runs,
        probabilities=probs,
        space=space,
    )


# --------------------------------------------------------------------------------------------
# The circuit (small cases): real Cirq operations on n^2 qubits
# --------------------------------------------------------------------------------------------
def mixer_matrix(n: int) -> np.ndarray:
    """``H_t`` as a real ``4^n x 4^n`` matrix on the ``2n`` qubits of positions ``t, t+1``.

    Qubit order (big-endian): ``x_{t,1..n}`` then ``x_{t+1,1..n}``. Entry ``[b', b] = 1`` when
    a term ``S+_{t,u} S+_{t+1,v} S-_{t,v} S-_{t+1,u}`` (or its conjugate) maps ``b`` to ``b'``.
    Independent of ``t``. Introduced in chapter 10 (for ``n <= 5``).
    """
    n = _check_n(n, "n", lo=1, hi=5)
    nq = 2 * n
    H = np.zeros((2**nq, 2**nq))

    def bit(q):  # mask of qubit q (big-endian)
        return 1 << (nq - 1 - q)

    for u in range(n):
        for v in range(u + 1, n):
            a = bit(u) | bit(n + v)  # x_{t,u} = x_{t+1,v} = 1
            b = bit(v) | bit(n + u)  # x_{t,v} = x_{t+1,u} = 1
            for s in range(2**nq):
                if s & (a | b) == b:  # S+S+ on a, S-S- on b: b set, a clear
                    H[s ^ a ^ b, s] = 1.0
                    H[s, s ^ a ^ b] = 1.0
    return H


def swap_term_paulis(qubits) -> list[tuple[float, str]]:
    """One four-qubit swap term ``S+_a S+_b S-_c S-_d + h.c.`` as a sum of Pauli strings.

    ``qubits = (a, b, c, d)`` are only used for their count (four). With ``S+ = (X - iY)/2`` and
    ``S- = (X + iY)/2`` the product expands into 16 strings; adding the conjugate keeps the 8
    with an even number of ``Y``, each with coefficient ``+-1/8``. They commute pairwise (two such
    strings differ in an even number of places), so ``exp(-i beta term)`` is the product of
    eight Pauli rotations. Returns ``[(coefficient, "XXYY"), ...]``. Introduced in chapter 10.
    """
    if len(qubits) != 4:
        raise ValueError(f"a swap term acts on four qubits, got {len(qubits)}")
    # the factor of a on S+ (raising, a and b) is -i per Y, on S- (c and d) +i per Y
    signs = (-1j, -1j, 1j, 1j)
    out = []
    for letters in itertools.product("XY", repeat=4):
        coef = 1 / 16
        for k, letter in enumerate(letters):
            if letter == "Y":
                coef *= signs[k]
        total = 2 * coef.real if isinstance(coef, complex) else 2 * coef  # + h.c.
        if abs(total) > 1e-12:
            out.append((float(total), "".join(letters)))
    return out


def _term_qubits(qubits, n: int, t: int, u: int, v: int) -> tuple:
    """(x_{t,u}, x_{t+1,v}, x_{t,v}, x_{t+1,u}) for 0-based customers u < v."""
    return (
        qubits[t * n + u],
        qubits[(t + 1) * n + v],
        qubits[t * n + v],
        qubits[(t + 1) * n + u],
    )


def mixer_operations(n: int, t: int, beta: float, qubits, form: str = "terms") -> list:
    """The partial swap mixer ``exp(-i beta H_t)`` on positions ``t, t+1`` as Cirq operations.

    ``form="matrix"``: one ``MatrixGate`` of :func:`mixer_matrix` on the ``2n`` qubits (the
    definition; ``n <= 3`` for qsim, which takes at most 6-qubit gates). ``"terms"``: one
    four-qubit ``MatrixGate`` per city pair ``u < v``; ``"pauli"``: each term as eight commuting
    Pauli rotations (``cirq.PauliStringPhasor``, which Cirq decomposes into CNOTs and one-qubit
    gates). The terms do not commute on all bitstrings, but on the tours only the term of the
    pair at ``t, t+1`` acts, so every form gives the same map on the tour subspace.
    Introduced in chapter 10.
    """
    import cirq
    from scipy.linalg import expm

    n = _check_n(n, "n", lo=2, hi=MAX_CUSTOMERS)
    if not 0 <= t < n - 1:
        raise ValueError(f"t must be in 0..{n - 2}, got {t}")
    if not np.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta}")
    qubits = list(qubits)
    if len(qubits) != n * n:
        raise ValueError(f"need {n * n} qubits, got {len(qubits)}")
    if form == "matrix":
        U = expm(-1j * beta * mixer_matrix(n))
        return [cirq.MatrixGate(U, name=f"U{t}").on(*qubits[t * n : (t + 2) * n])]
    if form not in ("terms", "pauli"):
        raise ValueError(f"form must be 'matrix', 'terms' or 'pauli', got {form!r}")
    U4 = expm(-1j * beta * mixer_matrix(2)) if form == "terms" else None
    paulis = swap_term_paulis(range(4))
    ops = []
    for u in range(n):
        for v in range(u + 1, n):
            q = _term_qubits(qubits, n, t, u, v)
            if form == "terms":
                # mixer_matrix(2) is the single term on (x_{t,0}, x_{t,1}, x_{t+1,0}, x_{t+1,1})
                ops.append(cirq.MatrixGate(U4, name=f"swap{t}").on(q[0], q[2], q[3], q[1]))
                continue
            for coef, letters in paulis:
                ps = cirq.PauliString(
                    dict(zip(q, (getattr(cirq, L) for L in letters), strict=True))
                )
                theta = beta * coef  # exp(-i theta P)
                ops.append(
                    cirq.PauliStringPhasor(
                        ps, exponent_neg=theta / np.pi, exponent_pos=-theta / np.pi
                    )
                )
    return ops


def constrained_circuit(
    D: np.ndarray,
    gammas: Sequence[float],
    betas: Sequence[float],
    init: str | Sequence[int] = "uniform",
    order: str = "parity",
    form: str = "terms",
):
    """The Cirq circuit on ``n^2`` qubits (``cirq.LineQubit(k)`` is variable ``k``).

    Start: a tour by ``X`` gates; for ``init="uniform"`` the circuit has no start operations and
    must be run from :func:`embed_state` of the uniform state (what :func:`circuit_state` does; a
    device needs a preparation circuit for it). Cost layer: chapter 9's ``Rz`` and ``ZZ``
    rotations of the QUBO :func:`qbook.vrp.tsp_qubo` with angle ``gamma / sd``
    (:class:`TourSpace`), on tours ``exp(-i gamma scaled)`` up to a global phase. Mixer: the
    partial mixers of :func:`layer_order`, each as :func:`mixer_operations` of ``form``.
    Introduced in chapter 10.
    """
    import cirq

    from qbook.qaoa import cost_layer
    from qbook.qubo import qubo_to_ising
    from qbook.vrp import tsp_qubo

    space = tour_space(D)
    n = space.n
    if n > 5:
        raise ValueError(f"the circuit is built for up to 5 customers (25 qubits), got {n}")
    g, b = _check_angles(gammas, betas)
    qubits = cirq.LineQubit.range(n * n)
    circuit = cirq.Circuit()
    if not (isinstance(init, str) and init == "uniform"):
        tour = int(np.argmax(np.abs(initial_state(space, init))))
        circuit.append(cirq.X(qubits[t * n + int(c) - 1]) for t, c in enumerate(space.tours[tour]))
    h, J, _ = qubo_to_ising(*tsp_qubo(space.D), convention="z")
    for gk, bk in zip(g, b, strict=True):
        circuit.append(cost_layer(h, J, gk / space.sd, qubits))
        if n > 1:
            for t in layer_order(n, order):
                circuit.append(mixer_operations(n, t, float(bk), qubits, form))
    return circuit


def circuit_state(D: np.ndarray, circuit, init: str | Sequence[int] = "uniform") -> np.ndarray:
    """The full ``2^(n^2)`` state of a :func:`constrained_circuit` by qsimcirq (complex64).

    Runs from the embedded uniform state for ``init="uniform"``, from ``|0...0>`` otherwise (the
    circuit then starts with the ``X`` gates of its tour). Pauli rotations are decomposed into
    gates qsim knows first. ``n <= 4`` (16 qubits). Introduced in chapter 10.
    """
    import cirq
    import qsimcirq

    space = tour_space(D)
    if space.n > 4:
        raise ValueError(f"the full state is simulated for up to 4 customers, got {space.n}")
    if not isinstance(circuit, cirq.Circuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    if any(isinstance(op.gate, cirq.PauliStringPhasorGate) for op in circuit.all_operations()):
        circuit = cirq.Circuit(cirq.decompose(circuit))
    start = 0
    if isinstance(init, str) and init == "uniform":
        start = embed_state(space, initial_state(space, "uniform")).astype(np.complex64)
    sim = qsimcirq.QSimSimulator()
    qubits = cirq.LineQubit.range(space.n**2)
    return sim.simulate(circuit, qubit_order=qubits, initial_state=start).final_state_vector


def embed_state(space: TourSpace, psi: np.ndarray) -> np.ndarray:
    """The full ``2^(n^2)`` state vector with the tour amplitudes ``psi`` (zero elsewhere).

    Big-endian basis index as :func:`qbook.qaoa.tour_index`; ``n <= 4``. Introduced in chapter 10.
    """
    space = _check_space(space)
    n = space.n
    if n > 4:
        raise ValueError(f"the full state is built for up to 4 customers, got {n}")
    psi = np.asarray(psi)
    if psi.shape != (space.size,):
        raise ValueError(f"psi must have {space.size} amplitudes, got shape {psi.shape}")
    full = np.zeros(2 ** (n * n), dtype=complex)
    full[_full_indices(space)] = psi
    return full


def _full_indices(space: TourSpace) -> np.ndarray:
    n = space.n
    var = np.arange(n)[None, :] * n + (space.tours.astype(np.int64) - 1)
    return (np.int64(1) << (n * n - 1 - var)).sum(1)

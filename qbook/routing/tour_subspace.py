"""The tour subspace of the one-hot TSP encoding: exact simulation of the constrained QAOA.

Introduced in chapter 10, "Constrained QAOA" ({cite}`hadfield2019`); :mod:`qbook.routing.qaoa_constrained`
optimises the angles with it and :mod:`qbook.routing.constrained_circuit` checks it against the full
circuit.

On the tour subspace the partial swap mixer ``H_t`` is a permutation ``S_t`` with ``S_t^2 = 1``,
so ``exp(-i beta S_t) = cos(beta) - i sin(beta) S_t``; every layer maps the span of the ``n!``
tours into itself and the state is fully described by ``n!`` amplitudes.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk

__all__ = [
    "TourSpace",
    "check_angles",
    "check_n",
    "check_space",
    "cost_and_grad",
    "initial_state",
    "layer_order",
    "memory_bytes",
    "subspace_state",
    "swap_table",
    "tour_space",
    "tour_table",
]

MAX_CUSTOMERS = 10  # 10! = 3,628,800 amplitudes (58 MB); 11! would need 0.6 GB per vector
ORDERS = ("sequential", "parity")


def check_n(n: int, name: str, lo: int = 1, hi: int = MAX_CUSTOMERS) -> int:
    """A customer count between ``lo`` and ``hi`` as a Python int (TypeError/ValueError
    otherwise). Introduced in chapter 10, Constrained QAOA."""
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
    n = check_n(n, "n")
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
    m = check_n(m, "m", lo=2, hi=MAX_CUSTOMERS)
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
        """Row of ``tour`` (1-based customers) in ``tours`` (its lexicographic rank)."""
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
    from qbook.routing.classical import check_distance_matrix

    D = check_distance_matrix(D, symmetric=False).astype(float)
    n = check_n(D.shape[0] - 1, "the number of customers (size of D minus one)")
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
    n = check_n(n, "n")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    ts = list(range(n - 1))
    return ts if order == "sequential" else ts[0::2] + ts[1::2]


def initial_state(space: TourSpace, init: str | Sequence[int] = "uniform") -> np.ndarray:
    """The start state over the ``n!`` tours (complex128).

    ``"uniform"``: every tour with amplitude ``1/sqrt(n!)``; ``"nearest"``: the nearest-neighbour
    tour (:func:`qbook.routing.classical.nearest_neighbour_tour`); or a tour given as 1-based customers.
    Introduced in chapter 10.
    """
    from qbook.routing.classical import nearest_neighbour_tour

    space = check_space(space)
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


def check_angles(
    gammas: np.ndarray | Sequence, betas: np.ndarray | Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Equally many finite real gammas and betas (at least one), as float arrays. Chapter 10."""
    g = np.atleast_1d(chk.finite_array(gammas, "gammas"))  # complex, NaN and inf refused
    b = np.atleast_1d(chk.finite_array(betas, "betas"))
    if g.ndim != 1 or g.shape != b.shape or g.size < 1:
        raise ValueError(f"need as many gammas as betas (at least one), got {g.shape}, {b.shape}")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(b))):
        raise ValueError("angles must be finite")
    return g, b


def check_space(space: TourSpace) -> TourSpace:
    """``space`` itself when it is a :class:`TourSpace` (TypeError otherwise). Chapter 10."""
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
    space = check_space(space)
    g, b = check_angles(gammas, betas)
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
    space = check_space(space)
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1 or theta.size < 2 or theta.size % 2:
        raise ValueError(f"theta must hold p gammas then p betas, got shape {theta.shape}")
    p = theta.size // 2
    g, b = check_angles(theta[:p], theta[p:])
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


def memory_bytes(n_customers: int, precision: str = "single") -> int:
    """Peak bytes of :func:`~qbook.routing.qaoa_constrained.constrained_tsp` at ``n`` customers: everything scales with ``n!``.

    Per tour: up to eight complex vectors at once (state, adjoint, two gather buffers, the phase
    vector and temporaries: 8 bytes each in single precision, 16 in double), the standardised
    cost (4 or 8), the cost, its level index and the sampling distribution (8 each), and the tour
    table (``n`` int8); plus 256 KiB for everything that does not grow with ``n!`` (the
    optimiser's small arrays, the swap tables of at most ``n(n-1)`` integers each). The depth
    ``p`` does not enter: the backward pass undoes the layers instead of storing them.
    ``benchmarks/bench_constrained.py`` checks the measured peak (tracemalloc) against this.
    Introduced in chapter 10.
    """
    n = check_n(n_customers, "n_customers")
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    c, r = (8, 4) if precision == "single" else (16, 8)
    return int(math.factorial(n) * (8 * c + r + 24 + n) + 256 * 1024)

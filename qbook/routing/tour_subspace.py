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

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk

__all__ = [
    "MAX_CUSTOMERS",
    "TRANSFER_MIN_CUSTOMERS",
    "TourSpace",
    "bytes_text",
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

MAX_CUSTOMERS = 11  # 11! = 39,916,800 amplitudes: 320 MB per complex64 state
#: The largest size whose costs are computed from a full table in one go; larger sizes are
#: built in blocks of this many trailing positions (no n! x n table is ever held).
BLOCK_CUSTOMERS = 9
#: Amplitudes per chunk when the cost-layer phases are applied (bounds the temporaries).
PHASE_CHUNK = 1 << 18
ORDERS = ("sequential", "parity")
#: From this many customers the constrained QAOA runs transferred angles instead of optimising
#: (:func:`qbook.routing.qaoa_constrained.constrained_tsp`): one forward pass, no adjoint.
TRANSFER_MIN_CUSTOMERS = 10


def check_n(n: int, name: str, lo: int = 1, hi: int = MAX_CUSTOMERS) -> int:
    """A customer count between ``lo`` and ``hi`` as a Python int, through the shared
    :func:`qbook.common.checks.integer` (NumPy integers and whole floats accepted; bools,
    fractions and complex refused). Introduced in chapter 10."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    return chk.integer(n, name, lo=chk.integer(lo, "lo"), hi=chk.integer(hi, "hi"))


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


def _tour_costs(D: np.ndarray, n: int) -> np.ndarray:
    """The costs of all ``n!`` tours in lexicographic order, built in blocks: every prefix of
    ``n - BLOCK_CUSTOMERS`` customers (in lexicographic order) followed by the permutations
    of the rest, so no table of all tours is held (439 MB of int8 at 11 customers)."""
    m = min(n, BLOCK_CUSTOMERS)
    base = tour_table(m)  # suffix permutations of m symbols, reused by every block
    costs = np.empty(math.factorial(n))
    size = len(base)
    for b, prefix in enumerate(itertools.permutations(range(1, n + 1), n - m)):
        rest = np.array(sorted(set(range(1, n + 1)) - set(prefix)), dtype=np.intp)
        nodes = [0, *prefix]
        head = sum(D[nodes[k], nodes[k + 1]] for k in range(len(nodes) - 1))
        R = D[np.ix_(rest, rest)]
        block = costs[b * size : (b + 1) * size]
        block[:] = head + D[nodes[-1], rest[base[:, 0]]] + D[rest[base[:, -1]], 0]
        for t in range(m - 1):
            block += R[base[:, t], base[:, t + 1]]
    return costs


@dataclass
class TourSpace:
    """A TSP's tour subspace: tours in lexicographic order, their costs and the swap tables.

    ``costs`` holds the tour costs (row ``r`` is tour ``r``), ``scaled`` the standardised costs
    ``(c - mean) / sd`` the cost layer uses, ``swaps[t]`` the permutation of :func:`swap_table`
    for positions ``t, t+1`` with its reshape ``shapes[t]``. The tours themselves are not
    stored: :meth:`tour` unranks any row, :attr:`tours` builds the whole table on request.
    """

    D: np.ndarray = field(repr=False)
    n: int
    costs: np.ndarray = field(repr=False)
    scaled: np.ndarray = field(repr=False)
    mean: float
    sd: float
    opt_cost: float
    max_cost: float
    swaps: list = field(repr=False)
    shapes: list = field(repr=False)
    dtype: type = np.complex128

    @property
    def size(self) -> int:
        """Number of tours, ``n!``."""
        return int(self.costs.size)

    @property
    def tours(self) -> np.ndarray:
        """All tours, ``(n!, n)`` int8 with 1-based customers (built on each access: 439 MB at
        11 customers; use :meth:`tour` for single rows)."""
        table = tour_table(self.n)
        table += 1
        return table

    def check_state(self, psi: np.ndarray, name: str = "psi") -> np.ndarray:
        """``psi`` when it is a 1-D numpy array of ``n!`` finite complex amplitudes of this
        space's precision (TypeError/ValueError otherwise; nothing is copied)."""
        if not isinstance(psi, np.ndarray) or psi.dtype != self.dtype:
            got = psi.dtype if isinstance(psi, np.ndarray) else type(psi).__name__
            raise TypeError(
                f"{name} must be a numpy array of dtype {np.dtype(self.dtype)}, got {got}"
            )
        if psi.shape != (self.size,):
            raise ValueError(f"{name} must hold {self.size} amplitudes, got shape {psi.shape}")
        return psi

    def swap(self, psi: np.ndarray, t: int, out: np.ndarray | None = None) -> np.ndarray:
        """``S_t psi``: the amplitudes with the customers at positions ``t, t+1`` exchanged."""
        t = chk.integer(t, "t", lo=0, hi=self.n - 2)
        psi = self.check_state(psi)
        if out is None:
            out = np.empty_like(psi)
        out = self.check_state(out, "out")
        v = psi.reshape(self.shapes[t])
        # mode="clip" (the indices are valid anyway) lets numpy write into ``out`` unbuffered
        np.take(v, self.swaps[t], axis=1, out=out.reshape(v.shape), mode="clip")
        return out

    def phases(self, gamma: float) -> np.ndarray:
        """``exp(-i gamma scaled)`` per tour (a new vector; see :meth:`apply_phases`)."""
        return np.exp((-1j * chk.real(gamma, "gamma")) * self.scaled)

    def apply_phases(self, psi: np.ndarray, gamma: float) -> np.ndarray:
        """Multiply ``psi`` in place by ``exp(-i gamma scaled)``, ``PHASE_CHUNK`` tours at a time
        (no full-length phase vector; cos and sin of real arrays, several times faster than a
        complex exponential). Returns ``psi``."""
        g = chk.real(gamma, "gamma")
        psi = self.check_state(psi)
        real = self.scaled.dtype
        ph = np.empty(min(PHASE_CHUNK, self.size), dtype=self.dtype)
        x = np.empty(ph.size, dtype=real)
        for s in range(0, self.size, PHASE_CHUNK):
            k = min(PHASE_CHUNK, self.size - s)
            np.multiply(self.scaled[s : s + k], real.type(-g), out=x[:k])
            np.cos(x[:k], out=ph.real[:k])
            np.sin(x[:k], out=ph.imag[:k])
            psi[s : s + k] *= ph[:k]
        return psi

    def tour(self, r: int) -> list[int]:
        """Tour number ``r`` (its lexicographic rank) as 1-based customers: the inverse of
        :meth:`rank`."""
        r = chk.integer(r, "r", lo=0, hi=self.size - 1)
        left, out = list(range(1, self.n + 1)), []
        for k in range(self.n):
            i, r = divmod(r, math.factorial(self.n - 1 - k))
            out.append(left.pop(i))
        return out

    def rank(self, tour: Sequence[int]) -> int:
        """Row of ``tour`` (1-based customers, each once) in lexicographic order."""
        tour = chk.permutation(tour, "tour", self.n)
        left, r = list(range(1, self.n + 1)), 0
        for k, c in enumerate(tour):
            i = left.index(c)
            r += i * math.factorial(self.n - 1 - k)
            left.pop(i)
        return r


def tour_space(D: np.ndarray, precision: str = "double") -> TourSpace:
    """Enumerate the tours of a TSP (depot 0, ``1 <= n <= 11`` customers) and their costs.

    ``precision="double"`` simulates in complex128, ``"single"`` in complex64 (half the memory
    traffic, about twice as fast at 9 customers; amplitudes good to about 1e-6). Holds 8 bytes
    of cost and 4 (single) or 8 (double) of standardised cost per tour, nothing else that grows
    with ``n!``. Introduced in chapter 10, Constrained QAOA.
    """
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    real = np.float64 if precision == "double" else np.float32
    from qbook.routing.classical import check_distance_matrix

    D = check_distance_matrix(D, symmetric=False).astype(float)
    n = check_n(D.shape[0] - 1, "the number of customers (size of D minus one)")
    costs = _tour_costs(D, n)
    mean = float(np.mean(costs))
    sq = sum(
        float(np.sum(np.square(costs[s : s + PHASE_CHUNK] - mean)))
        for s in range(0, costs.size, PHASE_CHUNK)
    )
    sd = math.sqrt(sq / costs.size)
    scale = sd if sd > 1e-12 * max(1.0, abs(mean)) else 1.0
    scaled = np.empty(costs.size, dtype=real)
    for s in range(0, costs.size, PHASE_CHUNK):  # chunked: no float64 temporary of n! entries
        scaled[s : s + PHASE_CHUNK] = (costs[s : s + PHASE_CHUNK] - mean) / scale
    fact = math.factorial
    swaps, shapes = [], []
    for t in range(n - 1):
        m = n - t
        swaps.append(swap_table(m))
        shapes.append((fact(n) // fact(m), m * (m - 1), fact(m - 2)))
    return TourSpace(
        D=D,
        n=n,
        costs=costs,
        scaled=scaled,
        mean=mean,
        sd=scale,
        opt_cost=float(costs.min()),
        max_cost=float(costs.max()),
        swaps=swaps,
        shapes=shapes,
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
    """The start state over the ``n!`` tours (in the space's precision).

    ``"uniform"``: every tour with amplitude ``1/sqrt(n!)``; ``"nearest"``: the nearest-neighbour
    tour (:func:`qbook.routing.classical.nearest_neighbour_tour`); or a tour given as 1-based
    customers, each exactly once (whole numbers only: no bools, no 2.5). Introduced in chapter 10.
    """
    from qbook.routing.classical import nearest_neighbour_tour

    space = check_space(space)
    if isinstance(init, str):
        if init not in ("uniform", "nearest"):
            raise ValueError(f"init must be 'uniform', 'nearest' or a tour, got {init!r}")
        if init == "uniform":
            return np.full(space.size, 1 / math.sqrt(space.size), dtype=space.dtype)
        init = nearest_neighbour_tour(space.D)
    r = space.rank(init)
    psi = np.zeros(space.size, dtype=space.dtype)
    psi[r] = 1.0
    return psi


def check_angles(
    gammas: np.ndarray | Sequence, betas: np.ndarray | Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Equally many finite real gammas and betas (at least one), as float arrays; complex,
    NaN, inf and bools (as numbers) refused before any cast. Chapter 10."""
    for name, x in (("gammas", gammas), ("betas", betas)):
        a = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
        if a.dtype.kind == "b" or any(isinstance(v, (bool, np.bool_)) for v in a.ravel()):
            raise TypeError(f"{name} must be real numbers, got a bool")
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
    for each ``t`` of :func:`layer_order`. ``init`` is as in :func:`initial_state` or a
    normalised state vector of ``n!`` amplitudes (copied, never changed). Holds two complex
    vectors (the state and one gather buffer). Introduced in chapter 10.
    """
    space = check_space(space)
    g, b = check_angles(gammas, betas)
    ts = layer_order(space.n, order)
    psi = _start(space, init)
    buf = np.empty_like(psi)
    for gk, bk in zip(g, b, strict=True):
        space.apply_phases(psi, gk)
        c, s = math.cos(bk), -1j * math.sin(bk)
        for t in ts:
            space.swap(psi, t, out=buf)
            psi *= c
            buf *= s
            psi += buf
    return psi


def _start(space: TourSpace, init) -> np.ndarray:
    """A fresh start state: from :func:`initial_state`, or a copy of a given state vector that
    is finite and normalised (a zero or unnormalised vector is refused, not rescaled)."""
    if not isinstance(init, np.ndarray) or init.dtype.kind not in "fc" or init.ndim != 1:
        return initial_state(space, init)
    if init.size != space.size:
        raise ValueError(f"init state must hold {space.size} amplitudes, got {init.size}")
    psi = init.astype(space.dtype)  # a copy: the layers work in place
    norm2 = sum(
        float(np.sum(np.abs(psi[s : s + PHASE_CHUNK]).astype(float) ** 2))
        for s in range(0, psi.size, PHASE_CHUNK)
    )
    if not math.isfinite(norm2):
        raise ValueError("init state has NaN or infinite amplitudes")
    if abs(norm2 - 1) > 1e-4:  # single-precision round-off is about 1e-6
        raise ValueError(f"init state must be normalised, got squared norm {norm2:.6g}")
    return psi


def cost_and_grad(
    space: TourSpace,
    theta: np.ndarray,
    init: str | Sequence[int] | np.ndarray = "uniform",
    order: str = "parity",
) -> tuple[float, np.ndarray]:
    """Expected standardised cost ``<psi| C |psi>`` and its gradient by the adjoint method.

    ``theta = (gamma_1..gamma_p, beta_1..beta_p)``, real and finite (complex refused before any
    cast). One forward pass, then one backward pass that undoes each layer on the state and on
    ``lambda = C psi``: for the cost layer ``d/d gamma = 2 Im <lambda| C psi>``, for a partial
    mixer ``d/d beta = 2 Im <lambda| S_t psi>`` (``d/d beta e^{-i beta S} = -i S e^{-i beta S}``).
    Costs about three gathers per partial mixer. Introduced in chapter 10.
    """
    space = check_space(space)
    theta = chk.finite_array(theta, "theta", ndim=1)
    if theta.size < 2 or theta.size % 2:
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
        space.apply_phases(psi, -g[k])  # undo the cost layer: the conjugate phases
        space.apply_phases(lam, -g[k])
    return energy, grad


def _inner(a: np.ndarray, b: np.ndarray) -> complex:
    """``<a|b>`` without BLAS and without a conjugated copy of ``a``: chunks of ``PHASE_CHUNK``
    (on a busy 2-core machine a threaded ``np.vdot`` waits for its second thread: measured
    2.7-8 ms against 0.15-0.6 ms for this einsum at 40,320-362,880 entries)."""
    return complex(
        sum(
            np.einsum("i,i->", a[s : s + PHASE_CHUNK].conj(), b[s : s + PHASE_CHUNK])
            for s in range(0, a.size, PHASE_CHUNK)
        )
    )


#: Bytes per tour at the peak of :func:`qbook.routing.qaoa_constrained.constrained_tsp`, single
#: precision, and how many complex vectors they include (double precision: 8 more bytes per
#: complex vector and 4 more for the standardised cost).
#: Optimised: the cost (8), the standardised cost (4), five complex vectors in the adjoint pass
#: (start, state, adjoint, two gather buffers: 40) and the optimal-tour mask (1).
#: Fixed angles: the cost and the standardised cost (12) and two complex vectors (the state and
#: one gather buffer, later the distribution and its cumulative sum: 16).
PER_TOUR = {True: (53, 5), False: (28, 2)}
PER_SHOT = 32  # the uniform draws, their scaled copy, the indices (8 each) and their costs
FIXED_BYTES = 4 * 2**20  # chunk buffers (PHASE_CHUNK amplitudes), swap tables, small arrays


def memory_bytes(
    n_customers: int, precision: str = "single", optimise: bool | None = None, shots: int = 0
) -> int:
    """Peak bytes of :func:`qbook.routing.qaoa_constrained.constrained_tsp` at ``n`` customers.

    ``n! * PER_TOUR + shots * PER_SHOT + FIXED_BYTES``: with ``optimise`` the adjoint pass of
    the angle search, without it (transferred angles, the default from 10 customers, which
    ``optimise=None`` follows) one forward pass. No table of all tours is held and the depth
    ``p`` does not enter (the backward pass undoes the layers instead of storing them).
    ``benchmarks/bench_constrained.py`` checks the measured peak (tracemalloc) against this
    bound. Introduced in chapter 10.
    """
    n = check_n(n_customers, "n_customers")
    if precision not in ("double", "single"):
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    optimise = n < TRANSFER_MIN_CUSTOMERS if optimise is None else chk.boolean(optimise, "optimise")
    shots = chk.count(shots, "shots", hi=10**7)
    per, vectors = PER_TOUR[optimise]
    if precision == "double":
        per += 8 * vectors + 4
    return int(math.factorial(n) * per + PER_SHOT * shots + FIXED_BYTES)


def bytes_text(n_bytes: int) -> str:
    """A byte count in the largest binary unit that keeps it at least 1: ``"256 MiB"``,
    ``"1.1 GiB"``, ``"512 B"`` (three significant figures). Chapter 10's memory table."""
    n_bytes = chk.count(n_bytes, "n_bytes", hi=2**200)
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
    k = 0
    while k + 1 < len(units) and n_bytes >= 1024 ** (k + 1):
        k += 1
    if k == len(units) - 1 and n_bytes >= 1024**k * 1000:
        return f"2^{n_bytes.bit_length() - 1} B"
    v = n_bytes / 1024**k
    return f"{v:.0f} {units[k]}" if k == 0 or v >= 100 else f"{v:.3g} {units[k]}"

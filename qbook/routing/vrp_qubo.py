"""TSP and CVRP as QUBOs: the seminar's Hamiltonians (eqs. 6-14) with their decoders.

Introduced in chapter 8, "Vehicle routing as Hamiltonians" ({cite}`haezer2023`; the TSP QUBO
with the depot fixed after {cite}`lucas2014`). Node 0 is the depot, as in :mod:`qbook.routing.instances`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qbook.common import checks as chk
from qbook.routing.classical import (
    check_distance_matrix,
    check_tour,
    held_karp,
    nearest_neighbour_tour,
    tour_cost,
)
from qbook.routing.instances import check_cvrp

__all__ = [
    "tsp_qubo",
    "tsp_default_penalty",
    "decode_tour",
    "encode_tour",
    "likely_tour",
    "tsp_valid",
    "slack_bits",
    "count_variables",
    "max_route_length",
    "CVRPQubo",
    "cvrp_default_penalty",
    "cvrp_qubo",
    "cvrp_brute_force",
]


# ---------------------------------------------------------------------------------------------
# TSP as a QUBO with the depot fixed (seminar eq. 14, Lucas 2014)
# ---------------------------------------------------------------------------------------------


def tsp_default_penalty(D: np.ndarray) -> float:
    """A penalty ``A`` that makes every minimiser of :func:`tsp_qubo` a valid optimal tour.

    Argument: for a 0/1 matrix ``x[t, i]`` (rows: positions, columns: customers) the penalty
    ``P(x) = sum_i (1 - r_i)^2 + sum_t (1 - c_t)^2`` (row and column sums ``r``, ``c``) is an
    integer, 0 exactly for permutation matrices, and at least 2 otherwise: the sums of the
    ``r_i`` and of the ``c_t`` are both the number of ones, so their deviations from 1 each sum
    to the same number ``k - n``; if that is non-zero both sets deviate, and if it is zero a
    single deviation must be balanced by another of the opposite sign. With ``D >= 0`` the
    distance part is ``>= 0``, so an invalid ``x`` has energy ``>= 2A``. A valid tour has
    energy equal to its cost, and the optimum is at most ``C_ub``, the cost of the
    nearest-neighbour tour. Hence any ``A > C_ub / 2`` works; we take
    ``A = (C_ub + max D) / 2``, which exceeds ``C_ub / 2`` by half the largest distance.
    Introduced in chapter 8.
    """
    D = check_distance_matrix(D)
    c_ub = tour_cost(D, nearest_neighbour_tour(D))
    return float((c_ub + D.max()) / 2) if D.max() > 0 else 1.0


def tsp_qubo(D: np.ndarray, penalty: float | None = None) -> tuple[np.ndarray, float]:
    """The TSP through the depot as a QUBO with ``(N-1)^2`` variables; returns ``(Q, offset)``.

    Variable ``t*(N-1) + (i-1)`` is 1 when customer ``i`` is visited at position ``t``
    (``t = 0..N-2``). ``H = A sum_i (1 - sum_t x_{t,i})^2 + A sum_t (1 - sum_i x_{t,i})^2 +
    sum_i D_{0i} x_{0,i} + sum_t sum_{i != j} D_ij x_{t,i} x_{t+1,j} + sum_i D_{i0} x_{N-2,i}``
    (the seminar's H_tsp, eq. 14, with the depot fixed as in Lucas 2014). The constant
    ``2(N-1)A`` of the penalties goes into ``offset``, so the energy of a valid tour equals its
    cost. ``Q`` is upper triangular. The default ``penalty`` is
    :func:`tsp_default_penalty` (its docstring proves every minimiser is an optimal tour).
    Introduced in chapter 8.
    """
    D = check_distance_matrix(D)
    A = tsp_default_penalty(D) if penalty is None else chk.positive(penalty, "penalty")
    n = D.shape[0] - 1
    N = n * n

    def v(t: int, i: int) -> int:  # i is the customer number 1..n
        return t * n + (i - 1)

    Q = np.zeros((N, N))

    def add(a: int, b: int, w: float) -> None:
        if a == b:
            Q[a, a] += w
        else:
            Q[min(a, b), max(a, b)] += w

    # A (1 - sum_k y_k)^2 = A (1 - sum_k y_k + 2 sum_{k<l} y_k y_l), using y^2 = y
    groups = [[v(t, i) for t in range(n)] for i in range(1, n + 1)]  # each customer once
    groups += [[v(t, i) for i in range(1, n + 1)] for t in range(n)]  # each position once
    for g in groups:
        for k, a in enumerate(g):
            add(a, a, -A)
            for b in g[k + 1 :]:
                add(a, b, 2 * A)
    offset = 2 * n * A
    for i in range(1, n + 1):
        add(v(0, i), v(0, i), D[0, i])
        add(v(n - 1, i), v(n - 1, i), D[i, 0])
    for t in range(n - 1):
        for i in range(1, n + 1):
            for j in range(1, n + 1):
                if i != j:
                    add(v(t, i), v(t + 1, j), D[i, j])
    return Q, float(offset)


def decode_tour(x: np.ndarray | Sequence[int], n_nodes: int) -> list[int] | None:
    """Customers in visiting order from a TSP bitstring, or None if ``x`` is not a permutation.

    ``x`` has ``(n_nodes - 1)^2`` bits in :func:`tsp_qubo`'s order; a wrong length raises
    ValueError. Introduced in chapter 8.
    """
    n_nodes = chk.count(n_nodes, "n_nodes", lo=2, hi=10**4)
    n = n_nodes - 1
    x = chk._as_numeric(x, "x").ravel()
    if x.size != n * n:
        raise ValueError(f"bitstring has length {x.size}, expected (n_nodes-1)^2 = {n * n}")
    x = chk.bits(x, "x")
    M = x.reshape(n, n)
    if not (np.all(M.sum(0) == 1) and np.all(M.sum(1) == 1)):
        return None
    return [int(np.argmax(row)) + 1 for row in M]


def tsp_valid(X: np.ndarray, n_nodes: int) -> np.ndarray:
    """Which rows of a batch of :func:`tsp_qubo` bitstrings are permutation matrices (chapter 8)."""
    n_nodes = chk.count(n_nodes, "n_nodes", lo=2, hi=10**4)
    n = n_nodes - 1
    X = chk.bits(np.atleast_2d(chk._as_numeric(X, "X")), "X", ndim=2)
    if X.shape[1] != n * n:
        raise ValueError(f"bitstrings have length {X.shape[1]}, expected {n * n}")
    M = X.reshape(-1, n, n)
    return np.all(M.sum(1) == 1, axis=1) & np.all(M.sum(2) == 1, axis=1)


def encode_tour(tour: Sequence[int], n_nodes: int) -> np.ndarray:
    """The :func:`tsp_qubo` bitstring of a tour (inverse of :func:`decode_tour`). Chapter 8."""
    n_nodes = chk.count(n_nodes, "n_nodes", lo=2, hi=10**4)
    n = n_nodes - 1
    tour = check_tour(tour, n_nodes)
    if sorted(tour) != list(range(1, n + 1)):
        raise ValueError(f"tour {tour} must visit each of the {n} customers once")
    x = np.zeros((n, n), dtype=np.int8)
    for t, i in enumerate(tour):
        x[t, i - 1] = 1
    return x.ravel()


def likely_tour(p1: np.ndarray | Sequence[float], n_nodes: int) -> np.ndarray:
    """The most likely *valid tour* under a product distribution over :func:`tsp_qubo` bits.

    A permutation matrix ``x`` has probability ``prod_i (1 - p_i) * prod_{x_i = 1} p_i/(1 - p_i)``,
    so the most likely one maximises the sum of the log-odds of its ones: a linear assignment
    of positions to customers (``scipy.optimize.linear_sum_assignment``). It reads only the
    distribution, never the distances. Returns its bitstring. Introduced in chapter 11 (a
    decoder for the minimal encoding's product distribution).
    """
    from scipy.optimize import linear_sum_assignment

    n = chk.count(n_nodes, "n_nodes", lo=2) - 1
    p = chk.finite_array(p1, "p1").ravel()
    if p.size != n * n:
        raise ValueError(f"p1 has {p.size} entries, expected (n_nodes-1)^2 = {n * n}")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p1 must hold probabilities in [0, 1]")
    q = np.clip(p, 1e-12, 1 - 1e-12).reshape(n, n)
    rows, cols = linear_sum_assignment(-(np.log(q) - np.log1p(-q)))
    x = np.zeros((n, n), dtype=np.int8)
    x[rows, cols] = 1
    return x.ravel()


# ---------------------------------------------------------------------------------------------
# The full CVRP as a QUBO (seminar eqs. 6-11)
# ---------------------------------------------------------------------------------------------


def slack_bits(capacity: int) -> int:
    """Bits ``B`` of the slack ``Delta = sum_b 2^b a_b`` so that ``Delta`` reaches ``capacity``.

    Introduced in chapter 8 (eq. 9).
    """
    capacity = chk.count(capacity, "capacity", lo=1)
    return capacity.bit_length()


def count_variables(
    n_customers: int, n_routes: int, n_steps: int | None = None, capacity_bits: int = 0
) -> dict[str, int]:
    """Binary variables (= qubits in the one-qubit-per-variable encoding) of :func:`cvrp_qubo`.

    ``x^r_{t,i}``: ``R * T * (n + 1)`` (node 0, the depot, lets a vehicle idle or end early);
    slack ``a^r_b``: ``R * B``. ``n_steps`` defaults to ``n_customers``. Also returns the TSP
    count ``(N-1)^2 = n^2`` of eq. 14 for comparison. Introduced in chapter 8.
    """
    n_customers = chk.count(n_customers, "n_customers", lo=1)
    n_routes = chk.count(n_routes, "n_routes", lo=1)
    T = n_customers if n_steps is None else chk.count(n_steps, "n_steps", lo=1)
    capacity_bits = chk.count(capacity_bits, "capacity_bits")
    x = n_routes * T * (n_customers + 1)
    s = n_routes * int(capacity_bits)
    return {"route_vars": x, "slack_vars": s, "total": x + s, "tsp_vars": n_customers**2}


def max_route_length(demands: np.ndarray, capacity: int) -> int:
    """Most customers one vehicle can carry (smallest demands first). Chapter 8."""
    demands = chk.int_array(demands, "demands", ndim=1, lo=0, min_size=1)
    capacity = chk.count(capacity, "capacity", lo=1)
    d = np.sort(demands[1:])
    return int(np.searchsorted(np.cumsum(d), capacity, side="right"))


@dataclass
class CVRPQubo:
    """The CVRP QUBO of :func:`cvrp_qubo` with its variable map and decoder (chapter 8)."""

    Q: np.ndarray
    offset: float
    n_nodes: int
    n_vehicles: int
    n_steps: int
    n_slack_bits: int
    penalties: tuple[float, float, float]
    terms: dict[str, tuple[np.ndarray, float]]  # unweighted H_c, H_once, H_step, H_cap
    demands: np.ndarray
    capacity: int

    @property
    def n_vars(self) -> int:
        return int(self.Q.shape[0])

    def index(self, r: int, t: int, i: int) -> int:
        """Variable of ``x^r_{t,i}``: vehicle ``r`` is at node ``i`` (0 = depot) at step ``t``."""
        if not (0 <= r < self.n_vehicles and 0 <= t < self.n_steps and 0 <= i < self.n_nodes):
            raise ValueError(f"no variable x^{r}_({t},{i})")
        return (r * self.n_steps + t) * self.n_nodes + i

    def slack_index(self, r: int, b: int) -> int:
        """Variable of slack bit ``a^r_b`` (weight ``2^b``)."""
        if not (0 <= r < self.n_vehicles and 0 <= b < self.n_slack_bits):
            raise ValueError(f"no slack bit a^{r}_{b}")
        return self.n_vehicles * self.n_steps * self.n_nodes + r * self.n_slack_bits + b

    def label(self, k: int) -> str:
        """Human-readable name of variable ``k``."""
        nx = self.n_vehicles * self.n_steps * self.n_nodes
        if k < nx:
            r, rest = divmod(k, self.n_steps * self.n_nodes)
            t, i = divmod(rest, self.n_nodes)
            return f"x^{r}_{t},{i}"
        r, b = divmod(k - nx, self.n_slack_bits)
        return f"a^{r}_{b}"

    def _check(self, x) -> np.ndarray:
        x = np.asarray(x).ravel()
        if x.size != self.n_vars:
            raise ValueError(f"bitstring has length {x.size}, expected {self.n_vars}")
        if not np.all((x == 0) | (x == 1)):
            raise ValueError("bitstring must be binary (0/1)")
        return x.astype(np.int64)

    def violations(self, x) -> dict[str, float]:
        """The unweighted penalty terms ``H_once``, ``H_step``, ``H_cap`` at ``x``."""
        from qbook.routing.qubo import qubo_energy

        x = self._check(x)
        return {
            k: qubo_energy(*self.terms[k][:1], x, self.terms[k][1]) for k in ("once", "step", "cap")
        }

    def evaluate(self, X) -> tuple[np.ndarray, np.ndarray]:
        """For a batch of bitstrings (rows): which are feasible, and their travel cost ``H_c``."""
        from qbook.routing.qubo import qubo_energy

        X = np.atleast_2d(np.asarray(X))
        if X.shape[1] != self.n_vars:
            raise ValueError(f"bitstrings have length {X.shape[1]}, expected {self.n_vars}")
        viol = sum(
            np.abs(qubo_energy(Q, X, off)) for k, (Q, off) in self.terms.items() if k != "cost"
        )
        return viol < 1e-9, qubo_energy(self.terms["cost"][0], X, self.terms["cost"][1])

    def is_feasible(self, x) -> bool:
        """True when every constraint holds (all penalty terms are zero)."""
        return all(abs(v) < 1e-9 for v in self.violations(x).values())

    def decode(self, x) -> list[list[int]] | None:
        """The routes of a feasible bitstring (a vehicle's visits split at depot stops), or None.

        Empty routes are dropped. A vehicle that returns to the depot mid-way makes two trips;
        its load counts both, so the decoded routes also respect the capacity.
        """
        x = self._check(x)
        if not self.is_feasible(x):
            return None
        X = x[: self.n_vehicles * self.n_steps * self.n_nodes].reshape(
            self.n_vehicles, self.n_steps, self.n_nodes
        )
        routes = []
        for r in range(self.n_vehicles):
            trip: list[int] = []
            for t in range(self.n_steps):
                node = int(np.argmax(X[r, t]))
                if node == 0:
                    if trip:
                        routes.append(trip)
                    trip = []
                else:
                    trip.append(node)
            if trip:
                routes.append(trip)
        return routes


def cvrp_default_penalty(D: np.ndarray, n_vehicles: int, n_steps: int) -> float:
    """A penalty for all three constraints of :func:`cvrp_qubo` that is always sufficient.

    Every constraint term is a square of an integer expression (integer demands), so a bitstring
    that breaks any constraint pays at least ``p`` on top of a non-negative travel cost. A
    feasible bitstring costs at most ``R (T + 1) max D`` (each vehicle drives ``T + 1`` legs), so
    ``p = R (T + 1) max D + 1`` puts every infeasible bitstring above every feasible one.
    It is deliberately crude; chapter 8 measures how much smaller a working penalty can be and
    what a too large one costs. Introduced in chapter 8.
    """
    D = check_distance_matrix(D)
    n_vehicles = chk.count(n_vehicles, "n_vehicles", lo=1)
    n_steps = chk.count(n_steps, "n_steps", lo=1)
    return float(n_vehicles * (n_steps + 1) * D.max() + 1)


def cvrp_qubo(
    D: np.ndarray,
    demands: np.ndarray | Sequence[int],
    capacity: int,
    n_vehicles: int,
    n_steps: int | None = None,
    penalties: float | tuple[float, float, float] | None = None,
) -> CVRPQubo:
    """The full CVRP Hamiltonian ``H_p = H_c + p1 H_once + p2 H_step + p3 H_cap`` as a QUBO.

    Variables ``x^r_{t,i}`` (vehicle ``r``, step ``t = 0..T-1``, node ``i = 0..n``, node 0 the
    depot: a vehicle "at the depot" mid-route idles or starts a new trip) and slack bits
    ``a^r_b`` (eq. 9). With ``d`` the demands and ``m`` the capacity:

    * ``H_once = sum_{i>=1} (1 - sum_{r,t} x^r_{t,i})^2``: each customer served once (eq. 6);
    * ``H_step = sum_{r,t} (1 - sum_i x^r_{t,i})^2``: each vehicle at one node per step (eq. 7);
    * ``H_cap = sum_r (sum_{t,i} d_i x^r_{t,i} + sum_b 2^b a^r_b - m)^2`` (eqs. 8-9): with
      ``B = bit_length(m)`` bits the slack reaches every value ``0..m``, so exactly the loads
      ``<= m`` can make the bracket zero;
    * ``H_c = sum_r [sum_i D_0i x^r_{0,i} + sum_t sum_{i != j} D_ij x^r_{t,i} x^r_{t+1,j}
      + sum_i D_i0 x^r_{T-1,i}]`` (eq. 10): the travel cost, depot to depot.

    Every square ``(c + sum_k w_k y_k)^2`` expands to ``c^2 + sum_k (w_k^2 + 2 c w_k) y_k +
    sum_{k<l} 2 w_k w_l y_k y_l`` (``y^2 = y``); ``_add_square`` writes exactly that.
    ``penalties`` is one number for all three or ``(p1, p2, p3)``; the default is
    :func:`cvrp_default_penalty`. ``n_steps`` defaults to the most customers one vehicle can
    carry. Returns a :class:`CVRPQubo` (``Q`` upper triangular, ``offset``, index map, decoder).
    Introduced in chapter 8.
    """
    D, demands, capacity, R = check_cvrp(D, demands, capacity, n_vehicles)
    N = D.shape[0]
    T = max_route_length(demands, capacity) if n_steps is None else int(n_steps)
    if n_steps is not None:
        T = chk.count(n_steps, "n_steps", lo=1, hi=1000)
    if T < 1:
        raise ValueError(f"n_steps must be positive, got {n_steps}")
    if penalties is None:
        penalties = cvrp_default_penalty(D, R, T)
    p = chk.finite_array(
        (penalties,) * 3 if np.ndim(penalties) == 0 else penalties, "penalties", ndim=1
    ).tolist()
    if len(p) != 3 or not all(v >= 0 for v in p):
        raise ValueError(f"penalties must be one or three non-negative numbers, got {penalties}")
    B = slack_bits(capacity)
    n_vars = R * T * N + R * B

    def xi(r, t, i):
        return (r * T + t) * N + i

    def ai(r, b):
        return R * T * N + r * B + b

    terms = {}
    # H_c (eq. 10)
    Qc = np.zeros((n_vars, n_vars))
    for r in range(R):
        for i in range(1, N):
            _add(Qc, xi(r, 0, i), xi(r, 0, i), D[0, i])
            _add(Qc, xi(r, T - 1, i), xi(r, T - 1, i), D[i, 0])
        for t in range(T - 1):
            for i in range(N):
                for j in range(N):
                    if i != j and D[i, j] != 0:
                        _add(Qc, xi(r, t, i), xi(r, t + 1, j), D[i, j])
    terms["cost"] = (Qc, 0.0)
    # H_once (eq. 6)
    Qo = np.zeros((n_vars, n_vars))
    off = 0.0
    for i in range(1, N):
        idx = [xi(r, t, i) for r in range(R) for t in range(T)]
        off += _add_square(Qo, -1.0, idx, [1.0] * len(idx))
    terms["once"] = (Qo, off)
    # H_step (eq. 7)
    Qs = np.zeros((n_vars, n_vars))
    off = 0.0
    for r in range(R):
        for t in range(T):
            idx = [xi(r, t, i) for i in range(N)]
            off += _add_square(Qs, -1.0, idx, [1.0] * N)
    terms["step"] = (Qs, off)
    # H_cap (eqs. 8-9)
    Qk = np.zeros((n_vars, n_vars))
    off = 0.0
    for r in range(R):
        idx = [xi(r, t, i) for t in range(T) for i in range(1, N)]
        w = [float(demands[i]) for t in range(T) for i in range(1, N)]
        idx += [ai(r, b) for b in range(B)]
        w += [float(2**b) for b in range(B)]
        off += _add_square(Qk, -float(capacity), idx, w)
    terms["cap"] = (Qk, off)
    Q = Qc + p[0] * Qo + p[1] * Qs + p[2] * Qk
    offset = p[0] * terms["once"][1] + p[1] * terms["step"][1] + p[2] * terms["cap"][1]
    return CVRPQubo(
        Q=Q,
        offset=float(offset),
        n_nodes=N,
        n_vehicles=R,
        n_steps=T,
        n_slack_bits=B,
        penalties=tuple(float(v) for v in p),
        terms=terms,
        demands=demands,
        capacity=capacity,
    )


def _add(Q: np.ndarray, a: int, b: int, w: float) -> None:
    if a == b:
        Q[a, a] += w
    else:
        Q[min(a, b), max(a, b)] += w


def _add_square(Q: np.ndarray, c: float, idx: Sequence[int], w: Sequence[float]) -> float:
    """Add ``(c + sum_k w_k y_k)^2`` to the upper-triangular ``Q``; return the constant ``c^2``."""
    for k, (a, wa) in enumerate(zip(idx, w, strict=True)):
        _add(Q, a, a, wa * wa + 2 * c * wa)
        for b, wb in zip(idx[k + 1 :], w[k + 1 :], strict=True):
            _add(Q, a, b, 2 * wa * wb)
    return c * c


def cvrp_brute_force(
    D: np.ndarray,
    demands: np.ndarray | Sequence[int],
    capacity: int,
    n_vehicles: int,
    max_per_route: int | None = None,
) -> tuple[float, list[list[int]]]:
    """Optimal CVRP solution by enumeration (at most ``n_vehicles`` routes), for tiny instances.

    Tries every assignment of customers to vehicles (``R^n``), keeps those within capacity (and
    ``max_per_route`` customers), and routes each vehicle optimally with :func:`~qbook.routing.classical.held_karp`.
    Returns ``(cost, routes)``. Introduced in chapter 8.
    """
    D, demands, capacity, R = check_cvrp(D, demands, capacity, n_vehicles)
    if max_per_route is not None:
        max_per_route = chk.count(max_per_route, "max_per_route", lo=1)
    n = D.shape[0] - 1
    if R**n > 2_000_000:
        raise ValueError(f"{R}^{n} assignments is too many to enumerate")
    cache: dict[tuple[int, ...], tuple[float, list[int]]] = {}
    best, best_routes = math.inf, []
    for assign in itertools.product(range(R), repeat=n):
        groups = [tuple(i + 1 for i in range(n) if assign[i] == r) for r in range(R)]
        if any(demands[list(g)].sum() > capacity for g in groups if g):
            continue
        if max_per_route is not None and any(len(g) > max_per_route for g in groups):
            continue
        total, routes = 0.0, []
        for g in groups:
            if not g:
                continue
            if g not in cache:
                cache[g] = held_karp(D, g)
            total += cache[g][0]
            routes.append(cache[g][1])
        if total < best - 1e-9:
            best, best_routes = total, routes
    if not math.isfinite(best):
        raise ValueError("no feasible solution with these vehicles and capacity")
    return float(best), best_routes

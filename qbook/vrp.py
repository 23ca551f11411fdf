"""Vehicle routing: CVRPLIB instances, route costs, TSP and CVRP QUBOs, two-phase solving.

Introduced in chapter 8, "Vehicle routing as Hamiltonians" (the seminar's eqs. 6-14,
{cite}`haezer2023`; the TSP QUBO with the depot fixed after {cite}`lucas2014`).

Conventions: node 0 is the depot, customers are ``1..N-1``; a *tour* is the list of customers
in visiting order (the depot at both ends is implicit); a CVRP solution is a list of tours
(*routes*). Distances are integers as in CVRPLIB (EUC_2D rounded to the nearest integer).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = [
    "Instance",
    "read_instance",
    "instance_names",
    "check_distance_matrix",
    "tour_cost",
    "route_cost",
    "tsp_qubo",
    "tsp_default_penalty",
    "decode_tour",
    "encode_tour",
    "tsp_valid",
    "smallest_working_penalty",
    "penalty_study",
    "nearest_neighbour_tour",
    "euclidean_rounded",
    "held_karp",
    "slack_bits",
    "count_variables",
    "max_route_length",
    "CVRPQubo",
    "cvrp_default_penalty",
    "cvrp_qubo",
    "cvrp_brute_force",
    "sweep_clusters",
    "mip_clusters",
    "cluster",
    "two_phase",
    "improve_clusters",
    "check_solution",
    "pyvrp_solve",
    "mds_coords",
    "plot_routes",
]


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------


@dataclass
class Instance:
    """A CVRP instance with node 0 the depot. Introduced in chapter 8."""

    name: str
    coords: np.ndarray | None  # (N, 2) or None for EXPLICIT instances
    demands: np.ndarray  # (N,), demands[0] == 0
    capacity: int
    D: np.ndarray  # (N, N) int distance matrix
    n_vehicles: int | None  # from the name's "-kK"
    best_cost: int | None = None  # from the .sol file when present
    best_routes: list[list[int]] | None = None
    depot: int = 0
    path: str | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return int(self.D.shape[0])

    @property
    def n_customers(self) -> int:
        return self.n_nodes - 1


def instance_names() -> list[str]:
    """Names of the CVRPLIB instances shipped in ``qbook/instances``. Introduced in chapter 8."""
    folder = resources.files("qbook") / "instances"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".vrp"))


def _resolve(path_or_name: str | Path) -> Path:
    p = Path(path_or_name)
    if p.suffix == ".vrp" or p.exists():
        if not p.exists():
            raise ValueError(f"instance file {str(p)!r} does not exist")
        return p
    name = str(path_or_name)
    folder = resources.files("qbook") / "instances"
    cand = folder / f"{name}.vrp"
    if not cand.is_file():
        raise ValueError(f"unknown instance {name!r}; shipped: {', '.join(instance_names())}")
    return Path(str(cand))


def euclidean_rounded(coords: np.ndarray) -> np.ndarray:
    """CVRPLIB's EUC_2D distances: Euclidean, rounded to the nearest integer (nint).

    Introduced in chapter 8.
    """
    coords = np.asarray(coords, dtype=float)
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.sqrt((diff**2).sum(-1)) + 0.5).astype(np.int64)


def read_instance(path_or_name: str | Path) -> Instance:
    """Read a CVRPLIB ``.vrp`` file (and its ``.sol`` beside it, if any) with ``vrplib``.

    ``path_or_name`` is a path or a bare name such as ``"E-n13-k4"`` for a shipped copy.
    EUC_2D distances are rounded to the nearest integer as CVRPLIB does (vrplib 2.x returns
    them unrounded); EXPLICIT instances give the matrix directly. A malformed file raises
    ValueError. Introduced in chapter 8.
    """
    import vrplib

    path = _resolve(path_or_name)
    try:
        raw = vrplib.read_instance(str(path))
    except Exception as exc:  # vrplib raises many kinds of errors on bad text
        raise ValueError(f"malformed CVRPLIB file {path.name}: {exc}") from exc
    for key in ("dimension", "capacity", "demand"):
        if key not in raw:
            raise ValueError(f"malformed CVRPLIB file {path.name}: no {key.upper()} entry")
    n = int(raw["dimension"])
    demands = np.asarray(raw["demand"], dtype=np.int64)
    if demands.shape != (n,):
        raise ValueError(f"{path.name}: DEMAND_SECTION has {demands.size} entries, expected {n}")
    depot = np.atleast_1d(raw.get("depot", [0]))
    if depot.size != 1 or int(depot[0]) != 0:
        raise ValueError(f"{path.name}: only one depot, the first node, is supported")
    coords = None
    ewt = str(raw.get("edge_weight_type", "")).upper()
    if ewt == "EUC_2D":
        if "node_coord" not in raw:
            raise ValueError(f"{path.name}: EUC_2D without NODE_COORD_SECTION")
        coords = np.asarray(raw["node_coord"], dtype=float)
        if coords.shape != (n, 2):
            raise ValueError(
                f"{path.name}: coordinates have shape {coords.shape}, expected ({n}, 2)"
            )
        D = euclidean_rounded(coords)
    elif ewt == "EXPLICIT":
        if "edge_weight" not in raw:
            raise ValueError(f"{path.name}: EXPLICIT without EDGE_WEIGHT_SECTION")
        W = np.asarray(raw["edge_weight"], dtype=float)
        if W.shape != (n, n) or not np.allclose(W, np.round(W)):
            raise ValueError(f"{path.name}: explicit weights are not an integer {n}x{n} matrix")
        D = np.round(W).astype(np.int64)
        if "node_coord" in raw:
            coords = np.asarray(raw["node_coord"], dtype=float)
    else:
        raise ValueError(f"{path.name}: unsupported EDGE_WEIGHT_TYPE {ewt!r}")
    capacity = int(raw["capacity"])
    name = str(raw.get("name", path.stem))
    m = re.search(r"-k(\d+)", name)
    inst = Instance(
        name=name,
        coords=coords,
        demands=demands,
        capacity=capacity,
        D=D,
        n_vehicles=int(m.group(1)) if m else None,
        path=str(path),
    )
    sol = path.with_suffix(".sol")
    if sol.exists():
        try:
            s = vrplib.read_solution(str(sol))
            inst.best_routes = [list(map(int, r)) for r in s["routes"]]
            inst.best_cost = int(s["cost"])
        except Exception as exc:
            raise ValueError(f"malformed solution file {sol.name}: {exc}") from exc
    return inst


# ---------------------------------------------------------------------------------------------
# Costs
# ---------------------------------------------------------------------------------------------


def check_distance_matrix(D: np.ndarray | Sequence, symmetric: bool = True) -> np.ndarray:
    """Validate a distance matrix: square, at least 2 nodes, finite, non-negative, symmetric.

    Introduced in chapter 8.
    """
    D = np.asarray(D, dtype=float)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"distance matrix must be square, got shape {D.shape}")
    if D.shape[0] < 2:
        raise ValueError("distance matrix needs the depot and at least one customer")
    if not np.all(np.isfinite(D)):
        raise ValueError("distance matrix has non-finite entries")
    if np.any(D < 0):
        raise ValueError("distance matrix has negative entries")
    if symmetric and not np.allclose(D, D.T):
        raise ValueError("distance matrix must be symmetric")
    return D


def _check_tour(tour: Sequence[int], n_nodes: int) -> list[int]:
    tour = [int(c) for c in tour]
    for c in tour:
        if not 1 <= c < n_nodes:
            raise ValueError(f"customer {c} is not in 1..{n_nodes - 1}")
    return tour


def tour_cost(D: np.ndarray, tour: Sequence[int]) -> float:
    """Cost of depot -> tour[0] -> ... -> tour[-1] -> depot (0 for an empty tour).

    Introduced in chapter 8.
    """
    D = np.asarray(D)
    tour = _check_tour(tour, D.shape[0])
    if not tour:
        return 0.0
    path = [0, *tour, 0]
    return float(sum(D[a, b] for a, b in itertools.pairwise(path)))


def route_cost(D: np.ndarray, routes: Sequence[Sequence[int]]) -> float:
    """Total cost of a CVRP solution (a list of tours). Introduced in chapter 8."""
    return float(sum(tour_cost(D, r) for r in routes))


def nearest_neighbour_tour(D: np.ndarray, customers: Sequence[int] | None = None) -> list[int]:
    """Greedy tour from the depot, always to the nearest unvisited customer (chapter 8)."""
    D = np.asarray(D, dtype=float)
    left = list(range(1, D.shape[0])) if customers is None else list(customers)
    tour, here = [], 0
    while left:
        nxt = min(left, key=lambda c: (D[here, c], c))
        tour.append(nxt)
        left.remove(nxt)
        here = nxt
    return tour


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
    A = tsp_default_penalty(D) if penalty is None else float(penalty)
    if not math.isfinite(A) or A <= 0:
        raise ValueError(f"penalty must be a positive number, got {penalty!r}")
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
    if n_nodes < 2:
        raise ValueError(f"n_nodes must be at least 2, got {n_nodes}")
    n = n_nodes - 1
    x = np.asarray(x).ravel()
    if x.size != n * n:
        raise ValueError(f"bitstring has length {x.size}, expected (n_nodes-1)^2 = {n * n}")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("bitstring must be binary (0/1)")
    M = x.reshape(n, n)
    if not (np.all(M.sum(0) == 1) and np.all(M.sum(1) == 1)):
        return None
    return [int(np.argmax(row)) + 1 for row in M]


def tsp_valid(X: np.ndarray, n_nodes: int) -> np.ndarray:
    """Which rows of a batch of :func:`tsp_qubo` bitstrings are permutation matrices (chapter 8)."""
    n = n_nodes - 1
    X = np.atleast_2d(np.asarray(X))
    if X.shape[1] != n * n:
        raise ValueError(f"bitstrings have length {X.shape[1]}, expected {n * n}")
    M = X.reshape(-1, n, n)
    return np.all(M.sum(1) == 1, axis=1) & np.all(M.sum(2) == 1, axis=1)


def encode_tour(tour: Sequence[int], n_nodes: int) -> np.ndarray:
    """The :func:`tsp_qubo` bitstring of a tour (inverse of :func:`decode_tour`). Chapter 8."""
    n = n_nodes - 1
    tour = _check_tour(tour, n_nodes)
    if sorted(tour) != list(range(1, n + 1)):
        raise ValueError(f"tour {tour} must visit each of the {n} customers once")
    x = np.zeros((n, n), dtype=np.int8)
    for t, i in enumerate(tour):
        x[t, i - 1] = 1
    return x.ravel()


# ---------------------------------------------------------------------------------------------
# Exact TSP on small customer sets (phase two)
# ---------------------------------------------------------------------------------------------


def held_karp(D: np.ndarray, customers: Sequence[int] | None = None) -> tuple[float, list[int]]:
    """Optimal tour from the depot through ``customers`` and back (Held-Karp dynamic programme).

    ``O(2^k k^2)`` for ``k`` customers, vectorised over the last node; fine up to ``k ~ 16``.
    Returns ``(cost, tour)``. Introduced in chapter 8 (phase two of the two-phase method).
    """
    D = np.asarray(D, dtype=float)
    cust = list(range(1, D.shape[0])) if customers is None else [int(c) for c in customers]
    k = len(cust)
    if len(set(cust)) != k:
        raise ValueError(f"customers {cust} repeat")
    _check_tour(cust, D.shape[0])
    if k == 0:
        return 0.0, []
    if k > 18:
        raise ValueError(f"{k} customers is too many for Held-Karp here (max 18)")
    idx = np.array(cust)
    Dc = D[np.ix_(idx, idx)]
    full = 1 << k
    dp = np.full((full, k), np.inf)
    parent = np.full((full, k), -1, dtype=np.int64)
    bits = 1 << np.arange(k)
    dp[bits, np.arange(k)] = D[0, idx]
    masks = np.arange(full)
    popcount = ((masks[:, None] >> np.arange(k)) & 1).sum(1)
    for size in range(2, k + 1):  # one layer of subsets at a time, vectorised over the layer
        layer = masks[popcount == size]
        for j in range(k):
            sub = layer[(layer >> j) & 1 == 1]
            cand = dp[sub ^ bits[j]] + Dc[:, j][None, :]  # via i -> j; inf where i not in set
            best_i = np.argmin(cand, axis=1)
            dp[sub, j] = cand[np.arange(sub.size), best_i]
            parent[sub, j] = best_i
    last = dp[full - 1] + D[idx, 0]
    j = int(np.argmin(last))
    cost = float(last[j])
    order, mask = [], full - 1
    while j >= 0:
        order.append(cust[j])
        pj = int(parent[mask, j])
        mask ^= 1 << j
        j = pj
    return cost, order[::-1]


# ---------------------------------------------------------------------------------------------
# The full CVRP as a QUBO (seminar eqs. 6-11)
# ---------------------------------------------------------------------------------------------


def slack_bits(capacity: int) -> int:
    """Bits ``B`` of the slack ``Delta = sum_b 2^b a_b`` so that ``Delta`` reaches ``capacity``.

    Introduced in chapter 8 (eq. 9).
    """
    if capacity < 1:
        raise ValueError(f"capacity must be a positive integer, got {capacity}")
    return int(capacity).bit_length()


def count_variables(
    n_customers: int, n_routes: int, n_steps: int | None = None, capacity_bits: int = 0
) -> dict[str, int]:
    """Binary variables (= qubits in the one-qubit-per-variable encoding) of :func:`cvrp_qubo`.

    ``x^r_{t,i}``: ``R * T * (n + 1)`` (node 0, the depot, lets a vehicle idle or end early);
    slack ``a^r_b``: ``R * B``. ``n_steps`` defaults to ``n_customers``. Also returns the TSP
    count ``(N-1)^2 = n^2`` of eq. 14 for comparison. Introduced in chapter 8.
    """
    if n_customers < 1 or n_routes < 1:
        raise ValueError("need at least one customer and one route")
    T = n_customers if n_steps is None else int(n_steps)
    if T < 1:
        raise ValueError(f"n_steps must be positive, got {n_steps}")
    x = n_routes * T * (n_customers + 1)
    s = n_routes * int(capacity_bits)
    return {"route_vars": x, "slack_vars": s, "total": x + s, "tsp_vars": n_customers**2}


def _check_cvrp(D, demands, capacity, n_vehicles):
    D = check_distance_matrix(D)
    demands = np.asarray(demands)
    if demands.shape != (D.shape[0],):
        raise ValueError(
            f"demands must have one entry per node ({D.shape[0]}, depot first), got {demands.shape}"
        )
    if not np.allclose(demands, np.round(demands)) or np.any(demands < 0):
        raise ValueError("demands must be non-negative integers")
    demands = np.round(demands).astype(np.int64)
    if demands[0] != 0:
        raise ValueError("the depot (node 0) must have demand 0")
    capacity = int(capacity)
    if capacity < 1:
        raise ValueError(f"capacity must be positive, got {capacity}")
    if np.any(demands > capacity):
        i = int(np.argmax(demands > capacity))
        raise ValueError(f"customer {i} has demand {demands[i]} above the capacity {capacity}")
    if int(n_vehicles) < 1:
        raise ValueError(f"n_vehicles must be positive, got {n_vehicles}")
    return D, demands, capacity, int(n_vehicles)


def max_route_length(demands: np.ndarray, capacity: int) -> int:
    """Most customers one vehicle can carry (smallest demands first). Chapter 8."""
    d = np.sort(np.asarray(demands)[1:])
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
        from qbook.qubo import qubo_energy

        x = self._check(x)
        return {
            k: qubo_energy(*self.terms[k][:1], x, self.terms[k][1]) for k in ("once", "step", "cap")
        }

    def evaluate(self, X) -> tuple[np.ndarray, np.ndarray]:
        """For a batch of bitstrings (rows): which are feasible, and their travel cost ``H_c``."""
        from qbook.qubo import qubo_energy

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
    D = np.asarray(D, dtype=float)
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
    sum_{k<l} 2 w_k w_l y_k y_l`` (``y^2 = y``); :func:`_add_square` writes exactly that.
    ``penalties`` is one number for all three or ``(p1, p2, p3)``; the default is
    :func:`cvrp_default_penalty`. ``n_steps`` defaults to the most customers one vehicle can
    carry. Returns a :class:`CVRPQubo` (``Q`` upper triangular, ``offset``, index map, decoder).
    Introduced in chapter 8.
    """
    D, demands, capacity, R = _check_cvrp(D, demands, capacity, n_vehicles)
    N = D.shape[0]
    T = max_route_length(demands, capacity) if n_steps is None else int(n_steps)
    if T < 1:
        raise ValueError(f"n_steps must be positive, got {n_steps}")
    if penalties is None:
        penalties = cvrp_default_penalty(D, R, T)
    p = (penalties,) * 3 if np.isscalar(penalties) else tuple(penalties)
    if len(p) != 3 or not all(math.isfinite(v) and v >= 0 for v in p):
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
    ``max_per_route`` customers), and routes each vehicle optimally with :func:`held_karp`.
    Returns ``(cost, routes)``. Introduced in chapter 8.
    """
    D, demands, capacity, R = _check_cvrp(D, demands, capacity, n_vehicles)
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


# ---------------------------------------------------------------------------------------------
# Two phases: capacity-respecting clustering (classical), then one exact TSP per cluster
# ---------------------------------------------------------------------------------------------


def _coords_of(inst_or_coords) -> np.ndarray | None:
    if isinstance(inst_or_coords, Instance):
        return inst_or_coords.coords
    return None if inst_or_coords is None else np.asarray(inst_or_coords, dtype=float)


def sweep_clusters(
    coords: np.ndarray, demands: np.ndarray, capacity: int, start: int = 0, reverse: bool = False
) -> list[list[int]]:
    """Sweep: customers by polar angle around the depot, cut whenever the next would overflow.

    ``start`` rotates the order (which customer comes first), ``reverse`` sweeps clockwise.
    Introduced in chapter 8.
    """
    coords = np.asarray(coords, dtype=float)
    rel = coords[1:] - coords[0]
    order = list(np.argsort(np.arctan2(rel[:, 1], rel[:, 0]), kind="stable") + 1)
    if reverse:
        order = order[::-1]
    order = order[start:] + order[:start]
    clusters, cur, load = [], [], 0
    for c in order:
        if load + demands[c] > capacity:
            clusters.append(cur)
            cur, load = [], 0
        cur.append(int(c))
        load += int(demands[c])
    if cur:
        clusters.append(cur)
    return clusters


def mip_clusters(
    D: np.ndarray, demands: np.ndarray, capacity: int, n_vehicles: int, time_limit: float = 20.0
) -> list[list[int]]:
    """Capacitated ``K``-median clustering solved exactly as a small MIP (``scipy.optimize.milp``).

    Binary ``y_j`` (customer ``j`` is a cluster centre) and ``z_ij`` (customer ``i`` joins centre
    ``j``); minimise ``sum D_ij z_ij`` subject to ``sum_j z_ij = 1`` (each customer in one
    cluster), ``sum_j y_j = K``, ``z_ij <= y_j`` and ``sum_i d_i z_ij <= m y_j`` (capacity). It
    is the classical twin of the clustering Hamiltonian: the same one-hot and knapsack
    constraints, solved by branch and bound (HiGHS) instead of as penalties. Chapter 8.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    D = np.asarray(D, dtype=float)
    n = D.shape[0] - 1
    K = int(n_vehicles)
    if K > n:
        K = n
    nz = n * n  # z_ij, i,j in 0..n-1 (customers i+1, j+1), then y_j
    nv = nz + n
    c = np.concatenate([D[1:, 1:].ravel(), np.zeros(n)])
    rows = 2 * n + 1 + nz
    A = lil_matrix((rows, nv))
    lo, hi = np.zeros(rows), np.zeros(rows)
    r = 0
    for i in range(n):  # one cluster each
        A[r, i * n : (i + 1) * n] = 1
        lo[r] = hi[r] = 1
        r += 1
    for j in range(n):  # capacity of centre j
        for i in range(n):
            A[r, i * n + j] = demands[i + 1]
        A[r, nz + j] = -capacity
        lo[r], hi[r] = -np.inf, 0
        r += 1
    A[r, nz:] = 1
    lo[r] = hi[r] = K
    r += 1
    for i in range(n):
        for j in range(n):
            A[r, i * n + j] = 1
            A[r, nz + j] = -1
            lo[r], hi[r] = -np.inf, 0
            r += 1
    res = milp(
        c,
        constraints=LinearConstraint(A.tocsr(), lo, hi),
        integrality=np.ones(nv),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit},
    )
    if res.x is None:
        raise ValueError(f"no capacity-respecting clustering into {K} clusters was found")
    z = np.round(res.x[:nz]).reshape(n, n)
    clusters = [[i + 1 for i in range(n) if z[i, j] > 0.5] for j in range(n)]
    return [c for c in clusters if c]


def cluster(
    inst_or_coords,
    demands: np.ndarray | None = None,
    capacity: int | None = None,
    n_vehicles: int | None = None,
    method: str = "sweep",
    D: np.ndarray | None = None,
) -> list[list[int]]:
    """Phase one: split the customers into clusters that each fit in one vehicle.

    ``inst_or_coords`` is an :class:`Instance` (then the other arguments default to its own) or
    an ``(N, 2)`` coordinate array. ``method="sweep"`` tries every start and both directions of
    the sweep and keeps the split with the fewest clusters (at most ``n_vehicles`` when
    possible) and the smallest total of exact tour costs; ``method="mip"`` solves the
    capacitated K-median MIP (:func:`mip_clusters`), which needs only distances. Every customer
    appears in exactly one cluster and every cluster is within capacity. Chapter 8.
    """
    if isinstance(inst_or_coords, Instance):
        inst = inst_or_coords
        demands = inst.demands if demands is None else demands
        capacity = inst.capacity if capacity is None else capacity
        n_vehicles = inst.n_vehicles if n_vehicles is None else n_vehicles
        D = inst.D if D is None else D
    coords = _coords_of(inst_or_coords)
    if demands is None or capacity is None:
        raise ValueError("cluster needs demands and capacity (or an Instance)")
    demands = np.asarray(demands)
    if coords is not None and D is None:
        D = euclidean_rounded(coords)
    if D is None:
        raise ValueError("cluster needs coordinates or a distance matrix")
    D, demands, capacity, _ = _check_cvrp(D, demands, capacity, n_vehicles or 1)
    n = D.shape[0] - 1
    if method == "sweep":
        if coords is None:
            raise ValueError("the sweep needs coordinates; use method='mip' for EXPLICIT instances")
        best, best_key = None, None
        tsp: dict[tuple[int, ...], float] = {}

        def cost_of(c: list[int]) -> float:
            key = tuple(sorted(c))
            if key not in tsp:
                tsp[key] = held_karp(D, key)[0]
            return tsp[key]

        for reverse in (False, True):
            for s in range(n):
                cl = sweep_clusters(coords, demands, capacity, s, reverse)
                over = max(0, len(cl) - (n_vehicles or len(cl)))
                if any(len(c) > 16 for c in cl):
                    continue
                key = (over, sum(cost_of(c) for c in cl))
                if best_key is None or key < best_key:
                    best, best_key = cl, key
        if best is None:
            raise ValueError("sweep clusters are too large for the exact TSP (max 16 customers)")
        clusters = best
    elif method == "mip":
        clusters = mip_clusters(D, demands, capacity, n_vehicles or n)
    else:
        raise ValueError(f"unknown clustering method {method!r}; use 'sweep' or 'mip'")
    assert sorted(c for cl in clusters for c in cl) == list(range(1, n + 1))
    return clusters


def improve_clusters(
    D: np.ndarray,
    clusters: Sequence[Sequence[int]],
    demands: np.ndarray,
    capacity: int,
    max_passes: int = 20,
) -> list[list[int]]:
    """Local search on a clustering, scored by exact route costs (:func:`held_karp`).

    Moves one customer to another cluster, or swaps two customers of different clusters,
    whenever that keeps both loads within capacity and shortens the two optimal routes;
    repeats until no move helps (or ``max_passes``). Never adds clusters. Chapter 8.
    """
    demands = np.asarray(demands)
    cl = [list(c) for c in clusters]
    cache: dict[tuple[int, ...], float] = {}

    def cost(c) -> float:
        key = tuple(sorted(c))
        if key not in cache:
            cache[key] = held_karp(D, key)[0]
        return cache[key]

    def load(c) -> int:
        return int(demands[list(c)].sum()) if c else 0

    for _ in range(max_passes):
        best_delta, best_move = -1e-9, None
        for a, ca in enumerate(cl):
            for b, cb in enumerate(cl):
                if a == b:
                    continue
                base = cost(ca) + cost(cb)
                for c in ca:
                    if len(ca) > 1 and load(cb) + demands[c] <= capacity:
                        na = [v for v in ca if v != c]
                        delta = cost(na) + cost([*cb, c]) - base
                        if delta < best_delta:
                            best_delta, best_move = delta, (a, na, b, [*cb, c])
                    if a < b:
                        for e in cb:
                            na = [v for v in ca if v != c] + [e]
                            nb = [v for v in cb if v != e] + [c]
                            if load(na) <= capacity and load(nb) <= capacity:
                                delta = cost(na) + cost(nb) - base
                                if delta < best_delta:
                                    best_delta, best_move = delta, (a, na, b, nb)
        if best_move is None:
            break
        a, na, b, nb = best_move
        cl[a], cl[b] = na, nb
    return cl


def two_phase(
    inst: Instance, method: str = "sweep", improve: bool = False
) -> tuple[list[list[int]], float]:
    """Phase one :func:`cluster`, phase two an exact TSP per cluster (:func:`held_karp`).

    ``improve=True`` refines the clusters with :func:`improve_clusters` before routing.
    Returns ``(routes, cost)``. Introduced in chapter 8.
    """
    if not isinstance(inst, Instance):
        raise ValueError("two_phase needs an Instance (see read_instance)")
    clusters = cluster(inst, method=method)
    if improve:
        clusters = improve_clusters(inst.D, clusters, inst.demands, inst.capacity)
    routes = [held_karp(inst.D, c)[1] for c in clusters]
    return routes, route_cost(inst.D, routes)


def check_solution(inst: Instance, routes: Sequence[Sequence[int]]) -> None:
    """Raise ValueError unless every customer is served once and every load fits. Chapter 8."""
    visited = sorted(int(c) for r in routes for c in r)
    if visited != list(range(1, inst.n_nodes)):
        raise ValueError("routes do not visit every customer exactly once")
    for r in routes:
        load = int(inst.demands[list(r)].sum())
        if load > inst.capacity:
            raise ValueError(f"route {list(r)} carries {load} > capacity {inst.capacity}")


# ---------------------------------------------------------------------------------------------
# Classical reference: PyVRP
# ---------------------------------------------------------------------------------------------


def pyvrp_solve(inst: Instance, seconds: float, seed: int = 0) -> tuple[list[list[int]], float]:
    """Solve with PyVRP's hybrid genetic search for ``seconds``; return ``(routes, cost)``.

    Reads the same file with ``round_func="round"`` (CVRPLIB's distances) so costs compare with
    the best-known ones; the cost is recomputed with our own matrix as a check. Chapter 8.
    """
    from pyvrp import read, solve
    from pyvrp.stop import MaxRuntime

    if inst.path is None:
        raise ValueError("pyvrp_solve needs an instance read from a file")
    data = read(inst.path, round_func="round")
    res = solve(data, stop=MaxRuntime(float(seconds)), seed=int(seed), display=False)
    if not res.best.is_feasible():
        raise ValueError(f"PyVRP found no feasible solution for {inst.name} in {seconds} s")
    nd = data.num_depots
    routes = [[a.idx + nd for a in r.schedule() if a.is_client()] for r in res.best.routes()]
    cost = route_cost(inst.D, routes)
    if abs(cost - res.cost()) > 1e-6:
        raise ValueError(f"PyVRP cost {res.cost()} differs from our {cost}")
    return routes, cost


# ---------------------------------------------------------------------------------------------
# Route maps
# ---------------------------------------------------------------------------------------------


def mds_coords(D: np.ndarray) -> np.ndarray:
    """2-D positions whose distances approximate ``D`` (classical MDS), for drawing EXPLICIT
    instances that come without coordinates. Chapter 8."""
    D = np.asarray(D, dtype=float)
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    w, v = np.linalg.eigh(B)
    top = np.argsort(w)[::-1][:2]
    return v[:, top] * np.sqrt(np.maximum(w[top], 0))


def plot_routes(inst: Instance, routes: Sequence[Sequence[int]], ax=None, title: str | None = None):
    """Route map: depot as a black square, one colour per route, customers labelled. Chapter 8."""
    import matplotlib.pyplot as plt

    xy = inst.coords if inst.coords is not None else mds_coords(inst.D)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    colours = plt.get_cmap("tab10")
    for k, r in enumerate(routes):
        path = [0, *r, 0]
        ax.plot(xy[path, 0], xy[path, 1], "-o", ms=4, lw=1.5, color=colours(k % 10))
    ax.plot(*xy[0], "ks", ms=10, label="depot")
    for i in range(1, len(xy)):
        ax.annotate(str(i), xy[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    cost = route_cost(inst.D, routes)
    ax.set_title(title or f"{inst.name}: {len(routes)} routes, cost {cost:g}", fontsize=9)
    ax.set_aspect("equal", adjustable="datalim")
    if inst.coords is None:
        ax.set_xlabel("positions from distances (MDS)", fontsize=8)
    return ax


# ---------------------------------------------------------------------------------------------
# Penalty studies (chapter 8)
# ---------------------------------------------------------------------------------------------


def _ground_ok(build, optimum: float, p: float) -> bool:
    from qbook.qubo import brute_force

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
    from qbook.qubo import all_energies, simulated_annealing

    rows = []
    for p in penalties:
        Q, offset, evaluate = build(p)
        E = np.sort(all_energies(Q, offset))
        e1 = E[E > E[0] + 1e-9 * max(1.0, abs(E[0]))][0]
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

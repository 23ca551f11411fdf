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
    "nearest_neighbour_tour",
    "euclidean_rounded",
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

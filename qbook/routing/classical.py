"""Tours and their costs, exact and heuristic: the classical side of every routing chapter.

Introduced in chapter 8, "Vehicle routing as Hamiltonians": checking a distance matrix, tour
and route costs, nearest neighbour, Held-Karp (exact up to ``HELD_KARP_EXACT_MAX`` customers),
2-opt and or-opt, and the per-cluster tour that phase two of chapter 12 uses.

Conventions: node 0 is the depot, customers are ``1..N-1``; a *tour* is the list of customers
in visiting order (the depot at both ends is implicit); a CVRP solution is a list of tours
(*routes*).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from qbook.common import checks as chk

__all__ = [
    "HELD_KARP_EXACT_MAX",
    "check_distance_matrix",
    "check_tour",
    "tour_cost",
    "route_cost",
    "nearest_neighbour_tour",
    "held_karp",
    "two_opt",
    "improve_tour",
    "heuristic_tour",
    "cluster_tour",
]


# ---------------------------------------------------------------------------------------------
# Costs
# ---------------------------------------------------------------------------------------------


def check_distance_matrix(D: np.ndarray | Sequence, symmetric: bool = True) -> np.ndarray:
    """Validate a distance matrix: square, at least 2 nodes, finite, non-negative, symmetric.

    Introduced in chapter 8.
    """
    symmetric = chk.boolean(symmetric, "symmetric")
    D = chk._as_numeric(D, "D")
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"distance matrix must be square, got shape {D.shape}")
    D = chk.finite_array(D, "D")
    if D.shape[0] < 2:
        raise ValueError("distance matrix needs the depot and at least one customer")
    if np.any(D < 0):
        raise ValueError("distance matrix has negative entries")
    if symmetric and not np.allclose(D, D.T):
        raise ValueError("distance matrix must be symmetric")
    return D


def check_tour(tour: Sequence[int], n_nodes: int, name: str = "tour") -> list[int]:
    """Customers 1..n_nodes-1, each at most once, no depot (ValueError/TypeError otherwise).

    Introduced in chapter 8; the QUBO decoders of :mod:`qbook.routing.vrp_qubo` check with it.
    """
    n_nodes = chk.count(n_nodes, "n_nodes", lo=1)
    return chk.tour(tour, chk.string(name, "name"), n_nodes - 1)


def tour_cost(D: np.ndarray, tour: Sequence[int]) -> float:
    """Cost of depot -> tour[0] -> ... -> tour[-1] -> depot (0 for an empty tour).

    Introduced in chapter 8.
    """
    D = check_distance_matrix(D, symmetric=False)
    tour = check_tour(tour, D.shape[0])
    if not tour:
        return 0.0
    path = [0, *tour, 0]
    return float(sum(D[a, b] for a, b in itertools.pairwise(path)))


def route_cost(D: np.ndarray, routes: Sequence[Sequence[int]]) -> float:
    """Total cost of a CVRP solution (a list of tours). Introduced in chapter 8."""
    D = check_distance_matrix(D, symmetric=False)
    routes = chk.routes(routes, "routes", D.shape[0] - 1)
    return float(sum(tour_cost(D, r) for r in routes))


def nearest_neighbour_tour(D: np.ndarray, customers: Sequence[int] | None = None) -> list[int]:
    """Greedy tour from the depot, always to the nearest unvisited customer (chapter 8)."""
    D = check_distance_matrix(D, symmetric=False)
    left = (
        list(range(1, D.shape[0]))
        if customers is None
        else check_tour(customers, D.shape[0], "customers")
    )
    tour, here = [], 0
    while left:
        nxt = min(left, key=lambda c: (D[here, c], c))
        tour.append(nxt)
        left.remove(nxt)
        here = nxt
    return tour


# ---------------------------------------------------------------------------------------------
# Exact TSP on small customer sets (phase two)
# ---------------------------------------------------------------------------------------------


def held_karp(D: np.ndarray, customers: Sequence[int] | None = None) -> tuple[float, list[int]]:
    """Optimal tour from the depot through ``customers`` and back (Held-Karp dynamic programme).

    ``O(2^k k^2)`` for ``k`` customers, vectorised over the last node; fine up to ``k ~ 16``.
    Returns ``(cost, tour)``. Introduced in chapter 8 (phase two of the two-phase method).
    """
    D = check_distance_matrix(D, symmetric=False)
    cust = (
        list(range(1, D.shape[0]))
        if customers is None
        else check_tour(customers, D.shape[0], "customers")
    )
    k = len(cust)
    if k == 0:
        return 0.0, []
    if k > 18:
        raise ValueError(
            f"{k} customers is too many for Held-Karp here (max 18: 2^k k^2 steps); "
            "use heuristic_tour or cluster_tour for longer tours"
        )
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


HELD_KARP_EXACT_MAX = 12
"""Clusters up to this size get an exact tour (:func:`held_karp`) in :func:`cluster_tour`."""


def two_opt(D: np.ndarray, tour: Sequence[int]) -> list[int]:
    """Classical 2-opt on a tour through the depot until no improving move is left.

    Introduced in chapter 12, CVRP end to end (also used by phase one for long tours).
    """
    D = check_distance_matrix(D, symmetric=False)
    path = [0, *check_tour(tour, D.shape[0]), 0]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if D[a, c] + D[b, d] < D[a, b] + D[c, d] - 1e-9:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = True
    return path[1:-1]


def _or_opt_pass(D: np.ndarray, path: list[int]) -> bool:
    """One improving Or-opt move (a segment of 1-3 customers moved elsewhere, either way round)."""
    n = len(path)
    for length in (1, 2, 3):
        for i in range(1, n - length):
            seg = path[i : i + length]
            a, b = path[i - 1], path[i + length]
            remove = D[a, seg[0]] + D[seg[-1], b] - D[a, b]
            rest = path[:i] + path[i + length :]
            for k in range(len(rest) - 1):
                u, v = rest[k], rest[k + 1]
                for s in (seg, seg[::-1]):
                    if D[u, s[0]] + D[s[-1], v] - D[u, v] < remove - 1e-9:
                        path[:] = rest[: k + 1] + s + rest[k + 1 :]
                        return True
    return False


def improve_tour(D: np.ndarray, tour: Sequence[int]) -> list[int]:
    """2-opt and Or-opt alternately until neither improves: a local optimum, not the optimum.

    Introduced in chapter 12, CVRP end to end (the heuristic giant tour of phase one).
    """
    D = check_distance_matrix(D, symmetric=False)
    path = [0, *two_opt(D, tour), 0]
    while _or_opt_pass(D, path):
        path = [0, *two_opt(D, path[1:-1]), 0]
    return path[1:-1]


def heuristic_tour(D: np.ndarray, customers: Sequence[int] | None = None) -> list[int]:
    """Nearest-neighbour tour through ``customers`` (default all), improved by
    :func:`improve_tour`: no exact TSP, fine for hundreds of customers. Chapter 12."""
    D = check_distance_matrix(D, symmetric=False)
    cust = (
        list(range(1, D.shape[0]))
        if customers is None
        else check_tour(customers, D.shape[0], "customers")
    )
    return improve_tour(D, nearest_neighbour_tour(D, cust))


def cluster_tour(D: np.ndarray, customers: Sequence[int]) -> tuple[float, list[int], bool]:
    """Tour through one cluster: exact (Held-Karp) up to :data:`HELD_KARP_EXACT_MAX` customers,
    :func:`heuristic_tour` beyond. Returns ``(cost, tour, exact)``. Chapter 12."""
    D = check_distance_matrix(D, symmetric=False)
    cust = check_tour(customers, D.shape[0], "customers")
    if len(cust) <= HELD_KARP_EXACT_MAX:
        cost, tour = held_karp(D, cust)
        return float(cost), tour, True
    tour = heuristic_tour(D, cust)
    return tour_cost(D, tour), tour, False

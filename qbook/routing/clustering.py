"""Phase one of the two-phase method: capacity-respecting clustering, then exact routing.

Introduced in chapter 8, "Vehicle routing as Hamiltonians": the sweep, the capacitated
K-median MIP (the classical twin of the clustering Hamiltonian), local search on clusters and
:func:`two_phase` (cluster, then one exact TSP per cluster).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qbook.common import checks as chk
from qbook.routing.classical import cluster_tour, held_karp, route_cost
from qbook.routing.instances import Instance, check_cvrp, euclidean_rounded

__all__ = ["sweep_clusters", "mip_clusters", "cluster", "improve_clusters", "two_phase"]


# ---------------------------------------------------------------------------------------------
# Two phases: capacity-respecting clustering (classical), then one exact TSP per cluster
# ---------------------------------------------------------------------------------------------


def _coords_of(inst_or_coords) -> np.ndarray | None:
    if isinstance(inst_or_coords, Instance):
        return inst_or_coords.coords
    if inst_or_coords is None:
        return None
    coords = chk.finite_array(inst_or_coords, "inst_or_coords", ndim=2)
    if coords.shape[1] != 2 or len(coords) < 2:
        raise ValueError(f"coordinates must be (N, 2) with N >= 2, got shape {coords.shape}")
    return coords


def sweep_clusters(
    coords: np.ndarray, demands: np.ndarray, capacity: int, start: int = 0, reverse: bool = False
) -> list[list[int]]:
    """Sweep: customers by polar angle around the depot, cut whenever the next would overflow.

    ``start`` rotates the order (which customer comes first), ``reverse`` sweeps clockwise.
    Introduced in chapter 8.
    """
    coords = _coords_of(coords)
    D = euclidean_rounded(coords) if coords is not None else None
    _, demands, capacity, _ = check_cvrp(D, demands, capacity, 1)
    start = chk.count(start, "start", hi=len(coords) - 1)
    reverse = chk.boolean(reverse, "reverse")
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
    D: np.ndarray, demands: np.ndarray, capacity: int, n_vehicles: int, node_limit: int = 10_000
) -> list[list[int]]:
    """Capacitated ``K``-median clustering solved exactly as a small MIP (``scipy.optimize.milp``).

    Binary ``y_j`` (customer ``j`` is a cluster centre) and ``z_ij`` (customer ``i`` joins centre
    ``j``); minimise ``sum D_ij z_ij`` subject to ``sum_j z_ij = 1`` (each customer in one
    cluster), ``sum_j y_j = K``, ``z_ij <= y_j`` and ``sum_i d_i z_ij <= m y_j`` (capacity). It
    is the classical twin of the clustering Hamiltonian: the same one-hot and knapsack
    constraints, solved by branch and bound (HiGHS) instead of as penalties.

    The budget is deterministic: at most ``node_limit`` branch-and-bound nodes and no time limit,
    so the same input gives the same clusters on an idle or a busy machine (HiGHS's
    branch and bound is deterministic; a wall-clock limit made phase one depend on the load).
    Every shipped instance is solved to optimality at the root node; when the limit stops the
    search first, the best clustering found so far is returned. Chapter 8.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    D, demands, capacity, K = check_cvrp(D, demands, capacity, n_vehicles)
    node_limit = chk.count(node_limit, "node_limit", lo=1)
    n = D.shape[0] - 1
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
        options={"node_limit": node_limit},
    )
    if res.x is None:
        raise ValueError(
            f"no capacity-respecting clustering into at most {K} clusters (the fleet) was found "
            f"within {node_limit} branch-and-bound nodes: the fleet cannot be met this way"
        )
    z = np.round(res.x[:nz]).reshape(n, n)
    clusters = [[i + 1 for i in range(n) if z[i, j] > 0.5] for j in range(n)]
    return [c for c in clusters if c]


def _best_sweep(coords, D, demands, capacity, k) -> list[list[int]] | None:
    """Every start and both directions of the sweep; the split with at most ``k`` clusters and
    the smallest total tour cost (:func:`qbook.routing.classical.cluster_tour`), or None if none fits."""
    n = D.shape[0] - 1
    best, best_cost = None, np.inf
    tsp: dict[tuple[int, ...], float] = {}

    def cost_of(c: list[int]) -> float:
        key = tuple(sorted(c))
        if key not in tsp:
            tsp[key] = cluster_tour(D, key)[0]
        return tsp[key]

    for reverse in (False, True):
        for s in range(n):
            cl = sweep_clusters(coords, demands, capacity, s, reverse)
            if len(cl) > k:
                continue
            total = sum(cost_of(c) for c in cl)
            if total < best_cost:
                best, best_cost = cl, total
    return best


def cluster(
    inst_or_coords,
    demands: np.ndarray | None = None,
    capacity: int | None = None,
    n_vehicles: int | None = None,
    method: str = "sweep",
    D: np.ndarray | None = None,
) -> list[list[int]]:
    """Phase one: split the customers into clusters that each fit in one vehicle.

    ``inst_or_coords`` is an :class:`~qbook.routing.instances.Instance` (then the other arguments default to its own) or
    an ``(N, 2)`` coordinate array. The fleet is a hard limit: never more than ``n_vehicles``
    clusters. ``method="sweep"`` tries every start and both directions of the sweep and keeps,
    among the splits with at most ``n_vehicles`` clusters, the one with the smallest total tour
    cost (exact up to :data:`qbook.routing.classical.HELD_KARP_EXACT_MAX` customers per cluster); when no
    rotation fits the fleet it falls back to the MIP. ``method="mip"`` solves the capacitated
    K-median MIP (:func:`mip_clusters`), which needs only distances. Every customer appears in
    exactly one cluster and every cluster is within capacity; a ValueError says so when
    ``n_vehicles`` cannot be met. Chapter 8.
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
    if n_vehicles is not None:
        n_vehicles = chk.count(n_vehicles, "n_vehicles", lo=1)
    method = chk.choice(method, "method", ("sweep", "mip"))
    demands = chk.finite_array(demands, "demands", ndim=1)
    if coords is not None and D is None:
        D = euclidean_rounded(coords)
    if D is None:
        raise ValueError("cluster needs coordinates or a distance matrix")
    D, demands, capacity, _ = check_cvrp(D, demands, capacity, n_vehicles or 1)
    n = D.shape[0] - 1
    k = int(n_vehicles) if n_vehicles is not None else n
    if method == "sweep":
        if coords is None:
            raise ValueError("the sweep needs coordinates; use method='mip' for EXPLICIT instances")
        clusters = _best_sweep(coords, D, demands, capacity, k)
        if clusters is None:  # no rotation of the sweep fits the fleet: the MIP searches harder
            clusters = mip_clusters(D, demands, capacity, k)
    elif method == "mip":
        clusters = mip_clusters(D, demands, capacity, k)
    else:
        raise ValueError(f"unknown clustering method {method!r}; use 'sweep' or 'mip'")
    if len(clusters) > k:
        raise ValueError(f"{len(clusters)} clusters, but the fleet has only {k} vehicles")
    assert sorted(c for cl in clusters for c in cl) == list(range(1, n + 1))
    return clusters


def improve_clusters(
    D: np.ndarray,
    clusters: Sequence[Sequence[int]],
    demands: np.ndarray,
    capacity: int,
    max_passes: int = 20,
) -> list[list[int]]:
    """Local search on a clustering, scored by exact route costs (:func:`~qbook.routing.classical.held_karp`).

    Moves one customer to another cluster, or swaps two customers of different clusters,
    whenever that keeps both loads within capacity and shortens the two optimal routes;
    repeats until no move helps (or ``max_passes``). Never adds clusters. Chapter 8.
    """
    D, demands, capacity, _ = check_cvrp(D, demands, capacity, 1)
    cl = chk.routes(clusters, "clusters", D.shape[0] - 1)
    max_passes = chk.count(max_passes, "max_passes")
    if any(int(demands[c].sum()) > capacity for c in cl if c):
        raise ValueError("a cluster in clusters is over the capacity")
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
    """Phase one :func:`cluster`, phase two an exact TSP per cluster (:func:`~qbook.routing.classical.held_karp`).

    ``improve=True`` refines the clusters with :func:`improve_clusters` before routing.
    Returns ``(routes, cost)``. Introduced in chapter 8.
    """
    if not isinstance(inst, Instance):
        raise TypeError("two_phase needs an Instance (see read_instance)")
    method = chk.choice(method, "method", ("sweep", "mip"))
    improve = chk.boolean(improve, "improve")
    clusters = cluster(inst, method=method)
    if improve:
        clusters = improve_clusters(inst.D, clusters, inst.demands, inst.capacity)
    routes = [held_karp(inst.D, c)[1] for c in clusters]
    return routes, route_cost(inst.D, routes)

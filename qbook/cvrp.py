"""CVRP end to end: classical clustering, quantum routing per cluster, honest bookkeeping.

Introduced in chapter 12, "CVRP end to end". Phase one is classical and respects capacity
(:func:`qbook.vrp.cluster` from chapter 8, or :func:`split_clusters` here, a route-first /
cluster-second split after {cite}`beasley1983`); phase two solves each cluster's TSP with a
quantum routine: QAOA in the complete encoding where the qubits fit (:mod:`qbook.qaoa`), the
minimal encoding otherwise (:mod:`qbook.minimal`). The raw quantum tours and the tours after an
optional classical repair / 2-opt are kept apart, and infeasible decodes are counted, never
hidden.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook import vrp

__all__ = [
    "ClusterResult",
    "QuantumCVRPResult",
    "best_clustering",
    "quantum_route",
    "quantum_two_phase",
    "repair_tour",
    "split_clusters",
    "two_opt",
]


def split_clusters(inst: vrp.Instance, max_routes: int | None = None) -> list[list[int]]:
    """Route first, cluster second: cut an optimal giant tour into capacity-feasible routes.

    The giant tour through all customers comes from :func:`qbook.vrp.held_karp` (up to 15
    customers) or the nearest-neighbour tour; every rotation and both directions are split
    optimally by dynamic programming over (position, routes used) with at most ``max_routes``
    routes (default: the instance's vehicle count), each route costed exactly by Held-Karp.
    Classical and capacity-respecting. Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, vrp.Instance):
        raise ValueError("split_clusters needs an Instance (see qbook.vrp.read_instance)")
    D = inst.D.astype(float)
    dem = np.asarray(inst.demands)
    n = inst.n_customers
    K = max_routes or inst.n_vehicles or n
    if dem[1:].max() > inst.capacity:
        raise ValueError("a customer's demand exceeds the capacity")
    giant = vrp.held_karp(D)[1] if n <= 15 else vrp.nearest_neighbour_tour(D)
    seg_cost: dict[tuple[int, ...], float] = {}

    def cost(seg: Sequence[int]) -> float:
        key = tuple(sorted(seg))
        if key not in seg_cost:
            seg_cost[key] = vrp.held_karp(D, key)[0] if len(key) <= 12 else vrp.tour_cost(D, seg)
        return seg_cost[key]

    best_routes, best_cost = None, np.inf
    for rev in (False, True):
        base = giant[::-1] if rev else giant
        for r in range(n):
            tour = base[r:] + base[:r]
            # f[k][j]: best cost of serving tour[:j] with k routes
            f = np.full((K + 1, n + 1), np.inf)
            arg = np.full((K + 1, n + 1), -1, dtype=int)
            f[0, 0] = 0.0
            for k in range(1, K + 1):
                for i in range(n):
                    if not np.isfinite(f[k - 1, i]):
                        continue
                    load = 0
                    for j in range(i, n):
                        load += dem[tour[j]]
                        if load > inst.capacity:
                            break
                        c = f[k - 1, i] + cost(tour[i : j + 1])
                        if c < f[k, j + 1]:
                            f[k, j + 1], arg[k, j + 1] = c, i
            k_best = int(np.argmin(f[:, n]))
            if not np.isfinite(f[k_best, n]) or f[k_best, n] >= best_cost:
                continue
            routes, j, k = [], n, k_best
            while j > 0:
                i = int(arg[k, j])
                routes.append(tour[i:j])
                j, k = i, k - 1
            best_routes, best_cost = routes[::-1], float(f[k_best, n])
    if best_routes is None:
        raise ValueError(f"no split into at most {K} capacity-feasible routes")
    return [list(map(int, r)) for r in best_routes]


def two_opt(D: np.ndarray, tour: Sequence[int]) -> list[int]:
    """Classical 2-opt on a tour through the depot until no improving move is left (chapter 12)."""
    D = np.asarray(D, dtype=float)
    path = [0, *[int(c) for c in tour], 0]
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


def repair_tour(x: np.ndarray, n_customers: int, D: np.ndarray) -> list[int]:
    """Turn any bitstring into a tour: keep positions whose row has one customer not yet used,
    then insert the missing customers where they cost least (classical repair, chapter 12)."""
    M = np.asarray(x).reshape(n_customers, n_customers)
    tour: list[int] = []
    for t in range(n_customers):
        cols = np.flatnonzero(M[t])
        if cols.size == 1 and int(cols[0]) + 1 not in tour:
            tour.append(int(cols[0]) + 1)
    for c in range(1, n_customers + 1):
        if c in tour:
            continue
        path = [0, *tour, 0]
        best = min(
            range(len(path) - 1),
            key=lambda k: D[path[k], c] + D[c, path[k + 1]] - D[path[k], path[k + 1]],
        )
        tour.insert(best, c)
    return tour


@dataclass
class ClusterResult:
    """One cluster's quantum routing: raw decode (``raw_tour`` None when infeasible), repaired."""

    customers: list[int]
    method: str
    n_qubits: int
    raw_tour: list[int] | None
    raw_cost: float | None
    repaired_tour: list[int]
    repaired_cost: float
    optimal_cost: float
    wall_time: float


@dataclass
class QuantumCVRPResult:
    """All clusters of one instance; ``raw_cost`` is None if any raw decode was infeasible."""

    name: str
    clusters: list[ClusterResult] = field(default_factory=list)

    @property
    def n_infeasible(self) -> int:
        return sum(c.raw_tour is None for c in self.clusters)

    @property
    def raw_cost(self) -> float | None:
        if self.n_infeasible:
            return None
        return float(sum(c.raw_cost for c in self.clusters))

    @property
    def repaired_cost(self) -> float:
        return float(sum(c.repaired_cost for c in self.clusters))

    @property
    def exact_cost(self) -> float:
        return float(sum(c.optimal_cost for c in self.clusters))

    @property
    def raw_routes(self) -> list[list[int]] | None:
        return None if self.n_infeasible else [c.raw_tour for c in self.clusters]

    @property
    def repaired_routes(self) -> list[list[int]]:
        return [c.repaired_tour for c in self.clusters]


def quantum_route(
    D_full: np.ndarray,
    customers: Sequence[int],
    *,
    max_qaoa_qubits: int = 9,
    qaoa_p: int = 2,
    qaoa_restarts: int = 3,
    qaoa_shots: int = 2000,
    qaoa_maxiter: int = 120,
    layers: int | None = None,
    restarts: int = 3,
    big_restarts: int | None = None,
    big_cluster: int = 6,
    anneal: int = 8,
    samples: int = 2000,
    seed: int = 0,
) -> ClusterResult:
    """Solve one cluster's TSP with a quantum routine and decode it honestly.

    Up to ``max_qaoa_qubits`` (``n^2`` for ``n`` customers) QAOA with ``qaoa_p`` layers is
    optimised and then *sampled* ``qaoa_shots`` times; the best valid tour among the shots is the
    raw answer (none valid: infeasible). Larger clusters go to the minimal encoding
    (:func:`qbook.minimal.solve`; clusters of more than ``big_cluster`` customers use
    ``big_restarts`` restarts when given). A single customer needs no quantum routine. The repaired
    column applies :func:`repair_tour` (if infeasible) and :func:`two_opt`.
    Introduced in chapter 12, CVRP end to end.
    """
    from qbook import minimal, qaoa

    cust = [int(c) for c in customers]
    if not cust:
        raise ValueError("a cluster needs at least one customer")
    nodes = [0, *cust]
    D = np.asarray(D_full, dtype=float)[np.ix_(nodes, nodes)]
    n = len(cust)
    opt_cost, _ = vrp.held_karp(D)
    t0 = time.perf_counter()
    if n == 1:
        method, nq, x = "trivial", 0, np.ones(1, dtype=int)
    elif n * n <= max_qaoa_qubits:
        prob = qaoa.tsp_problem(D)
        res = qaoa.optimize(
            prob.diag, p_max=qaoa_p, restarts=qaoa_restarts, seed=seed, maxiter=qaoa_maxiter
        )
        probs = res.runs[-1].probs
        idx = qaoa.sample(probs, qaoa_shots, seed=seed)
        ok = prob.feasible[idx]
        pick = (
            idx[ok][np.argmin(prob.diag[idx[ok]])] if ok.any() else idx[np.argmin(prob.diag[idx])]
        )
        x = qaoa.bitstrings(n * n)[pick] if n * n <= 26 else None
        method, nq = f"QAOA p={qaoa_p}", n * n
    else:
        Q, off = vrp.tsp_qubo(D)
        r = minimal.solve(
            Q,
            off,
            layers=layers,
            restarts=big_restarts if (big_restarts and n > big_cluster) else restarts,
            anneal=anneal,
            samples=samples,
            seed=seed,
            accept=lambda z: vrp.decode_tour(z, n + 1) is not None,
        )
        method, nq, x = "minimal", r.n_qubits, r.x
    wall = time.perf_counter() - t0
    local = vrp.decode_tour(x, n + 1)
    raw = [nodes[i] for i in local] if local is not None else None
    raw_cost = vrp.tour_cost(D_full, raw) if raw is not None else None
    fixed_local = local if local is not None else repair_tour(x, n, D)
    fixed_local = two_opt(D, fixed_local)
    fixed = [nodes[i] for i in fixed_local]
    return ClusterResult(
        customers=cust,
        method=method,
        n_qubits=nq,
        raw_tour=raw,
        raw_cost=raw_cost,
        repaired_tour=fixed,
        repaired_cost=vrp.tour_cost(D_full, fixed),
        optimal_cost=float(opt_cost),
        wall_time=wall,
    )


def quantum_two_phase(
    inst: vrp.Instance, clusters: Sequence[Sequence[int]], **kwargs
) -> QuantumCVRPResult:
    """Route every cluster with :func:`quantum_route`; keep raw and repaired results apart.

    Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, vrp.Instance):
        raise ValueError("quantum_two_phase needs an Instance")
    seen = sorted(int(c) for cl in clusters for c in cl)
    if seen != list(range(1, inst.n_nodes)):
        raise ValueError("clusters must cover every customer exactly once")
    for cl in clusters:
        if int(inst.demands[list(cl)].sum()) > inst.capacity:
            raise ValueError(f"cluster {list(cl)} exceeds the capacity")
    out = QuantumCVRPResult(inst.name)
    for cl in clusters:
        out.clusters.append(quantum_route(inst.D, cl, **kwargs))
    return out


def best_clustering(inst: vrp.Instance) -> tuple[list[list[int]], str, dict[str, float]]:
    """Phase one: the cheaper of :func:`qbook.vrp.cluster` and :func:`split_clusters`.

    Each candidate is judged by the sum of its clusters' exact TSP costs (Held-Karp), a purely
    classical criterion; a candidate that cannot respect the fleet size is skipped. Returns
    ``(clusters, name, {name: exact cost})``. Introduced in chapter 12, CVRP end to end.
    """
    cands: dict[str, list[list[int]]] = {}
    method = "mip" if inst.coords is None else "sweep"
    cands[f"cluster ({method})"] = vrp.cluster(inst, method=method)
    try:
        cands["route-first split"] = split_clusters(inst)
    except ValueError:
        pass
    costs = {k: float(sum(vrp.held_karp(inst.D, c)[0] for c in cl)) for k, cl in cands.items()}
    name = min(costs, key=costs.get)
    return cands[name], name, costs

"""CVRP end to end: classical clustering, quantum routing per cluster, honest bookkeeping.

Introduced in chapter 12, "CVRP end to end". Phase one is classical and respects capacity
(:func:`qbook.routing.clustering.cluster` from chapter 8, or :func:`split_clusters` here, a route-first /
cluster-second split after {cite}`beasley1983`); phase two solves each cluster's TSP with a
quantum routine: QAOA in the complete encoding where the qubits fit (:mod:`qbook.routing.qaoa`), the
minimal encoding otherwise (:mod:`qbook.routing.minimal`). The raw quantum tours and the tours after an
optional classical repair / 2-opt are kept apart, and infeasible decodes are counted, never
hidden.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.routing import (
    classical,
    clustering,
    instances,
    minimal_solve,
    qaoa_constrained,
    qaoa_tsp,
    vrp_qubo,
)
from qbook.routing.classical import two_opt

__all__ = [
    "ClusterResult",
    "QuantumCVRPResult",
    "best_clustering",
    "end_to_end",
    "route_settings",
    "giant_tour",
    "null_tour",
    "null_sampled_tour",
    "quantum_route",
    "quantum_two_phase",
    "repair_tour",
    "split_clusters",
]


def giant_tour(D: np.ndarray) -> list[int]:
    """A tour through every customer for route-first splitting: exact (Held-Karp) while that is
    cheap (up to ``HELD_KARP_EXACT_MAX`` customers), else nearest neighbour improved by 2-opt and
    Or-opt (:func:`qbook.routing.classical.heuristic_tour`). Introduced in chapter 12, CVRP end to end."""
    D = classical.check_distance_matrix(D, symmetric=False)
    if D.shape[0] - 1 <= classical.HELD_KARP_EXACT_MAX:
        return classical.held_karp(D)[1]
    return classical.heuristic_tour(D)


def split_clusters(inst: instances.Instance, max_routes: int | None = None) -> list[list[int]]:
    """Route first, cluster second: cut an optimal giant tour into capacity-feasible routes.

    The giant tour through all customers comes from :func:`giant_tour` (no exact TSP over all
    customers); every rotation and both directions are split optimally by dynamic programming
    over (position, routes used) with at most ``max_routes`` routes (default: the instance's
    fleet), each route costed by :func:`qbook.routing.classical.cluster_tour` (exact up to
    ``HELD_KARP_EXACT_MAX`` customers).
    Classical and capacity-respecting. Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, instances.Instance):
        raise TypeError(
            "split_clusters needs an Instance (see qbook.routing.instances.read_instance)"
        )
    if max_routes is not None:
        max_routes = chk.count(max_routes, "max_routes", lo=1)
    D = inst.D.astype(float)
    dem = np.asarray(inst.demands)
    n = inst.n_customers
    K = max_routes or inst.n_vehicles or n
    if dem[1:].max() > inst.capacity:
        raise ValueError("a customer's demand exceeds the capacity")
    giant = giant_tour(D)
    seg_cost: dict[tuple[int, ...], float] = {}

    def cost(seg: Sequence[int]) -> float:
        key = tuple(sorted(seg))
        if key not in seg_cost:
            seg_cost[key] = classical.cluster_tour(D, key)[0]
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


def repair_tour(x: np.ndarray, n_customers: int, D: np.ndarray) -> list[int]:
    """Turn any bitstring into a tour: keep positions whose row has one customer not yet used,
    then insert the missing customers where they cost least (classical repair, chapter 12)."""
    n_customers = chk.count(n_customers, "n_customers", lo=1, hi=1000)
    D = classical.check_distance_matrix(D, symmetric=False)
    if D.shape[0] != n_customers + 1:
        raise ValueError(f"D must be {n_customers + 1}x{n_customers + 1}, got {D.shape}")
    x = chk.bits(chk._as_numeric(x, "x").ravel(), "x", n=n_customers * n_customers)
    M = x.reshape(n_customers, n_customers)
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


def null_tour(n_customers: int, D: np.ndarray, seed: int) -> list[int]:
    """The null baseline of the repaired column: the same repair and 2-opt, applied to a uniformly
    random bitstring (no quantum information) drawn with ``seed``.

    Beside every repaired number, so the reader sees what the quantum routine adds over what the
    classical post-processing finds on its own. Introduced in chapter 12, CVRP end to end.
    """
    if isinstance(n_customers, bool) or not isinstance(n_customers, int | np.integer):
        raise TypeError(f"n_customers must be an int, got {type(n_customers).__name__}")
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    D = classical.check_distance_matrix(D, symmetric=False)
    seed = chk.seed(seed)
    if D.shape[0] != n_customers + 1:
        raise ValueError(f"D must be {n_customers + 1}x{n_customers + 1}, got {D.shape}")
    x = np.random.default_rng(seed).integers(0, 2, size=n_customers * n_customers)
    return two_opt(D, repair_tour(x, n_customers, D))


def null_sampled_tour(D: np.ndarray, shots: int, seed: int) -> list[int]:
    """The null baseline of the raw column for sampling decoders: the best of ``shots`` uniformly
    random tours (no quantum state, no local search), drawn with ``seed``.

    A "best of the shots" decoder on a few customers sees most tours whatever the state; this
    is what it would find from a uniform distribution. Introduced in chapter 12.
    """
    D = classical.check_distance_matrix(D, symmetric=False)
    if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots < 1:
        raise ValueError(f"shots must be a positive int, got {shots!r}")
    seed = chk.seed(seed)
    if int(shots) > 10**7:
        raise ValueError(f"shots must be at most 10**7, got {shots}")
    n = D.shape[0] - 1
    if n < 1:
        raise ValueError("D needs at least one customer")
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((int(shots), n)), axis=1) + 1
    legs = D[0, perms[:, 0]] + D[perms[:, -1], 0]
    if n > 1:
        legs = legs + D[perms[:, :-1], perms[:, 1:]].sum(1)
    return [int(c) for c in perms[int(np.argmin(legs))]]


@dataclass
class ClusterResult:
    """One cluster's quantum routing: raw decode (``raw_tour`` None when infeasible), repaired,
    and the null baseline (repair and 2-opt from a random bitstring, same seed)."""

    customers: list[int]
    method: str
    n_qubits: int
    raw_tour: list[int] | None
    raw_cost: float | None
    repaired_tour: list[int]
    repaired_cost: float
    optimal_cost: float
    wall_time: float
    null_cost: float = float("nan")
    null_sampled_cost: float = float("nan")


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
    def null_cost(self) -> float:
        return float(sum(c.null_cost for c in self.clusters))

    @property
    def null_sampled_cost(self) -> float:
        return float(sum(c.null_sampled_cost for c in self.clusters))

    @property
    def exact_cost(self) -> float:
        return float(sum(c.optimal_cost for c in self.clusters))

    @property
    def raw_routes(self) -> list[list[int]] | None:
        return None if self.n_infeasible else [c.raw_tour for c in self.clusters]

    @property
    def repaired_routes(self) -> list[list[int]]:
        return [c.repaired_tour for c in self.clusters]

    @property
    def methods(self) -> dict[str, int]:
        """How many clusters each routine routed."""
        out: dict[str, int] = {}
        for c in self.clusters:
            out[c.method] = out.get(c.method, 0) + 1
        return out


def _route_qaoa(D: np.ndarray, n: int, p: int, restarts: int, shots: int, maxiter: int, seed: int):
    """Complete-encoding QAOA, optimised on the state vector, then sampled: the best valid shot
    (none valid: the lowest-energy shot, which decodes as infeasible)."""
    from qbook.routing import qaoa

    prob = qaoa_tsp.tsp_problem(D)
    res = qaoa.optimize(prob.diag, p_max=p, restarts=restarts, seed=seed, maxiter=maxiter)
    idx = qaoa.sample(res.runs[-1].probs, shots, seed=seed)
    ok = prob.feasible[idx]
    pick = idx[ok][np.argmin(prob.diag[idx[ok]])] if ok.any() else idx[np.argmin(prob.diag[idx])]
    return qaoa.bitstrings(n * n)[pick]


def _route_minimal(D: np.ndarray, n: int, seed: int, **options):
    """Minimal encoding on the cluster's TSP QUBO; valid sampled tours compete first."""

    Q, off = vrp_qubo.tsp_qubo(D)
    r = minimal_solve.solve(
        Q, off, seed=seed, accept=lambda z: vrp_qubo.decode_tour(z, n + 1) is not None, **options
    )
    return r.x, r.n_qubits


def quantum_route(
    D_full: np.ndarray,
    customers: Sequence[int],
    *,
    max_constrained_customers: int = 8,
    constrained_p: int = 2,
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
    decode_likely: bool = True,
    seed: int = 0,
) -> ClusterResult:
    """Solve one cluster's TSP with a quantum routine and decode it honestly.

    Routines, in order: a single customer needs none ("trivial"); up to
    ``max_constrained_customers`` the constraint-preserving QAOA of chapter 10
    (:func:`qbook.routing.qaoa_constrained.constrained_tsp`, depth ``constrained_p``, ``qaoa_shots`` shots, every
    shot a tour, the best shot the raw answer); then, where ``n^2 <= max_qaoa_qubits``, QAOA in
    the complete encoding with ``qaoa_p`` layers, optimised and *sampled* ``qaoa_shots`` times,
    the best valid tour among the shots being the raw answer (none valid: infeasible); larger
    clusters go to the minimal encoding (:func:`qbook.routing.minimal_solve.solve`, with the most likely valid
    tour of each stage as an extra candidate when ``decode_likely``; clusters of more than
    ``big_cluster`` customers use ``big_restarts`` restarts when given).
    ``method`` says which routine ran. The repaired column applies :func:`repair_tour` (if
    infeasible) and :func:`~qbook.routing.classical.two_opt`; ``null_cost`` is :func:`null_tour`'s cost with the same
    seed, and ``null_sampled_cost`` the best of ``samples`` uniformly random tours
    (:func:`null_sampled_tour`), the raw column's null. ``optimal_cost`` is the cluster's exact tour cost (Held-Karp).
    Introduced in chapter 12, CVRP end to end.
    """
    D_full = classical.check_distance_matrix(D_full, symmetric=False)
    cust = chk.tour(customers, "customers", D_full.shape[0] - 1)
    if not cust:
        raise ValueError("a cluster needs at least one customer")
    max_constrained_customers = chk.count(
        max_constrained_customers, "max_constrained_customers", hi=10
    )
    constrained_p = chk.count(constrained_p, "constrained_p", lo=1)
    max_qaoa_qubits = chk.count(max_qaoa_qubits, "max_qaoa_qubits", hi=26)
    qaoa_p = chk.count(qaoa_p, "qaoa_p", lo=1)
    qaoa_restarts = chk.count(qaoa_restarts, "qaoa_restarts", lo=0)
    qaoa_shots = chk.count(qaoa_shots, "qaoa_shots", lo=1, hi=10**7)
    qaoa_maxiter = chk.count(qaoa_maxiter, "qaoa_maxiter", lo=1)
    if layers is not None:
        layers = chk.count(layers, "layers")
    restarts = chk.count(restarts, "restarts", lo=1)
    if big_restarts is not None:
        big_restarts = chk.count(big_restarts, "big_restarts", lo=1)
    big_cluster = chk.count(big_cluster, "big_cluster", lo=1)
    anneal = chk.count(anneal, "anneal", hi=100)
    samples = chk.count(samples, "samples", lo=1, hi=10**7)
    decode_likely = chk.boolean(decode_likely, "decode_likely")
    seed = chk.seed(seed)
    nodes = [0, *cust]
    D = D_full[np.ix_(nodes, nodes)]
    n = len(cust)
    opt_cost, _ = classical.held_karp(D)
    t0 = time.perf_counter()
    local: list[int] | None = None
    if n == 1:
        method, nq, x = "trivial", 0, np.ones(1, dtype=int)
    elif n <= max_constrained_customers:
        r = qaoa_constrained.constrained_tsp(D, p=constrained_p, shots=qaoa_shots, seed=seed)
        local, x = [int(c) for c in r.tour], None
        method, nq = f"constrained QAOA p={constrained_p}", n * n
    elif n * n <= max_qaoa_qubits:
        x = _route_qaoa(D, n, qaoa_p, qaoa_restarts, qaoa_shots, qaoa_maxiter, seed)
        method, nq = f"QAOA p={qaoa_p}", n * n
    else:
        x, nq = _route_minimal(
            D,
            n,
            seed,
            layers=layers,
            restarts=big_restarts if (big_restarts and n > big_cluster) else restarts,
            anneal=anneal,
            samples=samples,
            decoder=(lambda p1: vrp_qubo.likely_tour(p1, n + 1)) if decode_likely else None,
        )
        method = "minimal"
    wall = time.perf_counter() - t0
    if x is not None:
        local = vrp_qubo.decode_tour(x, n + 1)
    raw = [nodes[i] for i in local] if local is not None else None
    fixed_local = two_opt(D, local if local is not None else repair_tour(x, n, D))
    fixed = [nodes[i] for i in fixed_local]
    null = [nodes[i] for i in null_tour(n, D, seed)]
    shots = samples if method == "minimal" else qaoa_shots
    null_s = [nodes[i] for i in null_sampled_tour(D, int(shots), seed)]
    return ClusterResult(
        customers=cust,
        method=method,
        n_qubits=nq,
        raw_tour=raw,
        raw_cost=classical.tour_cost(D_full, raw) if raw is not None else None,
        repaired_tour=fixed,
        repaired_cost=classical.tour_cost(D_full, fixed),
        optimal_cost=float(opt_cost),
        wall_time=wall,
        null_cost=classical.tour_cost(D_full, null),
        null_sampled_cost=classical.tour_cost(D_full, null_s),
    )


def quantum_two_phase(
    inst: instances.Instance, clusters: Sequence[Sequence[int]], **kwargs
) -> QuantumCVRPResult:
    """Route every cluster with :func:`quantum_route`; keep raw and repaired results apart.

    Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, instances.Instance):
        raise TypeError("quantum_two_phase needs an Instance")
    clusters = chk.routes(clusters, "clusters", inst.n_customers)
    seen = sorted(int(c) for cl in clusters for c in cl)
    if seen != list(range(1, inst.n_nodes)):
        raise ValueError("clusters must cover every customer exactly once")
    for cl in clusters:
        if int(inst.demands[list(cl)].sum()) > inst.capacity:
            raise ValueError(f"cluster {list(cl)} exceeds the capacity")
    if inst.n_vehicles is not None and len(clusters) > inst.n_vehicles:
        raise ValueError(f"{len(clusters)} clusters, but the fleet has only {inst.n_vehicles}")
    out = QuantumCVRPResult(inst.name)
    for cl in clusters:
        out.clusters.append(quantum_route(inst.D, cl, **kwargs))
    return out


def best_clustering(inst: instances.Instance) -> tuple[list[list[int]], str, dict[str, float]]:
    """Phase one: the cheapest of :func:`qbook.routing.clustering.cluster` and :func:`split_clusters`, each
    also refined by :func:`qbook.routing.clustering.improve_clusters` where its clusters are small enough.

    Each candidate is judged by the sum of its clusters' tour costs
    (:func:`qbook.routing.classical.cluster_tour`: exact up to ``HELD_KARP_EXACT_MAX`` customers), a
    purely classical criterion; every candidate has at most ``inst.n_vehicles`` clusters, and
    one that cannot meet the fleet is skipped (ValueError when none can). Returns
    ``(clusters, name, {name: cost})``. Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, instances.Instance):
        raise TypeError(
            "best_clustering needs an Instance (see qbook.routing.instances.read_instance)"
        )
    cands: dict[str, list[list[int]]] = {}
    method = "mip" if inst.coords is None else "sweep"
    errors = []
    for label, make in (
        (f"cluster ({method})", lambda: clustering.cluster(inst, method=method)),
        ("route-first split", lambda: split_clusters(inst)),
    ):
        try:
            cands[label] = make()
        except ValueError as exc:
            errors.append(f"{label}: {exc}")
    if not cands:
        raise ValueError(f"no clustering of {inst.name} meets the fleet: " + "; ".join(errors))
    for label, cl in list(cands.items()):
        if max(len(c) for c in cl) <= classical.HELD_KARP_EXACT_MAX:
            cands[label + " + local search"] = clustering.improve_clusters(
                inst.D, cl, inst.demands, inst.capacity
            )
    costs = {
        k: float(sum(classical.cluster_tour(inst.D, c)[0] for c in cl)) for k, cl in cands.items()
    }
    name = min(costs, key=costs.get)
    return cands[name], name, costs


ROUTE_SETTINGS = (
    "max_constrained_customers",
    "constrained_p",
    "max_qaoa_qubits",
    "qaoa_p",
    "layers",
    "restarts",
    "big_restarts",
    "anneal",
    "samples",
    "decode_likely",
)


def route_settings(section) -> dict:
    """The keyword arguments of :func:`quantum_route` from a profile's ``cvrp`` section (the
    chapter and the benchmark route with the same settings). Chapter 12, CVRP end to end."""
    missing = [k for k in ROUTE_SETTINGS if not hasattr(section, k)]
    if missing:
        raise ValueError(f"the profile section lacks {', '.join(missing)}")
    out = {k: getattr(section, k) for k in ROUTE_SETTINGS}
    out["qaoa_shots"] = section.samples
    return out


def end_to_end(
    inst: instances.Instance, seed: int, settings: dict
) -> tuple[dict, QuantumCVRPResult]:
    """One end-to-end run: phase one (:func:`best_clustering`), phase two (:func:`quantum_two_phase`
    with ``settings`` and ``seed``). Returns a summary row (instance, fleet, cluster sizes, which
    routine routed how many clusters, infeasible clusters, raw / repaired / null / exact costs,
    best known, seconds) and the full result. Introduced in chapter 12, CVRP end to end.
    """
    if not isinstance(inst, instances.Instance):
        raise TypeError("end_to_end needs an Instance")
    if not isinstance(settings, dict):
        raise TypeError("settings must be a dict of quantum_route keyword arguments")
    seed = chk.seed(seed)
    t0 = time.perf_counter()
    clusters, how, _ = best_clustering(inst)
    res = quantum_two_phase(inst, clusters, seed=seed, **settings)
    raw = res.raw_cost
    row = dict(
        instance=inst.name,
        n_customers=inst.n_customers,
        k=inst.n_vehicles,
        seed=int(seed),
        phase_one=how,
        cluster_sizes=sorted(len(c) for c in clusters),
        routines=res.methods,
        n_clusters=len(clusters),
        infeasible=res.n_infeasible,
        raw=raw,
        raw_within_2pct=raw is not None and raw <= 1.02 * res.exact_cost,
        repaired=res.repaired_cost,
        null=res.null_cost,
        null_sampled=res.null_sampled_cost,
        exact=res.exact_cost,
        best_known=inst.best_cost,
        seconds=time.perf_counter() - t0,
    )
    return row, res

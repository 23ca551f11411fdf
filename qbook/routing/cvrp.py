"""CVRP end to end: classical clustering, quantum routing per cluster, honest bookkeeping.

Introduced in chapter 12, "CVRP end to end". Phase one is classical and respects capacity
(:func:`qbook.routing.clustering.cluster` from chapter 8, or :func:`split_clusters` here, a route-first /
cluster-second split after {cite}`beasley1983`); phase two routes each cluster with a routine
whose raw answer is always a tour: the constrained QAOA of chapter 10
(:mod:`qbook.routing.qaoa_constrained`) up to its exact size, the quantum local search
(:mod:`qbook.routing.local_search`) beyond. The local search starts from a classical tour
(nearest neighbour improved by 2-opt and Or-opt, ``start_from``), which on most long clusters
is already optimal or within a few per cent: its rows report the start, raw, null and
exact-window costs so that what the quantum windows add is visible. The minimal encoding (:mod:`qbook.routing.minimal`)
stays available as a measured comparison (``routine="minimal"``). The raw quantum tours and the
tours after an optional classical repair / 2-opt are kept apart, every raw column has its null
with the same budget, and infeasible decodes are counted, never hidden.
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
    local_search,
    minimal_solve,
    qaoa_constrained,
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
    random tours (no quantum state, no local search), drawn with ``seed``
    (:func:`qbook.routing.local_search.best_random_order`).

    A "best of the shots" decoder on a few customers sees most tours whatever the state; this
    is what it would find from a uniform distribution. Introduced in chapter 12.
    """
    D = classical.check_distance_matrix(D, symmetric=False)
    if D.shape[0] < 2:
        raise ValueError("D needs at least one customer")
    return local_search.best_random_order(D, shots, seed)[1]


@dataclass
class ClusterResult:
    """One cluster's quantum routing: raw decode (``raw_tour`` None when infeasible), repaired,
    the null baseline of the repaired column (repair and 2-opt from a random bitstring, same
    seed) and of the raw column (``null_sampled_cost``: the same budget without a quantum state),
    and for the local search its start tour's cost and the exact-window search's cost."""

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
    start_cost: float = float("nan")
    exact_window_cost: float = float("nan")

    @property
    def routine(self) -> str:
        """The routine's name without its settings: ``"constrained QAOA"``, ``"local search"``."""
        return self.method.split(" p=")[0].split(" w=")[0]

    @property
    def raw_as_good_as_null(self) -> bool:
        """The raw tour costs no more than its null with the same budget (chapter 12)."""
        return self.raw_cost is not None and self.raw_cost <= self.null_sampled_cost + 1e-9

    @property
    def raw_beats_null(self) -> bool:
        """The raw tour is strictly cheaper than its null with the same budget (chapter 12)."""
        return self.raw_cost is not None and self.raw_cost < self.null_sampled_cost - 1e-9


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


def _route_minimal(D: np.ndarray, n: int, seed: int, **options):
    """Minimal encoding on the cluster's TSP QUBO; valid sampled tours compete first."""

    Q, off = vrp_qubo.tsp_qubo(D)
    r = minimal_solve.solve(
        Q, off, seed=seed, accept=lambda z: vrp_qubo.decode_tour(z, n + 1) is not None, **options
    )
    return r.x, r.n_qubits


ROUTINES = ("auto", "minimal")


def quantum_route(
    D_full: np.ndarray,
    customers: Sequence[int],
    *,
    max_constrained_customers: int = 8,
    constrained_p: int = 3,
    qaoa_shots: int = 2000,
    window: int = 8,
    max_passes: int = 3,
    start_from: str = "2-opt+or-opt",
    routine: str = "auto",
    layers: int | None = None,
    restarts: int = 3,
    big_restarts: int | None = None,
    big_cluster: int = 6,
    anneal: int = 8,
    samples: int = 2000,
    decode_likely: bool = True,
    seed: int = 0,
) -> ClusterResult:
    """Solve one cluster's TSP with a quantum routine whose raw answer is a tour.

    ``routine="auto"``: a single customer needs none ("trivial"); up to
    ``max_constrained_customers`` (at most 11) the constraint-preserving QAOA of chapter 10
    (:func:`qbook.routing.qaoa_constrained.constrained_tsp`, depth ``constrained_p``,
    ``qaoa_shots`` shots, every shot a tour, the best shot the raw answer; from 10 customers at
    transferred angles); beyond, the quantum local search
    (:func:`qbook.routing.local_search.local_search`: a classical start tour, ``start_from``,
    by default nearest neighbour improved by 2-opt and Or-opt to a local optimum; overlapping
    windows of ``window`` positions around the closed tour, depot included; at most
    ``max_passes`` passes, ``qaoa_shots`` shots per window). The null and the exact-window
    search get the same start tour and the same window schedule.
    ``routine="minimal"``: the minimal encoding of chapter 11 instead, for every cluster of two
    or more customers (:func:`qbook.routing.minimal_solve.solve` with ``layers``, ``restarts``,
    ``big_restarts`` above ``big_cluster`` customers, ``anneal``, ``samples`` and the most likely
    valid tour of each stage when ``decode_likely``): chapter 12's measured comparison.
    ``method`` says which routine ran. The raw column's null, ``null_sampled_cost``, has the
    routine's budget: the best of as many random tours as shots for a sampler, the same local
    search with random window orders (:func:`qbook.routing.local_search.local_search`,
    ``solver="null"``) for the local search. The repaired column applies :func:`repair_tour`
    (if infeasible) and :func:`~qbook.routing.classical.two_opt`; ``null_cost`` is :func:`null_tour`'s cost.
    ``optimal_cost`` is the cluster's exact tour cost (Held-Karp, up to 18 customers).
    Introduced in chapter 12, CVRP end to end.
    """
    D_full = classical.check_distance_matrix(D_full, symmetric=False)
    cust = chk.tour(customers, "customers", D_full.shape[0] - 1)
    if not cust:
        raise ValueError("a cluster needs at least one customer")
    max_constrained_customers = chk.count(
        max_constrained_customers, "max_constrained_customers", hi=11
    )
    constrained_p = chk.count(constrained_p, "constrained_p", lo=1, hi=10)
    qaoa_shots = chk.count(qaoa_shots, "qaoa_shots", lo=1, hi=10**6)
    window = chk.count(window, "window", lo=2, hi=11)
    max_passes = chk.count(max_passes, "max_passes", lo=1, hi=100)
    start_from = chk.choice(start_from, "start_from", local_search.START_TOURS)
    routine = chk.choice(routine, "routine", ROUTINES)
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
    if n > 18:
        raise ValueError(f"a cluster of {n} customers is past Held-Karp's exact reference (18)")
    opt_cost, _ = classical.held_karp(D)
    t0 = time.perf_counter()
    local: list[int] | None = None
    x, shots, null_s, start, exact_w = None, qaoa_shots, None, float("nan"), float("nan")
    if n == 1:
        method, nq, local = "trivial", 0, [1]
    elif routine == "minimal":
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
        method, shots = "minimal", samples
    elif n <= max_constrained_customers:
        r = qaoa_constrained.constrained_tsp(D, p=constrained_p, shots=qaoa_shots, seed=seed)
        local = [int(c) for c in r.tour]
        method, nq = f"constrained QAOA p={constrained_p}", n * n
    else:
        opts = dict(
            width=window,
            max_passes=max_passes,
            p=constrained_p,
            shots=qaoa_shots,
            start_from=start_from,
        )
        r = local_search.local_search(D, solver="qaoa", seed=seed, **opts)
        local, start = r.tour, r.start_cost
        null_s = local_search.local_search(D, solver="null", seed=seed, **opts).tour
        exact_w = local_search.local_search(D, solver="exact", seed=seed, **opts).cost
        method, nq = f"local search w={min(window, n)} p={constrained_p}", window * window
    wall = time.perf_counter() - t0
    if x is not None:
        local = vrp_qubo.decode_tour(x, n + 1)
    raw = [nodes[i] for i in local] if local is not None else None
    fixed_local = two_opt(D, local if local is not None else repair_tour(x, n, D))
    fixed = [nodes[i] for i in fixed_local]
    null = [nodes[i] for i in null_tour(n, D, seed)]
    if null_s is None:
        null_s = local_search.best_random_order(D, int(shots), seed)[1]
    null_s = [nodes[i] for i in null_s]
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
        start_cost=float(start),
        exact_window_cost=float(exact_w),
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
    "window",
    "max_passes",
    "start_from",
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

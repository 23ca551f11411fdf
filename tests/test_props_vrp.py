"""Property tests of the routing modules behind qbook.routing (issue 11): bad input refused; tour
costs, exact TSPs against brute force, QUBO energies of tours, clusterings that fit.

tests/test_props_routing.py (issue 9) covers the functions it added; this file covers the rest.
"""

import itertools

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from qbook.routing import classical, clustering, cvrp, instances, penalty, qubo, vrp_qubo

COVERED = [
    "qbook.routing.classical.check_tour",
    "qbook.routing.instances.check_cvrp",
    "qbook.routing.instances.Instance",
    "qbook.routing.instances.instance_names",
    "qbook.routing.instances.euclidean_rounded",
    "qbook.routing.instances.read_instance",
    "qbook.routing.classical.check_distance_matrix",
    "qbook.routing.classical.tour_cost",
    "qbook.routing.classical.route_cost",
    "qbook.routing.classical.nearest_neighbour_tour",
    "qbook.routing.classical.held_karp",
    "qbook.routing.instances.check_solution",
    "qbook.routing.instances.pyvrp_solve",
    "qbook.routing.instances.mds_coords",
    "qbook.routing.instances.plot_routes",
    "qbook.routing.vrp_qubo.tsp_default_penalty",
    "qbook.routing.vrp_qubo.tsp_qubo",
    "qbook.routing.vrp_qubo.decode_tour",
    "qbook.routing.vrp_qubo.tsp_valid",
    "qbook.routing.vrp_qubo.encode_tour",
    "qbook.routing.vrp_qubo.slack_bits",
    "qbook.routing.vrp_qubo.count_variables",
    "qbook.routing.vrp_qubo.max_route_length",
    "qbook.routing.vrp_qubo.CVRPQubo",
    "qbook.routing.vrp_qubo.cvrp_default_penalty",
    "qbook.routing.vrp_qubo.cvrp_qubo",
    "qbook.routing.vrp_qubo.cvrp_brute_force",
    "qbook.routing.clustering.sweep_clusters",
    "qbook.routing.clustering.mip_clusters",
    "qbook.routing.clustering.cluster",
    "qbook.routing.clustering.improve_clusters",
    "qbook.routing.clustering.two_phase",
    "qbook.routing.penalty.smallest_working_penalty",
    "qbook.routing.penalty.penalty_study",
    "qbook.routing.cvrp.split_clusters",
    "qbook.routing.cvrp.repair_tour",
    "qbook.routing.cvrp.ClusterResult",
    "qbook.routing.cvrp.QuantumCVRPResult",
    "qbook.routing.cvrp.quantum_route",
    "qbook.routing.cvrp.quantum_two_phase",
    "qbook.routing.cvrp.best_clustering",
]

CASES = [
    *bad_input_cases("instances"),
    *bad_input_cases("classical"),
    *bad_input_cases("vrp_qubo"),
    *bad_input_cases("clustering"),
    *bad_input_cases("penalty"),
    *bad_input_cases("cvrp"),
]
# the issue-9 functions of these modules have their own property tests
CASES = [c for c in CASES if f"qbook.{c.id}" in COVERED]


@st.composite
def points(draw, lo=2, hi=6):
    n = draw(st.integers(lo, hi))
    return np.asarray(
        draw(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=n, max_size=n)),
        float,
    )


@pytest.mark.parametrize(("qual", "func", "good", "muts"), CASES)
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(points(), st.data())
def test_held_karp_is_the_best_permutation_and_tours_round_trip(xy, data):
    D = instances.euclidean_rounded(xy).astype(float)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    n = len(D) - 1
    best = min(classical.tour_cost(D, list(p)) for p in itertools.permutations(range(1, n + 1)))
    cost, tour = classical.held_karp(D)
    assert cost == pytest.approx(best) and classical.tour_cost(D, tour) == pytest.approx(best)
    nn = classical.nearest_neighbour_tour(D)
    assert sorted(nn) == list(range(1, n + 1)) and classical.tour_cost(D, nn) >= best - 1e-9
    assert classical.route_cost(D, [tour]) == pytest.approx(cost)
    x = vrp_qubo.encode_tour(tour, n + 1)
    assert vrp_qubo.decode_tour(x, n + 1) == tour and vrp_qubo.tsp_valid(x[None], n + 1)[0]
    if n <= 3:
        Q, off = vrp_qubo.tsp_qubo(D)
        assert qubo.qubo_energy(Q, x, off) == pytest.approx(classical.tour_cost(D, tour))
        emin, xs = qubo.brute_force(Q, off)
        assert emin == pytest.approx(best)
        assert all(vrp_qubo.decode_tour(z, n + 1) is not None for z in xs)
        assert vrp_qubo.tsp_default_penalty(D) > 0
    coords = instances.mds_coords(D)
    assert coords.shape == (n + 1, 2) and np.all(np.isfinite(coords))
    bits = np.asarray(data.draw(st.lists(st.integers(0, 1), min_size=n * n, max_size=n * n)))
    repaired = cvrp.repair_tour(bits, n, D)
    assert sorted(repaired) == list(range(1, n + 1))


@given(st.integers(1, 10**6), st.integers(1, 5), st.integers(1, 5), st.integers(0, 8))
def test_variable_counts(cap, n, r, b):
    assert 2 ** vrp_qubo.slack_bits(cap) > cap >= 2 ** (vrp_qubo.slack_bits(cap) - 1)
    c = vrp_qubo.count_variables(n, r, capacity_bits=b)
    assert c["total"] == r * n * (n + 1) + r * b and c["tsp_vars"] == n * n


@settings(max_examples=4)
@given(points(3, 4), st.data())
def test_cvrp_brute_force_routes_fit_and_the_qubo_is_built(xy, data):
    D = instances.euclidean_rounded(xy).astype(float)
    n = len(D) - 1
    demands = np.array([0] + data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    cap = int(max(demands.max(), data.draw(st.integers(3, 5))))
    best, routes = vrp_qubo.cvrp_brute_force(D, demands, cap, n)  # one vehicle each fits
    assert classical.route_cost(D, routes) == pytest.approx(best)
    assert all(demands[r].sum() <= cap for r in routes)
    T = vrp_qubo.max_route_length(demands, cap)
    assert vrp_qubo.cvrp_default_penalty(D, n, T) > best
    cq = vrp_qubo.cvrp_qubo(D, demands, cap, n)
    assert isinstance(cq, vrp_qubo.CVRPQubo) and cq.n_vars == cq.Q.shape[0]
    assert cq.n_vars == vrp_qubo.count_variables(n, n, T, vrp_qubo.slack_bits(cap))["total"]


@pytest.fixture(scope="module")
def inst():
    return instances.read_instance("P-n16-k8")


def test_shipped_instances_cluster_and_solve(inst):
    import matplotlib

    matplotlib.use("Agg")
    assert "P-n16-k8" in instances.instance_names() and isinstance(inst, instances.Instance)
    classical.check_distance_matrix(inst.D)
    instances.check_solution(inst, inst.best_routes)
    for clusters in (
        clustering.cluster(inst),
        clustering.sweep_clusters(inst.coords, inst.demands, inst.capacity),
        clustering.mip_clusters(inst.D, inst.demands, inst.capacity, inst.n_vehicles),
    ):
        assert sorted(c for cl in clusters for c in cl) == list(range(1, inst.n_nodes))
        assert all(inst.demands[cl].sum() <= inst.capacity for cl in clusters)
    better = clustering.improve_clusters(
        inst.D, clustering.cluster(inst), inst.demands, inst.capacity, max_passes=2
    )
    assert sorted(c for cl in better for c in cl) == list(range(1, inst.n_nodes))
    routes, cost = clustering.two_phase(inst)
    instances.check_solution(inst, routes)
    assert cost >= inst.best_cost - 1e-9
    routes, cost = instances.pyvrp_solve(inst, 200)
    instances.check_solution(inst, routes)
    assert instances.plot_routes(inst, routes) is not None
    e13 = instances.read_instance("E-n13-k4")
    split = cvrp.split_clusters(e13)
    assert sorted(c for cl in split for c in cl) == list(range(1, e13.n_nodes))
    best, how, costs = cvrp.best_clustering(e13)
    assert costs[how] == min(costs.values())


def test_quantum_routes_are_tours(inst):
    res = cvrp.quantum_route(inst.D, [3, 5], qaoa_shots=20, constrained_p=1)
    assert isinstance(res, cvrp.ClusterResult)
    assert sorted(res.repaired_tour) == [3, 5] and res.repaired_cost >= res.optimal_cost - 1e-9
    two = cvrp.quantum_two_phase(
        inst,
        clustering.cluster(inst),
        qaoa_shots=10,
        constrained_p=1,
        samples=10,
        restarts=1,
    )
    assert isinstance(two, cvrp.QuantumCVRPResult)
    assert sorted(c for cl in two.clusters for c in cl.repaired_tour) == list(range(1, 16))


def test_penalty_bisection_and_study():
    D = instances.euclidean_rounded(np.array([[0, 0], [3, 0], [3, 4], [0, 4]])).astype(float)
    opt = classical.held_karp(D)[0]

    def build(a):
        Q, off = vrp_qubo.tsp_qubo(D, a)
        return Q, off, lambda X: (vrp_qubo.tsp_valid(X, 4), qubo.qubo_energy(Q, X, off))

    upper = 2 * vrp_qubo.tsp_default_penalty(D)
    p = penalty.smallest_working_penalty(build, opt, upper, iters=4)
    assert 0 < p <= upper
    rows = penalty.penalty_study(build, opt, [p, upper], n_reads=4, n_sweeps=5)
    assert [r["ground_ok"] for r in rows] == [True, True]
    assert all(0 <= r["rel_gap"] <= 1 for r in rows)


@given(perm=st.permutations([1, 2, 3, 4]))
def test_check_tour_and_check_cvrp_accept_valid_parts_and_refuse_broken_ones(perm):
    assert classical.check_tour(perm, 5) == list(perm)
    with pytest.raises(ValueError):
        classical.check_tour([*perm, perm[0]], 5)
    D = np.ones((5, 5)) - np.eye(5)
    D2, demands, cap, k = instances.check_cvrp(D, [0, 1, 2, 1, 1], 3, 2)
    assert demands.dtype.kind == "i" and (cap, k) == (3, 2)
    with pytest.raises(ValueError):
        instances.check_cvrp(D, [0, 1, 4, 1, 1], 3, 2)  # a demand above the capacity

"""qbook.routing: instances, costs, the TSP and CVRP QUBOs, two-phase solving."""

import itertools
from pathlib import Path

import numpy as np
import pytest

from qbook.routing import classical, clustering, instances, penalty, vrp_qubo
from qbook.routing.classical import route_cost, tour_cost
from qbook.routing.instances import euclidean_rounded, instance_names, read_instance
from qbook.routing.qubo import brute_force, qubo_energy
from qbook.routing.vrp_qubo import decode_tour, encode_tour, tsp_qubo


def _random_d(rng, n_nodes):
    return euclidean_rounded(rng.integers(0, 100, size=(n_nodes, 2)))


def test_all_seven_instances_ship_and_reproduce_their_best_known_cost():
    names = instance_names()
    assert len(names) == 7
    for name in names:
        inst = read_instance(name)
        assert inst.best_cost is not None
        assert route_cost(inst.D, inst.best_routes) == inst.best_cost, name
        visited = sorted(c for r in inst.best_routes for c in r)
        assert visited == list(range(1, inst.n_nodes))
        assert all(inst.demands[r].sum() <= inst.capacity for r in inst.best_routes)
        assert inst.n_vehicles == len(inst.best_routes)
        assert inst.D.dtype.kind == "i" and np.array_equal(inst.D, inst.D.T)


def test_explicit_and_euclidean_instances():
    e = read_instance("E-n13-k4")
    assert e.coords is None and e.D[0, 1] == 9 and e.capacity == 6000
    p = read_instance("P-n16-k8")
    assert p.coords.shape == (16, 2) and p.n_vehicles == 8
    # CVRPLIB rounds to the nearest integer: nodes 1 (30,40) and 2 (37,52): sqrt(193) = 13.89
    assert p.D[0, 1] == 14


@pytest.mark.parametrize("n_nodes", [2, 3, 4, 5, 6])
def test_tsp_qubo_minimisers_are_exactly_the_optimal_tours(n_nodes):
    """N = 6 nodes is 25 variables; the vectorised brute force does it in well under 1 s."""
    rng = np.random.default_rng(n_nodes)
    D = _random_d(rng, n_nodes)
    Q, off = tsp_qubo(D)
    assert Q.shape == ((n_nodes - 1) ** 2,) * 2
    costs = {p: tour_cost(D, p) for p in itertools.permutations(range(1, n_nodes))}
    best = min(costs.values())
    m, xs = brute_force(Q, off)
    assert m == pytest.approx(best)
    optimal = {p for p, c in costs.items() if c == best}
    decoded = {tuple(decode_tour(x, n_nodes)) for x in xs}
    assert decoded == optimal  # every minimiser decodes, and every optimal tour is a minimiser


def test_tsp_energy_of_a_valid_tour_is_its_cost():
    rng = np.random.default_rng(7)
    D = _random_d(rng, 5)
    Q, off = tsp_qubo(D, penalty=1000.0)
    for p in itertools.permutations(range(1, 5)):
        x = encode_tour(p, 5)
        assert decode_tour(x, 5) == list(p)
        assert qubo_energy(Q, x, off) == pytest.approx(tour_cost(D, p))


def test_decode_tour_rejects_non_permutations_and_bad_lengths():
    assert decode_tour(np.zeros(9, dtype=int), 4) is None
    assert decode_tour([1, 1, 0, 0], 3) is None
    with pytest.raises(ValueError, match="length"):
        decode_tour([0, 1, 0], 3)


def test_costs():
    D = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])
    assert tour_cost(D, [1, 2]) == 6
    assert tour_cost(D, []) == 0
    assert route_cost(D, [[1], [2]]) == 6
    with pytest.raises(ValueError, match="customer"):
        tour_cost(D, [3])


def test_bad_distance_matrices_raise():
    with pytest.raises(ValueError, match="square"):
        tsp_qubo(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        tsp_qubo(np.array([[0, 1, 2], [1, 0, 3], [5, 3, 0]]))
    with pytest.raises(ValueError, match="penalty"):
        tsp_qubo(np.array([[0, 1], [1, 0]]), penalty=-1)


def test_malformed_instance_file(tmp_path):
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nEOF\n")
    with pytest.raises(ValueError):
        read_instance(bad)
    with pytest.raises(ValueError, match="unknown instance"):
        read_instance("X-n0-k0")
    assert instances.read_instance is read_instance


def _tiny():
    """3 customers, 2 vehicles, capacity 3, 2 steps: 2*2*4 + 2*2 = 20 variables.

    Customers 1 and 2 (demand 2 each) would share a route without the capacity: it binds.
    """
    P = np.array([[0, 0], [3, 4], [6, 1], [-4, 3]], float)
    D = np.sqrt(((P[:, None] - P[None]) ** 2).sum(-1))  # exact: the triangle inequality holds
    return D, np.array([0, 2, 2, 1]), 3


def test_cvrp_qubo_ground_state_is_the_brute_force_optimum():
    D, dem, cap = _tiny()
    cq = vrp_qubo.cvrp_qubo(D, dem, cap, n_vehicles=2, n_steps=2)
    assert cq.n_vars == vrp_qubo.count_variables(3, 2, 2, vrp_qubo.slack_bits(cap))["total"] == 20
    best, routes = vrp_qubo.cvrp_brute_force(D, dem, cap, 2, max_per_route=2)
    m, xs = brute_force(cq.Q, cq.offset)
    assert m == pytest.approx(best)
    assert route_cost(D, routes) == pytest.approx(best)
    for x in xs:
        dec = cq.decode(x)
        assert dec is not None
        assert sorted(c for r in dec for c in r) == [1, 2, 3]
        assert all(dem[r].sum() <= cap for r in dec)
        assert route_cost(D, dec) == pytest.approx(best)
    assert sorted(map(sorted, routes)) == [[1, 3], [2]]
    # the capacity binds: with room for 4 the cheaper split {1, 2}, {3} wins
    loose, loose_routes = vrp_qubo.cvrp_brute_force(D, dem, 4, 2, max_per_route=2)
    assert loose < best and sorted(map(sorted, loose_routes)) == [[1, 2], [3]]


def test_cvrp_energy_terms_and_small_penalty_failure():
    D, dem, cap = _tiny()
    cq = vrp_qubo.cvrp_qubo(D, dem, cap, n_vehicles=2, n_steps=2, penalties=1.0)
    m, xs = brute_force(cq.Q, cq.offset)
    assert not any(cq.is_feasible(x) for x in xs)  # too small a penalty: constraints broken
    # the energy is the sum of the weighted terms
    x = xs[0]
    parts = {k: qubo_energy(Q, x, off) for k, (Q, off) in cq.terms.items()}
    total = parts["cost"] + sum(
        cq.penalties[i] * parts[k] for i, k in enumerate(["once", "step", "cap"])
    )
    assert qubo_energy(cq.Q, x, cq.offset) == pytest.approx(total)
    assert cq.label(cq.index(1, 0, 2)) == "x^1_0,2" and cq.label(cq.slack_index(1, 1)) == "a^1_1"


def test_count_variables_grows_as_stated():
    c = vrp_qubo.count_variables(12, 4, 12, 13)
    assert c == {"route_vars": 4 * 12 * 13, "slack_vars": 52, "total": 676, "tsp_vars": 144}


def test_held_karp_is_exact():
    rng = np.random.default_rng(5)
    for k in (1, 2, 4, 6):
        D = _random_d(rng, k + 1)
        cost, tour = classical.held_karp(D)
        best = min(tour_cost(D, p) for p in itertools.permutations(range(1, k + 1)))
        assert cost == best == tour_cost(D, tour)


@pytest.mark.parametrize(
    "name,method", [("P-n19-k2", "sweep"), ("E-n13-k4", "mip"), ("P-n16-k8", "mip")]
)
def test_two_phase_returns_feasible_routes(name, method):
    inst = read_instance(name)
    routes, cost = clustering.two_phase(inst, method=method)
    instances.check_solution(inst, routes)
    assert len(routes) <= inst.n_vehicles
    assert cost == route_cost(inst.D, routes) >= inst.best_cost


def test_cvrp_bad_input():
    D, dem, cap = _tiny()
    with pytest.raises(ValueError, match="above the capacity"):
        vrp_qubo.cvrp_qubo(D, [0, 1, 5, 1], cap, 2)
    with pytest.raises(ValueError, match="one entry per node"):
        vrp_qubo.cvrp_qubo(D, [0, 1, 1], cap, 2)
    with pytest.raises(ValueError, match="method"):
        clustering.cluster(read_instance("P-n19-k2"), method="kmeans")
    with pytest.raises(ValueError, match="coordinates"):
        clustering.cluster(read_instance("E-n13-k4"), method="sweep")
    cq = vrp_qubo.cvrp_qubo(D, dem, cap, 2, n_steps=2)
    with pytest.raises(ValueError, match="length"):
        cq.decode(np.zeros(19, dtype=int))


def test_pyvrp_reference_routes_are_read_back_correctly():
    inst = read_instance("E-n13-k4")
    routes, cost = instances.pyvrp_solve(inst, iterations=300, seed=0)  # cost checked vs PyVRP's
    instances.check_solution(inst, routes)
    assert cost >= inst.best_cost


def test_malformed_sections(tmp_path):
    good = Path(read_instance("P-n16-k8").path).read_text()
    short = tmp_path / "short.vrp"
    short.write_text(good.replace("DIMENSION : 16", "DIMENSION : 17"))
    with pytest.raises(ValueError):
        read_instance(short)
    garbage = tmp_path / "garbage.vrp"
    garbage.write_text("this is not a CVRPLIB file\n")
    with pytest.raises(ValueError):
        read_instance(garbage)


def test_local_search_on_clusters_never_hurts():
    inst = read_instance("E-n13-k4")
    clusters = clustering.cluster(inst, method="mip")
    before = sum(classical.held_karp(inst.D, c)[0] for c in clusters)
    better = clustering.improve_clusters(inst.D, clusters, inst.demands, inst.capacity)
    routes = [classical.held_karp(inst.D, c)[1] for c in better]
    instances.check_solution(inst, routes)
    assert len(better) == len(clusters)
    assert inst.best_cost <= route_cost(inst.D, routes) <= before


def test_penalty_study_on_a_small_tsp():
    rng = np.random.default_rng(3)
    D = _random_d(rng, 4)
    opt, _ = classical.held_karp(D)

    def build(p):
        Q, off = tsp_qubo(D, penalty=p)
        return Q, off, lambda X: (vrp_qubo.tsp_valid(X, 4), qubo_energy(Q, X, off))

    p_min = penalty.smallest_working_penalty(build, opt, vrp_qubo.tsp_default_penalty(D))
    assert 0 < p_min <= vrp_qubo.tsp_default_penalty(D)
    rows = penalty.penalty_study(build, opt, [p_min / 4, 2 * p_min], n_reads=50, n_sweeps=20)
    assert [r["ground_ok"] for r in rows] == [False, True]
    assert all(0 <= r["sa_success"] <= r["sa_feasible"] <= 1 and r["rel_gap"] > 0 for r in rows)

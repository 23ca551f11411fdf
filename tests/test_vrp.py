"""qbook.vrp: instances, costs, the TSP and CVRP QUBOs, two-phase solving."""

import itertools

import numpy as np
import pytest

from qbook import vrp
from qbook.qubo import brute_force, qubo_energy
from qbook.vrp import (
    decode_tour,
    encode_tour,
    euclidean_rounded,
    instance_names,
    read_instance,
    route_cost,
    tour_cost,
    tsp_qubo,
)


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
    assert vrp.read_instance is read_instance

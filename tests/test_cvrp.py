"""Tests for qbook.routing.cvrp (chapter 12)."""

import numpy as np
import pytest

from qbook.routing import classical, cvrp, instances, local_search


def test_split_clusters_respects_capacity_and_covers_customers():
    inst = instances.read_instance("E-n13-k4")
    clusters = cvrp.split_clusters(inst)
    assert sorted(c for cl in clusters for c in cl) == list(range(1, inst.n_nodes))
    assert len(clusters) <= inst.n_vehicles
    for cl in clusters:
        assert inst.demands[cl].sum() <= inst.capacity
    exact = sum(classical.held_karp(inst.D, cl)[0] for cl in clusters)
    assert exact >= inst.best_cost


def test_two_opt_and_repair():
    rng = np.random.default_rng(0)
    D = instances.euclidean_rounded(rng.integers(0, 100, size=(7, 2)))
    tour = [3, 1, 5, 2, 6, 4]
    better = classical.two_opt(D, tour)
    assert sorted(better) == sorted(tour)
    assert classical.tour_cost(D, better) <= classical.tour_cost(D, tour)
    x = np.zeros(36, dtype=int)
    x[[0, 1, 7]] = 1  # position 0 has two customers, position 1 has customer 2
    fixed = cvrp.repair_tour(x, 6, D)
    assert sorted(fixed) == [1, 2, 3, 4, 5, 6]


ANGLES = np.array([-0.6, -0.95, 1.1, 0.8])  # p = 2, in place of the transferred angles


@pytest.fixture
def fixed_angles(monkeypatch):
    from qbook.routing import qaoa_constrained

    monkeypatch.setattr(qaoa_constrained, "transferred_angles", lambda p, *a: ANGLES[: 2 * p])


def test_constrained_qaoa_routes_clusters_up_to_its_size_and_never_fails_to_decode():
    inst = instances.read_instance("E-n13-k4")
    for cl in ([8, 5, 2], [1, 3, 4, 6, 7]):
        r = cvrp.quantum_route(
            inst.D, cl, max_constrained_customers=5, constrained_p=2, qaoa_shots=200, seed=0
        )
        assert r.method.startswith("constrained QAOA")
        assert r.raw_tour is not None and sorted(r.raw_tour) == sorted(cl)
        assert r.raw_cost >= r.optimal_cost and r.null_sampled_cost >= r.optimal_cost


def test_longer_clusters_go_to_the_local_search_with_its_null_beside(fixed_angles):
    inst = instances.read_instance("P-n19-k2")
    cl = list(range(1, 11))
    kw = dict(max_constrained_customers=5, constrained_p=2, window=5, qaoa_shots=300, seed=1)
    r = cvrp.quantum_route(inst.D, cl, **kw)
    assert r.method.startswith("local search w=5")
    assert sorted(r.raw_tour) == cl and r.raw_cost >= r.optimal_cost - 1e-9
    assert r.raw_cost <= r.start_cost + 1e-9  # accepts improvements only
    assert r.exact_window_cost >= r.optimal_cost - 1e-9
    sub = [0, *cl]
    D = inst.D[np.ix_(sub, sub)]
    null = local_search.local_search(D, solver="null", width=5, shots=300, seed=1, p=2)
    assert r.null_sampled_cost == pytest.approx(null.cost)
    m = cvrp.quantum_route(inst.D, cl[:4], routine="minimal", samples=100, restarts=1, seed=0)
    assert m.method == "minimal" and m.null_sampled_cost >= m.optimal_cost - 1e-9


def test_infeasible_decode_is_reported_not_hidden():
    good = cvrp.ClusterResult([1], "trivial", 0, [1], 10.0, [1], 10.0, 10.0, 0.0)
    bad = cvrp.ClusterResult([2, 3], "minimal", 3, None, None, [2, 3], 20.0, 18.0, 0.1)
    res = cvrp.QuantumCVRPResult("x", [good, bad])
    assert res.n_infeasible == 1
    assert res.raw_cost is None and res.raw_routes is None
    assert res.repaired_cost == 30.0


def test_bad_input():
    inst = instances.read_instance("E-n13-k4")
    with pytest.raises(ValueError):
        cvrp.quantum_two_phase(inst, [[1, 2]])
    with pytest.raises(ValueError):
        cvrp.quantum_route(inst.D, [])
    for kw in (
        {"routine": "qaoa"},
        {"window": 1},
        {"window": 12},
        {"max_constrained_customers": 12},
    ):
        with pytest.raises(ValueError):
            cvrp.quantum_route(inst.D, [1, 2], **kw)
    with pytest.raises(TypeError, match="Instance"):
        cvrp.split_clusters("E-n13-k4")


def test_cluster_result_names_its_routine_and_compares_raw_with_its_null():
    base = dict(
        customers=[1, 2],
        n_qubits=0,
        raw_tour=[1, 2],
        repaired_tour=[1, 2],
        repaired_cost=10.0,
        optimal_cost=10.0,
        wall_time=0.0,
    )
    c = cvrp.ClusterResult(
        method="local search w=9 p=3", raw_cost=10.0, null_sampled_cost=12.0, **base
    )
    assert c.routine == "local search" and c.raw_as_good_as_null and c.raw_beats_null
    tie = cvrp.ClusterResult(
        method="constrained QAOA p=3", raw_cost=12.0, null_sampled_cost=12.0, **base
    )
    assert tie.routine == "constrained QAOA" and tie.raw_as_good_as_null and not tie.raw_beats_null
    none = cvrp.ClusterResult(
        method="minimal encoding", raw_cost=None, null_sampled_cost=12.0, **base
    )
    assert not none.raw_as_good_as_null and not none.raw_beats_null

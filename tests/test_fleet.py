"""Fleet size is a hard limit, and best-known costs come from the file (issue 9)."""

import shutil
from pathlib import Path

import pytest

from qbook.common.profile import get_profile
from qbook.routing import classical, clustering, cvrp, instances
from qbook.routing.generators import random_cvrp

NAMES = instances.instance_names()


def _assert_valid(inst, routes, cost):
    instances.check_solution(inst, routes)  # every customer once, capacity, at most k routes
    assert len([r for r in routes if r]) <= inst.n_vehicles
    assert cost == pytest.approx(classical.route_cost(inst.D, routes))
    if inst.best_cost is not None:
        assert cost >= inst.best_cost


def _methods(inst):
    yield "pyvrp", lambda: instances.pyvrp_solve(inst, iterations=200, seed=0)
    for method in ("sweep", "mip") if inst.coords is not None else ("mip",):
        yield method, lambda m=method: clustering.two_phase(inst, method=m)
        yield method + "+ls", lambda m=method: clustering.two_phase(inst, method=m, improve=True)

    def best():
        clusters, _, _ = cvrp.best_clustering(inst)
        routes = [classical.cluster_tour(inst.D, c)[1] for c in clusters]
        return routes, classical.route_cost(inst.D, routes)

    yield "best_clustering", best


@pytest.mark.parametrize("name", NAMES)
def test_every_method_respects_the_fleet_on_every_shipped_instance(name):
    inst = instances.read_instance(name)
    for _label, run in _methods(inst):
        routes, cost = run()
        _assert_valid(inst, routes, cost)
    try:
        clusters = cvrp.split_clusters(inst)
    except ValueError as exc:  # allowed: it says the fleet cannot be met by splitting
        assert "at most" in str(exc)
    else:
        assert len(clusters) <= inst.n_vehicles
        routes = [classical.cluster_tour(inst.D, c)[1] for c in clusters]
        _assert_valid(inst, routes, classical.route_cost(inst.D, routes))


def test_random_cvrps_respect_their_fleet():
    for n in (15, 30):
        inst = random_cvrp(n, 1000)
        routes, cost = instances.pyvrp_solve(inst, iterations=200, seed=0)
        _assert_valid(inst, routes, cost)
        clusters, _, _ = cvrp.best_clustering(inst)
        assert len(clusters) <= inst.n_vehicles


def test_check_solution_rejects_too_many_routes():
    inst = instances.read_instance("P-n19-k2")
    routes = [[c] for c in range(1, inst.n_nodes)]
    with pytest.raises(ValueError, match="fleet has only 2"):
        instances.check_solution(inst, routes)


def test_cluster_never_returns_more_clusters_than_vehicles():
    inst = instances.read_instance("P-n16-k8")  # the plain sweep needs 9 here; the fleet is 8
    for method in ("sweep", "mip"):
        assert len(clustering.cluster(inst, method=method)) <= 8
    with pytest.raises(ValueError, match="fleet|at most"):
        clustering.cluster(inst, method="mip", n_vehicles=2)  # the demands cannot fit in two


def test_best_cost_from_the_comment_without_a_sol_file(tmp_path):
    src = Path(instances.read_instance("P-n16-k8").path)
    copy = tmp_path / "P-n16-k8.vrp"
    shutil.copy(src, copy)
    inst = instances.read_instance(copy)
    assert not copy.with_suffix(".sol").exists() and inst.best_routes is None
    assert inst.best_cost == 450
    bare = tmp_path / "bare.vrp"
    bare.write_text(
        "\n".join(
            line if not line.startswith("COMMENT") else "COMMENT : (no value here)"
            for line in src.read_text().splitlines()
        )
    )
    inst = instances.read_instance(bare)
    assert inst.best_cost is None
    assert instances.cost_text(inst.best_cost) == "n/a"
    assert instances.gap_text(460, inst.best_cost) == "n/a"
    assert instances.gap_text(460, 450) == "+2.2%"


@pytest.mark.parametrize(
    "comment,value",
    [
        ("(Augerat et al, No of trucks: 2, Optimal value: 212)", 212),
        ("(Christofides and Eilon, Min no of trucks: 4, Best value: 375)", 375),
        ("Best known value 1073", 1073),
        ("(Eilon et al, Min no of trucks: 4)", None),
        ("", None),
    ],
)
def test_best_cost_from_comment(comment, value):
    assert instances.best_cost_from_comment(comment) == value


def test_heldout_seeds_are_disjoint_in_both_profiles():
    for name in ("small", "full"):
        h = get_profile(name).heldout
        assert not set(h.tune_seeds) & set(h.eval_seeds)
        assert not set(h.tune_seeds) & set(h.eval_cvrp_seeds)


@pytest.mark.parametrize("name", ["E-n13-k4", "P-n16-k8"])
def test_quantum_pipeline_respects_the_fleet_and_the_best_known_cost(name):
    inst = instances.read_instance(name)
    settings = cvrp.route_settings(get_profile("small").cvrp)
    settings.update(samples=200, qaoa_shots=200, restarts=1)
    row, res = cvrp.end_to_end(inst, 1000, settings)
    for routes in (res.repaired_routes, res.raw_routes):
        assert routes is not None  # the constrained QAOA takes every cluster here
        cost = classical.route_cost(inst.D, routes)
        _assert_valid(inst, routes, cost)
    assert row["infeasible"] == 0 and row["exact"] >= inst.best_cost

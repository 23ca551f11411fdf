"""Seeded computations give the same answer on any machine and at any load (issue 22).

Budgets are counts (PyVRP iterations, branch-and-bound nodes), never seconds; CVRPLIB's
stated best costs are read exactly.
"""

from __future__ import annotations

import pytest

from qbook.routing import clustering, instances


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("Best value: 5623.47", 5623.47),
        ("Optimal value: 211", 211),
        ("Min no of trucks: 4, Best value: 1073", 1073),
        ("no cost here", None),
    ],
)
def test_best_cost_from_comment_is_exact(comment, expected):
    got = instances.best_cost_from_comment(comment)
    assert got == expected
    assert type(got) is type(expected)


def test_pyvrp_budget_is_a_count_and_repeats():
    inst = instances.read_instance("E-n13-k4")
    a = instances.pyvrp_solve(inst, 150, seed=3)
    b = instances.pyvrp_solve(inst, 150, seed=3)
    assert a == b
    with pytest.raises(ValueError, match="iterations"):
        instances.pyvrp_solve(inst, 0)


def test_mip_clusters_node_limit_repeats():
    inst = instances.read_instance("E-n13-k4")
    args = (inst.D, inst.demands, inst.capacity, inst.n_vehicles)
    first = clustering.mip_clusters(*args, node_limit=1)
    assert first == clustering.mip_clusters(*args, node_limit=1)
    with pytest.raises(ValueError, match="node_limit"):
        clustering.mip_clusters(*args, node_limit=0)

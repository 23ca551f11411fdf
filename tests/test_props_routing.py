"""Property tests for Part II's routing helpers added by issue 9 (fleet, protocol, scaling).

Bad input: only ValueError or TypeError, quickly. Good input: the defining properties.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbook.common import stats
from qbook.routing import classical, cvrp, evaluation, generators, instances, vrp_qubo

COVERED = [
    "qbook.routing.instances.best_cost_from_comment",
    "qbook.routing.instances.cost_text",
    "qbook.routing.instances.gap_text",
    "qbook.routing.classical.two_opt",
    "qbook.routing.classical.improve_tour",
    "qbook.routing.classical.heuristic_tour",
    "qbook.routing.classical.cluster_tour",
    "qbook.routing.vrp_qubo.likely_tour",
    "qbook.routing.generators.random_tsp",
    "qbook.routing.generators.random_cvrp",
    "qbook.common.stats.wilson_interval",
    "qbook.common.stats.rate_text",
    "qbook.routing.cvrp.giant_tour",
    "qbook.routing.cvrp.null_tour",
    "qbook.routing.cvrp.null_sampled_tour",
    "qbook.routing.cvrp.route_settings",
    "qbook.routing.cvrp.end_to_end",
    "qbook.routing.evaluation.random_search_probability",
    "qbook.routing.evaluation.optimal_tour_count",
    "qbook.routing.evaluation.minimal_tsp_trial",
]

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BAD = (ValueError, TypeError)
junk = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(-1),
    st.just("x"),
    st.just([[1.0, 2.0, 3.0]]),
    st.just(np.full((3, 3), np.nan)),
)


def _tsp(n, seed):
    return generators.random_tsp(n, seed)


# ------------------------------------------------------------------------- bad input


@FAST
@given(junk)
def test_bad_input_raises_value_or_type_error(bad):
    calls = [
        lambda: instances.best_cost_from_comment(bad),
        lambda: instances.cost_text(bad),
        lambda: instances.gap_text(bad, bad),
        lambda: classical.two_opt(bad, [1]),
        lambda: classical.improve_tour(bad, [1]),
        lambda: classical.heuristic_tour(bad),
        lambda: classical.cluster_tour(bad, [1]),
        lambda: vrp_qubo.likely_tour(bad, 3),
        lambda: vrp_qubo.likely_tour([0.5] * 4, bad),
        lambda: generators.random_tsp(bad, 0),
        lambda: generators.random_tsp(3, bad),
        lambda: generators.random_cvrp(bad, 0),
        lambda: generators.random_cvrp(5, 0, tightness=bad),
        lambda: stats.wilson_interval(bad, 10),
        lambda: stats.rate_text(3, bad),
        lambda: cvrp.giant_tour(bad),
        lambda: cvrp.null_tour(bad, _tsp(2, 0), 0),
        lambda: cvrp.null_sampled_tour(bad, 10, 0),
        lambda: cvrp.null_sampled_tour(_tsp(3, 0), bad, 0),
        lambda: cvrp.route_settings(bad),
        lambda: cvrp.end_to_end(bad, 0, {}),
        lambda: evaluation.random_search_probability(bad, 1, 1),
        lambda: evaluation.optimal_tour_count(bad),
        lambda: evaluation.minimal_tsp_trial(bad, 0),
    ]
    for call in calls:
        if bad is None and call is calls[1]:  # cost_text(None) is "n/a" by design
            assert call() == "n/a"
            continue
        if bad is None and call is calls[2]:  # gap_text(None, None) is "n/a" by design
            assert call() == "n/a"
            continue
        try:
            call()
        except BAD:
            pass


def test_specific_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="k must be in"):
        stats.wilson_interval(11, 10)
    with pytest.raises(ValueError, match="n must be at least 1"):
        stats.rate_text(0, 0)
    with pytest.raises(ValueError, match="tightness"):
        generators.random_cvrp(5, 0, tightness=1.5)
    with pytest.raises(ValueError, match="max_demand"):
        generators.random_cvrp(5, 0, capacity=10, max_demand=30)
    with pytest.raises(ValueError, match="finite"):
        instances.cost_text(float("nan"))
    with pytest.raises(ValueError, match="positive best-known"):
        instances.gap_text(10, 0)
    with pytest.raises(ValueError, match="expected"):
        vrp_qubo.likely_tour([0.5] * 5, 3)
    with pytest.raises(ValueError, match="probabilities"):
        vrp_qubo.likely_tour([0.5, 2, 0.5, 0.5], 3)
    with pytest.raises(ValueError, match="n_optimal"):
        evaluation.random_search_probability(10, 0, 3)
    with pytest.raises(ValueError, match="too many"):
        evaluation.optimal_tour_count(_tsp(9, 0))
    with pytest.raises(ValueError, match="lacks"):
        cvrp.route_settings(object())
    with pytest.raises(TypeError):
        cvrp.end_to_end(generators.random_cvrp(5, 0), 0, None)
    with pytest.raises(ValueError, match="repeat"):
        classical.heuristic_tour(_tsp(3, 0), [1, 1])
    with pytest.raises(ValueError, match="Held-Karp"):
        classical.held_karp(_tsp(19, 0))


# ------------------------------------------------------------------------ properties


@FAST
@given(st.integers(0, 10**6))
def test_best_cost_from_comment_reads_the_value(v):
    assert instances.best_cost_from_comment(f"(X et al, No of trucks: 3, Optimal value: {v})") == v
    assert instances.best_cost_from_comment(f"Best value: {v}") == v
    assert instances.best_cost_from_comment(f"No of trucks: {v}") is None


@FAST
@given(st.floats(1, 1e6), st.floats(1, 1e6))
def test_cost_and_gap_text(cost, best):
    assert instances.cost_text(cost) == format(cost, "g")
    assert instances.gap_text(cost, best) == format(cost / best - 1, "+.1%")
    assert instances.gap_text(cost, None) == "n/a"


@FAST
@given(st.integers(2, 9), st.integers(0, 10**6))
def test_tour_improvers_return_permutations_and_never_worsen(n, seed):
    D = _tsp(n, seed)
    start = list(np.random.default_rng(seed).permutation(np.arange(1, n + 1)))
    for f in (classical.two_opt, classical.improve_tour):
        t = f(D, start)
        assert sorted(t) == list(range(1, n + 1))
        assert classical.tour_cost(D, t) <= classical.tour_cost(D, start) + 1e-9
    h = classical.heuristic_tour(D)
    assert sorted(h) == list(range(1, n + 1))
    assert classical.tour_cost(D, h) >= classical.held_karp(D)[0] - 1e-9
    g = cvrp.giant_tour(D)
    assert sorted(g) == list(range(1, n + 1))


@FAST
@given(st.integers(1, 8), st.integers(0, 10**6))
def test_cluster_tour_is_exact_while_small(n, seed):
    D = _tsp(n, seed)
    cost, tour, exact = classical.cluster_tour(D, list(range(1, n + 1)))
    assert exact and cost == classical.held_karp(D)[0] == classical.tour_cost(D, tour)


def test_cluster_tour_is_heuristic_beyond_the_limit():
    n = classical.HELD_KARP_EXACT_MAX + 3
    D = _tsp(n, 1)
    cost, tour, exact = classical.cluster_tour(D, list(range(1, n + 1)))
    assert not exact and sorted(tour) == list(range(1, n + 1))
    assert cost == classical.tour_cost(D, tour)


@FAST
@given(st.integers(2, 5), st.integers(0, 10**6))
def test_likely_tour_is_the_most_probable_permutation(n, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, size=n * n)
    x = vrp_qubo.likely_tour(p, n + 1)
    tour = vrp_qubo.decode_tour(x, n + 1)
    assert tour is not None

    def prob(t):
        y = vrp_qubo.encode_tour(list(t), n + 1)
        return np.prod(np.where(y == 1, p, 1 - p))

    best = max(prob(t) for t in itertools.permutations(range(1, n + 1)))
    assert prob(tour) == pytest.approx(best)


@FAST
@given(st.integers(1, 12), st.integers(0, 10**6))
def test_random_tsp_is_a_rounded_euclidean_matrix(n, seed):
    D = generators.random_tsp(n, seed)
    assert D.shape == (n + 1, n + 1) and D.dtype.kind == "i"
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    assert np.array_equal(D, generators.random_tsp(n, seed))  # a seed names the instance


@FAST
@given(st.integers(1, 40), st.integers(0, 10**6))
def test_random_cvrp_is_feasible_with_its_fleet(n, seed):
    inst = generators.random_cvrp(n, seed)
    assert inst.n_customers == n and inst.demands[0] == 0
    assert np.all((inst.demands[1:] >= 1) & (inst.demands[1:] <= 30))
    assert inst.demands.sum() <= inst.n_vehicles * inst.capacity
    assert inst.best_cost is None and inst.name.startswith(f"rand-n{n + 1}-k{inst.n_vehicles}")


@FAST
@given(st.integers(1, 200), st.data())
def test_wilson_interval_contains_the_rate(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = stats.wilson_interval(k, n)
    assert 0 <= lo <= k / n <= hi <= 1
    assert stats.rate_text(k, n).startswith(f"{k} of {n}, ")


def test_wilson_known_value():
    assert stats.rate_text(6, 10) == "6 of 10, 31-83%"


@FAST
@given(st.integers(1, 30), st.data())
def test_random_search_probability(n_tours, data):
    n_opt = data.draw(st.integers(1, n_tours))
    m = data.draw(st.integers(0, n_tours))
    p = evaluation.random_search_probability(n_tours, n_opt, m)
    assert 0 <= p <= 1
    if m == 0:
        assert p == 0
    if m > n_tours - n_opt:
        assert p == 1
    if m == 1:
        assert p == pytest.approx(n_opt / n_tours)


@FAST
@given(st.integers(1, 5), st.integers(0, 10**6))
def test_optimal_tour_count(n, seed):
    D = _tsp(n, seed)
    n_tours, n_opt, best = evaluation.optimal_tour_count(D)
    assert n_tours == math.factorial(n) and 1 <= n_opt <= n_tours
    assert best == classical.held_karp(D)[0]
    if n >= 2:
        assert n_opt % 2 == 0  # symmetric: each optimal tour also the other way round


@FAST
@given(st.integers(1, 5), st.integers(0, 10**6))
def test_null_tour_is_a_tour(n, seed):
    D = _tsp(n, seed)
    t = cvrp.null_tour(n, D, seed)
    assert sorted(t) == list(range(1, n + 1))
    assert t == cvrp.null_tour(n, D, seed)


@FAST
@given(st.integers(1, 6), st.integers(1, 50), st.integers(0, 10**6))
def test_null_sampled_tour_is_the_best_of_random_tours(n, shots, seed):
    D = _tsp(n, seed)
    t = cvrp.null_sampled_tour(D, shots, seed)
    assert sorted(t) == list(range(1, n + 1))
    assert classical.tour_cost(D, t) >= classical.held_karp(D)[0] - 1e-9
    more = cvrp.null_sampled_tour(D, shots + 200, seed)
    assert (
        classical.tour_cost(D, more) <= classical.tour_cost(D, t) + 1e-9
    )  # same stream, more shots


def test_route_settings_and_end_to_end():
    from qbook.common.profile import get_profile

    s = cvrp.route_settings(get_profile("small").cvrp)
    assert s["qaoa_shots"] == s["samples"]
    inst = generators.random_cvrp(6, 3)
    row, res = cvrp.end_to_end(inst, 0, dict(s, samples=200, qaoa_shots=200, restarts=1))
    assert row["n_clusters"] <= inst.n_vehicles
    assert row["repaired"] >= row["exact"] - 1e-9 and row["null"] >= row["exact"] - 1e-9
    if row["raw"] is not None:
        assert row["raw"] >= row["exact"] - 1e-9
    assert sum(row["routines"].values()) == row["n_clusters"]


def test_minimal_tsp_trial_on_a_tiny_tsp():
    t = evaluation.minimal_tsp_trial(_tsp(3, 1000), 0, restarts=1, samples=200, maxiter=40)
    assert t["valid"] and 0 <= t["null_probability"] <= 1 and t["valid_seen"] >= 1
    assert isinstance(t["final_optimal"], bool)

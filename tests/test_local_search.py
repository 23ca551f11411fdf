"""Tests for the quantum local search (qbook.routing.local_search, chapter 12)."""

import itertools

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from qbook.routing import classical, generators
from qbook.routing import local_search as ls

ANGLES = np.array([-0.6, -0.95, -1.3, 1.1, 0.8, 0.4])  # fixed: no transfer computed here


def test_window_matrix_costs_the_path_through_the_window():
    D = generators.random_tsp(9, 4)
    tour = [3, 1, 7, 5, 9, 2, 8, 4, 6]
    for start, width in ((0, 4), (3, 4), (5, 4), (0, 9)):
        W = ls.window_matrix(D, tour, start, width)
        seg = tour[start : start + width]
        for order in itertools.islice(itertools.permutations(range(1, width + 1)), 30):
            new = tour[:start] + [seg[k - 1] for k in order] + tour[start + width :]
            inside = classical.tour_cost(W, list(order)) - classical.tour_cost(
                W, list(range(1, width + 1))
            )
            assert classical.tour_cost(D, new) - classical.tour_cost(D, tour) == pytest.approx(
                inside
            )


def test_window_starts_cover_the_tour():
    assert ls.window_starts(16, 8, 4) == [0, 4, 8]
    assert ls.window_starts(13, 8, 4) == [0, 4, 5]
    assert ls.window_starts(8, 8, 4) == [0]
    for n, w, s in ((9, 3, 2), (20, 8, 3), (11, 11, 5)):
        starts = ls.window_starts(n, w, s)
        covered = {k for a in starts for k in range(a, a + w)}
        assert covered == set(range(n)) and starts[-1] == n - w


@pytest.mark.parametrize("solver", ls.SOLVERS)
def test_local_search_only_improves_and_keeps_a_tour(solver):
    D = generators.random_tsp(12, 3)
    r = ls.local_search(D, solver=solver, width=6, shots=300, seed=2, angles=ANGLES)
    assert sorted(r.tour) == list(range(1, 13))
    assert r.cost == pytest.approx(classical.tour_cost(D, r.tour))
    assert r.cost <= r.start_cost + 1e-9
    assert r.start_tour == classical.heuristic_tour(D)
    assert all(b <= a + 1e-9 for a, b in zip([r.start_cost, *r.history], r.history, strict=False))
    assert r.cost >= classical.held_karp(D)[0] - 1e-9
    assert r.windows == len(r.history) and 0 <= r.improved <= r.windows
    assert r.shots == (0 if solver == "exact" else r.windows * 300)


def test_exact_windows_are_window_optimal_and_the_search_is_seeded():
    D = generators.random_tsp(11, 8)
    r = ls.local_search(D, solver="exact", width=5, max_passes=20)
    for s in ls.window_starts(11, 5, 2):  # at the end no window can be improved
        W = ls.window_matrix(D, r.tour, s, 5)
        assert classical.tour_cost(W, [1, 2, 3, 4, 5]) <= classical.held_karp(W)[0] + 1e-9
    a = ls.local_search(D, width=5, shots=200, seed=4, angles=ANGLES)
    b = ls.local_search(D, width=5, shots=200, seed=4, angles=ANGLES)
    assert a.tour == b.tour


def test_wrapped_windows_move_the_depot_and_keep_a_tour():
    # from the nearest-neighbour start, windows around the closed tour (depot inside some of
    # them) reach at least what windows inside the tour reach, on these seeds
    for seed in range(3):
        D = generators.random_tsp(13, seed)
        nn = classical.nearest_neighbour_tour(D)
        kw = dict(solver="exact", width=5, max_passes=20, start_from="nearest-neighbour")
        inside = ls.local_search(D, wrap=False, **kw)
        around = ls.local_search(D, wrap=True, **kw)
        assert inside.start_tour == around.start_tour == nn
        assert sorted(around.tour) == list(range(1, 14))
        assert around.cost == pytest.approx(classical.tour_cost(D, around.tour))
        assert around.cost <= inside.cost + 1e-9
    W, nodes = ls._cycle_window(D, nn, 12, 4)  # positions 12, 13, 0 (depot), 1
    assert nodes == [nn[11], nn[12], 0, nn[0]]
    order = [3, 1, 2, 4]
    new = ls._apply_cycle_window(nn, 12, nodes, order)
    assert classical.tour_cost(D, new) - classical.tour_cost(D, nn) == pytest.approx(
        classical.tour_cost(W, order) - classical.tour_cost(W, [1, 2, 3, 4])
    )


def test_quantum_windows_beat_the_null_on_a_long_tour():
    # 8-customer windows: the null sees 2,000 of 40,320 orders, the QAOA concentrates on good ones
    D = generators.random_tsp(16, 0)
    kw = dict(shots=2000, seed=0, start_from="nearest-neighbour")
    q = ls.local_search(D, solver="qaoa", angles=ANGLES, **kw)
    null = ls.local_search(D, solver="null", **kw)
    assert q.cost <= null.cost


def test_best_random_order_is_a_tour_and_improves_with_shots():
    D = generators.random_tsp(6, 1)
    c1, t1 = ls.best_random_order(D, 10, 3)
    c2, t2 = ls.best_random_order(D, 5000, 3)
    assert sorted(t1) == sorted(t2) == list(range(1, 7))
    assert c1 == pytest.approx(classical.tour_cost(D, t1)) and c2 <= c1
    assert c2 == pytest.approx(classical.held_karp(D)[0])  # 5,000 draws of 720 tours


@pytest.mark.parametrize(
    "call",
    [
        lambda D: ls.window_matrix(D, [1, 2, 3, 4], 2, 3),
        lambda D: ls.window_matrix(D, [1, 2, 2, 4], 0, 2),
        lambda D: ls.window_matrix(D, [1, 2, 3, 4], -1, 2),
        lambda D: ls.window_starts(4, 5, 1),
        lambda D: ls.window_starts(4, 2, 0),
        lambda D: ls.local_search(D, solver="bogus"),
        lambda D: ls.local_search(D, width=1),
        lambda D: ls.local_search(D, width=12),
        lambda D: ls.local_search(D, width=2.5),
        lambda D: ls.local_search(D, shots=0),
        lambda D: ls.local_search(D, shots=10**9),
        lambda D: ls.local_search(D, seed=-1),
        lambda D: ls.local_search(D, angles=[0.1, np.nan, 0.2, 0.3, 0.1, 0.1]),
        lambda D: ls.local_search(D, angles=[0.1 + 1j] * 6),
        lambda D: ls.local_search(D, tour=[1, 2, 3]),
        lambda D: ls.local_search(D, start_from="greedy"),
        lambda D: ls.local_search(D, wrap="yes"),
        lambda D: ls.local_search(D, tour=[1, 2, 3, True]),
        lambda D: ls.local_search(np.full((3, 3), np.nan)),
        lambda D: ls.best_random_order(D, 10**7, 0),
        lambda D: ls.best_random_order(D, 0, 0),
    ],
)
def test_bad_input_is_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call(generators.random_tsp(4, 0))


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("local_search"))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_bad_inputs_from_the_fuzz_table_are_refused(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)

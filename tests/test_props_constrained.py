"""Property tests for the constraint-preserving QAOA (qbook.routing.qaoa_constrained, chapter 10)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbook.routing import constrained_circuit, generators, qaoa, tour_subspace
from qbook.routing import qaoa_constrained as qc

COVERED = [
    "qbook.routing.tour_subspace.check_angles",
    "qbook.routing.tour_subspace.bytes_text",
    "qbook.routing.tour_subspace.check_n",
    "qbook.routing.tour_subspace.check_space",
    "qbook.routing.qaoa.cost_layer",
    "qbook.routing.constrained_circuit.circuit_state",
    "qbook.routing.constrained_circuit.constrained_circuit",
    "qbook.routing.qaoa_constrained.constrained_tsp",
    "qbook.routing.qaoa_constrained.ConstrainedResult",  # test_constrained_tsp_returns_a_valid_tour
    "qbook.routing.qaoa_constrained.DepthRun",  # test_optimize_angles_beats_the_uniform_start
    "qbook.routing.tour_subspace.TourSpace",  # test_tour_space_costs_are_the_tour_costs
    "qbook.routing.tour_subspace.cost_and_grad",
    "qbook.routing.constrained_circuit.embed_state",
    "qbook.routing.tour_subspace.initial_state",
    "qbook.routing.tour_subspace.layer_order",
    "qbook.routing.tour_subspace.memory_bytes",
    "qbook.routing.constrained_circuit.mixer_matrix",
    "qbook.routing.constrained_circuit.mixer_operations",
    "qbook.routing.qaoa_constrained.optimize_angles",
    "qbook.routing.generators.random_tsp",
    "qbook.routing.tour_subspace.subspace_state",
    "qbook.routing.tour_subspace.swap_table",
    "qbook.routing.constrained_circuit.swap_term_paulis",
    "qbook.routing.tour_subspace.tour_space",
    "qbook.routing.tour_subspace.tour_table",
    "qbook.routing.qaoa_constrained.transfer_angles",
    "qbook.routing.qaoa_constrained.transferred_angles",  # test_transferred_angles_are_cached
    "qbook.routing.local_search.LocalSearchResult",  # tests/test_local_search.py
    "qbook.routing.local_search.best_random_order",
    "qbook.routing.local_search.local_search",
    "qbook.routing.local_search.window_matrix",
    "qbook.routing.local_search.window_starts",
]

FAST = settings(max_examples=25, deadline=None)
BAD = [None, "x", float("nan"), float("inf"), -1, 2.5, True]
angle = st.floats(-3, 3, allow_nan=False)


@FAST
@given(n=st.integers(1, 8), seed=st.integers(0, 10**6))
def test_random_tsp_is_a_symmetric_integer_metric(n, seed):
    D = generators.random_tsp(n, seed)
    assert D.shape == (n + 1, n + 1) and D.dtype.kind == "i"
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0) and np.all(D >= 0)
    assert np.array_equal(D, generators.random_tsp(n, seed))  # seeded


@pytest.mark.parametrize("bad", BAD)
def test_random_tsp_rejects_bad_input(bad):
    with pytest.raises((ValueError, TypeError)):
        generators.random_tsp(bad, 0)
    if bad is not None and not isinstance(bad, str):
        with pytest.raises((ValueError, TypeError)):
            generators.random_tsp(3, bad if bad != 2.5 else -2)


@FAST
@given(k=st.integers(0, 50), extra=st.integers(0, 50))
def test_wilson_interval_equals_scipys(k, extra):
    """Chapter 10's intervals come from qbook.common.stats; check its formula against scipy's."""
    from scipy.stats import binomtest

    from qbook.common.stats import wilson_interval

    m = k + extra
    if m == 0:
        with pytest.raises(ValueError):
            wilson_interval(0, 0)
        return
    ci = binomtest(k, m).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, m)
    assert abs(lo - ci.low) < 1e-9 and abs(hi - ci.high) < 1e-9
    assert 0 <= lo <= k / m <= hi <= 1


@FAST
@given(n=st.integers(1, 6))
def test_tour_table_rows_are_distinct_permutations(n):
    T = tour_subspace.tour_table(n)
    assert T.shape == (math.factorial(n), n)
    assert np.all(np.sort(T, axis=1) == np.arange(n))
    assert len({tuple(r) for r in T}) == T.shape[0]


@FAST
@given(m=st.integers(2, 10))
def test_swap_table_is_a_fixed_point_free_involution(m):
    s = tour_subspace.swap_table(m)
    assert np.array_equal(np.sort(s), np.arange(m * (m - 1)))
    assert np.array_equal(s[s], np.arange(s.size)) and np.all(s != np.arange(s.size))


@pytest.mark.parametrize("bad", [*BAD, 0, 1, 12])
def test_table_sizes_rejected(bad):
    with pytest.raises((ValueError, TypeError)):
        tour_subspace.swap_table(bad)
    if bad not in (1,):
        with pytest.raises((ValueError, TypeError)):
            tour_subspace.tour_table(bad if bad != 1 else 0)


@FAST
@given(n=st.integers(1, 6), seed=st.integers(0, 1000))
def test_tour_space_costs_are_the_tour_costs(n, seed):
    from qbook.routing.classical import tour_cost

    D = generators.random_tsp(n, seed)
    space = tour_subspace.tour_space(D)
    k = seed % space.size
    assert space.costs[k] == pytest.approx(tour_cost(D, space.tours[k]))
    assert space.rank(space.tours[k]) == k
    assert space.opt_cost == space.costs.min()
    assert abs(space.scaled.mean()) < 1e-9


@pytest.mark.parametrize(
    "D", [None, "x", np.full((3, 3), np.nan), np.ones((2, 3)), -np.ones((3, 3)), np.zeros((1, 1))]
)
def test_tour_space_rejects_bad_matrices(D):
    with pytest.raises((ValueError, TypeError)):
        tour_subspace.tour_space(D)


def test_tour_space_rejects_too_many_customers_and_bad_precision():
    with pytest.raises(ValueError):
        tour_subspace.tour_space(generators.random_tsp(12, 0))
    with pytest.raises(ValueError):
        tour_subspace.tour_space(generators.random_tsp(3, 0), precision="half")


@FAST
@given(n=st.integers(1, 10), order=st.sampled_from(["sequential", "parity"]))
def test_layer_order_covers_every_position_pair_once(n, order):
    ts = tour_subspace.layer_order(n, order)
    assert sorted(ts) == list(range(n - 1))


@pytest.mark.parametrize("bad", [("x", "parity"), (3, "random"), (0, "parity"), (None, "parity")])
def test_layer_order_rejects_bad_input(bad):
    with pytest.raises((ValueError, TypeError)):
        tour_subspace.layer_order(*bad)


@FAST
@given(n=st.integers(2, 6), seed=st.integers(0, 100), g=angle, b=angle)
def test_states_are_normalised_and_start_right(n, seed, g, b):
    space = tour_subspace.tour_space(generators.random_tsp(n, seed))
    u = tour_subspace.initial_state(space, "uniform")
    assert np.allclose(np.abs(u) ** 2, 1 / space.size)
    t = tour_subspace.initial_state(space, "nearest")
    assert np.count_nonzero(t) == 1
    for init in (u, "nearest"):
        psi = tour_subspace.subspace_state(space, [g], [b], init)
        assert np.sum(np.abs(psi) ** 2) == pytest.approx(1.0, abs=1e-9)
    # beta = 0 keeps the distribution; gamma only adds phases
    psi0 = tour_subspace.subspace_state(space, [g], [0.0], "nearest")
    assert np.allclose(np.abs(psi0), np.abs(t))


def test_initial_and_subspace_state_reject_bad_input():
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    for bad in ("bogus", [1, 1, 2], [1, 2], [0, 1, 2]):
        with pytest.raises((ValueError, TypeError)):
            tour_subspace.initial_state(space, bad)
    with pytest.raises(TypeError):
        tour_subspace.initial_state("space", "uniform")
    for g, b in (([np.nan], [0.1]), ([0.1], [np.inf]), ([0.1, 0.2], [0.1]), ([], [])):
        with pytest.raises(ValueError):
            tour_subspace.subspace_state(space, g, b)
    with pytest.raises(ValueError):
        tour_subspace.subspace_state(space, [0.1], [0.1], np.full(space.size, np.nan))


@FAST
@given(seed=st.integers(0, 100), th=st.lists(angle, min_size=4, max_size=4))
def test_cost_and_grad_energy_is_the_mean_scaled_cost(seed, th):
    space = tour_subspace.tour_space(generators.random_tsp(4, seed))
    th = np.array(th)
    e, g = tour_subspace.cost_and_grad(space, th)
    psi = tour_subspace.subspace_state(space, th[:2], th[2:])
    assert e == pytest.approx(float(np.abs(psi) ** 2 @ space.scaled), abs=1e-9)
    assert g.shape == (4,) and np.all(np.isfinite(g))
    assert space.scaled.min() - 1e-9 <= e <= space.scaled.max() + 1e-9


@pytest.mark.parametrize(
    "theta", [np.array([0.1]), np.array([0.1, np.nan]), np.zeros((2, 2)), [0.1, 0.2, 0.3]]
)
def test_cost_and_grad_rejects_bad_theta(theta):
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    with pytest.raises((ValueError, TypeError)):
        tour_subspace.cost_and_grad(space, theta)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 100))
def test_optimize_angles_beats_the_uniform_start(seed):
    space = tour_subspace.tour_space(generators.random_tsp(4, seed))
    runs = qc.optimize_angles(space, 2, seed=seed)
    assert [r.p for r in runs] == [1, 2]
    assert runs[-1].energy <= runs[0].energy + 1e-6
    assert runs[0].energy <= space.costs.mean() + 1e-6  # never worse than random guessing
    assert runs[-1].p_optimal >= np.mean(space.costs == space.opt_cost) - 1e-9


def test_optimize_angles_rejects_bad_input():
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    for kw in ({"p": 0}, {"p": 1, "restarts": 0}, {"p": 1, "maxiter": 0}, {"p": 2, "start": [0.1]}):
        with pytest.raises((ValueError, TypeError)):
            qc.optimize_angles(space, **kw)


def test_transfer_angles_shape_and_bad_input():
    a = qc.transfer_angles([3, 4], [0, 1], 2)
    assert a.shape == (4,) and np.all(np.isfinite(a))
    for args in (([], [0], 1), ([3], [], 1), ([3], [0], 0), ([2], [0], 1)):
        with pytest.raises((ValueError, TypeError)):
            qc.transfer_angles(*args)


@FAST
@given(n=st.integers(1, 11), shots=st.integers(0, 10**6))
def test_memory_bytes_grows_with_n_factorial(n, shots):
    single, double = tour_subspace.memory_bytes(n), tour_subspace.memory_bytes(n, "double")
    assert math.factorial(n) * 28 <= single < double
    lean = tour_subspace.memory_bytes(n, optimise=False, shots=shots)
    assert lean < tour_subspace.memory_bytes(n, optimise=True, shots=shots)
    if n > 1:
        assert single > tour_subspace.memory_bytes(n - 1)


@pytest.mark.parametrize("bad", [*BAD, 0, 12])
def test_memory_bytes_rejects_bad_input(bad):
    with pytest.raises((ValueError, TypeError)):
        tour_subspace.memory_bytes(bad)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 100), p=st.integers(1, 2))
def test_constrained_tsp_returns_a_valid_tour(n, seed, p):
    from qbook.routing.classical import tour_cost

    D = generators.random_tsp(n, seed)
    r = qc.constrained_tsp(D, p, 50, seed)
    assert sorted(r.tour) == list(range(1, n + 1))
    assert r.cost == pytest.approx(tour_cost(D, r.tour)) and r.cost >= r.optimal_cost
    assert r.valid_fraction == 1.0 and 0 <= r.p_optimal <= 1 + 1e-9
    assert r.optimal_cost <= r.energy + 1e-6
    assert r.p_optimal_within(10) >= r.p_optimal - 1e-12


@pytest.mark.parametrize(
    "kw",
    [
        {"p": 0},
        {"p": 1.5},
        {"shots": 0},
        {"shots": None},
        {"seed": -1},
        {"seed": "a"},
        {"init": "bogus"},
        {"order": 3},
        {"precision": "half"},
        {"restarts": 0},
    ],
)
def test_constrained_tsp_rejects_bad_input(kw):
    args = {"p": 1, "shots": 10, "seed": 0}
    args.update(kw)
    with pytest.raises((ValueError, TypeError)):
        qc.constrained_tsp(generators.random_tsp(3, 0), **args)


@FAST
@given(n=st.integers(1, 4))
def test_mixer_matrix_is_a_symmetric_0_1_matrix_with_one_entry_per_moved_state(n):
    H = constrained_circuit.mixer_matrix(n)
    assert np.array_equal(H, H.T) and set(np.unique(H)) <= {0.0, 1.0}
    assert np.all(np.diag(H) == 0)


@pytest.mark.parametrize("bad", [*BAD, 0, 6])
def test_mixer_matrix_rejects_bad_input(bad):
    with pytest.raises((ValueError, TypeError)):
        constrained_circuit.mixer_matrix(bad)


def test_swap_term_paulis_and_mixer_operations_bad_input():
    assert sum(abs(c) for c, _ in constrained_circuit.swap_term_paulis(range(4))) == pytest.approx(
        1.0
    )
    with pytest.raises(ValueError):
        constrained_circuit.swap_term_paulis(range(3))
    import cirq

    q = cirq.LineQubit.range(9)
    assert len(constrained_circuit.mixer_operations(3, 0, 0.2, q, "terms")) == 3
    assert len(constrained_circuit.mixer_operations(3, 1, 0.2, q, "pauli")) == 24
    for args in ((3, 2, 0.1, q), (3, 0, np.nan, q), (3, 0, 0.1, q[:4]), (1, 0, 0.1, q[:1])):
        with pytest.raises((ValueError, TypeError)):
            constrained_circuit.mixer_operations(*args)
    with pytest.raises(ValueError):
        constrained_circuit.mixer_operations(3, 0, 0.1, q, "bogus")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 100), g=angle, b=angle)
def test_circuit_state_and_embed_state_agree_with_the_subspace(seed, g, b):
    D = generators.random_tsp(2, seed)
    space = tour_subspace.tour_space(D)
    full = constrained_circuit.circuit_state(
        D, constrained_circuit.constrained_circuit(D, [g], [b], "nearest"), "nearest"
    )
    emb = constrained_circuit.embed_state(
        space, tour_subspace.subspace_state(space, [g], [b], "nearest")
    )
    assert abs(abs(np.vdot(full, emb)) - 1) < 1e-5


def test_circuit_functions_reject_bad_input():
    D = generators.random_tsp(2, 0)
    space = tour_subspace.tour_space(D)
    with pytest.raises(ValueError):
        constrained_circuit.constrained_circuit(generators.random_tsp(6, 0), [0.1], [0.1])
    with pytest.raises(ValueError):
        constrained_circuit.constrained_circuit(D, [np.nan], [0.1])
    with pytest.raises(TypeError):
        constrained_circuit.circuit_state(D, "circuit")
    with pytest.raises(ValueError):
        constrained_circuit.circuit_state(generators.random_tsp(5, 0), None)
    with pytest.raises(ValueError):
        constrained_circuit.embed_state(space, np.ones(5))
    with pytest.raises(TypeError):
        constrained_circuit.embed_state(None, np.ones(2))


@FAST
@given(g=angle)
def test_cost_layer_is_diagonal_and_matches_the_energies(g):
    import cirq

    h, J = np.array([0.5, -0.2]), np.array([[0, 0.7], [0, 0]])
    q = cirq.LineQubit.range(2)
    U = cirq.unitary(cirq.Circuit(qaoa.cost_layer(h, J, g, q)))
    diag = qaoa.energy_diagonal(h, J)
    assert np.allclose(U, np.diag(np.exp(-1j * g * diag)), atol=1e-6)


@pytest.mark.parametrize(
    "args", [([0.1], [[0]], np.nan), ([np.nan], [[0]], 0.1), ([0.1, 0.2], [[0, 1], [0, 0]], 0.1)]
)
def test_cost_layer_rejects_bad_input(args):
    import cirq

    with pytest.raises((ValueError, TypeError)):
        qaoa.cost_layer(*args, cirq.LineQubit.range(1))


@FAST
@given(shots=st.integers(1, 10**6))
def test_p_optimal_within_grows_with_shots_and_rejects_bad_shots(shots):
    r = qc.constrained_tsp(generators.random_tsp(4, 3), 1, 20, 0)
    assert r.p_optimal - 1e-12 <= r.p_optimal_within(shots) <= r.p_optimal_within(shots + 1) <= 1
    for bad in (0, -1, 1.5, None, float("nan"), True):
        with pytest.raises((ValueError, TypeError)):
            r.p_optimal_within(bad)


def test_transferred_angles_are_cached_and_checked(monkeypatch):
    calls = []

    def fake(sizes, seeds, p, init, order):
        calls.append((tuple(sizes), tuple(seeds), p, init, order))
        return np.arange(2.0 * p)

    monkeypatch.setattr(qc, "transfer_angles", fake)
    qc._transferred.cache_clear()
    a = qc.transferred_angles(2)
    a[0] = 99.0  # a fresh array each call: the cache cannot be changed from outside
    assert qc.transferred_angles(2).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert calls == [(qc.TRANSFER_SIZES, qc.TRANSFER_SEEDS, 2, "uniform", "parity")]
    qc._transferred.cache_clear()
    for bad in ((0,), (2.5,), (True,), (2, "bogus"), (2, "uniform", "random")):
        with pytest.raises((ValueError, TypeError)):
            qc.transferred_angles(*bad)


@pytest.mark.parametrize("bad", [None, "3", 2.5, True, -1, 0, 99])
def test_subspace_checks_refuse_what_cannot_be_right(bad):
    with pytest.raises((TypeError, ValueError)):
        tour_subspace.check_n(bad, "n")
    if bad is None or isinstance(bad, (str, bool)):  # numbers are angles
        with pytest.raises((TypeError, ValueError)):
            tour_subspace.check_angles([0.1, bad], [0.2, 0.3])
    with pytest.raises(TypeError):
        tour_subspace.check_space(bad)


@FAST
@given(g=st.lists(angle, min_size=1, max_size=4))
def test_subspace_checks_pass_good_values_through(g):
    gg, bb = tour_subspace.check_angles(g, g[::-1])
    np.testing.assert_array_equal(gg, g)
    assert tour_subspace.check_n(3, "n") == 3
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    assert tour_subspace.check_space(space) is space


@FAST
@given(n=st.integers(0, 2**100))
def test_bytes_text_reads_back_to_the_count(n):
    text = tour_subspace.bytes_text(n)
    if text.startswith("2^"):
        assert 2 ** int(text[2:-2]) <= n
        return
    value, unit = text.split()
    k = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB").index(unit)
    assert float(value) >= 1 or n == 0
    assert abs(float(value) * 1024**k - n) <= 0.01 * n + 1


def test_bytes_text_examples_and_bad_input():
    assert tour_subspace.bytes_text(2**28) == "256 MiB"
    assert tour_subspace.bytes_text(512) == "512 B"
    assert tour_subspace.bytes_text(3 * 2**29) == "1.5 GiB"
    for bad in (-1, 2.5, None, "1", True, float("nan")):
        with pytest.raises((ValueError, TypeError)):
            tour_subspace.bytes_text(bad)

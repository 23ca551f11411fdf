"""qbook.common.checks: the input checks every public function uses (issue 11)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbook.common import checks as chk

BAD = (ValueError, TypeError)


@given(st.integers(-(2**62), 2**62))
def test_integer_accepts_ints_and_whole_floats(n):
    assert chk.integer(n, "n") == n and chk.integer(np.int64(n), "n") == n
    if abs(n) < 2**52:
        assert chk.integer(float(n), "n") == n


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(
            lambda v: not math.isfinite(v) or v != int(v)
        ),
        st.booleans(),
        st.none(),
        st.text(),
        st.complex_numbers(),
    )
)
def test_integer_refuses_everything_else(x):
    with pytest.raises(BAD, match="n "):
        chk.integer(x, "n")


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e3, 1e3), st.floats(0, 1e3))
def test_real_is_finite_and_in_range(x, lo, span):
    try:
        v = chk.real(x, "x", lo=lo, hi=lo + span)
    except ValueError:
        assert not math.isfinite(x) or not lo <= x <= lo + span
    else:
        assert math.isfinite(v) and lo <= v <= lo + span


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=6))
def test_finite_array_refuses_nan_and_inf_and_complex_before_the_cast(values):
    a = np.asarray(values)
    if np.all(np.isfinite(a)):
        assert np.array_equal(chk.finite_array(a, "a"), a)
        with pytest.raises(TypeError, match="complex"):
            chk.finite_array(a + 0j, "a")  # even with a zero imaginary part
    else:
        with pytest.raises(ValueError, match="NaN or infinite"):
            chk.finite_array(a, "a")


@given(st.integers(1, 8), st.lists(st.integers(-2, 10), max_size=10))
def test_tour_is_customers_each_at_most_once(n, t):
    ok = all(1 <= c <= n for c in t) and len(set(t)) == len(t)
    if ok:
        assert chk.tour(t, "tour", n) == t
    else:
        with pytest.raises(ValueError, match="tour"):
            chk.tour(t, "tour", n)


@given(st.lists(st.integers(-1, 2), max_size=8))
def test_bits_are_zero_or_one(x):
    if set(x) <= {0, 1}:
        assert chk.bits(x, "x").tolist() == x
    else:
        with pytest.raises(ValueError, match="binary"):
            chk.bits(x, "x")


def test_choice_probability_and_learning_rate():
    assert chk.choice("z", "c", ("z", "sigma")) == "z"
    with pytest.raises(ValueError, match="one of"):
        chk.choice(True, "c", (1, 2))  # a bool is not the number 1 here
    assert chk.probability(0.0, "p") == 0.0 and chk.probability(1, "p") == 1.0
    for bad in (-0.1, 1.1, float("nan")):
        with pytest.raises(ValueError, match="p "):
            chk.probability(bad, "p")
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate"):
            chk.learning_rate(bad)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        chk.labels([3, 10], "y", 10)
    with pytest.raises(ValueError, match="symmetric"):
        chk.square_matrix([[0, 1], [2, 0]], "D", symmetric=True)


# ------------------------------------------------------------------------- issue 20

numpy_ints = st.integers(0, 10**6).flatmap(
    lambda n: st.sampled_from(
        [n, np.int64(n), np.int32(n), np.uint32(n), np.array(n), np.float64(n), np.array(float(n))]
    )
)


@given(numpy_ints)
def test_numpy_scalars_and_0d_arrays_are_numbers(n):
    assert chk.integer(n, "n") == int(n) and type(chk.integer(n, "n")) is int
    assert chk.real(n, "x") == float(n) and type(chk.real(n, "x")) is float


@given(
    st.one_of(
        st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0).map(np.complex128),
        st.sampled_from([np.True_, np.array(True), np.array("3"), np.array([1]), np.float64(0.5)]),
    )
)
def test_numpy_values_that_are_not_whole_numbers_are_refused_before_a_cast(x):
    with pytest.raises(BAD):
        chk.integer(x, "n")


def test_the_issue_20_examples():
    import time

    from qbook.common import stats
    from qbook.routing import evaluation, generators, instances

    assert stats.rate_text(np.int64(3), 10) == stats.rate_text(3, 10)
    assert generators.random_tsp(np.float64(4.0), 0).shape == (5, 5)
    t0 = time.monotonic()
    assert evaluation.random_search_probability(10**7, 1, 5 * 10**6) == pytest.approx(0.5)
    assert time.monotonic() - t0 < 5
    with pytest.raises(ValueError, match="n must be <="):
        stats.wilson_interval(1, 10**400)
    with pytest.raises(ValueError, match="tightness"):
        generators.random_cvrp(6, 0, tightness=1e-300)
    with pytest.raises(ValueError, match="min\\(n_optimal, n_tried\\)"):
        evaluation.random_search_probability(2**60, 2**59, 2**40)
    inst = instances.read_instance("E-n13-k4")
    with pytest.raises(ValueError, match="seed must be <= 4294967295"):
        instances.pyvrp_solve(inst, 10, seed=2**32)


@given(st.integers(1, 40), st.data())
def test_random_search_probability_matches_the_exact_ratio(n_tours, data):
    from qbook.routing import evaluation

    k = data.draw(st.integers(1, n_tours))
    t = data.draw(st.integers(0, n_tours))
    exact = 1 - math.comb(n_tours - k, t) / math.comb(n_tours, t)
    assert evaluation.random_search_probability(n_tours, k, t) == pytest.approx(exact, rel=1e-12)

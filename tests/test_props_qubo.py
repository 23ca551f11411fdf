"""Property tests of qbook.routing.qubo (issue 11): bad input refused, QUBO <-> Ising exact, brute force."""

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qbook.routing import qubo

COVERED = [
    "qbook.routing.qubo.check_ising",
    "qbook.routing.qubo.as_qubo",
    "qbook.routing.qubo.qubo_energy",
    "qbook.routing.qubo.qubo_to_ising",
    "qbook.routing.qubo.ising_to_qubo",
    "qbook.routing.qubo.ising_energy",
    "qbook.routing.qubo.all_bitstrings",
    "qbook.routing.qubo.brute_force",
    "qbook.routing.qubo.to_pauli_sum",
    "qbook.routing.qubo.qubo_to_pauli_sum",
    "qbook.routing.qubo.maxcut_qubo",
    "qbook.routing.qubo.number_partitioning_qubo",
    "qbook.routing.qubo.all_energies",
    "qbook.routing.qubo.simulated_annealing",
]

small = st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def qubos(draw, max_n=6):
    n = draw(st.integers(1, max_n))
    return draw(hnp.arrays(float, (n, n), elements=small)), draw(small)


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("qubo"))
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(qubos(), st.sampled_from(["z", "sigma"]))
def test_ising_round_trip_keeps_every_energy(qo, convention):
    Q, offset = qo
    h, J, c = qubo.qubo_to_ising(Q, offset, convention)
    X = qubo.all_bitstrings(len(Q))
    eps = qubo.CONVENTIONS[convention]
    S = eps * (2 * X - 1)
    np.testing.assert_allclose(
        qubo.ising_energy(h, J, c, S), qubo.qubo_energy(Q, X, offset), atol=1e-9
    )
    Q2, off2 = qubo.ising_to_qubo(h, J, c, convention)
    np.testing.assert_allclose(
        qubo.qubo_energy(Q2, X, off2), qubo.qubo_energy(Q, X, offset), atol=1e-9
    )


@given(qubos())
def test_brute_force_agrees_with_every_energy(qo):
    Q, offset = qo
    E = qubo.all_energies(Q, offset)
    emin, xs = qubo.brute_force(Q, offset)
    assert emin == pytest.approx(E.min(), abs=1e-9)
    for x in xs:
        assert qubo.qubo_energy(Q, x, offset) == pytest.approx(E.min(), abs=1e-7)
    sa_x, sa_e = qubo.simulated_annealing(Q, offset, n_reads=3, n_sweeps=5)
    assert np.all(sa_e >= emin - 1e-9) and sa_x.shape == (3, len(Q))


@given(st.integers(2, 5), st.data())
def test_maxcut_energy_is_minus_the_cut(n, data):
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    edges = data.draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
    Q, off = qubo.maxcut_qubo(n, edges)
    for x in qubo.all_bitstrings(n):
        cut = sum(x[i] != x[j] for i, j in edges)
        assert qubo.qubo_energy(Q, x, off) == pytest.approx(-cut)


@given(st.lists(st.integers(1, 20), min_size=1, max_size=6))
def test_number_partitioning_energy_is_the_squared_difference(numbers):
    Q, off = qubo.number_partitioning_qubo(numbers)
    a = np.asarray(numbers, float)
    for x in qubo.all_bitstrings(len(a)):
        assert qubo.qubo_energy(Q, x, off) == pytest.approx((a @ (2 * x - 1)) ** 2)


@given(qubos(max_n=3))
def test_pauli_sum_diagonal_is_the_energy(qo):
    import cirq

    Q, offset = qo
    qs = cirq.LineQubit.range(len(Q))
    H = qubo.qubo_to_pauli_sum(qubo.as_qubo(Q), offset, qs)
    np.testing.assert_allclose(np.diag(H.matrix(qs)).real, qubo.all_energies(Q, offset), atol=1e-8)


@given(h=hnp.arrays(np.float64, 3, elements=st.floats(-5, 5)))
def test_check_ising_returns_the_upper_triangle(h):
    J = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    h2, Ju = qubo.check_ising(h, J)
    np.testing.assert_array_equal(h2, h)
    assert np.all(np.tril(Ju) == 0) and np.isclose(
        qubo.ising_energy(h, J, 0.0, [1, -1, 1]), qubo.ising_energy(h2, Ju, 0.0, [1, -1, 1])
    )
    with pytest.raises(ValueError):
        qubo.check_ising(h, np.eye(3))

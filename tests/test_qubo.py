"""qbook.routing.qubo: energies, the exact QUBO <-> Ising mapping, brute force, cost Hamiltonians."""

import cirq
import numpy as np
import pytest

from qbook.routing.qubo import (
    all_bitstrings,
    brute_force,
    ising_energy,
    ising_to_qubo,
    maxcut_qubo,
    number_partitioning_qubo,
    qubo_energy,
    qubo_to_ising,
    qubo_to_pauli_sum,
    to_pauli_sum,
)


def _random_q(rng, n, symmetric=False):
    Q = rng.normal(size=(n, n))
    return (Q + Q.T) / 2 if symmetric else np.triu(Q)


@pytest.mark.parametrize("convention", ["z", "sigma"])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 10])
def test_qubo_ising_energies_agree_on_every_assignment(n, convention):
    rng = np.random.default_rng(n)
    for symmetric in (False, True):
        Q = _random_q(rng, n, symmetric)
        offset = float(rng.normal())
        X = all_bitstrings(n)
        E = qubo_energy(Q, X, offset)
        h, J, c = qubo_to_ising(Q, offset, convention)
        assert np.all(np.tril(J) == 0)
        S = 1 - 2 * X if convention == "z" else 2 * X - 1
        np.testing.assert_allclose(ising_energy(h, J, c, S), E, atol=1e-10)
        Q2, off2 = ising_to_qubo(h, J, c, convention)
        assert np.all(np.tril(Q2, -1) == 0)
        np.testing.assert_allclose(qubo_energy(Q2, X, off2), E, atol=1e-10)
        # round trip back to the same upper-triangular matrix
        np.testing.assert_allclose(Q2, np.triu(Q + Q.T, 1) + np.diag(np.diag(Q)), atol=1e-12)
        assert off2 == pytest.approx(offset)


def test_conventions_differ_by_the_sign_of_h():
    rng = np.random.default_rng(3)
    Q = _random_q(rng, 5)
    hz, Jz, cz = qubo_to_ising(Q, 0.0, "z")
    hs, Js, cs = qubo_to_ising(Q, 0.0, "sigma")
    np.testing.assert_allclose(hz, -hs)
    np.testing.assert_allclose(Jz, Js)
    assert cz == pytest.approx(cs)


def test_single_energy_matches_batch():
    rng = np.random.default_rng(4)
    Q = _random_q(rng, 4)
    X = all_bitstrings(4)
    E = qubo_energy(Q, X, 1.5)
    assert qubo_energy(Q, X[5], 1.5) == pytest.approx(E[5])
    assert isinstance(qubo_energy(Q, X[5]), float)


@pytest.mark.parametrize("n", [1, 4, 9, 13])
def test_brute_force_matches_enumeration(n):
    rng = np.random.default_rng(10 + n)
    Q = rng.integers(-3, 4, size=(n, n)).astype(float)  # integer energies: ties happen
    E = qubo_energy(Q, all_bitstrings(n), 2.0)
    m, xs = brute_force(Q, 2.0)
    assert m == pytest.approx(E.min())
    expected = all_bitstrings(n)[np.isclose(E, E.min())]
    np.testing.assert_array_equal(xs, expected)


def test_brute_force_returns_all_ties():
    m, xs = brute_force(np.zeros((3, 3)), 1.0)
    assert m == 1.0 and xs.shape == (8, 3)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_pauli_sum_diagonal_equals_qubo_energies(n):
    rng = np.random.default_rng(20 + n)
    Q = _random_q(rng, n)
    qubits = cirq.LineQubit.range(n)
    H = qubo_to_pauli_sum(Q, 0.25, qubits)
    M = H.matrix(qubits)
    np.testing.assert_allclose(M, np.diag(np.diag(M)), atol=1e-12)  # diagonal in Z basis
    np.testing.assert_allclose(np.diag(M).real, qubo_energy(Q, all_bitstrings(n), 0.25))


def test_maxcut_and_partitioning():
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
    Q, off = maxcut_qubo(4, edges)
    m, xs = brute_force(Q, off)
    assert m == -4.0  # a 4-cycle plus a chord: the best cut has 4 edges
    for x in xs:
        assert sum(x[i] != x[j] for i, j in edges) == 4
    Q, off = number_partitioning_qubo([3, 1, 1, 2, 2, 1])
    m, xs = brute_force(Q, off)
    assert m == 0.0
    a = np.array([3, 1, 1, 2, 2, 1])
    for x in xs:
        assert a[x == 1].sum() == a[x == 0].sum()


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="square"):
        qubo_energy(np.zeros((2, 3)), [0, 1])
    with pytest.raises(ValueError, match="length"):
        qubo_energy(np.zeros((3, 3)), [0, 1])
    with pytest.raises(ValueError, match="binary"):
        qubo_energy(np.zeros((2, 2)), [0, 2])
    with pytest.raises(ValueError, match="convention"):
        qubo_to_ising(np.zeros((2, 2)), 0.0, "x")
    with pytest.raises(ValueError, match="convention"):
        ising_to_qubo(np.zeros(2), np.zeros((2, 2)), 0.0, convention="spin")
    with pytest.raises(ValueError, match="spins"):
        ising_energy(np.zeros(2), np.zeros((2, 2)), 0.0, [1, 0])
    with pytest.raises(ValueError, match="qubits"):
        to_pauli_sum(np.zeros(2), np.zeros((2, 2)), 0.0, cirq.LineQubit.range(3))
    with pytest.raises(ValueError, match="too many"):
        brute_force(np.zeros((40, 40)))

"""Property tests of qbook.routing.minimal (issue 11): bad input refused; eq. 24-27 against brute force."""

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qbook.routing import minimal, minimal_solve, qubo

COVERED = [
    "qbook.routing.minimal.check_qubo",
    "qbook.routing.minimal.energies",
    "qbook.routing.minimal.sample_candidates",
    "qbook.routing.minimal.n_qubits",
    "qbook.routing.minimal.probabilities",
    "qbook.routing.minimal.minimal_cost",
    "qbook.routing.minimal.minimal_cost_projectors",
    "qbook.routing.minimal.n_params",
    "qbook.routing.minimal.ansatz_circuit",
    "qbook.routing.minimal.ansatz_state",
    "qbook.routing.minimal.cost_and_grad",
    "qbook.routing.minimal.grad_parameter_shift",
    "qbook.routing.minimal.sample_shots",
    "qbook.routing.minimal.probabilities_from_shots",
    "qbook.routing.minimal.cost_from_shots",
    "qbook.routing.minimal.most_likely",
    "qbook.routing.minimal.best_of_samples",
    "qbook.routing.minimal.product_probability",
    "qbook.routing.minimal.normalised_cost",
    "qbook.routing.minimal_solve.MinimalResult",
    "qbook.routing.minimal_solve.auto_layers",
    "qbook.routing.minimal_solve.solve",
    "qbook.routing.minimal.worked_example_circuit",
]

small = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3))


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("minimal"))
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(st.integers(1, 5000))
def test_qubit_count_is_one_plus_ceil_log2(n_c):
    nq = minimal.n_qubits(n_c)
    assert 2 ** (nq - 1) >= n_c and (nq == 1 or 2 ** (nq - 2) < n_c)
    assert minimal.n_params(n_c, 2) == 3 * nq
    assert minimal.n_qubits(n_c) * (minimal_solve.auto_layers(n_c) + 1) >= n_c


@given(st.integers(1, 5), st.data())
def test_cost_is_the_expected_energy_of_the_product_distribution(n, data):
    Q = data.draw(hnp.arrays(float, (n, n), elements=small))
    layers = data.draw(st.integers(0, 2))
    theta = data.draw(hnp.arrays(float, minimal.n_params(n, layers), elements=st.floats(-3, 3)))
    psi = minimal.ansatz_state(theta, n, layers)
    assert np.linalg.norm(psi) == pytest.approx(1.0)
    p1 = minimal.probabilities(psi, n)
    assert np.all((0 <= p1) & (p1 <= 1))
    X = qubo.all_bitstrings(n)
    probs = np.array([minimal.product_probability(p1, x) for x in X])
    assert probs.sum() == pytest.approx(1.0) and np.all(probs >= 0)
    expected = probs @ qubo.qubo_energy(Q, X, 0.0)
    assert minimal.minimal_cost(Q, psi) == pytest.approx(expected, abs=1e-8)
    assert minimal.minimal_cost_projectors(Q, psi) == pytest.approx(expected, abs=1e-8)
    cost, grad = minimal.cost_and_grad(theta, Q, layers)
    assert cost == pytest.approx(expected, abs=1e-8)
    np.testing.assert_allclose(grad, minimal.grad_parameter_shift(theta, Q, layers), atol=1e-6)


@given(st.integers(1, 4), st.data())
def test_shots_estimate_the_probabilities(n, data):
    theta = data.draw(hnp.arrays(float, minimal.n_params(n, 1), elements=st.floats(-3, 3)))
    psi = minimal.ansatz_state(theta, n, 1)
    counts = minimal.sample_shots(psi, 4000, seed=1)
    assert counts.sum() == 4000
    p, seen = minimal.probabilities_from_shots(counts, n)
    exact = minimal.probabilities(psi, n)
    assert np.all(np.abs(p - exact)[seen] < 0.15)
    Q = np.eye(n)
    assert minimal.cost_from_shots(Q, counts) == pytest.approx(p.sum())
    x = minimal.most_likely(exact)
    assert np.array_equal(x, (exact > 0.5).astype(int))
    xb, e, k = minimal.best_of_samples(Q, exact, 20)
    assert e == pytest.approx(qubo.qubo_energy(Q, xb)) and e <= qubo.qubo_energy(Q, x) + 1e-9


@given(st.floats(0, 10), st.floats(0, 10), st.floats(0.1, 10))
def test_normalised_cost_is_zero_at_the_optimum_and_one_at_the_worst(c, lo, span):
    assert minimal.normalised_cost(lo, lo, lo + span) == 0
    assert minimal.normalised_cost(lo + span, lo, lo + span) == pytest.approx(1)


def test_solve_finds_the_optimum_of_a_small_qubo_and_the_worked_example():
    Q = np.array([[1.0, -3.0, 0.0], [0.0, 1.0, -1.0], [0.0, 0.0, 0.5]])
    res = minimal_solve.solve(Q, layers=1, restarts=1, samples=50, maxiter=30)
    assert isinstance(res, minimal_solve.MinimalResult)
    assert res.energy == pytest.approx(qubo.brute_force(Q)[0])
    circuit, qs = minimal.worked_example_circuit((1, 0, 1, 1))
    import cirq

    psi = cirq.final_state_vector(circuit, qubit_order=qs)
    np.testing.assert_allclose(minimal.probabilities(psi, 4), [1, 0, 1, 1], atol=1e-6)
    c, syms = minimal.ansatz_circuit(3, 1)
    assert len(syms) == minimal.n_params(3, 1)


@given(Q=hnp.arrays(np.float64, (3, 3), elements=st.floats(-5, 5)), seed=st.integers(0, 1000))
def test_energies_and_candidates_agree_with_qubo_energy(Q, seed):
    X = np.array([[int(b) for b in f"{k:03b}"] for k in range(8)])
    np.testing.assert_allclose(minimal.energies(Q, X, 1.5), qubo.qubo_energy(Q, X, 1.5), atol=1e-9)
    x, e, n, accepted = minimal.sample_candidates(Q, [0.5, 0.5, 0.5], 20, 0.0, seed)
    assert e == pytest.approx(float(qubo.qubo_energy(Q, x, 0.0))) and 1 <= n <= 8
    assert accepted == set()
    np.testing.assert_array_equal(minimal.check_qubo(Q), Q)
    with pytest.raises(ValueError):
        minimal.energies(Q, X[:, :2])
    with pytest.raises(ValueError):
        minimal.check_qubo(np.zeros((0, 0)))

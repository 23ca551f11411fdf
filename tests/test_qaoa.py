"""Tests for qbook.routing.qaoa (chapter 9)."""

import numpy as np
import pytest

from qbook.routing import qaoa, qaoa_tsp
from qbook.routing.qubo import brute_force, qubo_energy, qubo_to_ising


def _random_ising(n, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), float(rng.normal())


@pytest.mark.parametrize("gamma,beta,J", [(0.3, 0.7, 1.3), (1.1, 0.2, -0.4), (-0.5, 1.0, 2.0)])
def test_two_qubits_p1_matches_analytic(gamma, beta, J):
    # H = J Z0 Z1. Heisenberg picture: e^{i b X} Z e^{-i b X} = Z cos 2b + Y sin 2b, and on
    # e^{-i g J ZZ}|++> only <Y Y> and <Z Y>, <Y Z> survive, giving <H> = J sin 4b sin 2gJ.
    circuit, gs, bs = qaoa.qaoa_circuit([0.0, 0.0], [[0.0, J], [0.0, 0.0]], p=1)
    state = qaoa.qsim_state(circuit, gs, bs, [gamma], [beta])
    diag = qaoa.energy_diagonal([0.0, 0.0], [[0.0, J], [0.0, 0.0]])
    assert qaoa.expectation(diag, state) == pytest.approx(
        J * np.sin(4 * beta) * np.sin(2 * gamma * J), abs=1e-5
    )
    # a field alone: <h Z> = h sin 2b sin 2gh
    c1, g1, b1 = qaoa.qaoa_circuit([J], [[0.0]], p=1)
    d1 = qaoa.energy_diagonal([J], [[0.0]])
    e1 = qaoa.expectation(d1, qaoa.qsim_state(c1, g1, b1, [gamma], [beta]))
    assert e1 == pytest.approx(J * np.sin(2 * beta) * np.sin(2 * gamma * J), abs=1e-5)


def test_qsim_cirq_numpy_agree():
    h, J, c = _random_ising(7, 3)
    circuit, gs, bs = qaoa.qaoa_circuit(h, J, p=2)
    angles = ([0.4, 0.9], [0.3, 0.1])
    a = qaoa.qsim_state(circuit, gs, bs, *angles)
    b = qaoa.cirq_state(circuit, gs, bs, *angles)
    d = qaoa.numpy_state(qaoa.energy_diagonal(h, J, c), *angles)
    assert abs(np.vdot(a, b)) ** 2 > 0.9999
    assert abs(np.vdot(a, d)) ** 2 > 0.9999


def test_diagonal_matches_qubo_energy_and_bit_order():
    rng = np.random.default_rng(0)
    Q = np.triu(rng.integers(-5, 6, size=(5, 5)).astype(float))
    h, J, c = qubo_to_ising(Q, 2.5)
    diag = qaoa.energy_diagonal(h, J, c)
    X = qaoa.bitstrings(5)
    assert np.allclose(diag, qubo_energy(Q, X, 2.5))
    assert list(X[1]) == [0, 0, 0, 0, 1]  # big-endian: the last variable is the lowest bit
    emin, _ = brute_force(Q, 2.5)
    assert diag.min() == pytest.approx(emin)


def test_cvar_and_metrics():
    diag = np.array([3.0, 1.0, 2.0, 0.0])
    probs = np.array([0.4, 0.3, 0.2, 0.1])
    assert qaoa.cvar(diag, probs, 1.0) == pytest.approx(probs @ diag)
    assert qaoa.cvar(diag, probs, 0.1) == pytest.approx(0.0)
    assert qaoa.cvar(diag, probs, 0.2) == pytest.approx((0.1 * 0 + 0.1 * 1) / 0.2)
    assert qaoa.cvar_from_samples([5, 1, 3, 2], 0.5) == pytest.approx(1.5)
    m = qaoa.qaoa_metrics(probs, diag, feasible=np.array([1, 0, 0, 1], bool))
    assert m["p_optimal"] == pytest.approx(0.1)
    assert m["p_feasible"] == pytest.approx(0.5)
    assert m["approx_ratio"] == pytest.approx((3 - probs @ diag) / 3)


def test_sampling_frequencies():
    probs = np.array([0.5, 0.25, 0.25, 0.0])
    idx = qaoa.sample(probs, 20000, seed=1)
    freq = np.bincount(idx, minlength=4) / idx.size
    assert np.allclose(freq, probs, atol=0.02)
    assert freq[3] == 0


def test_optimize_improves_with_p_and_warm_start_monotone():
    h, J, c = _random_ising(6, 1)
    diag = qaoa.energy_diagonal(h, J, c)
    res = qaoa.optimize(diag, p_max=3, restarts=2, seed=0)
    e = [r.energy for r in res.runs]
    # with the warm start a deeper circuit can always reproduce the shallower one's state
    assert e[1] <= e[0] + 1e-6 and e[2] <= e[1] + 1e-6
    assert e[0] < diag.mean()  # better than the uniform superposition
    cv = qaoa.optimize(diag, p_max=1, restarts=2, seed=0, objective="cvar", alpha=0.2)
    assert cv.runs[0].objective <= qaoa.cvar(diag, res.runs[0].probs, 0.2) + 1e-6


def test_landscape_shape_and_values():
    diag = qaoa.energy_diagonal([0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]])
    g = np.linspace(0, np.pi, 5)
    b = np.linspace(0, np.pi / 2, 4)
    L = qaoa.landscape(diag, g, b)
    assert L.shape == (4, 5)
    assert L[1, 2] == pytest.approx(np.sin(4 * b[1]) * np.sin(2 * g[2]), abs=1e-9)


def test_memory_wall():
    assert qaoa_tsp.statevector_bytes(20) == 8 * 2**20
    assert qaoa_tsp.largest_tsp(24 * 2**30) == (5, 6)  # 25 qubits fit, 36 do not
    assert qaoa_tsp.largest_tsp(2**20) == (4, 5)  # 16 qubits = 512 KiB


@pytest.mark.parametrize(
    "call",
    [
        lambda: qaoa.qaoa_circuit([1.0, 2.0], np.zeros((3, 3)), 1),
        lambda: qaoa.qaoa_circuit([1.0], [[0.0]], 0),
        lambda: qaoa.energy_diagonal([1.0, 1.0], [[1.0, 0.0], [0.0, 0.0]]),
        lambda: qaoa.cvar([1.0, 2.0], [0.5, 0.5], 0.0),
        lambda: qaoa.sample([0.5, 0.5], 0),
        lambda: qaoa.numpy_state(np.zeros(3), [0.1], [0.1]),
        lambda: qaoa.optimize(np.zeros(4), objective="nope"),
        lambda: qaoa_tsp.largest_tsp(0),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()

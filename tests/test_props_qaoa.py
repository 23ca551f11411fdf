"""Property tests of qbook.routing.qaoa (issue 11): bad input refused; diagonals, states, CVaR, TSPs."""

import itertools

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qbook.routing import qaoa, qaoa_tsp, qubo

COVERED = [
    "qbook.routing.qaoa.ising_parts",
    "qbook.routing.qaoa.bitstrings",
    "qbook.routing.qaoa.energy_diagonal",
    "qbook.routing.qaoa.qaoa_circuit",
    "qbook.routing.qaoa.qsim_state",
    "qbook.routing.qaoa.cirq_state",
    "qbook.routing.qaoa.numpy_state",
    "qbook.routing.qaoa.expectation",
    "qbook.routing.qaoa.sample",
    "qbook.routing.qaoa.cvar",
    "qbook.routing.qaoa.cvar_from_samples",
    "qbook.routing.qaoa.approximation_ratio",
    "qbook.routing.qaoa.qaoa_metrics",
    "qbook.routing.qaoa.QAOARun",
    "qbook.routing.qaoa.QAOAResult",
    "qbook.routing.qaoa.optimize",
    "qbook.routing.qaoa.default_gamma_scale",
    "qbook.routing.qaoa.landscape",
    "qbook.routing.qaoa_tsp.statevector_bytes",
    "qbook.routing.qaoa_tsp.total_memory_bytes",
    "qbook.routing.qaoa_tsp.largest_tsp",
    "qbook.routing.qaoa_tsp.TSPProblem",
    "qbook.routing.qaoa_tsp.tour_index",
    "qbook.routing.qaoa_tsp.tsp_problem",
]

small = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3))
angles = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=3)


@st.composite
def isings(draw, max_n=4):
    n = draw(st.integers(1, max_n))
    h = draw(hnp.arrays(float, n, elements=small))
    J = np.triu(draw(hnp.arrays(float, (n, n), elements=small)), 1)
    return h, J, draw(small)


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("qaoa"))
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(isings())
def test_diagonal_is_the_ising_energy_of_every_bitstring(hjc):
    h, J, c = hjc
    X = qaoa.bitstrings(len(h)).astype(int)
    np.testing.assert_allclose(qaoa.energy_diagonal(h, J, c), qubo.ising_energy(h, J, c, 1 - 2 * X))


@given(isings(max_n=3), st.floats(-2, 2), st.floats(-2, 2))
def test_three_simulators_agree_and_states_are_normalised(hjc, g, b):
    h, J, c = hjc
    diag = qaoa.energy_diagonal(h, J, 0.0)
    psi = qaoa.numpy_state(diag, [g], [b])
    assert np.linalg.norm(psi) == pytest.approx(1.0)
    circuit, gs, bs = qaoa.qaoa_circuit(h, J, 1)
    for sim in (qaoa.cirq_state, qaoa.qsim_state):
        other = sim(circuit, gs, bs, [g], [b])
        if len(other) == len(psi):  # qubits without any gate drop out of the circuit
            assert abs(np.vdot(psi, other)) == pytest.approx(1.0, abs=1e-4)
    e = qaoa.expectation(diag, psi)
    assert diag.min() - 1e-9 <= e <= diag.max() + 1e-9


@given(
    hnp.arrays(float, 8, elements=small),
    hnp.arrays(float, 8, elements=st.floats(0, 1)),
    st.floats(0.01, 1),
)
def test_cvar_lies_between_the_minimum_and_the_mean(diag, w, alpha):
    if w.sum() == 0:
        w[0] = 1.0
    p = w / w.sum()
    cv = qaoa.cvar(diag, p, alpha)
    assert diag[p > 0].min() - 1e-9 <= cv <= p @ diag + 1e-9 or alpha == 1
    assert qaoa.cvar(diag, p, 1.0) == pytest.approx(p @ diag)
    samples = diag[qaoa.sample(p, 50, seed=1)]
    cs = qaoa.cvar_from_samples(samples, alpha)
    assert samples.min() - 1e-9 <= cs <= samples.mean() + 1e-9


@given(hnp.arrays(float, 8, elements=small, unique=True))
def test_metrics_and_ratio_are_in_range(diag):
    p = np.full(8, 1 / 8)
    m = qaoa.qaoa_metrics(p, diag, feasible=np.arange(8) % 2 == 0)
    assert 0 <= m["approx_ratio"] <= 1 and 0 <= m["p_optimal"] <= 1
    assert m["p_feasible"] == pytest.approx(0.5)
    assert qaoa.approximation_ratio(diag.min(), diag.min(), diag.max()) == pytest.approx(1)
    assert qaoa.default_gamma_scale(diag) > 0
    L = qaoa.landscape(diag, [0.0, 0.3], [0.1])
    assert L.shape == (1, 2) and L[0, 0] == pytest.approx(diag.mean())


def test_optimize_returns_one_run_per_depth_and_by_p():
    diag = qaoa.energy_diagonal([0.5, -1.0], [[0, 1.0], [0, 0]])
    res = qaoa.optimize(diag, p_max=2, restarts=1, maxiter=20)
    assert isinstance(res, qaoa.QAOAResult) and [r.p for r in res.runs] == [1, 2]
    assert isinstance(res.by_p(2), qaoa.QAOARun)
    assert res.by_p(2).energy >= diag.min() - 1e-9
    with pytest.raises(ValueError):
        res.by_p(3)


@given(st.integers(0, 40), st.integers(1, 8))
def test_memory_wall_is_monotone(n, copies):
    assert qaoa_tsp.statevector_bytes(n) == 8 * 2**n
    fits, first_not = qaoa_tsp.largest_tsp(2**n * 1000, copies=copies)
    assert first_not == fits + 1
    assert copies * qaoa_tsp.statevector_bytes(fits**2) <= 2**n * 1000 or fits == 0
    assert qaoa_tsp.total_memory_bytes() >= 0


@given(st.integers(1, 3), st.data())
def test_tour_index_marks_exactly_the_feasible_states(n, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    pts = rng.uniform(0, 10, size=(n + 1, 2))
    D = np.round(np.linalg.norm(pts[:, None] - pts[None], axis=-1))
    prob = qaoa_tsp.tsp_problem(D)
    assert isinstance(prob, qaoa_tsp.TSPProblem) and prob.n_qubits == n * n
    idx = {qaoa_tsp.tour_index(t, n) for t in itertools.permutations(range(1, n + 1))}
    assert set(np.flatnonzero(prob.feasible)) == idx
    assert prob.diag[list(idx)].min() == pytest.approx(prob.opt_cost)

"""Tests for the constraint-preserving QAOA (qbook.routing.qaoa_constrained, chapter 10)."""

import itertools
import math

import numpy as np
import pytest

from qbook.routing import classical, constrained_circuit, generators, instances, tour_subspace
from qbook.routing import qaoa_constrained as qc
from qbook.routing.constrained_circuit import _full_indices

ANGLES = {2: ([0.7], [0.4]), 3: ([0.4, 0.9], [0.3, 0.6]), 4: ([0.5, -0.3], [0.35, 0.8])}


def _compare(n, init, form, tol):
    D = generators.random_tsp(n, 7 + n)
    space = tour_subspace.tour_space(D)
    g, b = ANGLES[n]
    sub = tour_subspace.subspace_state(space, g, b, init)
    full = constrained_circuit.circuit_state(
        D, constrained_circuit.constrained_circuit(D, g, b, init, form=form), init
    )
    assert full.size == 2 ** (n * n)
    idx = _full_indices(space)
    outside = np.ones(full.size, bool)
    outside[idx] = False
    assert np.sum(np.abs(full[outside]) ** 2) < 1e-10  # no weight leaves the tours
    # the circuit drops the constant of the Ising form and the penalty (constant on tours):
    # a global phase; fix it on the largest amplitude, then compare entry by entry
    k = int(np.argmax(np.abs(sub)))
    phase = full[idx[k]] / sub[k]
    assert abs(abs(phase) - 1) < 10 * tol
    assert np.max(np.abs(full[idx] - phase * sub)) < tol


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("init", ["uniform", "nearest"])
def test_subspace_state_equals_qsim_full_state(n, init):
    _compare(n, init, "terms", 1e-6)


@pytest.mark.parametrize("n", [2, 3])
def test_the_2n_qubit_mixer_gate_gives_the_same_state(n):
    _compare(n, "uniform", "matrix", 1e-6)


def test_pauli_decomposition_gives_the_same_state():
    # qsim decomposes the Pauli rotations into many gates: float32 round-off, so 1e-5
    _compare(3, "nearest", "pauli", 1e-5)


def test_swap_term_paulis_sum_to_the_term():
    import cirq

    q = cirq.LineQubit.range(4)
    terms = constrained_circuit.swap_term_paulis(q)
    assert len(terms) == 8
    M = sum(c * cirq.unitary(cirq.DensePauliString(s)) for c, s in terms)
    # mixer_matrix(2) acts on (x_{t,0}, x_{t,1}, x_{t+1,0}, x_{t+1,1}); the term's order is
    # (x_{t,0}, x_{t+1,1}, x_{t,1}, x_{t+1,0})
    H = (
        constrained_circuit.mixer_matrix(2)
        .reshape([2] * 8)
        .transpose(0, 3, 1, 2, 4, 7, 5, 6)
        .reshape(16, 16)
    )
    assert np.allclose(M, H)


def test_qsim_state_differs_when_the_angles_differ():
    # guards the test above against comparing two trivial states
    D = generators.random_tsp(3, 1)
    space = tour_subspace.tour_space(D)
    a = tour_subspace.subspace_state(space, [0.4], [0.3])
    b = tour_subspace.subspace_state(space, [0.4], [0.6])
    assert abs(np.vdot(a, b)) < 0.999


def test_tour_table_is_lexicographic_and_complete():
    for n in range(1, 7):
        T = tour_subspace.tour_table(n)
        assert T.shape == (math.factorial(n), n)
        assert np.array_equal(T, np.array(list(itertools.permutations(range(n)))))


@pytest.mark.parametrize("n", [2, 3, 5, 7])
def test_swap_is_the_position_swap_and_an_involution(n):
    space = tour_subspace.tour_space(generators.random_tsp(n, 0))
    ids = np.arange(space.size).astype(complex)
    for t in range(n - 1):
        perm = space.swap(ids, t).real.astype(int)
        swapped = space.tours.copy()
        swapped[:, [t, t + 1]] = swapped[:, [t + 1, t]]
        assert np.array_equal(space.tours[perm], swapped)
        assert np.array_equal(perm[perm], np.arange(space.size))  # S_t^2 = 1
        assert np.all(perm != np.arange(space.size))  # no fixed points


def test_mixer_matrix_on_tours_is_the_swap_and_hermitian():
    n = 3
    H = constrained_circuit.mixer_matrix(n)
    assert np.array_equal(H, H.T)
    # on two rows holding a one-hot pair (a, b), H gives the pair (b, a)
    for a, b in itertools.permutations(range(n), 2):
        x = np.zeros(2 * n, int)
        x[a], x[n + b] = 1, 1
        y = np.zeros(2 * n, int)
        y[b], y[n + a] = 1, 1
        ix = int("".join(map(str, x)), 2)
        iy = int("".join(map(str, y)), 2)
        col = H[:, ix]
        assert col[iy] == 1 and col.sum() == 1


def test_gradient_matches_finite_differences():
    space = tour_subspace.tour_space(generators.random_tsp(5, 3))
    rng = np.random.default_rng(0)
    for init, order in (("uniform", "parity"), ("nearest", "sequential")):
        theta = rng.uniform(-1, 1, 6)
        e, g = tour_subspace.cost_and_grad(space, theta, init, order)
        h = 1e-6
        fd = [
            (
                tour_subspace.cost_and_grad(space, theta + h * np.eye(6)[k], init, order)[0]
                - tour_subspace.cost_and_grad(space, theta - h * np.eye(6)[k], init, order)[0]
            )
            / (2 * h)
            for k in range(6)
        ]
        assert np.max(np.abs(g - fd)) < 1e-6
        psi = tour_subspace.subspace_state(space, theta[:3], theta[3:], init, order)
        assert e == pytest.approx(float(np.abs(psi) ** 2 @ space.scaled), abs=1e-12)


def test_single_precision_agrees_with_double():
    D = generators.random_tsp(6, 2)
    s64, s32 = tour_subspace.tour_space(D, "double"), tour_subspace.tour_space(D, "single")
    th = np.array([0.3, -0.2, 0.5, 0.7])
    e64, g64 = tour_subspace.cost_and_grad(s64, th)
    e32, g32 = tour_subspace.cost_and_grad(s32, th)
    assert abs(e64 - e32) < 1e-5 and np.max(np.abs(g64 - g32)) < 1e-4


def test_p_optimal_matches_sampled_frequency():
    D = generators.random_tsp(5, 4)
    r = qc.constrained_tsp(D, p=2, shots=200, seed=1)
    space = tour_subspace.tour_space(D)
    opt = space.costs <= space.opt_cost + 1e-9
    draws = np.random.default_rng(5).choice(space.size, size=40_000, p=r.probabilities)
    freq = opt[draws].mean()
    se = math.sqrt(r.p_optimal * (1 - r.p_optimal) / draws.size)
    assert abs(freq - r.p_optimal) < 5 * se
    assert r.p_optimal > 2 * opt.mean()  # well above random guessing
    assert r.p_optimal_within(1000) == pytest.approx(1 - (1 - r.p_optimal) ** 1000)


def test_constrained_tsp_api_contract():
    D = generators.random_tsp(6, 11)
    r = qc.constrained_tsp(D, 3, 1000, 0)
    assert isinstance(r, qc.ConstrainedResult)
    assert sorted(r.tour) == list(range(1, 7))
    assert r.cost == pytest.approx(classical.tour_cost(D, r.tour))
    assert r.optimal_cost == pytest.approx(classical.held_karp(D)[0])
    assert r.valid_fraction == 1.0
    assert 0 < r.p_optimal <= 1 and 0 < r.approx_ratio <= 1
    assert r.found_optimal == (r.cost == r.optimal_cost)
    assert len(r.runs) == 3 and [x.p for x in r.runs] == [1, 2, 3]
    assert r.runs[2].energy <= r.runs[0].energy + 1e-6  # warm start never loses
    assert r.gammas.shape == r.betas.shape == (3,)
    assert r.probabilities.sum() == pytest.approx(1.0)
    # same seed, same answer
    r2 = qc.constrained_tsp(D, 3, 1000, 0)
    assert r2.tour == r.tour and r2.p_optimal == pytest.approx(r.p_optimal)


def test_constrained_tsp_on_a_cvrplib_cluster_and_tiny_cases():
    inst = instances.read_instance("E-n13-k4")
    cl = [8, 5, 10]
    D = inst.D[np.ix_([0, *cl], [0, *cl])]
    r = qc.constrained_tsp(D, 2, 100, 0)
    assert sorted(r.tour) == [1, 2, 3]
    one = qc.constrained_tsp(D[:2, :2], 1, 10, 0)
    assert one.tour == [1] and one.p_optimal == 1.0
    two = qc.constrained_tsp(D[:3, :3], 1, 10, 0)  # symmetric: both tours cost the same
    assert sorted(two.tour) == [1, 2] and two.p_optimal == pytest.approx(1.0)


def test_nearest_start_stays_feasible_and_transfer_start_works():
    D = generators.random_tsp(5, 6)
    r = qc.constrained_tsp(D, 2, 100, 0, init="nearest")
    assert r.valid_fraction == 1.0 and r.init == "nearest"
    s = qc.constrained_tsp(D, 2, 100, 0, start=np.array([0.3, 0.4, 0.5, 0.3]))
    assert len(s.runs) == 1 and s.runs[0].p == 2


def test_memory_bytes_counts_the_amplitudes():
    assert tour_subspace.memory_bytes(9) >= math.factorial(9) * 5 * 8  # five complex64 vectors
    assert tour_subspace.memory_bytes(11) < 1.2 * 2**30  # 11 customers, transferred angles


@pytest.mark.parametrize("optimise", [True, False])
def test_measured_peak_is_within_the_stated_bound(optimise):
    import tracemalloc

    D = generators.random_tsp(8, 21)
    start = np.array([-0.6, -0.9, 1.1, 0.8])
    tracemalloc.start()
    r = qc.constrained_tsp(D, 2, 5000, 0, optimise=optimise, start=start, maxiter=5)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.memory_bytes == tour_subspace.memory_bytes(8, "single", optimise, 5000)
    assert peak <= r.memory_bytes


def test_blockwise_costs_equal_the_full_table(monkeypatch):
    D = generators.random_tsp(6, 5)
    full = tour_subspace.tour_space(D)
    monkeypatch.setattr(tour_subspace, "BLOCK_CUSTOMERS", 3)  # 5 x 4 x 3 prefixes of 3! tours
    blocks = tour_subspace.tour_space(D)
    assert np.array_equal(full.costs, blocks.costs)
    T = full.tours
    assert np.allclose(full.costs, [classical.tour_cost(D, t) for t in T])
    for r in (0, 1, 77, 719):
        assert full.tour(r) == T[r].tolist() and full.rank(full.tour(r)) == r


def test_fixed_angles_need_no_optimisation_and_match_the_state():
    D = generators.random_tsp(7, 3)
    angles = np.array([-0.6, -0.95, -1.3, 1.1, 0.8, 0.4])
    r = qc.constrained_tsp(D, 3, 3000, 1, optimise=False, start=angles)
    assert r.runs == [] and r.n_evals == 0
    space = tour_subspace.tour_space(D, "single")
    psi = tour_subspace.subspace_state(space, angles[:3], angles[3:])
    assert np.allclose(r.probabilities, np.abs(psi) ** 2 / np.sum(np.abs(psi) ** 2), atol=1e-7)
    assert r.p_optimal > 20 * np.mean(space.costs == space.opt_cost)
    assert r.cost == pytest.approx(classical.tour_cost(D, r.tour))


@pytest.mark.parametrize(
    "call",
    [
        lambda s: tour_subspace.cost_and_grad(s, [0.1 + 1j, 0.2]),
        lambda s: tour_subspace.cost_and_grad(s, np.array([0.1, 0.2], complex)),
        lambda s: tour_subspace.initial_state(s, [True, 2, 3]),
        lambda s: tour_subspace.initial_state(s, [1.5, 2.5, 3.5]),
        lambda s: tour_subspace.initial_state(s, [1.0, 2.0, 2.0]),
        lambda s: qc.constrained_tsp(s.D, 1, 10, 0, init=[1.5, 2.5, 3.5]),
        lambda s: qc.constrained_tsp(s.D, 1, 10, 0, init=[True, 2, 3]),
        lambda s: s.swap(tour_subspace.initial_state(s), -1),
        lambda s: s.swap(tour_subspace.initial_state(s), 2),
        lambda s: s.swap(tour_subspace.initial_state(s), True),
        lambda s: s.swap(np.ones(6), 0),
        lambda s: tour_subspace.subspace_state(s, [0.1], [0.2], np.zeros(6, complex)),
        lambda s: tour_subspace.subspace_state(s, [0.1], [0.2], np.full(6, 1.0 + 0j)),
        lambda s: tour_subspace.subspace_state(s, [0.1], [0.2], np.full(5, 0.5 + 0j)),
        lambda s: qc.optimize_angles(s, 1, grid=10**5),
        lambda s: qc.optimize_angles(s, 1, grid=2.5),
        lambda s: qc.constrained_tsp(s.D, 1, 10**9, 0),
        lambda s: qc.constrained_tsp(s.D, 1, 10, 0, optimise=1),
        lambda s: qc.constrained_tsp(s.D, 1, 10, 0, start=[0.1 + 1j, 0.2]),
        lambda s: qc.transfer_angles([3] * 300, [0], 1),
    ],
)
def test_issue_20_inputs_are_refused(call):
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    with pytest.raises((ValueError, TypeError)):
        call(space)


def test_a_normalised_start_state_is_accepted_and_not_changed():
    space = tour_subspace.tour_space(generators.random_tsp(3, 0))
    psi0 = np.full(6, 6**-0.5, dtype=complex)
    keep = psi0.copy()
    out = tour_subspace.subspace_state(space, [0.3], [0.2], psi0)
    assert np.array_equal(psi0, keep) and np.sum(np.abs(out) ** 2) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: qc.constrained_tsp(np.full((3, 3), np.nan), 1, 10, 0),
        lambda: qc.constrained_tsp(generators.random_tsp(3, 0), 0, 10, 0),
        lambda: qc.constrained_tsp(generators.random_tsp(3, 0), 1, 0, 0),
        lambda: qc.constrained_tsp(generators.random_tsp(3, 0), 1, 10, -1),
        lambda: qc.constrained_tsp(generators.random_tsp(12, 0), 1, 10, 0),
        lambda: qc.constrained_tsp(generators.random_tsp(3, 0), 1, 10, 0, init="bogus"),
        lambda: qc.constrained_tsp(generators.random_tsp(3, 0), 1, 10, 0, order="bogus"),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises((ValueError, TypeError)):
        call()

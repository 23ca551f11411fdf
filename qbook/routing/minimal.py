"""The minimal encoding of Tan et al. (2021): ``n_c`` binary variables on ``1 + ceil(log2 n_c)`` qubits.

Introduced in chapter 11, "Minimal encoding" (the seminar's eqs. 23-27, {cite}`tan2021`,
{cite}`haezer2023`).

The state (eq. 23) is ``|psi> = sum_i beta_i |phi_i>_reg (a_i |0>_anc + b_i |1>_anc)``: register
basis state ``|phi_i>`` names variable ``i``, the ancilla carries its value. The distribution it
encodes (eq. 24) is a *product* of independent bits with

``P1_i = Pr(x_i = 1) = |b_i|^2 / (|a_i|^2 + |b_i|^2)``.

Qubit order: a state vector here is in Cirq's order over ``[ancilla, register bits, most
significant first]``, so amplitude ``a_i`` sits at index ``i`` and ``b_i`` at index ``R + i`` with
``R = 2^(n_q - 1)``. Register states ``i >= n_c`` carry no variable and are ignored.

The cost (eq. 25) is the QUBO evaluated on that product distribution,

``C_min = sum_{i != j} Q_ij P1_i P1_j + sum_i Q_ii P1_i = E_{x ~ P}[x^T Q x]``,

which holds for any square ``Q`` (upper triangular or symmetric alike), because the bits are
independent and ``x_i^2 = x_i``. In projector form (eq. 26), ``P1_i = <P^1_i> / <P_i>`` with
``P_i = |phi_i><phi_i|`` and ``P^1_i = |1><1|_anc (x) P_i``.

A register state with zero weight (``|a_i|^2 + |b_i|^2 = 0``), or never hit by any shot, carries
no information about ``x_i``; it gets ``P1_i = 1/2`` (the rule of {cite}`leonidas2024`), the
value that adds no bias either way.

The ansatz (as in Tan et al.) is a Hadamard on every qubit followed by ``layers`` blocks of
``RY`` on every qubit and a ladder of nearest-neighbour CNOTs, and a final ``RY`` layer:
``n_q (layers + 1)`` parameters. All its gates are real, so the amplitudes stay real and a small
NumPy simulator (:func:`ansatz_state`) with an adjoint gradient (:func:`cost_and_grad`) is fast;
a test checks it against qsimcirq on the Cirq circuit (:func:`ansatz_circuit`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from qbook.common import checks as chk

__all__ = [
    "ansatz_circuit",
    "ansatz_state",
    "best_of_samples",
    "cost_and_grad",
    "check_qubo",
    "cost_from_shots",
    "energies",
    "grad_parameter_shift",
    "minimal_cost",
    "minimal_cost_projectors",
    "most_likely",
    "n_params",
    "n_qubits",
    "normalised_cost",
    "probabilities",
    "probabilities_from_shots",
    "product_probability",
    "sample_candidates",
    "sample_shots",
    "worked_example_circuit",
]


def n_qubits(n_c: int) -> int:
    """Qubits for ``n_c`` variables: ``1 + ceil(log2 n_c)`` (one ancilla plus the register).

    ``n_c = 1`` needs only the ancilla (a register of 0 bits has one state): 1 qubit.
    ``n_c = 2 -> 2``, ``3, 4 -> 3``, ``5 -> 4``, ``1024 -> 11``.
    Introduced in chapter 11, Minimal encoding.
    """
    n_c = chk.count(n_c, "n_c", lo=1, hi=2**40)
    return 1 + (n_c - 1).bit_length()  # exact ceil(log2 n_c) for integers


def _check_state(state: np.ndarray, n_c: int, name: str = "state") -> tuple[np.ndarray, np.ndarray]:
    n_c = chk.count(n_c, "n_c", lo=1, hi=2**40)  # a NumPy n_c slices as a Python int
    nq = n_qubits(n_c)
    state = chk.complex_array(state, name, ndim=1)
    if not np.any(state.imag):
        state = state.real
    if state.ndim != 1 or state.size != 2**nq:
        raise ValueError(
            f"{n_c} variables need a state of 2^{nq} = {2**nq} amplitudes, got shape {state.shape}"
        )
    R = 2 ** (nq - 1)
    return state[:n_c], state[R : R + n_c]


def probabilities(state: np.ndarray, n_c: int) -> np.ndarray:
    """``P1_i = |b_i|^2 / (|a_i|^2 + |b_i|^2)`` for ``i < n_c`` (eq. 24); 1/2 where the weight is 0.

    Introduced in chapter 11, Minimal encoding.
    """
    a, b = _check_state(state, n_c)
    a2, b2 = np.abs(a) ** 2, np.abs(b) ** 2
    w = a2 + b2
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(w > 1e-30, b2 / np.where(w > 0, w, 1.0), 0.5)
    return p


def check_qubo(Q: np.ndarray | Sequence) -> np.ndarray:
    """A non-empty, finite, square QUBO matrix as a float array (ValueError/TypeError otherwise).

    Introduced in chapter 11, Minimal encoding (the solver of :mod:`qbook.routing.minimal_solve`
    checks its input with it too).
    """
    Q = chk.square_matrix(Q, "Q")
    if Q.shape[0] == 0:
        raise ValueError("Q must be a non-empty square matrix, got shape (0, 0)")
    return Q


def _cost_p(Q: np.ndarray, p: np.ndarray) -> float:
    d = np.diag(Q)
    return float(p @ np.einsum("ij,j->i", Q, p) - (d * p * p).sum() + d @ p)


def minimal_cost(Q: np.ndarray, state: np.ndarray, offset: float = 0.0) -> float:
    """``C_min`` of eq. 25 (plus ``offset``): the QUBO's mean over the encoded product distribution.

    ``sum_{i != j} Q_ij P1_i P1_j + sum_i Q_ii P1_i``; with bits 0/1 this equals the expectation
    of ``x^T Q x`` for any square ``Q``. Introduced in chapter 11, Minimal encoding.
    """
    Q = check_qubo(Q)
    offset = chk.real(offset, "offset")
    return _cost_p(Q, probabilities(state, Q.shape[0])) + offset


def minimal_cost_projectors(Q: np.ndarray, state: np.ndarray) -> float:
    """Eq. 26 literally: ``<P^1_i>/<P_i>`` from explicit projector matrices (small ``n_q`` only).

    ``P_i = I_anc (x) |phi_i><phi_i|`` and ``P^1_i = |1><1|_anc (x) |phi_i><phi_i|``.
    Slow on purpose: it checks :func:`minimal_cost`. Introduced in chapter 11, Minimal encoding.
    """
    Q = check_qubo(Q)
    n_c = Q.shape[0]
    nq = n_qubits(n_c)
    if nq > 10:
        raise ValueError("the projector form builds 2^n_q x 2^n_q matrices: use n_q <= 10")
    _check_state(state, n_c)
    state = np.asarray(state, dtype=complex)
    R = 2 ** (nq - 1)
    one = np.diag([0.0, 1.0])
    ratio = np.empty(n_c)
    for i in range(n_c):
        phi = np.zeros((R, R))
        phi[i, i] = 1.0
        P = np.kron(np.eye(2), phi)
        P1 = np.kron(one, phi)
        ep = np.real(np.vdot(state, P @ state))
        ep1 = np.real(np.vdot(state, P1 @ state))
        ratio[i] = ep1 / ep if ep > 1e-30 else 0.5
    off = sum(Q[i, j] * ratio[i] * ratio[j] for i in range(n_c) for j in range(n_c) if i != j)
    return float(off + sum(Q[i, i] * ratio[i] for i in range(n_c)))


# --------------------------------------------------------------------------------------------
# The ansatz: H, then layers of RY + CNOT ladder, then a final RY layer
# --------------------------------------------------------------------------------------------
def n_params(n_c: int, layers: int) -> int:
    """Number of RY angles of the ansatz: ``n_q (layers + 1)``. Introduced in chapter 11."""
    layers = chk.count(layers, "layers", lo=0, hi=10**6)
    return n_qubits(n_c) * (layers + 1)


def ansatz_circuit(n_c: int, layers: int, qubits=None):
    """The Cirq circuit of the ansatz; returns ``(circuit, symbols)``.

    Qubit 0 is the ancilla, qubits 1.. the register (most significant first). Angle
    ``theta[l * n_q + q]`` is the RY of qubit ``q`` in layer ``l`` (layer ``layers`` is the final
    one). Introduced in chapter 11, Minimal encoding.
    """
    import cirq
    import sympy

    nq = n_qubits(n_c)
    npar = n_params(n_c, layers)
    layers = int(layers)
    if qubits is None:
        qubits = cirq.LineQubit.range(nq)
    qubits = list(qubits)
    if len(qubits) != nq:
        raise ValueError(f"{n_c} variables need {nq} qubits, got {len(qubits)}")
    syms = sympy.symbols(f"theta_0:{npar}")
    c = cirq.Circuit(cirq.H.on_each(*qubits))
    for layer in range(layers + 1):
        c.append(cirq.ry(syms[layer * nq + q]).on(qubits[q]) for q in range(nq))
        if layer < layers:
            for q in range(nq - 1):
                c.append(cirq.CNOT(qubits[q], qubits[q + 1]))
    return c, syms


def _gates(nq: int, layers: int) -> list[tuple]:
    """The ansatz after the Hadamards as a gate list: ('ry', q, k) or ('cx', q, q+1)."""
    gates: list[tuple] = []
    for layer in range(layers + 1):
        gates += [("ry", q, layer * nq + q) for q in range(nq)]
        if layer < layers:
            gates += [("cx", q, q + 1) for q in range(nq - 1)]
    return gates


def _ry(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -s], [s, c]])


def _apply_2x2(psi: np.ndarray, nq: int, q: int, M: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = (2x2 matrix M on qubit q) psi``; ``out`` may be ``psi`` itself."""
    if q == nq - 1:  # the last qubit: rows of pairs, one matrix product
        out.reshape(-1, 2)[...] = psi.reshape(-1, 2) @ M.T
    else:
        shape = (2**q, 2, 2 ** (nq - q - 1))
        out.reshape(shape)[...] = M @ psi.reshape(shape)
    return out


def _apply_ry(psi: np.ndarray, nq: int, q: int, theta: float) -> None:
    _apply_2x2(psi, nq, q, _ry(theta), psi)


def _apply_dry(psi: np.ndarray, nq: int, q: int, theta: float) -> np.ndarray:
    """d RY(theta)/d theta applied to psi (a new array)."""
    c, s = 0.5 * math.cos(theta / 2), 0.5 * math.sin(theta / 2)
    return _apply_2x2(psi, nq, q, np.array([[-s, -c], [c, -s]]), np.empty_like(psi))


def _apply_cx(psi: np.ndarray, nq: int, q: int) -> None:
    # control q, target q + 1: swap target amplitudes where control is 1
    v = psi.reshape(2**q, 2, 2, 2 ** (nq - q - 2))
    v[:, 1, :, :] = v[:, 1, ::-1, :].copy()


def ansatz_state(theta: np.ndarray, n_c: int, layers: int) -> np.ndarray:
    """The ansatz's real state vector (float64, Cirq's qubit order). Introduced in chapter 11."""
    nq = n_qubits(n_c)
    layers = chk.count(layers, "layers", lo=0, hi=10**6)
    theta = chk.finite_array(theta, "theta", ndim=1)
    if theta.shape != (n_params(n_c, layers),):
        raise ValueError(
            f"theta must have n_q (layers + 1) = {n_params(n_c, layers)} angles, got {theta.shape}"
        )
    psi = np.full(2**nq, 2 ** (-nq / 2))
    for g in _gates(nq, layers):
        if g[0] == "ry":
            _apply_ry(psi, nq, g[1], theta[g[2]])
        else:
            _apply_cx(psi, nq, g[1])
    return psi


def _dcost_dpsi(
    Q: np.ndarray, psi: np.ndarray, n_c: int, R: int, temperature: float = 0.0
) -> tuple[float, np.ndarray]:
    """Cost (eq. 25) minus ``temperature`` x entropy, and its gradient in the real amplitudes."""
    a, b = psi[:n_c], psi[R : R + n_c]
    w = a * a + b * b
    ok = w > 1e-30
    ws = np.where(ok, w, 1.0)
    p = np.where(ok, b * b / ws, 0.5)
    d = np.diag(Q)
    # einsum, not BLAS: a threaded BLAS matrix-vector product is many times slower on a busy
    # 2-core machine, and these products are small
    Qp = np.einsum("ij,j->i", Q, p)
    cost = float(p @ Qp - (d * p * p).sum() + d @ p)
    dc_dp = Qp + np.einsum("i,ij->j", p, Q) - 2 * d * p + d
    if temperature > 0:
        pc = np.clip(p, 1e-12, 1 - 1e-12)
        entropy = float(-(pc * np.log(pc) + (1 - pc) * np.log(1 - pc)).sum())
        cost -= temperature * entropy
        dc_dp = dc_dp - temperature * np.log((1 - pc) / pc)
    g = np.zeros_like(psi)
    # P = b^2 / (a^2 + b^2): dP/da = -2 a b^2 / w^2, dP/db = 2 b a^2 / w^2
    g[:n_c] = np.where(ok, dc_dp * (-2 * a * b * b) / ws**2, 0.0)
    g[R : R + n_c] = np.where(ok, dc_dp * (2 * b * a * a) / ws**2, 0.0)
    return cost, g


def cost_and_grad(
    theta: np.ndarray, Q: np.ndarray, layers: int, offset: float = 0.0, temperature: float = 0.0
) -> tuple[float, np.ndarray]:
    """Cost (eq. 25, plus ``offset``) and its exact gradient by the adjoint method.

    One forward pass stores nothing but the final state; the backward pass un-applies each gate
    (all are real orthogonal) while carrying ``lambda = dC/dpsi`` back, so one cost-and-gradient
    evaluation costs about three state-vector simulations whatever the number of angles.
    ``temperature > 0`` gives the smoothed cost of the solver's annealing stages
    (:func:`qbook.routing.minimal_solve.solve`). Introduced in chapter 11, Minimal encoding.
    """
    Q = check_qubo(Q)
    temperature = chk.real(temperature, "temperature", lo=0.0)
    layers = chk.count(layers, "layers", lo=0, hi=10**6)
    offset = chk.real(offset, "offset")
    theta = chk.finite_array(theta, "theta", ndim=1)
    if theta.shape != (n_params(Q.shape[0], layers),):
        raise ValueError(
            f"theta must have n_q (layers + 1) = {n_params(Q.shape[0], layers)} angles, "
            f"got {theta.shape}"
        )
    return _cost_and_grad(theta, Q, layers, offset, temperature)


def _cost_and_grad(
    theta: np.ndarray, Q: np.ndarray, layers: int, offset: float, temperature: float = 0.0
):
    n_c = Q.shape[0]
    nq = n_qubits(n_c)
    R = 2 ** (nq - 1)
    psi = ansatz_state(theta, n_c, layers)
    cost, lam = _dcost_dpsi(Q, psi, n_c, R, temperature)
    grad = np.zeros(theta.size)
    for g in reversed(_gates(nq, layers)):
        if g[0] == "ry":
            q, k = g[1], g[2]
            _apply_ry(psi, nq, q, -theta[k])  # un-apply: psi before this gate
            grad[k] = lam @ _apply_dry(psi, nq, q, theta[k])
            _apply_ry(lam, nq, q, -theta[k])
        else:
            _apply_cx(psi, nq, g[1])
            _apply_cx(lam, nq, g[1])
    return cost + float(offset), grad


def grad_parameter_shift(theta: np.ndarray, Q: np.ndarray, layers: int) -> np.ndarray:
    """The same gradient by the parameter-shift rule, the way hardware would get it.

    Each probability ``|psi_k|^2`` is an expectation value, so its derivative with respect to an
    RY angle is ``(|psi_k(theta + pi/2)|^2 - |psi_k(theta - pi/2)|^2) / 2``; the chain rule through
    eq. 25 gives ``dC/dtheta``. Costs ``2 x n_params`` simulations. Introduced in chapter 11.
    """
    Q = check_qubo(Q)
    n_c = Q.shape[0]
    R = 2 ** (n_qubits(n_c) - 1)
    layers = chk.count(layers, "layers", lo=0, hi=10**6)
    theta = chk.finite_array(theta, "theta", ndim=1)
    psi = ansatz_state(theta, n_c, layers)
    probs = psi**2
    # dC/d(prob): with u = a^2, v = b^2, P = v / (u + v)
    a2, b2 = probs[:n_c], probs[R : R + n_c]
    w = a2 + b2
    ok = w > 1e-30
    ws = np.where(ok, w, 1.0)
    p = np.where(ok, b2 / ws, 0.5)
    d = np.diag(Q)
    dc_dp = np.einsum("ij,j->i", Q, p) + np.einsum("i,ij->j", p, Q) - 2 * d * p + d
    g_prob = np.zeros_like(probs)
    g_prob[:n_c] = np.where(ok, dc_dp * (-b2) / ws**2, 0.0)
    g_prob[R : R + n_c] = np.where(ok, dc_dp * a2 / ws**2, 0.0)
    grad = np.empty(theta.size)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = np.pi / 2
        plus = ansatz_state(theta + e, n_c, layers) ** 2
        minus = ansatz_state(theta - e, n_c, layers) ** 2
        grad[k] = g_prob @ (plus - minus) / 2
    return grad


# --------------------------------------------------------------------------------------------
# Shots
# --------------------------------------------------------------------------------------------
def sample_shots(state: np.ndarray, shots: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Measure all qubits ``shots`` times; return counts per basis state (length ``2^n_q``).

    Introduced in chapter 11, Minimal encoding.
    """
    shots = chk.count(shots, "shots", lo=1, hi=10**9)
    seed = chk.rng_or_seed(seed)
    probs = np.abs(chk.complex_array(state, "state", ndim=1, min_size=1)) ** 2
    if probs.sum() <= 0:
        raise ValueError("state is the zero vector")
    probs = probs / probs.sum()
    rng = np.random.default_rng(seed)
    return rng.multinomial(int(shots), probs)


def probabilities_from_shots(counts: np.ndarray, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimate ``P1_i = n1_i / (n0_i + n1_i)`` from shot counts; unseen register states get 1/2.

    Returns ``(P1, seen)`` with ``seen`` a boolean mask of register states some shot hit.
    Introduced in chapter 11, Minimal encoding.
    """
    counts = chk.int_array(counts, "counts", ndim=1, lo=0)
    n0, n1 = _check_state(counts.astype(float), n_c, "counts")
    tot = n0 + n1
    seen = tot > 0
    p = np.where(seen, n1 / np.where(seen, tot, 1.0), 0.5)
    return p, seen


def cost_from_shots(Q: np.ndarray, counts: np.ndarray, offset: float = 0.0) -> float:
    """Eq. 25 with probabilities estimated from shots (the unseen-state rule applied).

    Introduced in chapter 11, Minimal encoding.
    """
    Q = check_qubo(Q)
    offset = chk.real(offset, "offset")
    p, _ = probabilities_from_shots(counts, Q.shape[0])
    return _cost_p(Q, p) + offset


# --------------------------------------------------------------------------------------------
# Decoding and the normalised cost
# --------------------------------------------------------------------------------------------
def energies(Q: np.ndarray, X: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """``x^T Q x + offset`` for every row ``x`` of the 0/1 matrix ``X``. Chapter 11."""
    Q = check_qubo(Q)
    X = chk.finite_array(X, "X", ndim=2, lo=0, hi=1)
    if X.shape[1] != Q.shape[0] or np.any(X != np.round(X)):
        raise ValueError(f"X must hold 0/1 rows of length {Q.shape[0]}, got shape {X.shape}")
    return _energies(Q, X, chk.real(offset, "offset"))


def _energies(Q: np.ndarray, X: np.ndarray, offset: float) -> np.ndarray:
    Xf = X.astype(float)
    return np.einsum("ki,ij,kj->k", Xf, Q, Xf) + offset


def most_likely(p1: np.ndarray) -> np.ndarray:
    """The most likely bitstring of the product distribution: ``x_i = 1`` where ``P1_i > 1/2``.

    Introduced in chapter 11, Minimal encoding.
    """
    p1 = chk.finite_array(p1, "p1", ndim=1, lo=0.0, hi=1.0)
    return (p1 > 0.5).astype(np.int8)


def best_of_samples(
    Q: np.ndarray,
    p1: np.ndarray,
    samples: int,
    offset: float = 0.0,
    seed: int | np.random.Generator = 0,
    accept: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, float, int]:
    """Draw ``samples`` bitstrings from the product distribution and keep the lowest energy.

    With ``accept`` (a feasibility check) only accepted bitstrings compete, if any is drawn.
    Returns ``(x, energy, n_distinct)``. Introduced in chapter 11, Minimal encoding.
    """
    x, e, n_distinct, _ = sample_candidates(Q, p1, samples, offset, seed, accept)
    return x, e, n_distinct


def sample_candidates(
    Q: np.ndarray,
    p1: np.ndarray,
    samples: int,
    offset: float = 0.0,
    seed: int | np.random.Generator = 0,
    accept: Callable[[np.ndarray], bool] | None = None,
    extra: np.ndarray | None = None,
) -> tuple[np.ndarray, float, int, set[bytes]]:
    """:func:`best_of_samples`, also returning the accepted distinct bitstrings (as bytes);
    ``extra`` rows (candidates from a decoder) compete with the samples. Chapter 11 (the
    solver's sampling stage)."""
    Q = check_qubo(Q)
    p1 = chk.finite_array(p1, "p1", shape=(Q.shape[0],), lo=0.0, hi=1.0)
    samples = chk.count(samples, "samples", lo=1, hi=10**8)
    offset = chk.real(offset, "offset")
    seed = chk.rng_or_seed(seed)
    if accept is not None:
        chk.callable_(accept, "accept")
    rng = np.random.default_rng(seed)
    X = (rng.random((int(samples), p1.size)) < p1).astype(np.int8)
    rows = [X, most_likely(p1)[None, :]]
    if extra is not None:
        extra = chk.finite_array(extra, "extra", lo=0, hi=1)
        extra = np.atleast_2d(extra)
        if extra.ndim != 2 or extra.shape[1] != p1.size or np.any(extra != np.round(extra)):
            raise ValueError(f"extra must hold 0/1 rows of length {p1.size}")
        rows.append(extra.astype(np.int8))
    X = np.unique(np.vstack(rows), axis=0)
    E = _energies(Q, X, offset)
    accepted: set[bytes] = set()
    if accept is not None:
        ok = np.array([bool(accept(x)) for x in X])
        accepted = {X[i].tobytes() for i in np.flatnonzero(ok)}
        if ok.any():
            E = np.where(ok, E, np.inf)
    k = int(np.argmin(E))
    return X[k].copy(), float(_energies(Q, X[k : k + 1], offset)[0]), int(X.shape[0]), accepted


def product_probability(p1: np.ndarray, x: np.ndarray | Sequence[int]) -> float:
    """Probability of bitstring ``x`` under the product distribution ``P1`` (eq. 24).

    Introduced in chapter 11, Minimal encoding.
    """
    p1 = chk.finite_array(p1, "p1", ndim=1, lo=0.0, hi=1.0)
    x = chk.bits(x, "x", ndim=1)
    if x.shape != p1.shape:
        raise ValueError(f"x has shape {x.shape}, the distribution {p1.shape}")
    return float(np.prod(np.where(x == 1, p1, 1 - p1)))


def normalised_cost(cost: float, c_opt: float, c_max: float) -> float:
    """Eq. 27: ``(C - C*) / (C_max - C*)``; 0 at the optimum, 1 at the worst.

    Introduced in chapter 11, Minimal encoding.
    """
    cost = chk.real(cost, "cost")
    c_opt = chk.real(c_opt, "c_opt")
    c_max = chk.real(c_max, "c_max")
    if c_max <= c_opt:
        raise ValueError("c_max must exceed c_opt")
    return float((cost - c_opt) / (c_max - c_opt))


def worked_example_circuit(x_star: Sequence[int] = (1, 1, 1, 0)):
    """A circuit whose state encodes ``x*`` exactly (seminar's worked example, n_c = 4).

    Hadamards spread the register over the ``n_c`` states with weight ``1/n_c`` each; a CNOT-like
    controlled flip of the ancilla on register state ``i`` for every ``x*_i = 1`` sets
    ``b_i = beta_i`` and ``a_i = 0`` there. Returns ``(circuit, qubits)``; qubit 0 is the ancilla.
    Introduced in chapter 11, Minimal encoding.
    """
    import cirq

    x_star = chk.bits(x_star, "x_star", ndim=1).tolist()
    if not x_star:
        raise ValueError("x_star must be a non-empty 0/1 sequence")
    n_c = len(x_star)
    nq = n_qubits(n_c)
    if 2 ** (nq - 1) != n_c:
        raise ValueError("the worked example needs n_c to be a power of two")
    q = cirq.LineQubit.range(nq)
    c = cirq.Circuit(cirq.H.on_each(*q[1:]))
    for i, v in enumerate(x_star):
        if v:
            bits = [(i >> (nq - 2 - k)) & 1 for k in range(nq - 1)]
            c.append(cirq.X(q[0]).controlled_by(*q[1:], control_values=bits))
    return c, q

"""The constrained QAOA as a real Cirq circuit on ``n^2`` qubits (small cases).

Introduced in chapter 10, "Constrained QAOA": the partial swap mixer ``exp(-i beta H_t)`` as one
gate on the ``2n`` qubits of positions ``t, t+1``, as one four-qubit gate per city pair, or as
Pauli rotations that Cirq decomposes into CNOTs; the full state vector from qsimcirq, and the
subspace state of :mod:`qbook.routing.tour_subspace` embedded in it, so the two can be compared.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from qbook.common import checks as chk
from qbook.routing.tour_subspace import (
    MAX_CUSTOMERS,
    TourSpace,
    check_angles,
    check_n,
    check_space,
    initial_state,
    layer_order,
    tour_space,
)

__all__ = [
    "circuit_state",
    "constrained_circuit",
    "embed_state",
    "mixer_matrix",
    "mixer_operations",
    "swap_term_paulis",
]


def mixer_matrix(n: int) -> np.ndarray:
    """``H_t`` as a real ``4^n x 4^n`` matrix on the ``2n`` qubits of positions ``t, t+1``.

    Qubit order (big-endian): ``x_{t,1..n}`` then ``x_{t+1,1..n}``. Entry ``[b', b] = 1`` when
    a term ``S+_{t,u} S+_{t+1,v} S-_{t,v} S-_{t+1,u}`` (or its conjugate) maps ``b`` to ``b'``.
    Independent of ``t``. Introduced in chapter 10 (for ``n <= 5``).
    """
    n = check_n(n, "n", lo=1, hi=5)
    nq = 2 * n
    H = np.zeros((2**nq, 2**nq))

    def bit(q):  # mask of qubit q (big-endian)
        return 1 << (nq - 1 - q)

    for u in range(n):
        for v in range(u + 1, n):
            a = bit(u) | bit(n + v)  # x_{t,u} = x_{t+1,v} = 1
            b = bit(v) | bit(n + u)  # x_{t,v} = x_{t+1,u} = 1
            for s in range(2**nq):
                if s & (a | b) == b:  # S+S+ on a, S-S- on b: b set, a clear
                    H[s ^ a ^ b, s] = 1.0
                    H[s, s ^ a ^ b] = 1.0
    return H


def swap_term_paulis(qubits) -> list[tuple[float, str]]:
    """One four-qubit swap term ``S+_a S+_b S-_c S-_d + h.c.`` as a sum of Pauli strings.

    ``qubits = (a, b, c, d)`` are only used for their count (four). With ``S+ = (X - iY)/2`` and
    ``S- = (X + iY)/2`` the product expands into 16 strings; adding the conjugate keeps the 8
    with an even number of ``Y``, each with coefficient ``+-1/8``. They commute pairwise (two such
    strings differ in an even number of places), so ``exp(-i beta term)`` is the product of
    eight Pauli rotations. Returns ``[(coefficient, "XXYY"), ...]``. Introduced in chapter 10.
    """
    if len(qubits) != 4:
        raise ValueError(f"a swap term acts on four qubits, got {len(qubits)}")
    # the factor of a on S+ (raising, a and b) is -i per Y, on S- (c and d) +i per Y
    signs = (-1j, -1j, 1j, 1j)
    out = []
    for letters in itertools.product("XY", repeat=4):
        coef = 1 / 16
        for k, letter in enumerate(letters):
            if letter == "Y":
                coef *= signs[k]
        total = 2 * coef.real if isinstance(coef, complex) else 2 * coef  # + h.c.
        if abs(total) > 1e-12:
            out.append((float(total), "".join(letters)))
    return out


def _term_qubits(qubits, n: int, t: int, u: int, v: int) -> tuple:
    """(x_{t,u}, x_{t+1,v}, x_{t,v}, x_{t+1,u}) for 0-based customers u < v."""
    return (
        qubits[t * n + u],
        qubits[(t + 1) * n + v],
        qubits[t * n + v],
        qubits[(t + 1) * n + u],
    )


def mixer_operations(n: int, t: int, beta: float, qubits, form: str = "terms") -> list:
    """The partial swap mixer ``exp(-i beta H_t)`` on positions ``t, t+1`` as Cirq operations.

    ``form="matrix"``: one ``MatrixGate`` of :func:`mixer_matrix` on the ``2n`` qubits (the
    definition; ``n <= 3`` for qsim, which takes at most 6-qubit gates). ``"terms"``: one
    four-qubit ``MatrixGate`` per city pair ``u < v``; ``"pauli"``: each term as eight commuting
    Pauli rotations (``cirq.PauliStringPhasor``, which Cirq decomposes into CNOTs and one-qubit
    gates). The terms do not commute on all bitstrings, but on the tours only the term of the
    pair at ``t, t+1`` acts, so every form gives the same map on the tour subspace.
    Introduced in chapter 10.
    """
    import cirq
    from scipy.linalg import expm

    n = check_n(n, "n", lo=2, hi=MAX_CUSTOMERS)
    t = chk.integer(t, "t", lo=0, hi=n - 2)
    beta = chk.real(beta, "beta")
    qubits = list(qubits)
    if len(qubits) != n * n:
        raise ValueError(f"need {n * n} qubits, got {len(qubits)}")
    if form == "matrix":
        U = expm(-1j * beta * mixer_matrix(n))
        return [cirq.MatrixGate(U, name=f"U{t}").on(*qubits[t * n : (t + 2) * n])]
    if form not in ("terms", "pauli"):
        raise ValueError(f"form must be 'matrix', 'terms' or 'pauli', got {form!r}")
    U4 = expm(-1j * beta * mixer_matrix(2)) if form == "terms" else None
    paulis = swap_term_paulis(range(4))
    ops = []
    for u in range(n):
        for v in range(u + 1, n):
            q = _term_qubits(qubits, n, t, u, v)
            if form == "terms":
                # mixer_matrix(2) is the single term on (x_{t,0}, x_{t,1}, x_{t+1,0}, x_{t+1,1})
                ops.append(cirq.MatrixGate(U4, name=f"swap{t}").on(q[0], q[2], q[3], q[1]))
                continue
            for coef, letters in paulis:
                ps = cirq.PauliString(
                    dict(zip(q, (getattr(cirq, L) for L in letters), strict=True))
                )
                theta = beta * coef  # exp(-i theta P)
                ops.append(
                    cirq.PauliStringPhasor(
                        ps, exponent_neg=theta / np.pi, exponent_pos=-theta / np.pi
                    )
                )
    return ops


def constrained_circuit(
    D: np.ndarray,
    gammas: Sequence[float],
    betas: Sequence[float],
    init: str | Sequence[int] = "uniform",
    order: str = "parity",
    form: str = "terms",
):
    """The Cirq circuit on ``n^2`` qubits (``cirq.LineQubit(k)`` is variable ``k``).

    Start: a tour by ``X`` gates; for ``init="uniform"`` the circuit has no start operations and
    must be run from :func:`embed_state` of the uniform state (what :func:`circuit_state` does; a
    device needs a preparation circuit for it). Cost layer: chapter 9's ``Rz`` and ``ZZ``
    rotations of the QUBO :func:`qbook.routing.vrp_qubo.tsp_qubo` with angle ``gamma / sd``
    (:class:`~qbook.routing.tour_subspace.TourSpace`), on tours ``exp(-i gamma scaled)`` up to a global phase. Mixer: the
    partial mixers of :func:`~qbook.routing.tour_subspace.layer_order`, each as :func:`mixer_operations` of ``form``.
    Introduced in chapter 10.
    """
    import cirq

    from qbook.routing.qaoa import cost_layer
    from qbook.routing.qubo import qubo_to_ising
    from qbook.routing.vrp_qubo import tsp_qubo

    space = tour_space(D)
    n = space.n
    if n > 5:
        raise ValueError(f"the circuit is built for up to 5 customers (25 qubits), got {n}")
    g, b = check_angles(gammas, betas)
    qubits = cirq.LineQubit.range(n * n)
    circuit = cirq.Circuit()
    if not (isinstance(init, str) and init == "uniform"):
        tour = int(np.argmax(np.abs(initial_state(space, init))))
        circuit.append(cirq.X(qubits[t * n + int(c) - 1]) for t, c in enumerate(space.tours[tour]))
    h, J, _ = qubo_to_ising(*tsp_qubo(space.D), convention="z")
    for gk, bk in zip(g, b, strict=True):
        circuit.append(cost_layer(h, J, gk / space.sd, qubits))
        if n > 1:
            for t in layer_order(n, order):
                circuit.append(mixer_operations(n, t, float(bk), qubits, form))
    return circuit


def circuit_state(D: np.ndarray, circuit, init: str | Sequence[int] = "uniform") -> np.ndarray:
    """The full ``2^(n^2)`` state of a :func:`constrained_circuit` by qsimcirq (complex64).

    Runs from the embedded uniform state for ``init="uniform"``, from ``|0...0>`` otherwise (the
    circuit then starts with the ``X`` gates of its tour). Pauli rotations are decomposed into
    gates qsim knows first. ``n <= 4`` (16 qubits). Introduced in chapter 10.
    """
    import cirq
    import qsimcirq

    space = tour_space(D)
    if space.n > 4:
        raise ValueError(f"the full state is simulated for up to 4 customers, got {space.n}")
    if isinstance(init, str):
        if init not in ("uniform", "nearest"):
            raise ValueError(f"init must be 'uniform', 'nearest' or a tour, got {init!r}")
    else:
        init = chk.permutation(init, "init", space.n)  # a tour: the circuit's X gates prepare it
    if not isinstance(circuit, cirq.Circuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    if any(isinstance(op.gate, cirq.PauliStringPhasorGate) for op in circuit.all_operations()):
        circuit = cirq.Circuit(cirq.decompose(circuit))
    start = 0
    if isinstance(init, str) and init == "uniform":
        start = embed_state(space, initial_state(space, "uniform")).astype(np.complex64)
    sim = qsimcirq.QSimSimulator()
    qubits = cirq.LineQubit.range(space.n**2)
    return sim.simulate(circuit, qubit_order=qubits, initial_state=start).final_state_vector


def embed_state(space: TourSpace, psi: np.ndarray) -> np.ndarray:
    """The full ``2^(n^2)`` state vector with the tour amplitudes ``psi`` (zero elsewhere).

    Big-endian basis index as :func:`qbook.routing.qaoa_tsp.tour_index`; ``n <= 4``. Introduced in chapter 10.
    """
    space = check_space(space)
    n = space.n
    if n > 4:
        raise ValueError(f"the full state is built for up to 4 customers, got {n}")
    psi = np.asarray(psi)
    if psi.shape != (space.size,):
        raise ValueError(f"psi must have {space.size} amplitudes, got shape {psi.shape}")
    full = np.zeros(2 ** (n * n), dtype=complex)
    full[_full_indices(space)] = psi
    return full


def _full_indices(space: TourSpace) -> np.ndarray:
    n = space.n
    var = np.arange(n)[None, :] * n + (space.tours.astype(np.int64) - 1)
    return (np.int64(1) << (n * n - 1 - var)).sum(1)

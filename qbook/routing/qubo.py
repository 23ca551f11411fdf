"""QUBO and Ising models: energies, the exact mapping between them, brute force, cost Hamiltonians.

Introduced in chapter 7, "QUBO and Ising" (the seminar's eqs. 1-5, {cite}`haezer2023`).

A QUBO over binary variables ``x in {0,1}^n`` is ``E(x) = x^T Q x + offset`` (eqs. 1-2). ``Q``
may be upper triangular or symmetric (or anything square): only ``Q_ii`` and ``Q_ij + Q_ji``
matter, because ``x_i^2 = x_i`` and ``x_i x_j = x_j x_i``.

An Ising model over spins ``s in {-1,+1}^n`` is
``E(s) = sum_i h_i s_i + sum_{i<j} J_ij s_i s_j + c`` (eqs. 3-5). Two spin conventions are
supported:

* ``convention="z"`` (the circuit convention): ``s = 1 - 2x``, i.e. ``x = (1 - z)/2``, where
  ``z`` is the eigenvalue of Pauli Z; ``|0>`` has ``z = +1`` and ``|1>`` has ``z = -1``.
* ``convention="sigma"`` (the seminar's): ``s = 2x - 1``, so ``x = 0 -> -1`` and ``x = 1 -> +1``.

Write ``eps = -1`` for "z" and ``eps = +1`` for "sigma", so that ``x = (1 + eps s)/2``, and
``W_ij = Q_ij + Q_ji`` for ``i < j``. Then, exactly,

* ``h_i = eps * (Q_ii / 2 + sum_{j != i} W_ij / 4)``
* ``J_ij = W_ij / 4`` for ``i < j``
* ``c = offset + sum_i Q_ii / 2 + sum_{i<j} W_ij / 4``

and back (``x = (1 + eps s)/2`` inverted: ``s = eps (2x - 1)``):

* ``Q_ii = 2 eps h_i - 2 sum_{j != i} J_ij``
* ``Q_ij = 4 J_ij`` for ``i < j`` (``Q`` upper triangular)
* ``offset = c - eps sum_i h_i + sum_{i<j} J_ij``

Bit order: variable ``k`` is qubit ``k``; bitstrings and basis-state indices are big-endian,
as in Cirq (variable 0 is the most significant bit of the basis index).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qbook.common import checks as chk

__all__ = [
    "check_ising",
    "CONVENTIONS",
    "as_qubo",
    "brute_force",
    "ising_energy",
    "ising_to_qubo",
    "qubo_energy",
    "qubo_to_ising",
    "qubo_to_pauli_sum",
    "to_pauli_sum",
    "all_bitstrings",
    "all_energies",
    "simulated_annealing",
    "maxcut_qubo",
    "number_partitioning_qubo",
]

CONVENTIONS = {"z": -1.0, "sigma": 1.0}


def _eps(convention: str) -> float:
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise ValueError(
            f"unknown spin convention {convention!r}; use 'z' (s = 1 - 2x, circuits) "
            "or 'sigma' (s = 2x - 1, the seminar's)"
        )
    return CONVENTIONS[convention]


def as_qubo(Q: np.ndarray | Sequence) -> np.ndarray:
    """Check ``Q`` is a finite square 2-D matrix and return it as float64.

    Introduced in chapter 7, QUBO and Ising.
    """
    return chk.square_matrix(Q, "Q")


def _upper(Q: np.ndarray) -> np.ndarray:
    """The upper-triangular form with the same energies: diag kept, W_ij = Q_ij + Q_ji above."""
    return np.triu(Q + Q.T, 1) + np.diag(np.diag(Q))


def _check_bits(x: np.ndarray | Sequence, n: int, what: str = "x") -> np.ndarray:
    return chk.bits(x, what, n=n, ndim=(1, 2)).astype(float)


def qubo_energy(Q: np.ndarray, x: np.ndarray | Sequence, offset: float = 0.0) -> np.ndarray | float:
    """Energy ``x^T Q x + offset`` of one bitstring (a float) or of each row of a batch (array).

    Works for upper-triangular, symmetric or general square ``Q``.
    Introduced in chapter 7, QUBO and Ising.
    """
    Q = as_qubo(Q)
    xf = _check_bits(x, Q.shape[0])
    offset = chk.real(offset, "offset")
    e = np.einsum("...i,ij,...j->...", xf, Q, xf) + offset
    return float(e) if xf.ndim == 1 else e


def qubo_to_ising(
    Q: np.ndarray, offset: float = 0.0, convention: str = "z"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Return ``(h, J, c)`` with ``x^T Q x + offset = sum h_i s_i + sum_{i<j} J_ij s_i s_j + c``.

    ``J`` is strictly upper triangular. See the module docstring for the closed forms and the
    two conventions (``"z"``: ``s = 1 - 2x``; ``"sigma"``: ``s = 2x - 1``).
    Introduced in chapter 7, QUBO and Ising.
    """
    eps = _eps(convention)
    Q = as_qubo(Q)
    offset = chk.real(offset, "offset")
    U = _upper(Q)
    d = np.diag(U)
    W = np.triu(U, 1)
    Wsym = W + W.T
    h = eps * (d / 2 + Wsym.sum(axis=1) / 4)
    J = W / 4
    c = float(offset + d.sum() / 2 + W.sum() / 4)
    return h, J, c


def check_ising(
    h: np.ndarray | Sequence, J: np.ndarray | Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Check an Ising model (fields ``h``, couplings ``J`` with a zero diagonal) and return
    ``(h, upper-triangular J)``. Introduced in chapter 7; QAOA (chapter 9) checks with it too."""
    h = chk.finite_array(h, "h", ndim=1)
    J = chk.square_matrix(J, "J", n=h.size)
    if np.any(np.diag(J) != 0):
        raise ValueError("J must have a zero diagonal (s_i^2 = 1 belongs in the constant)")
    return h, np.triu(J + J.T, 1)  # accept symmetric or upper J: couplings J_ij + J_ji


def ising_to_qubo(
    h: np.ndarray, J: np.ndarray, c: float = 0.0, convention: str = "z"
) -> tuple[np.ndarray, float]:
    """Inverse of :func:`qubo_to_ising`: return an upper-triangular ``Q`` and the ``offset``.

    ``J`` is read as a coupling matrix whose pair ``(i, j)`` carries ``J_ij + J_ji``, so pass it
    strictly upper triangular (as :func:`qubo_to_ising` returns it).
    Introduced in chapter 7, QUBO and Ising.
    """
    eps = _eps(convention)
    h, Ju = check_ising(h, J)
    c = chk.real(c, "c")
    Jsym = Ju + Ju.T
    Q = 4 * Ju + np.diag(2 * eps * h - 2 * Jsym.sum(axis=1))
    offset = float(c - eps * h.sum() + Ju.sum())
    return Q, offset


def ising_energy(h: np.ndarray, J: np.ndarray, c: float, s: np.ndarray | Sequence):
    """``sum h_i s_i + sum_{i<j} J_ij s_i s_j + c`` for one spin vector or a batch of rows.

    Introduced in chapter 7, QUBO and Ising.
    """
    h, Ju = check_ising(h, J)
    c = chk.real(c, "c")
    s = chk.finite_array(s, "s", ndim=(1, 2))
    if s.shape[-1] != h.size:
        raise ValueError(f"s must have length {h.size} (one vector or rows), got shape {s.shape}")
    if not np.all(np.abs(s) == 1):
        raise ValueError("spins must be -1 or +1")
    s = s.astype(float)
    e = s @ h + np.einsum("...i,ij,...j->...", s, Ju, s) + c
    return float(e) if s.ndim == 1 else e


def all_bitstrings(n: int) -> np.ndarray:
    """All ``2^n`` bitstrings as rows, big-endian (row ``b`` is the binary expansion of ``b``).

    Introduced in chapter 7, QUBO and Ising.
    """
    n = chk.count(n, "n", lo=0, hi=26)
    idx = np.arange(2**n, dtype=np.int64)
    return ((idx[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)


def brute_force(
    Q: np.ndarray,
    offset: float = 0.0,
    *,
    rtol: float = 1e-9,
    atol: float = 1e-9,
    max_vars: int = 30,
) -> tuple[float, np.ndarray]:
    """Exact minimum of ``x^T Q x + offset`` over all ``2^n`` bitstrings, and every minimiser.

    Returns ``(min_energy, minimisers)``; ``minimisers`` is a 2-D int8 array, one optimal
    bitstring per row (big-endian order of their indices). Energies within
    ``atol + rtol * max|E|`` of the minimum count as optimal (ties in floating point).

    Vectorised by splitting the variables into a low block ``a`` (k bits) and a high block
    ``b``: ``E(a, b) = E_low(a) + E_high(b) + a^T C b``. All ``2^k`` low energies and the
    products ``A C`` are computed once; each chunk of high bitstrings then costs one matrix
    product, so the whole search is a few BLAS calls over ``2^n`` entries.
    Introduced in chapter 7, QUBO and Ising.
    """
    Q = as_qubo(Q)
    offset = chk.real(offset, "offset")
    rtol = chk.non_negative(rtol, "rtol")
    atol = chk.non_negative(atol, "atol")
    max_vars = chk.count(max_vars, "max_vars", lo=0, hi=40)
    n = Q.shape[0]
    if n == 0:
        return float(offset), np.zeros((1, 0), dtype=np.int8)
    if n > max_vars:
        raise ValueError(f"{n} variables is too many for brute force (max_vars={max_vars})")
    U = _upper(Q)
    k = min(n, max(1, (n + 1) // 2))  # low block = the last k variables
    nh = n - k
    A = all_bitstrings(k).astype(float)  # (2^k, k), low variables n-k..n-1
    Ul = U[nh:, nh:]
    e_low = np.einsum("ai,ij,aj->a", A, Ul, A)
    if nh == 0:
        energies = e_low + offset
        emin = float(energies.min())
        tol = atol + rtol * max(1.0, float(np.abs(energies).max()))
        idx = np.flatnonzero(energies <= emin + tol)
        return _refine(U, offset, all_bitstrings(n)[idx])
    C = U[:nh, nh:]  # couplings high (rows) x low (cols)
    AC = A @ C.T  # (2^k, nh)
    Uh = U[:nh, :nh]
    chunk = max(1, min(2**nh, (1 << 22) >> k))
    best = np.inf
    cand: list[np.ndarray] = []
    scale = 0.0
    for start in range(0, 2**nh, chunk):
        idx = np.arange(start, min(start + chunk, 2**nh), dtype=np.int64)
        B = ((idx[:, None] >> np.arange(nh - 1, -1, -1)) & 1).astype(float)
        e_high = np.einsum("bi,ij,bj->b", B, Uh, B)
        E = AC @ B.T  # (2^k, chunk)
        E += e_low[:, None]
        E += e_high[None, :]
        m = float(E.min())
        scale = max(scale, float(np.abs(E).max()))
        tol = atol + rtol * max(1.0, scale)
        if m < best - tol:
            best = m
            cand = []
        if m <= best + tol:
            best = min(best, m)
            ia, ib = np.nonzero(E <= best + tol)
            if ia.size:
                cand.append((idx[ib] << k) | ia.astype(np.int64))
    allidx = np.unique(np.concatenate(cand))
    bits = ((allidx[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)
    return _refine(U, offset, bits, rtol=rtol, atol=atol)


def _refine(U, offset, bits, rtol=1e-9, atol=1e-9):
    """Recompute candidate energies exactly and keep those within tolerance of the best."""
    e = qubo_energy(U, bits, offset)
    e = np.atleast_1d(e)
    emin = float(e.min())
    tol = atol + rtol * max(1.0, abs(emin))
    keep = e <= emin + tol
    return emin, bits[keep]


def to_pauli_sum(h: np.ndarray, J: np.ndarray, c: float, qubits: Sequence):
    """The Ising cost Hamiltonian ``sum h_i Z_i + sum_{i<j} J_ij Z_i Z_j + c I`` as a PauliSum.

    ``h, J, c`` must be in the ``"z"`` convention (``s`` = eigenvalue of Z); qubit ``k`` holds
    variable ``k``. With Cirq's big-endian ordering the diagonal entry at basis index ``b`` is
    the energy of the bitstring whose binary expansion is ``b`` (qubit 0 most significant).
    Introduced in chapter 7, QUBO and Ising.
    """
    import cirq

    h, Ju = check_ising(h, J)
    c = chk.real(c, "c")
    if qubits is None or isinstance(qubits, str):
        raise TypeError(f"qubits must be a sequence of cirq qubits, got {type(qubits).__name__}")
    qubits = list(qubits)
    if len(qubits) != h.size:
        raise ValueError(f"need {h.size} qubits, got {len(qubits)}")
    H = cirq.PauliSum.from_pauli_strings([cirq.PauliString(cirq.I(qubits[0])) * float(c)])
    for i in np.flatnonzero(h):
        H += float(h[i]) * cirq.Z(qubits[i])
    for i, j in zip(*np.nonzero(Ju), strict=True):
        H += float(Ju[i, j]) * cirq.Z(qubits[i]) * cirq.Z(qubits[j])
    return H


def qubo_to_pauli_sum(Q: np.ndarray, offset: float, qubits: Sequence):
    """The QUBO's cost Hamiltonian as a ``cirq.PauliSum`` (via the ``"z"`` convention).

    Its diagonal in the computational basis equals the QUBO energies (chapter 7 checks this).
    Introduced in chapter 7, QUBO and Ising.
    """
    h, J, c = qubo_to_ising(Q, offset, convention="z")
    return to_pauli_sum(h, J, c, qubits)


def maxcut_qubo(n_nodes: int, edges: Sequence[tuple[int, int]], weights=None):
    """MaxCut as a QUBO to *minimise*: ``-cut(x)``; returns ``(Q, offset)`` (offset 0).

    ``cut(x) = sum_{(i,j)} w_ij (x_i + x_j - 2 x_i x_j)``. Introduced in chapter 7.
    """
    n_nodes = chk.count(n_nodes, "n_nodes", lo=1)
    edges = chk.int_array(edges, "edges", ndim=(1, 2), lo=0, hi=n_nodes - 1)
    if edges.size and (edges.ndim != 2 or edges.shape[1] != 2):
        raise ValueError(f"edges must be pairs (i, j), got shape {edges.shape}")
    edges = edges.reshape(-1, 2)
    w = np.ones(len(edges)) if weights is None else chk.finite_array(weights, "weights", ndim=1)
    if w.shape != (len(edges),):
        raise ValueError("weights must have one entry per edge")
    Q = np.zeros((n_nodes, n_nodes))
    for (i, j), wij in zip(edges, w, strict=True):
        if not (0 <= i < n_nodes and 0 <= j < n_nodes) or i == j:
            raise ValueError(f"bad edge ({i}, {j}) for {n_nodes} nodes")
        a, b = min(i, j), max(i, j)
        Q[a, a] -= wij
        Q[b, b] -= wij
        Q[a, b] += 2 * wij
    return Q, 0.0


def number_partitioning_qubo(numbers: Sequence[float]):
    """Number partitioning: minimise ``(sum_i a_i s_i)^2`` with ``s = 2x - 1``, as a QUBO.

    ``(sum a_i (2 x_i - 1))^2 = (2 a.x - A)^2`` with ``A = sum a_i``; returns ``(Q, offset)``,
    ``Q`` upper triangular. Introduced in chapter 7.
    """
    a = chk.finite_array(numbers, "numbers", ndim=1, min_size=1)
    A = a.sum()
    # (2 a.x - A)^2 = 4 sum_ij a_i a_j x_i x_j - 4 A a.x + A^2
    # diagonal: 4 a_i^2 x_i^2 - 4 A a_i x_i; pair i<j: 2 * 4 a_i a_j x_i x_j
    Q = np.triu(8 * np.outer(a, a), 1) + np.diag(4 * a * a - 4 * A * a)
    return Q, float(A * A)


def all_energies(Q: np.ndarray, offset: float = 0.0, max_vars: int = 26) -> np.ndarray:
    """The energy of every bitstring, indexed big-endian (entry ``b`` is bitstring ``b``).

    Same block trick as :func:`brute_force`; ``2^n`` float64 values (``n <= 26``: 512 MiB).
    Introduced in chapter 7, QUBO and Ising (energy landscapes, spectra).
    """
    Q = as_qubo(Q)
    offset = chk.real(offset, "offset")
    max_vars = chk.count(max_vars, "max_vars", lo=0, hi=30)
    n = Q.shape[0]
    if n > max_vars:
        raise ValueError(f"{n} variables is too many to list all energies (max_vars={max_vars})")
    U = _upper(Q)
    k = min(n, max(1, (n + 1) // 2)) if n else 0
    nh = n - k
    A = all_bitstrings(k).astype(float)
    e_low = np.einsum("ai,ij,aj->a", A, U[nh:, nh:], A)
    B = all_bitstrings(nh).astype(float)
    e_high = np.einsum("bi,ij,bj->b", B, U[:nh, :nh], B)
    E = B @ U[:nh, nh:] @ A.T  # (2^nh, 2^k): high bits are the most significant
    E += e_high[:, None]
    E += e_low[None, :]
    return E.ravel() + offset


def simulated_annealing(
    Q: np.ndarray,
    offset: float = 0.0,
    *,
    n_reads: int = 100,
    n_sweeps: int = 200,
    beta_range: tuple[float, float] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Single-flip Metropolis annealing, all reads at once (vectorised over reads).

    The inverse temperature rises geometrically over ``n_sweeps`` sweeps. By default its range
    follows the coefficients (as common annealers do): it starts where the largest single-flip
    change is accepted with probability 1/2 and ends where the smallest non-zero one is accepted
    with probability 1/100. Returns ``(samples, energies)``: ``n_reads`` final bitstrings (int8
    rows) and their energies. Introduced in chapter 8 (the penalty demonstration).
    """
    Q = as_qubo(Q)
    offset = chk.real(offset, "offset")
    n_reads = chk.count(n_reads, "n_reads", lo=1)
    n_sweeps = chk.count(n_sweeps, "n_sweeps", lo=1)
    seed = chk.seed(seed)
    n = Q.shape[0]
    U = _upper(Q)
    W = np.triu(U, 1)
    W = W + W.T
    d = np.diag(U)
    if beta_range is None:
        field_max = np.abs(d) + np.abs(W).sum(1)
        coeffs = np.abs(np.concatenate([d, W[np.triu_indices(n, 1)]]))
        coeffs = coeffs[coeffs > 1e-12]
        dmax = float(field_max.max()) if n and field_max.max() > 0 else 1.0
        dmin = float(coeffs.min()) if coeffs.size else 1.0
        beta_range = (np.log(2) / dmax, np.log(100) / dmin)
    b0, b1 = chk.finite_array(beta_range, "beta_range", shape=(2,))
    if not (b0 > 0 and b1 > 0):
        raise ValueError(f"beta_range must be positive, got {beta_range}")
    betas = np.geomspace(b0, b1, n_sweeps)
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n_reads, n)).astype(float)
    local = x @ W + d  # energy change of flipping i from 0 to 1
    for beta in betas:
        for i in range(n):
            delta = (1 - 2 * x[:, i]) * local[:, i]
            accept = (delta <= 0) | (rng.random(n_reads) < np.exp(-beta * np.maximum(delta, 0)))
            if accept.any():
                step = np.where(accept, 1 - 2 * x[:, i], 0.0)
                x[:, i] += step
                local += step[:, None] * W[i][None, :]
    x = x.astype(np.int8)
    return x, qubo_energy(U, x, offset)

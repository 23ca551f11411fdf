"""QAOA with the complete encoding: one qubit per binary variable.

Introduced in chapter 9, "QAOA" (the seminar's eqs. 15-22, {cite}`farhi2014`, {cite}`haezer2023`).

Conventions (the same as :mod:`qbook.routing.qubo`):

* Variable ``k`` is qubit ``k`` (``cirq.LineQubit(k)``). Basis-state indices are big-endian as in
  Cirq: variable 0 is the most significant bit of the index.
* The Ising form is ``E(s) = sum_i h_i s_i + sum_{i<j} J_ij s_i s_j + c`` with ``s = 1 - 2x`` the
  eigenvalue of Pauli Z (``|0>`` has ``s = +1``). The pair ``(i, j)``, ``i < j``, carries the
  coupling ``J[i, j] + J[j, i]``, so pass ``J`` strictly upper triangular (as
  :func:`qbook.routing.qubo.qubo_to_ising` returns it) or put each coupling in one triangle only.
* The cost Hamiltonian is ``H_C = sum_i h_i Z_i + sum_{i<j} J_ij Z_i Z_j`` (the constant ``c``
  only shifts energies and is left out of the circuit).

The QAOA state of depth ``p`` (seminar eq. 19) is

``|gamma, beta> = U_M(beta_p) U_C(gamma_p) ... U_M(beta_1) U_C(gamma_1) |+>^n``

with ``U_C(gamma) = exp(-i gamma H_C)`` and ``U_M(beta) = exp(-i beta sum_k X_k)``. In gates:
``exp(-i gamma h Z) = Rz(2 gamma h)`` (``cirq.rz(t) = exp(-i t Z / 2)``),
``exp(-i gamma J Z Z) = ZZPowGate(exponent=2 gamma J / pi, global_shift=-1/2)`` and
``exp(-i beta X) = Rx(2 beta)``, so the circuit is exact up to the global phase of the constant ``c``.

Two exact simulators give the same state: qsimcirq on the Cirq circuit (:func:`qsim_state`), and a
small NumPy path (:func:`numpy_state`) that multiplies by the precomputed phase
``exp(-i gamma diag(H_C))`` and applies ``Rx(2 beta)`` to each qubit. The optimisation loops use
the NumPy path because it avoids re-translating the circuit at every call; a test checks the two
agree. Energies are ``diag . |amplitudes|^2`` with ``diag`` the Ising energy of every bitstring.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.common.env import one_blas_thread

__all__ = [
    "QAOAResult",
    "QAOARun",
    "default_gamma_scale",
    "approximation_ratio",
    "bitstrings",
    "cost_layer",
    "cvar",
    "cvar_from_samples",
    "energy_diagonal",
    "expectation",
    "ising_parts",
    "landscape",
    "optimize",
    "qaoa_circuit",
    "qaoa_metrics",
    "qsim_state",
    "cirq_state",
    "numpy_state",
    "sample",
]


# --------------------------------------------------------------------------------------------
# The Ising model and its diagonal
# --------------------------------------------------------------------------------------------
def ising_parts(h: Sequence[float], J: np.ndarray | Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Check ``(h, J)`` and return ``h`` and the strictly upper-triangular couplings.

    The pair ``(i, j)``, ``i < j``, gets ``J[i, j] + J[j, i]``. Introduced in chapter 9, QAOA.
    """
    from qbook.routing.qubo import check_ising

    if np.asarray(h).size == 0:
        raise ValueError("h must be a non-empty vector, got no fields")
    return check_ising(h, J)


def bitstrings(n: int) -> np.ndarray:
    """All ``2^n`` bitstrings as rows of a uint8 array, big-endian (row ``k`` is index ``k``).

    Introduced in chapter 9, QAOA.
    """
    n = chk.count(n, "n", lo=1, hi=26)
    idx = np.arange(2**n, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((idx[:, None] >> shifts) & 1).astype(np.uint8)


def energy_diagonal(h: Sequence[float], J: np.ndarray | Sequence, c: float = 0.0) -> np.ndarray:
    """The Ising energy of every basis state, ``diag(H_C) + c``, as a float64 vector of ``2^n``.

    Built qubit by qubit (no ``2^n x n`` matrix), so it is cheap up to about 24 qubits.
    Introduced in chapter 9, QAOA.
    """
    h, Ju = ising_parts(h, J)
    c = chk.real(c, "c")
    n = h.size
    if n > 28:
        raise ValueError(f"{n} qubits: the diagonal would not fit in memory")
    idx = np.arange(2**n, dtype=np.int64)
    spins = [(1 - 2 * ((idx >> (n - 1 - k)) & 1)).astype(np.int8) for k in range(n)]
    e = np.full(2**n, float(c))
    for i in range(n):
        if h[i]:
            e += h[i] * spins[i]
        for j in range(i + 1, n):
            if Ju[i, j]:
                e += Ju[i, j] * (spins[i] * spins[j])
    return e


# --------------------------------------------------------------------------------------------
# The circuit
# --------------------------------------------------------------------------------------------
def qaoa_circuit(h: Sequence[float], J: np.ndarray | Sequence, p: int, qubits=None):
    """The depth-``p`` QAOA circuit for ``H_C = sum h_i Z_i + sum_{i<j} J_ij Z_i Z_j``.

    Returns ``(circuit, gammas, betas)``, the last two tuples of sympy symbols
    ``gamma_0 .. gamma_{p-1}`` and ``beta_0 .. beta_{p-1}``. Start ``|+>^n`` (a Hadamard on each
    qubit), cost layer ``exp(-i gamma H_C)`` as ``Rz(2 gamma h_i)`` and
    ``ZZ^(2 gamma J_ij / pi)`` with global shift ``-1/2`` (exactly ``exp(-i gamma J_ij Z_i Z_j)``),
    mixer ``exp(-i beta sum X) = prod Rx(2 beta)``. The circuit state equals :func:`numpy_state` up to
    the global phase ``exp(-i c sum(gamma))`` of the constant. Introduced in chapter 9, QAOA.
    """
    import cirq
    import sympy

    h, Ju = ising_parts(h, J)
    p = chk.count(p, "p", lo=1, hi=1000)
    n = h.size
    if qubits is None:
        qubits = cirq.LineQubit.range(n)
    qubits = list(qubits)
    if len(qubits) != n:
        raise ValueError(f"{len(qubits)} qubits given for {n} variables")
    gammas = tuple(sympy.Symbol(f"gamma_{k}") for k in range(p))
    betas = tuple(sympy.Symbol(f"beta_{k}") for k in range(p))
    circuit = cirq.Circuit(cirq.H.on_each(*qubits))
    for g, b in zip(gammas, betas, strict=True):
        circuit.append(cost_layer(h, Ju, g, qubits))
        circuit.append(cirq.rx(2 * b).on_each(*qubits))
    return circuit, gammas, betas


def cost_layer(h: Sequence[float], J: np.ndarray | Sequence, gamma, qubits) -> list:
    """The operations of ``exp(-i gamma H_C)`` (without the constant) on ``qubits``.

    ``ZZ^(2 gamma J_ij / pi)`` with global shift ``-1/2`` per coupled pair, then
    ``Rz(2 gamma h_i)`` per field; ``gamma`` may be a number or a sympy expression. Introduced in
    chapter 9, QAOA (chapter 10 reuses it).
    """
    import cirq
    import sympy

    h, Ju = ising_parts(h, J)
    qubits = list(qubits)
    if len(qubits) != h.size:
        raise ValueError(f"{len(qubits)} qubits given for {h.size} variables")
    if isinstance(gamma, (int, float, np.number)) and not np.isfinite(gamma):
        raise ValueError(f"gamma must be finite, got {gamma}")
    n = h.size
    pi = sympy.pi if isinstance(gamma, sympy.Basic) else np.pi
    ops = [
        cirq.ZZPowGate(exponent=2 * gamma * float(Ju[i, j]) / pi, global_shift=-0.5).on(
            qubits[i], qubits[j]
        )
        for i in range(n)
        for j in range(i + 1, n)
        if Ju[i, j] != 0
    ]
    ops += [cirq.rz(2 * gamma * float(h[i])).on(qubits[i]) for i in range(n) if h[i]]
    return ops


def _resolver(gammas_sym, betas_sym, gammas, betas) -> dict:
    # (angles beyond 1e9 rad keep no digits of their value mod 2 pi; 1e308 overflows in Cirq)
    gammas = np.atleast_1d(chk.finite_array(gammas, "gammas", ndim=(0, 1), lo=-1e9, hi=1e9))
    betas = np.atleast_1d(chk.finite_array(betas, "betas", ndim=(0, 1), lo=-1e9, hi=1e9))
    if gammas.size != len(gammas_sym) or betas.size != len(betas_sym):
        raise ValueError(
            f"the circuit has p = {len(gammas_sym)}, got {gammas.size} gammas and {betas.size} betas"
        )
    res = {s: float(v) for s, v in zip(gammas_sym, gammas, strict=True)}
    res.update({s: float(v) for s, v in zip(betas_sym, betas, strict=True)})
    return res


def qsim_state(circuit, gammas_sym, betas_sym, gammas, betas) -> np.ndarray:
    """Final state vector (complex64) of the QAOA circuit at the given angles, with qsimcirq.

    Introduced in chapter 9, QAOA.
    """
    import cirq
    import qsimcirq

    if not isinstance(circuit, cirq.Circuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    res = _resolver(gammas_sym, betas_sym, gammas, betas)
    qubits = sorted(circuit.all_qubits())
    # qsim uses one thread unless told otherwise; all cores make it ~1.5x faster on 2 cores.
    sim = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=os.cpu_count() or 1))
    # Resolving in Cirq first is faster than handing qsimcirq the symbols (measured: 10 ms + 77 ms
    # against 109 ms at 20 qubits, p = 2).
    resolved = cirq.resolve_parameters(circuit, res)
    return sim.simulate(resolved, qubit_order=qubits).final_state_vector


def cirq_state(circuit, gammas_sym, betas_sym, gammas, betas) -> np.ndarray:
    """Final state vector with Cirq's own ``cirq.Simulator`` (complex64), for comparison.

    Introduced in chapter 9, QAOA.
    """
    import cirq

    if not isinstance(circuit, cirq.Circuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    res = _resolver(gammas_sym, betas_sym, gammas, betas)
    qubits = sorted(circuit.all_qubits())
    sim = cirq.Simulator(dtype=np.complex64)
    return sim.simulate(circuit, res, qubit_order=qubits).final_state_vector


def numpy_state(diag: np.ndarray, gammas, betas) -> np.ndarray:
    """The same QAOA state by NumPy: phases ``exp(-i gamma diag)`` and ``Rx(2 beta)`` per qubit.

    ``diag`` is :func:`energy_diagonal` (a constant shift only changes the global phase).
    Returns complex128. Introduced in chapter 9, QAOA.
    """
    diag = _diagonal(diag)
    n = int(round(np.log2(diag.size)))
    gammas = np.atleast_1d(chk.finite_array(gammas, "gammas", ndim=(0, 1)))
    betas = np.atleast_1d(chk.finite_array(betas, "betas", ndim=(0, 1)))
    if gammas.shape != betas.shape or gammas.ndim != 1:
        raise ValueError(f"need as many gammas as betas, got {gammas.shape} and {betas.shape}")
    psi = np.full(2**n, 2 ** (-n / 2), dtype=complex)
    for g, b in zip(gammas, betas, strict=True):
        psi *= np.exp(-1j * g * diag)
        c, s = np.cos(b), -1j * np.sin(b)
        for k in range(n):
            v = psi.reshape(2**k, 2, 2 ** (n - k - 1))
            v[...] = c * v + s * v[:, ::-1, :]  # Rx(2 beta) on qubit k
    return psi


def _diagonal(diag: np.ndarray, name: str = "diag") -> np.ndarray:
    """A finite real vector of ``2^n`` energies, ``n >= 1``."""
    diag = chk.finite_array(diag, name, ndim=1, min_size=2)
    if diag.size & (diag.size - 1):
        raise ValueError(f"{name} has length {diag.size}, not a power of two")
    return diag


@one_blas_thread
def expectation(diag: np.ndarray, state: np.ndarray) -> float:
    """``<psi| H |psi> = sum_k diag_k |psi_k|^2`` (exact). Introduced in chapter 9, QAOA."""
    diag = chk.finite_array(diag, "diag", ndim=1, min_size=1)
    state = chk.complex_array(state, "state", ndim=1)
    probs = np.abs(state) ** 2
    if probs.shape != diag.shape:
        raise ValueError(f"state has {probs.size} amplitudes, diag {diag.size}")
    if probs.sum() <= 0:
        raise ValueError("state is the zero vector")
    return float(np.dot(diag, probs / probs.sum()))


def sample(state_or_probs: np.ndarray, shots: int, seed: int | np.random.Generator = 0):
    """Measure ``shots`` times in the computational basis; return the basis-state indices.

    Accepts amplitudes (complex) or probabilities (real, non-negative).
    Introduced in chapter 9, QAOA.
    """
    shots = chk.count(shots, "shots", lo=1, hi=10**8)
    seed = chk.rng_or_seed(seed)
    a = chk.complex_array(state_or_probs, "state_or_probs", ndim=1, min_size=1)
    if np.iscomplexobj(np.asarray(state_or_probs)):
        probs = np.abs(a) ** 2
    else:
        probs = chk.probabilities(state_or_probs, "state_or_probs")
    if probs.sum() <= 0:
        raise ValueError("state_or_probs has no weight (all zero)")
    probs = probs / probs.sum()
    rng = np.random.default_rng(seed)
    return rng.choice(probs.size, size=int(shots), p=probs)


@one_blas_thread
def cvar(diag: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """Exact CVaR_alpha: the mean energy of the lowest ``alpha`` fraction of the distribution.

    ``alpha = 1`` is the plain expectation; small ``alpha`` rewards putting *some* weight on good
    states ({cite}`barkoutsos2020`). Introduced in chapter 9, QAOA.
    """
    alpha = chk.real(alpha, "alpha", lo=0.0, hi=1.0, lo_open=True)
    diag = chk.finite_array(diag, "diag", ndim=1, min_size=1)
    if np.iscomplexobj(np.asarray(probs)):
        raise ValueError("pass probabilities, not amplitudes (probs is complex)")
    probs = chk.probabilities(probs, "probs")
    if probs.shape != diag.shape:
        raise ValueError(f"probs has {probs.size} entries, diag {diag.size}")
    order = np.argsort(diag, kind="stable")
    p = probs[order] / probs.sum()
    cum = np.cumsum(p)
    prev = cum - p
    take = np.clip(alpha - prev, 0.0, p)  # the weight of each state inside the alpha tail
    return float(np.dot(np.asarray(diag)[order], take) / alpha)


def cvar_from_samples(energies: np.ndarray, alpha: float) -> float:
    """CVaR_alpha estimated from sampled energies: the mean of the best ``ceil(alpha M)``.

    Introduced in chapter 9, QAOA.
    """
    alpha = chk.real(alpha, "alpha", lo=0.0, hi=1.0, lo_open=True)
    e = np.sort(chk.finite_array(energies, "energies", ndim=1, min_size=1))
    k = max(1, int(np.ceil(alpha * e.size)))
    return float(e[:k].mean())


# --------------------------------------------------------------------------------------------
# Quality measures
# --------------------------------------------------------------------------------------------
def approximation_ratio(mean_energy: float, e_min: float, e_max: float) -> float:
    """``(E_max - <E>) / (E_max - E_min)``: 1 at the optimum, 0 at the worst bitstring.

    For a minimisation problem this is the usual ratio rescaled to [0, 1] so that a constant
    offset does not change it. Introduced in chapter 9, QAOA.
    """
    mean_energy = chk.real(mean_energy, "mean_energy")
    e_min = chk.real(e_min, "e_min")
    e_max = chk.real(e_max, "e_max")
    if e_max <= e_min:
        raise ValueError("e_max must be larger than e_min")
    return float((e_max - mean_energy) / (e_max - e_min))


@one_blas_thread
def qaoa_metrics(
    probs: np.ndarray,
    diag: np.ndarray,
    feasible: np.ndarray | None = None,
    tol: float = 1e-9,
) -> dict[str, float]:
    """P(optimal), P(feasible), <E> and the approximation ratio of a distribution over bitstrings.

    ``feasible`` is a boolean mask over basis states (from a user's check such as
    :func:`qbook.routing.vrp_qubo.decode_tour` not being ``None``); without it every state counts as
    feasible. Optimal means the lowest energy over all states (for a good penalty that is a
    feasible one). Introduced in chapter 9, QAOA.
    """
    probs = chk.probabilities(probs, "probs")
    diag = chk.finite_array(diag, "diag", shape=probs.shape, min_size=2)
    tol = chk.non_negative(tol, "tol")
    probs = probs / probs.sum()
    if diag.max() == diag.min():
        raise ValueError("diag is constant: the approximation ratio is undefined")
    e_min, e_max = float(diag.min()), float(diag.max())
    opt = diag <= e_min + tol * max(1.0, abs(e_min))
    mean = float(probs @ diag)
    out = {
        "p_optimal": float(probs[opt].sum()),
        "mean_energy": mean,
        "e_min": e_min,
        "e_max": e_max,
        "approx_ratio": approximation_ratio(mean, e_min, e_max),
    }
    if feasible is not None:
        feasible = chk.bits(feasible, "feasible", ndim=1).astype(bool)
        if feasible.shape != probs.shape:
            raise ValueError("feasible must be a mask with one entry per basis state")
        out["p_feasible"] = float(probs[feasible].sum())
        out["p_random_feasible"] = float(feasible.mean())
    out["p_random_optimal"] = float(opt.mean())
    return out


# --------------------------------------------------------------------------------------------
# Optimisation
# --------------------------------------------------------------------------------------------
@dataclass
class QAOARun:
    """The best angles found at one depth ``p``."""

    p: int
    gammas: np.ndarray
    betas: np.ndarray
    objective: float
    energy: float
    probs: np.ndarray = field(repr=False)
    n_evals: int
    restarts: list[float]


@dataclass
class QAOAResult:
    """Result of :func:`optimize`: one :class:`QAOARun` per depth, the wall time and settings."""

    runs: list[QAOARun]
    objective: str
    alpha: float
    wall_time: float
    diag: np.ndarray = field(repr=False)

    def by_p(self, p: int) -> QAOARun:
        """The run at depth ``p``."""
        for r in self.runs:
            if r.p == p:
                return r
        raise ValueError(f"no run at p = {p}")


def _objective_fn(diag: np.ndarray, objective: str, alpha: float) -> Callable:
    if objective == "energy":
        return lambda probs: float(diag @ probs)
    if objective == "cvar":
        order = np.argsort(diag, kind="stable")
        d_sorted = diag[order]

        def f(probs):
            p = probs[order]
            prev = np.cumsum(p) - p
            take = np.clip(alpha - prev, 0.0, p)
            return float(d_sorted @ take / alpha)

        return f
    raise ValueError(f"objective must be 'energy' or 'cvar', got {objective!r}")


@one_blas_thread
def optimize(
    diag: np.ndarray,
    p_max: int = 3,
    restarts: int = 3,
    seed: int = 0,
    objective: str = "energy",
    alpha: float = 0.1,
    warm_start: bool = True,
    method: str = "COBYLA",
    maxiter: int = 300,
    gamma_scale: float | None = None,
) -> QAOAResult:
    """Optimise QAOA angles for ``p = 1 .. p_max`` with scipy, exact state vectors.

    At each depth: ``restarts`` random starts (gammas uniform in ``[0, gamma_scale]``, betas in
    ``[0, pi/2]``) plus, with ``warm_start``, one start from the best ``p - 1`` angles with the last
    layer repeated (layer-by-layer warm start). ``objective`` is ``"energy"`` (the expectation) or
    ``"cvar"`` (CVaR_alpha, {cite}`barkoutsos2020`). ``gamma_scale`` defaults to ``pi`` divided by
    the spread of the energies' smallest non-zero gaps (so that one period of the cost phase is
    covered). The energy reported is always the plain expectation.
    Introduced in chapter 9, QAOA.
    """
    from scipy.optimize import minimize

    diag = _diagonal(diag)
    p_max = chk.count(p_max, "p_max", lo=1, hi=100)
    restarts = chk.count(restarts, "restarts", lo=0)
    seed = chk.seed(seed)
    objective = chk.choice(objective, "objective", ("energy", "cvar"))
    alpha = chk.real(alpha, "alpha", lo=0.0, hi=1.0, lo_open=True)
    warm_start = chk.boolean(warm_start, "warm_start")
    method = chk.string(method, "method")
    maxiter = chk.count(maxiter, "maxiter", lo=1)
    if gamma_scale is not None:
        gamma_scale = chk.positive(gamma_scale, "gamma_scale")
    if restarts == 0 and not warm_start:
        raise ValueError("need restarts >= 1 or warm_start")
    f_obj = _objective_fn(diag, objective, alpha)
    if gamma_scale is None:
        gamma_scale = default_gamma_scale(diag)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    runs: list[QAOARun] = []
    prev: np.ndarray | None = None
    for p in range(1, p_max + 1):
        starts = []
        if warm_start and prev is not None:
            g, b = prev[: p - 1], prev[p - 1 :]
            starts.append(np.concatenate([g, g[-1:], b, b[-1:]]))
        n_random = restarts if (prev is not None or not warm_start) else max(restarts, 1)
        for _ in range(n_random):
            starts.append(
                np.concatenate([rng.uniform(0, gamma_scale, p), rng.uniform(0, np.pi / 2, p)])
            )
        n_evals = 0
        best = None
        values = []

        def fun(theta, p=p):
            nonlocal n_evals
            n_evals += 1
            psi = numpy_state(diag, theta[:p], theta[p:])
            return f_obj(np.abs(psi) ** 2)

        for x0 in starts:
            res = minimize(
                fun,
                x0,
                method=method,
                options={"maxiter": maxiter}
                if method != "COBYLA"
                else {"maxiter": maxiter, "rhobeg": 0.2 * gamma_scale},
            )
            values.append(float(res.fun))
            if best is None or res.fun < best.fun:
                best = res
        theta = best.x
        probs = np.abs(numpy_state(diag, theta[:p], theta[p:])) ** 2
        runs.append(
            QAOARun(
                p=p,
                gammas=theta[:p].copy(),
                betas=theta[p:].copy(),
                objective=float(best.fun),
                energy=float(diag @ probs),
                probs=probs,
                n_evals=n_evals,
                restarts=values,
            )
        )
        prev = theta
    return QAOAResult(
        runs=runs,
        objective=objective,
        alpha=alpha,
        wall_time=time.perf_counter() - t0,
        diag=diag,
    )


def default_gamma_scale(diag: np.ndarray) -> float:
    """A natural range for gamma: ``pi / g`` with ``g`` the typical energy gap per bit flip.

    For integer energies with gap 1 this is ``pi``; for large penalty weights it shrinks so the
    cost phase does not wrap around many times. Introduced in chapter 9, QAOA.
    """
    diag = _diagonal(diag)
    n = int(round(np.log2(diag.size)))
    # the mean absolute energy change of a single bit flip from |0...0>-ordered neighbours
    gaps = []
    idx = np.arange(diag.size)
    for k in range(n):
        gaps.append(np.abs(diag - diag[idx ^ (1 << k)]).mean())
    g = float(np.mean(gaps))
    return float(np.pi / g) if g > 0 else float(np.pi)


@one_blas_thread
def landscape(
    diag: np.ndarray, gammas: np.ndarray, betas: np.ndarray, objective: str = "energy", alpha=0.1
) -> np.ndarray:
    """The p = 1 objective on a grid: array ``[len(betas), len(gammas)]``.

    Introduced in chapter 9, QAOA.
    """
    diag = _diagonal(diag)
    gammas = chk.finite_array(gammas, "gammas", ndim=1)
    betas = chk.finite_array(betas, "betas", ndim=1)
    objective = chk.choice(objective, "objective", ("energy", "cvar"))
    alpha = chk.real(alpha, "alpha", lo=0.0, hi=1.0, lo_open=True)
    f = _objective_fn(diag, objective, alpha)
    out = np.empty((len(betas), len(gammas)))
    for a, b in enumerate(betas):
        for k, g in enumerate(gammas):
            out[a, k] = f(np.abs(numpy_state(diag, [g], [b])) ** 2)
    return out

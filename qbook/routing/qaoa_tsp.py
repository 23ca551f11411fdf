"""QAOA on TSPs in the complete encoding: the memory wall and the problem's energy diagonal.

Introduced in chapter 9, "QAOA": how many qubits a state vector of this machine holds (so which
TSPs the ``n^2``-qubit encoding can simulate at all), and :func:`tsp_problem`, which builds a small
TSP's QUBO, Ising form, energy diagonal and mask of valid tours. Re-exported by :mod:`qbook.routing.qaoa`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.routing.qaoa import energy_diagonal

__all__ = [
    "TSPProblem",
    "largest_tsp",
    "statevector_bytes",
    "total_memory_bytes",
    "tour_index",
    "tsp_problem",
]


# --------------------------------------------------------------------------------------------
# The memory wall
# --------------------------------------------------------------------------------------------
def statevector_bytes(n_qubits: int, dtype=np.complex64) -> int:
    """Bytes of one state vector of ``n_qubits`` (complex64, as qsim stores it: 8 bytes each).

    Introduced in chapter 9, QAOA.
    """
    n_qubits = chk.count(n_qubits, "n_qubits", lo=0, hi=200)
    return int(2**n_qubits * np.dtype(dtype).itemsize)


def total_memory_bytes() -> int:
    """This machine's RAM (``MemTotal`` from /proc/meminfo), or 0 if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def largest_tsp(memory_bytes: int, copies: float = 1.0, dtype=np.complex64) -> tuple[int, int]:
    """Largest TSP (customers ``n``, depot fixed, ``n^2`` qubits) whose state vector fits.

    ``copies`` state vectors of ``n^2`` qubits must fit in ``memory_bytes``. Returns
    ``(n_fits, n_first_not)``. Introduced in chapter 9, QAOA.
    """
    memory_bytes = chk.positive(memory_bytes, "memory_bytes")
    copies = chk.positive(copies, "copies")
    n = 1
    while copies * statevector_bytes((n + 1) ** 2, dtype) <= memory_bytes:
        n += 1
    if copies * statevector_bytes(n**2, dtype) > memory_bytes:
        return 0, 1
    return n, n + 1


# --------------------------------------------------------------------------------------------
# TSP helpers (complete encoding)
# --------------------------------------------------------------------------------------------
@dataclass
class TSPProblem:
    """A TSP through the depot in the complete encoding, ready for QAOA (chapter 9).

    ``diag`` holds the QUBO energy (= Ising energy) of every basis state, ``feasible`` marks the
    basis states that are permutation matrices (valid tours), ``opt_cost`` is the optimal tour
    cost found by brute force over the ``n!`` tours.
    """

    D: np.ndarray
    Q: np.ndarray
    offset: float
    h: np.ndarray
    J: np.ndarray
    c: float
    diag: np.ndarray = field(repr=False)
    feasible: np.ndarray = field(repr=False)
    opt_cost: float
    n_customers: int

    @property
    def n_qubits(self) -> int:
        return self.n_customers**2


def tour_index(tour: Sequence[int], n_customers: int) -> int:
    """Basis-state index of a tour in :func:`qbook.routing.vrp_qubo.tsp_qubo`'s variable order (big-endian)."""
    n = chk.count(n_customers, "n_customers", lo=1, hi=30)
    tour = chk.tour(tour, "tour", n, complete=True)
    idx = 0
    for t, i in enumerate(tour):
        var = t * n + (int(i) - 1)
        idx |= 1 << (n * n - 1 - var)
    return idx


def tsp_problem(D: np.ndarray, penalty: float | None = None) -> TSPProblem:
    """Build the QUBO, Ising form, energy diagonal and feasibility mask of a small TSP.

    Uses :func:`qbook.routing.vrp_qubo.tsp_qubo` (depot fixed, ``n^2`` variables for ``n`` customers) and
    :func:`qbook.routing.qubo.qubo_to_ising` with ``s = 1 - 2x``. Up to 5 customers (25 qubits).
    Introduced in chapter 9, QAOA.
    """
    import itertools

    from qbook.routing.classical import tour_cost
    from qbook.routing.qubo import qubo_to_ising
    from qbook.routing.vrp_qubo import tsp_qubo

    D = chk.distance_matrix(D, "D")
    n = D.shape[0] - 1
    if n < 1 or n > 5:
        raise ValueError(f"the complete-encoding TSP helper handles 1..5 customers, got {n}")
    Q, offset = tsp_qubo(D, penalty)
    h, J, c = qubo_to_ising(Q, offset, convention="z")
    diag = energy_diagonal(h, J, c)
    feasible = np.zeros(diag.size, dtype=bool)
    best = np.inf
    for perm in itertools.permutations(range(1, n + 1)):
        feasible[tour_index(perm, n)] = True
        best = min(best, tour_cost(D, list(perm)))
    return TSPProblem(D, Q, offset, h, J, c, diag, feasible, float(best), n)

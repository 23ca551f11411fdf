"""Expectation values of Pauli sums on simulated states, for :mod:`qbook.learning.tfsim` (chapter 3).

``Z``-only terms are read from the probabilities with one matrix product against a table of
signs; terms with ``X`` or ``Y`` apply their Paulis to the state and take the inner product.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import cirq
import numpy as np

from qbook.learning import tfsim_plan as plan

# A readout's table of Z signs (2^n x operators numbers) is a graph constant up to this size.
READOUT_CONSTANT_SIZE = 2**16
_LETTERS = string.ascii_lowercase + string.ascii_uppercase


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=False).tf


def complex_constant(array: Any, ctype: Any) -> Any:
    """A complex constant from its real and imaginary parts: TensorFlow copies real arrays in
    one piece but converts complex ones number by number (most of a big circuit's tracing)."""
    tf = _tf()
    a = np.asarray(array)
    rtype = tf.as_dtype(ctype).real_dtype
    return tf.complex(tf.constant(a.real, dtype=rtype), tf.constant(a.imag, dtype=rtype))


def _as_pauli_sum(op: Any) -> cirq.PauliSum:
    if isinstance(op, cirq.PauliSum):
        return op
    if isinstance(op, (cirq.PauliString, cirq.GateOperation)):
        return cirq.PauliSum.wrap(op)
    raise TypeError(f"operators must be cirq Pauli strings or sums, got {type(op).__name__}")


def pauli_expectations(
    psi: Any, operators: Sequence[Any], qubits: Sequence[cirq.Qid], dtype: Any = None
) -> Any:
    """``<psi| O_j |psi>`` for states ``psi`` (B, 2**n) and Pauli sums ``O_j``: (B, len(ops)), real.

    ``Z``-only terms come from the probabilities; terms with ``X`` or ``Y`` apply the Paulis
    to ``psi`` and take the inner product (chapter 3).
    """
    tf = _tf()
    qubits = list(qubits)
    n = len(qubits)
    psi = tf.convert_to_tensor(psi)
    ctype = dtype or psi.dtype
    rtype = ctype.real_dtype
    where = {q: i for i, q in enumerate(qubits)}
    sums = [_as_pauli_sum(o) for o in operators]
    diag, other = plan.split_terms(sums, where)
    probs = tf.math.real(psi * tf.math.conj(psi))  # (B, 2**n)
    out = tf.zeros([tf.shape(psi)[0], len(sums)], dtype=rtype)
    if diag:
        out += tf.linalg.matmul(probs, tf.cast(_z_table(diag, len(sums), n), rtype))
    if other:
        letters = _LETTERS[:n]
        tensor = tf.reshape(psi, [-1] + [2] * n)
        for j, coef, paulis in other:
            phi = tensor
            for w, p in paulis.items():
                m = complex_constant(cirq.unitary(p), ctype)
                phi = tf.einsum(
                    f"A{letters[w]},Z{letters}->Z{letters.replace(letters[w], 'A')}", m, phi
                )
            val = tf.math.real(
                tf.reduce_sum(tf.math.conj(tensor) * phi, axis=list(range(1, n + 1)))
            )
            out += val[:, None] * tf.constant(np.eye(len(sums))[j] * coef, dtype=rtype)[None]
    return out


def _z_table(diag: list, n_sums: int, n: int) -> Any:
    """``(2**n, n_sums)`` float64: each ``Z``-only term's signs ``prod_w (1 - 2 x_w)`` times its
    coefficient, summed per operator. Built from one-qubit factors (``[1, 1]`` or ``[1, -1]``)
    by Kronecker products, the first qubit most significant: a graph constant on few qubits;
    from ``2**n * n_sums > READOUT_CONSTANT_SIZE`` on it is built in the graph, so that no
    function holds (and TensorFlow does not copy) a table the size of the state."""
    tf = _tf()
    factors = np.ones((n, 2, len(diag)))
    weights = np.zeros((len(diag), n_sums))
    for t, (j, coef, wires) in enumerate(diag):
        factors[wires, 1, t] = -1.0
        weights[t, j] = coef
    if 2**n * n_sums <= READOUT_CONSTANT_SIZE:
        signs = np.ones((1, len(diag)))
        for f in factors:
            signs = (signs[:, None, :] * f[None]).reshape(-1, len(diag))
        return tf.constant(signs @ weights, dtype=tf.float64)
    signs = tf.ones([1, len(diag)], dtype=tf.float64)
    for f in factors:
        signs = tf.reshape(signs[:, None, :] * tf.constant(f)[None], [-1, len(diag)])
    return tf.linalg.matmul(signs, tf.constant(weights))

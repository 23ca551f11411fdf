"""Adjoint-method gradients for :mod:`qbook.learning.tfsim` (chapter 3).

Autodiff through the simulation keeps every intermediate state of the batch for the backward
pass: on chapter 5's 17-qubit QNN that is hundreds of MiB. The *adjoint method* (what TensorFlow
Quantum's adjoint differentiator does) keeps only the final state. The backward pass walks the
stages in reverse: each stage is unitary, so the state before it is recovered by applying its
inverse (``U^dagger``, the conjugate phase, the inverse transpose), and the co-state
``lambda = dL/dpsi`` is carried back through the same inverse. At a block
``psi' = U psi`` the gradient with respect to the block's unitary is ``lambda' psi^dagger``
(summed over the batch when the unitary is shared); at a diagonal stage ``psi' = p * psi`` it
is ``lambda' * conj(psi)``. These are TensorFlow's own gradient conventions for ``matmul`` and
``multiply``, so autodiff carries them on to the symbol values. Memory: a few states, whatever
the number of stages. The state and its co-state are stacked along the batch axis, so each
stage of the backward pass is one op on both.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=False).tf


def _twice(t: Any) -> Any:
    """A per-row tensor repeated for the stacked (state, co-state) batch."""
    return t if t.shape[0] == 1 else _tf().concat([t, t], axis=0)


def _backward(
    program: Any, psi: Any, lam: Any, us: dict[int, Any], phases: dict[int, Any]
) -> tuple[Any, dict[int, Any], dict[int, Any]]:
    """Walk the stages in reverse from the final states ``psi`` (b, 2**n) and co-states ``lam``:
    the co-states at the start and the gradient with respect to each unitary and phase."""
    tf = _tf()
    n = program.n_qubits
    b = tf.shape(psi)[0]
    both = tf.concat([psi, lam], axis=0)  # (2b, 2**n): one op per stage for both
    g_us: dict[int, Any] = {}
    g_ph: dict[int, Any] = {}
    for i in reversed(range(len(program.blocks))):
        st = program.blocks[i]
        if st.kind == "diag":
            p = phases[i]
            after = tf.reshape(both, [-1, 2**n])
            both = after * tf.math.conj(_twice(p))
            g = after[b:] * tf.math.conj(both[:b])  # lambda after * conj(psi before)
            g_ph[i] = tf.reduce_sum(g, axis=0, keepdims=True) if p.shape[0] == 1 else g
        else:
            u = us[i]
            k = len(st.wires)
            d, trail = 2**k, 2 ** (n - st.start - k)
            after = both
            if trail == 1:  # forward: rows @ U^T, so back: rows @ conj(U)
                if u.shape[0] == 1:
                    both = tf.linalg.matmul(tf.reshape(both, [-1, d]), tf.math.conj(u[0]))
                    x = tf.reshape(both, [2, -1, d])[0]
                    lam_v = tf.reshape(after, [2, -1, d])[1]
                    g = tf.transpose(tf.linalg.matmul(x, lam_v, adjoint_a=True))[None]
                else:
                    rows = tf.reshape(both, [2 * b, -1, d])
                    both = tf.linalg.matmul(rows, tf.math.conj(_twice(u)))
                    x = both[:b]
                    lam_v = tf.reshape(after, [2 * b, -1, d])[b:]
                    g = tf.linalg.matrix_transpose(tf.linalg.matmul(x, lam_v, adjoint_a=True))
            elif u.shape[0] == 1:  # forward: U @ (rows, d, trail)
                both = tf.linalg.matmul(u[0], tf.reshape(both, [-1, d, trail]), adjoint_a=True)
                x = tf.reshape(both, [2, -1, d, trail])[0]
                lam_v = tf.reshape(after, [2, -1, d, trail])[1]
                g = tf.reduce_sum(tf.linalg.matmul(lam_v, x, adjoint_b=True), axis=0)[None]
            else:
                view = tf.reshape(both, [2 * b, -1, d, trail])
                both = tf.linalg.matmul(_twice(u)[:, None], view, adjoint_a=True)
                x = both[:b]
                lam_v = tf.reshape(after, [2 * b, -1, d, trail])[b:]
                g = tf.reduce_sum(tf.linalg.matmul(lam_v, x, adjoint_b=True), axis=1)
            g_us[i] = g
        if st.transpose is not None:
            shape, perm = st.transpose
            moved = [shape[p] for p in perm]
            both = tf.transpose(tf.reshape(both, moved), list(np.argsort(perm)))
        both = tf.reshape(both, [-1, 2**n])
    return both[b:], g_us, g_ph


def expectation(
    program: Any,
    states: Any,
    us: dict[int, Any],
    phases: dict[int, Any],
    readout: Any,
    chunk: int | None = None,
) -> Any:
    """``readout(final states)`` (B, m) after the program's stages, with an adjoint gradient.

    ``us``/``phases`` are the stages' unitaries and phases (``Program.block_unitaries`` and
    ``Program.phases``), ``states`` the initial states (B, 2**n) of the program's dtype and
    ``readout`` a differentiable function of the final states (the Pauli expectation values).
    ``chunk`` evolves the batch ``chunk`` states at a time, forward and backward, when every
    unitary and phase is shared by the batch. Gradients flow to ``states``, ``us`` and
    ``phases`` (and from there to the symbol values by autodiff). Used by
    :meth:`qbook.learning.tfsim.Program.expectation`; introduced in chapter 3.
    """
    tf = _tf()
    n = program.n_qubits
    ui, pi = sorted(us), sorted(phases)
    shared = all(us[i].shape[0] == 1 for i in ui) and all(phases[i].shape[0] == 1 for i in pi)
    if not shared:
        chunk = None

    def split(params: Any) -> tuple[dict[int, Any], dict[int, Any]]:
        return dict(zip(ui, params[: len(ui)], strict=True)), dict(
            zip(pi, params[len(ui) :], strict=True)
        )

    def chunked(fn: Any, tensors: list[Any], out_sig: Any) -> Any:
        b = tf.shape(tensors[0])[0]
        pad = (-b) % chunk
        parts = [
            tf.reshape(tf.concat([t, tf.zeros([pad, 2**n], t.dtype)], 0), [-1, chunk, 2**n])
            for t in tensors
        ]
        fn = tf.autograph.experimental.do_not_convert(fn)
        return tf.map_fn(fn, tuple(parts), fn_output_signature=out_sig, parallel_iterations=1), b

    @tf.custom_gradient
    def run(psi0: Any, *params: Any) -> Any:
        u_map, p_map = split(params)
        if chunk:
            fin, b = chunked(lambda xs: program._evolve(xs[0], u_map, p_map), [psi0], psi0.dtype)
            fin = tf.reshape(fin, [-1, 2**n])[:b]
        else:
            fin = program._evolve(psi0, u_map, p_map)
        out = readout(fin)

        def grad(dy: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(fin)
                val = readout(fin)
            lam = tape.gradient(val, fin, output_gradients=dy)
            if not chunk:
                g0, g_us, g_ph = _backward(program, fin, lam, u_map, p_map)
                return [g0] + [g_us[i] for i in ui] + [g_ph[i] for i in pi]

            def one(xs: Any) -> Any:
                g0, g_us, g_ph = _backward(program, xs[0], xs[1], u_map, p_map)
                return (g0, [g_us[i] for i in ui], [g_ph[i] for i in pi])

            sig = (
                tf.TensorSpec([chunk, 2**n], psi0.dtype),
                [tf.TensorSpec(us[i].shape, psi0.dtype) for i in ui],
                [tf.TensorSpec(phases[i].shape, psi0.dtype) for i in pi],
            )
            (g0, gu, gp), b = chunked(one, [fin, lam], sig)
            g0 = tf.reshape(g0, [-1, 2**n])[:b]
            return [g0] + [tf.reduce_sum(g, axis=0) for g in gu + gp]

        return out, grad

    psi0 = tf.reshape(states, [-1, 2**n])
    return run(psi0, *[us[i] for i in ui], *[phases[i] for i in pi])

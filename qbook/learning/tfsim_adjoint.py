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
the number of stages (up to ``KEEP_QUBITS`` qubits, where states are small, the forward pass
keeps each stage's input state instead, and the backward pass un-applies nothing). The state and its co-state are stacked along the batch axis, so each
stage of the backward pass is one op on both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# From this many qubits on, a chunked backward pass recomputes each chunk's final states
# rather than keeping the whole batch's (chapter 5's 17-qubit QNN: 32 MiB less per step).
RECOMPUTE_QUBITS = 15
# Up to this many qubits an unchunked forward pass keeps the state each stage starts from, and
# the backward pass only carries the co-state back (:func:`_backward_kept`): no stage is
# un-applied (memory: one state per stage, 2 MiB each for 16 states of 14 qubits).
KEEP_QUBITS = 14


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=False).tf


def _product(factors: Any) -> Any:
    """States (c, 2**n) from their one-qubit factors (c, n, 2), the first qubit most
    significant."""
    tf = _tf()
    ones = tf.unstack(factors, axis=1)
    state = ones[0]
    for k, f in enumerate(ones[1:], start=2):
        state = tf.reshape(state[:, :, None] * f[:, None, :], [-1, 2**k])
    return state


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
            g = tf.split(after, 2)[1] * tf.math.conj(tf.split(both, 2)[0])  # lambda' conj(psi)
            g_ph[i] = tf.reduce_sum(g, axis=0, keepdims=True) if p.shape[0] == 1 else g
        else:
            u = us[i]
            k = len(st.wires)
            d, trail = 2**k, 2 ** (n - st.start - k)
            after = both
            if trail == 1:  # forward: rows @ U^T, so back: rows @ conj(U)
                if u.shape[0] == 1:
                    both = tf.linalg.matmul(
                        tf.reshape(both, [-1, d]), tf.math.conj(tf.reshape(u, [d, d]))
                    )
                    x = tf.unstack(tf.reshape(both, [2, -1, d]))[0]
                    lam_v = tf.unstack(tf.reshape(after, [2, -1, d]))[1]
                    g = tf.transpose(tf.linalg.matmul(x, lam_v, adjoint_a=True))[None]
                else:
                    rows = tf.reshape(both, [2 * b, -1, d])
                    both = tf.linalg.matmul(rows, tf.math.conj(_twice(u)))
                    x = both[:b]
                    lam_v = tf.reshape(after, [2 * b, -1, d])[b:]
                    g = tf.linalg.matrix_transpose(tf.linalg.matmul(x, lam_v, adjoint_a=True))
            elif u.shape[0] == 1:  # forward: U @ (rows, d, trail)
                both = tf.linalg.matmul(
                    tf.reshape(u, [d, d]), tf.reshape(both, [-1, d, trail]), adjoint_a=True
                )
                x = tf.unstack(tf.reshape(both, [2, -1, d, trail]))[0]
                lam_v = tf.unstack(tf.reshape(after, [2, -1, d, trail]))[1]
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


def _backward_kept(
    program: Any, lam: Any, us: dict[int, Any], phases: dict[int, Any], kept: list[Any]
) -> tuple[Any, dict[int, Any], dict[int, Any]]:
    """:func:`_backward` with the state each stage started from kept by the forward pass
    (``kept``, from ``Program._evolve``): only the co-state is carried back, nothing is
    un-applied. Memory: one state per stage."""
    tf = _tf()
    n = program.n_qubits
    g_us: dict[int, Any] = {}
    g_ph: dict[int, Any] = {}
    for i in reversed(range(len(program.blocks))):
        st, x = program.blocks[i], kept[i]
        after = tf.reshape(lam, [-1, 2**n])
        if st.kind == "diag":
            p = phases[i]
            lam = after * tf.math.conj(p)
            g = after * tf.math.conj(tf.reshape(x, [-1, 2**n]))
            g_ph[i] = tf.reduce_sum(g, axis=0, keepdims=True) if p.shape[0] == 1 else g
        else:
            u, k = us[i], len(st.wires)
            d, trail = 2**k, 2 ** (n - st.start - k)
            b = tf.shape(after)[0]
            if trail == 1 and u.shape[0] == 1:  # forward: rows @ U^T
                rows = tf.reshape(after, [-1, d])
                lam = tf.linalg.matmul(rows, tf.math.conj(tf.reshape(u, [d, d])))
                g = tf.transpose(tf.linalg.matmul(tf.reshape(x, [-1, d]), rows, adjoint_a=True))
                g = g[None]
            elif trail == 1:
                rows = tf.reshape(after, [b, -1, d])
                lam = tf.linalg.matmul(rows, tf.math.conj(u))
                g = tf.linalg.matmul(tf.reshape(x, [b, -1, d]), rows, adjoint_a=True)
                g = tf.linalg.matrix_transpose(g)
            elif u.shape[0] == 1:  # forward: U @ (rows, d, trail)
                view = tf.reshape(after, [-1, d, trail])
                lam = tf.linalg.matmul(tf.reshape(u, [d, d]), view, adjoint_a=True)
                g = tf.linalg.matmul(view, tf.reshape(x, [-1, d, trail]), adjoint_b=True)
                g = tf.reduce_sum(g, axis=0, keepdims=True)
            else:
                view = tf.reshape(after, [b, -1, d, trail])
                lam = tf.linalg.matmul(u[:, None], view, adjoint_a=True)
                g = tf.linalg.matmul(view, tf.reshape(x, [b, -1, d, trail]), adjoint_b=True)
                g = tf.reduce_sum(g, axis=1)
            g_us[i] = g
        if st.transpose is not None:
            shape, perm = st.transpose
            moved = [shape[p] for p in perm]
            lam = tf.transpose(tf.reshape(lam, moved), list(np.argsort(perm)))
    return tf.reshape(lam, [-1, 2**n]), g_us, g_ph


def expectation(
    program: Any,
    states: Any,
    us: dict[int, Any],
    phases: dict[int, Any],
    readout: Any,
    chunk: int | None = None,
    state_gradient: bool = True,
) -> Any:
    """``readout(final states)`` (B, m) after the program's stages, with an adjoint gradient.

    ``us``/``phases`` are the stages' unitaries and phases (``Program.block_unitaries`` and
    ``Program.phases``), ``states`` the initial states (B, 2**n) of the program's dtype and
    ``readout`` a differentiable function of the final states (the Pauli expectation values).
    ``chunk`` evolves the batch ``chunk`` states at a time, forward and backward (read out
    chunk by chunk too), when every unitary and phase is shared by the batch; from
    ``RECOMPUTE_QUBITS`` qubits on, the chunked backward pass recomputes each chunk's final
    states instead of keeping the batch's (memory: a few chunks). Gradients flow to ``us``
    and ``phases`` (and from there to the symbol values by autodiff) and, if
    ``state_gradient``, to ``states``. Used by
    :meth:`qbook.learning.tfsim.Program.expectation`; introduced in chapter 3.
    """
    tf = _tf()
    n = program.n_qubits
    ui, pi = sorted(us), sorted(phases)
    shared = all(us[i].shape[0] == 1 for i in ui) and all(phases[i].shape[0] == 1 for i in pi)
    chunk = chunk if shared and chunk else None
    recompute = chunk is not None and n >= RECOMPUTE_QUBITS
    no_ag = tf.autograph.experimental.do_not_convert
    if isinstance(states, tuple):  # product states by their factors, or states
        factors, full = states
        state_gradient, psi0, b0 = False, None, tf.shape(factors)[0]

        def initial(lo: Any, hi: Any) -> Any:
            return tf.cond(
                tf.shape(full)[0] > 0, lambda: full[lo:hi], lambda: _product(factors[lo:hi])
            )
    else:
        psi0 = tf.reshape(states, [-1, 2**n])
        b0 = tf.shape(psi0)[0]

        def initial(lo: Any, hi: Any) -> Any:
            return psi0[lo:hi]

    def split(params: Any) -> tuple[Any, dict[int, Any], dict[int, Any]]:
        first = params[0] if state_gradient else None
        start = (lambda lo, hi: first[lo:hi]) if state_gradient else initial
        rest = params[1:] if state_gradient else params
        u_map = dict(zip(ui, rest[: len(ui)], strict=True))
        return start, u_map, dict(zip(pi, rest[len(ui) :], strict=True))

    def loop(body: Any, b: Any, init: list[Any]) -> list[Any]:
        """``body(i, lo, hi, *acc)`` over the chunks ``[lo, hi)`` of a batch of ``b``."""

        def step(i: Any, *acc: Any) -> Any:
            lo = i * chunk
            return (i + 1, *body(i, lo, tf.minimum(lo + chunk, b), *acc))

        count = (b + chunk - 1) // chunk
        out = tf.while_loop(
            lambda i, *_: i < count, no_ag(step), [tf.constant(0), *init], parallel_iterations=1
        )
        return list(out[1:])

    @tf.custom_gradient
    def run(*params: Any) -> Any:
        start, u_map, p_map = split(params)
        b, ctype, kept = b0, tf.as_dtype(program.dtype), None
        rtype = ctype.real_dtype
        if chunk:

            def fwd(i: Any, lo: Any, hi: Any, outs: Any, fins: Any) -> Any:
                f = program._evolve(start(lo, hi), u_map, p_map)
                return [outs.write(i, readout(f)), fins if recompute else fins.write(i, f)]

            def ta(dtype: Any) -> Any:
                return tf.TensorArray(dtype, size=0, dynamic_size=True, infer_shape=False)

            outs, fins = loop(fwd, b, [ta(rtype), ta(ctype)])
            out = outs.concat()
            fin = None if recompute else fins.concat()
        else:
            kept = [] if n <= KEEP_QUBITS else None
            fin = program._evolve(start(0, b), u_map, p_map, kept)
            out = readout(fin)

        def costate(f: Any, dy: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(f)
                val = readout(f)
            return tape.gradient(val, f, output_gradients=dy)

        def grad(dy: Any) -> Any:
            if not chunk and kept is not None:
                g0, g_us, g_ph = _backward_kept(program, costate(fin, dy), u_map, p_map, kept)
            elif not chunk:
                g0, g_us, g_ph = _backward(program, fin, costate(fin, dy), u_map, p_map)
            if not chunk:
                grads = [g_us[i] for i in ui] + [g_ph[i] for i in pi]
                return [g0] + grads if state_gradient else grads

            def bwd(i: Any, lo: Any, hi: Any, g0s: Any, *sums: Any) -> Any:
                if recompute:
                    f = program._evolve(start(lo, hi), u_map, p_map)
                else:
                    f = fin[lo:hi]
                g0, g_us, g_ph = _backward(program, f, costate(f, dy[lo:hi]), u_map, p_map)
                new = [g_us[j] for j in ui] + [g_ph[j] for j in pi]
                g0s = g0s.write(i, g0) if state_gradient else g0s
                return [g0s] + [a + g for a, g in zip(sums, new, strict=True)]

            zeros = [tf.zeros_like(us[j]) for j in ui] + [tf.zeros_like(phases[j]) for j in pi]
            init = tf.TensorArray(ctype, size=0, dynamic_size=True, infer_shape=False)
            g0s, *sums = loop(bwd, b, [init] + zeros)
            return [g0s.concat()] + sums if state_gradient else sums

        return out, grad

    inputs = [psi0] if state_gradient else []
    return run(*inputs, *[us[i] for i in ui], *[phases[i] for i in pi])

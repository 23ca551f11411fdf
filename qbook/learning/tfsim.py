"""A differentiable state-vector simulator of Cirq circuits in TensorFlow (introduced in chapter 3).

What TensorFlow Quantum does in C++, written in plain TensorFlow ops so that it runs wherever
TensorFlow does (Python 3.13, Keras 3, a GPU); the gradient of an expectation comes from the
adjoint method (:mod:`qbook.learning.tfsim_adjoint`):

1. **Gates as functions of their exponent.** Every gate the book parameterises is a Cirq
   ``EigenGate``: ``U(t) = sum_k exp(i pi t (lambda_k + s)) P_k`` with eigenvalues
   ``lambda_k`` (in half turns), projectors ``P_k`` and global shift ``s``
   (:func:`gate_unitary`). With ``t = a . theta + b`` (TFQ's rule: exponents are affine in
   the symbols) the unitary is a differentiable function of the symbol values ``theta``.
2. **Fused stages** (:mod:`qbook.learning.tfsim_plan`). Consecutive gates are grouped into blocks on
   at most three qubits (five on big circuits); each block's 8x8 unitary is the product of its
   gates' unitaries, computed for all blocks at once. A run of diagonal gates (``ZZ``, ``CZ``,
   ``Rz`` ...) that fits in no block becomes one elementwise phase ``exp(i angle)``, the
   angle affine in the symbols, whatever qubits the run touches.
3. **Batched states.** The state of a batch is a tensor ``(batch, 2**n)``, one bit per qubit;
   a block is applied with one matrix product on a view in which its qubits are adjacent axes.
   The order of the qubits (the *layout*) changes lazily: a transpose only when a block's
   qubits are not adjacent, never back (the expectation values read the final layout).
4. **Expectation values** of Pauli sums (:mod:`qbook.learning.tfsim_readout`): ``Z``-only
   terms from the probabilities, the others as ``<psi| P |psi>``.

:func:`compile_circuit` turns a circuit into a :class:`Program`; ``Program.expectation``
evaluates it. The Keras layers built on it are in :mod:`qbook.learning.qlayers`. TensorFlow is
imported on first use.
"""

from __future__ import annotations

import json
import string
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import cirq
import numpy as np

from qbook.learning import tfsim_plan as plan
from qbook.learning.tfsim_readout import complex_constant, pauli_expectations

MAX_BLOCK_QUBITS = 3
# A diagonal stage's angle table (gates x 2^n numbers) is a graph constant up to this size.
DIAG_CONSTANT_SIZE = 2**18
_LETTERS = string.ascii_lowercase + string.ascii_uppercase


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=False).tf


# ---------------------------------------------------------------------------------------------
# Gates
# ---------------------------------------------------------------------------------------------


def gate_unitary(gate: cirq.EigenGate, exponent: Any) -> Any:
    """The unitary of an ``EigenGate`` raised to ``exponent``, built from its eigencomponents.

    ``U(t) = sum_k exp(i pi t (lambda_k + s)) P_k``. ``exponent`` may be a float (returns a
    NumPy array) or a real TensorFlow tensor of any shape ``S`` (returns a complex64 tensor of
    shape ``S + (d, d)``), so gradients with respect to the exponent flow through it. This is
    the whole trick behind a differentiable simulator (chapter 3).
    """
    if not isinstance(gate, cirq.EigenGate):
        raise TypeError(f"gate must be a cirq.EigenGate, got {type(gate).__name__}")
    lambdas, projectors = plan.eigen(gate)
    if isinstance(exponent, (int, float, np.floating, np.integer)):
        t = float(exponent)
        if not np.isfinite(t):
            raise ValueError(f"exponent must be finite, got {exponent}")
        phases = np.exp(1j * np.pi * t * lambdas)
        return np.einsum("k,kij->ij", phases, projectors)
    tf = _tf()
    t = tf.convert_to_tensor(exponent)
    if t.dtype not in (tf.float32, tf.float64):
        raise TypeError(f"exponent tensor must be float32 or float64, got {t.dtype}")
    ctype = tf.complex64 if t.dtype == tf.float32 else tf.complex128
    angle = np.pi * t[..., None] * tf.constant(lambdas, dtype=t.dtype)
    phases = tf.complex(tf.cos(angle), tf.sin(angle))
    return tf.einsum("...k,kij->...ij", phases, complex_constant(projectors, ctype))


# ---------------------------------------------------------------------------------------------
# Compiling a circuit into stages (the planning itself is in qbook.learning.tfsim_plan)
# ---------------------------------------------------------------------------------------------


class _UnitaryTable:
    """The slots of every block of one width ``d``, stacked so that all their unitaries come
    from a few big ops. Blocks are grouped by their gate count rounded up to a power of two,
    so that the tree product in :meth:`unitaries` pads short blocks only a little."""

    def __init__(self, members: list[int], stages: list[plan.Stage], n_sym: int, d: int) -> None:
        self.members, self.d = members, d
        consts = [np.eye(d)]
        params: list[plan.Slot] = []
        rows = []
        for si in members:
            row = []
            for s in stages[si].slots:
                if s.const is not None:
                    consts.append(s.const)
                    row.append(len(consts) - 1)
                else:
                    params.append(s)
                    row.append(-len(params))  # negative: parameterised slot -index-1
            rows.append(row or [0])
        kmax = max((len(s.lambdas) for s in params), default=1)
        self.consts = np.array(consts)
        self.proj = np.zeros((len(params), kmax, d, d), dtype=np.complex128)
        self.lambdas = np.zeros((len(params), kmax))
        self.coef = np.zeros((len(params), n_sym))
        self.offset = np.zeros(len(params))
        for i, s in enumerate(params):
            kk = len(s.lambdas)
            self.proj[i, :kk], self.lambdas[i, :kk] = s.projectors, s.lambdas
            self.coef[i], self.offset[i] = s.coef, s.offset
        groups: dict[int, list[int]] = {}
        for r, row in enumerate(rows):
            groups.setdefault(1 << max(0, (len(row) - 1).bit_length()), []).append(r)
        self.groups = []
        for length, rs in sorted(groups.items()):
            idx = np.zeros((len(rs), length), dtype=np.int64)  # 0 = identity
            for j, r in enumerate(rs):
                for li, v in enumerate(rows[r]):
                    idx[j, li] = v if v >= 0 else len(consts) - v - 1
            self.groups.append((rs, idx))

    def unitaries(self, theta: Any, ctype: Any) -> Any:
        """(B or 1, len(members), d, d): each block's gates multiplied in circuit order."""
        tf = _tf()
        rtype = ctype.real_dtype
        nb = tf.shape(theta)[0]
        table = tf.tile(complex_constant(self.consts, ctype)[None], [nb, 1, 1, 1])
        if len(self.offset):
            exps = tf.linalg.matmul(theta, tf.constant(self.coef.T, dtype=rtype))
            exps = exps + tf.constant(self.offset, dtype=rtype)  # (B, P)
            angle = np.pi * exps[..., None] * tf.constant(self.lambdas, dtype=rtype)
            phases = tf.complex(tf.cos(angle), tf.sin(angle))  # (B, P, K)
            mats = tf.einsum("bpk,pkij->bpij", phases, complex_constant(self.proj, ctype))
            table = tf.concat([table, mats], axis=1)
        parts, order = [], []
        for rs, idx in self.groups:
            g = tf.gather(table, tf.constant(idx), axis=1)  # (B, blocks, L, d, d)
            while g.shape[2] > 1:  # later gates multiply from the left
                g = tf.linalg.matmul(g[:, :, 1::2], g[:, :, 0::2])
            parts.append(g[:, :, 0])
            order += rs
        us = tf.concat(parts, axis=1) if len(parts) > 1 else parts[0]
        return tf.gather(us, np.argsort(order), axis=1)


class Program:
    """A compiled circuit: fused stages, its qubits and its symbols in a fixed order (chapter 3).

    ``expectation(states, theta, operators)`` gives ``<psi(theta)| O |psi(theta)>`` for a batch
    of initial states, differentiable in ``theta``. Build one with :func:`compile_circuit`.
    ``blocks`` lists the stages: blocks of gates fused into one unitary, and runs of diagonal
    gates applied as one phase. ``layout`` is the order of the state's axes after the last
    stage (the simulation moves qubits only when a block needs them adjacent).
    """

    def __init__(
        self,
        qubits: list[cirq.Qid],
        symbols: list[str],
        blocks: list[plan.Stage],
        layout: list[int],
        dtype: str = "complex64",
    ) -> None:
        self.qubits = qubits
        self.symbols = symbols
        self.blocks = blocks
        self.layout = layout
        self.dtype = dtype
        widths: dict[int, list[int]] = {}
        for i, st in enumerate(blocks):
            if st.kind == "block":
                widths.setdefault(2 ** len(st.wires), []).append(i)
        self._tables = [_UnitaryTable(m, blocks, len(symbols), d) for d, m in widths.items()]

    @property
    def n_qubits(self) -> int:
        return len(self.qubits)

    def _theta(self, theta: Any) -> Any:
        """Symbol values as a (B or 1, S) tensor of the simulation's real precision."""
        tf = _tf()
        rtype = tf.as_dtype(self.dtype).real_dtype
        if tf.is_tensor(theta) or isinstance(theta, tf.Variable):
            theta = tf.cast(theta, rtype)
        else:  # NumPy or lists: straight to the simulation's precision (no float32 detour)
            theta = tf.constant(np.asarray(theta, dtype=rtype.as_numpy_dtype))
        theta = theta[None] if theta.shape.rank == 1 else theta
        if theta.shape.rank != 2 or theta.shape[-1] not in (None, len(self.symbols)):
            raise ValueError(
                f"symbol values must be ({len(self.symbols)},) or (batch, {len(self.symbols)}) "
                f"for the symbols {self.symbols[:6]}{'...' if len(self.symbols) > 6 else ''}, "
                f"got shape {tuple(theta.shape)}"
            )
        return theta

    def block_unitaries(self, theta: Any) -> dict[int, Any]:
        """Each block's unitary for symbol values ``theta`` of shape (S,) or (B, S): a dict
        stage index -> (B or 1, d, d), the block's qubits in layout order."""
        tf = _tf()
        theta = self._theta(theta)
        out = {}
        for table in self._tables:
            us = table.unitaries(theta, tf.as_dtype(self.dtype))
            for si, u in zip(table.members, tf.unstack(us, axis=1), strict=True):  # one op
                out[si] = u
        return out

    def phases(self, theta: Any) -> dict[int, Any]:
        """Each diagonal stage's phases ``exp(i angle)``: stage index -> (B or 1, 2**n)."""
        theta = self._theta(theta)
        return {i: self._phase(st, theta) for i, st in enumerate(self.blocks) if st.kind == "diag"}

    def _phase(self, stage: plan.Stage, theta: Any) -> Any:
        """``exp(i angle)`` of a diagonal stage, (B or 1, 2**n); ``angle = t @ V + c`` with
        ``t`` the gates' exponents. ``V`` and ``c`` are constants on few qubits; on many the
        angle is a low-rank product of small constants (:func:`plan.split_angle`)."""
        tf = _tf()
        n = self.n_qubits
        rtype = tf.as_dtype(self.dtype).real_dtype
        params = [t for t in stage.terms if t.coef is not None]
        exps = tf.zeros([1, 0], dtype=rtype)
        if params:
            coefs = np.array([t.coef for t in params])
            exps = tf.linalg.matmul(theta, tf.constant(coefs.T, dtype=rtype))
            exps += tf.constant([t.offset for t in params], dtype=rtype)
        if 2**n * len(stage.terms) <= DIAG_CONSTANT_SIZE:
            consts = [t for t in stage.terms if t.coef is None]
            rows = [t.table[plan.local_index(n, t.positions)] for t in params]
            angle = tf.constant(
                sum(t.table[plan.local_index(n, t.positions)] for t in consts)
                + np.zeros((1, 2**n)),
                dtype=rtype,
            )
            if params:
                rows = tf.constant(np.array(rows).reshape(len(params), 2**n), dtype=rtype)
                angle += tf.linalg.matmul(exps, rows)
        else:
            hi, lo, cols = plan.split_angle(stage.terms, n)
            ones = tf.ones([tf.shape(exps)[0], 1], dtype=rtype)
            e = tf.gather(
                tf.concat([exps, ones], axis=1), np.where(cols < 0, len(params), cols), axis=1
            )
            hi_e = tf.constant(hi, dtype=rtype)[None] * e[:, None, :]  # (B, 2^m, K)
            angle = tf.reshape(tf.linalg.matmul(hi_e, tf.constant(lo, dtype=rtype)), [-1, 2**n])
        return tf.complex(tf.cos(angle), tf.sin(angle))

    def _evolve(
        self, psi: Any, us: dict[int, Any], phases: dict[int, Any], keep: Any = None
    ) -> Any:
        """Run the stages on states (B, 2**n); the result is in ``self.layout`` order. A list
        ``keep`` receives the state each stage starts from (after its transpose)."""
        tf = _tf()
        n = self.n_qubits
        psi = tf.reshape(tf.cast(psi, self.dtype), [-1, 2**n])
        for i, st in enumerate(self.blocks):
            if st.transpose is not None:
                shape, perm = st.transpose
                psi = tf.transpose(tf.reshape(psi, shape), perm)
            if keep is not None:
                keep.append(psi)
            if st.kind == "diag":
                psi = tf.reshape(psi, [-1, 2**n]) * phases[i]
            else:
                psi = _apply_block(psi, us[i], st.start, len(st.wires), n)
        return tf.reshape(psi, [-1, 2**n])

    def apply(self, states: Any, theta: Any) -> Any:
        """Evolve a batch of states, shape (B, 2**n) or (B, 2, ..., 2), by the circuit at ``theta``."""
        tf = _tf()
        n = self.n_qubits
        psi = self._evolve(states, self.block_unitaries(theta), self.phases(theta))
        if self.layout != sorted(self.layout):
            shape, perm = plan.merged_transpose(self.layout, list(range(n)))
            psi = tf.transpose(tf.reshape(psi, shape), perm)
        return tf.reshape(psi, [-1, 2**n])

    def expectation(
        self,
        states: Any,
        theta: Any,
        operators: Sequence[Any],
        chunk: int | None = None,
        state_gradient: bool = True,
    ) -> Any:
        """``<psi| O_j |psi>`` after the circuit, shape (B, len(operators)), real.

        ``chunk`` evaluates the batch ``chunk`` states at a time (one loop in the graph): on
        many qubits the states of a small chunk stay in the CPU's cache, which is faster. It
        applies when ``theta`` is one vector of symbol values shared by the batch. Gradients
        use the adjoint method (:mod:`qbook.learning.tfsim_adjoint`): the backward pass keeps
        a few states, not one per stage. ``state_gradient=False`` skips the gradient with
        respect to ``states`` (the layers' input states need none).
        """
        tf = _tf()
        return tf.autograph.experimental.do_not_convert(self._expectation)(
            states, theta, operators, chunk, bool(state_gradient)
        )

    def _expectation(
        self, states: Any, theta: Any, operators: Sequence[Any], chunk: Any, state_gradient: bool
    ) -> Any:
        from qbook.learning import tfsim_adjoint

        tf = _tf()
        dtype = tf.as_dtype(self.dtype)
        theta = self._theta(theta)
        us, phases = self.block_unitaries(theta), self.phases(theta)
        qubits = [self.qubits[q] for q in self.layout]
        if isinstance(states, tuple):  # (one-qubit factors, states): StateCache.inputs
            states = tuple(tf.cast(t, dtype) for t in states)
        else:
            states = tf.reshape(tf.cast(states, dtype), [-1, 2**self.n_qubits])

        def readout(psi: Any) -> Any:
            return pauli_expectations(psi, operators, qubits, dtype)

        out = tfsim_adjoint.expectation(self, states, us, phases, readout, chunk, state_gradient)
        out.set_shape([None, len(operators)])  # the loop loses it; Keras 3's symbolic call needs it
        return out


def _apply_block(psi: Any, u: Any, start: int, k: int, n: int) -> Any:
    """Apply a block unitary ``u`` (B or 1, d, d) to layout positions ``start .. start+k-1``.

    The state is viewed as (batch, 2^start, d, trailing): one (batched) matrix product, no
    transpose. A unitary shared by the batch multiplies all rows at once.
    """
    tf = _tf()
    d, trail = 2**k, 2 ** (n - start - k)
    if u.shape[0] == 1:
        if trail == 1:
            return tf.linalg.matmul(
                tf.reshape(psi, [-1, d]), tf.reshape(u, [d, d]), transpose_b=True
            )
        return tf.linalg.matmul(tf.reshape(u, [d, d]), tf.reshape(psi, [-1, d, trail]))
    b = tf.shape(u)[0]
    if trail == 1:
        return tf.linalg.matmul(tf.reshape(psi, [b, -1, d]), u, transpose_b=True)
    return tf.linalg.matmul(u[:, None], tf.reshape(psi, [b, -1, d, trail]))


def compile_circuit(
    circuit: cirq.Circuit,
    qubits: Sequence[cirq.Qid] | None = None,
    symbols: Sequence[str] | None = None,
    max_block_qubits: int = MAX_BLOCK_QUBITS,
    dtype: str = "complex64",
) -> Program:
    """Compile a Cirq circuit with sympy symbols into a :class:`Program` (chapter 3).

    ``qubits`` fixes the qubit order (default: the circuit's qubits, sorted); ``symbols``
    the order of the symbol values (default: sorted by name, as ``tfq.layers.PQC`` does).
    ``dtype`` is ``"complex64"`` (default) or ``"complex128"``.
    """
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    if dtype not in ("complex64", "complex128"):
        raise ValueError(f"dtype must be 'complex64' or 'complex128', got {dtype!r}")
    if not isinstance(max_block_qubits, (int, np.integer)) or not 1 <= max_block_qubits <= 6:
        raise ValueError(f"max_block_qubits must be an integer in 1..6, got {max_block_qubits!r}")
    qubits = sorted(circuit.all_qubits()) if qubits is None else list(qubits)
    if len(set(qubits)) != len(qubits):
        raise ValueError("qubits must be distinct")
    missing = set(circuit.all_qubits()) - set(qubits)
    if missing:
        raise ValueError(f"the circuit acts on qubits not in `qubits`: {sorted(missing)}")
    if len(qubits) > len(_LETTERS) // 2 - 3:
        raise ValueError(f"at most {len(_LETTERS) // 2 - 3} qubits, got {len(qubits)}")
    names = sorted(str(s) for s in cirq.parameter_names(circuit))
    symbols = names if symbols is None else [str(s) for s in symbols]
    if len(set(symbols)) != len(symbols):
        raise ValueError("symbols must be distinct")
    index = {s: i for i, s in enumerate(symbols)}
    where = {q: i for i, q in enumerate(qubits)}
    ops = [
        (op, [where[q] for q in op.qubits])
        for whole in circuit.all_operations()
        for op in plan.expand(whole)
    ]
    stages = plan.fuse(ops, int(max_block_qubits))
    min_trailing = plan.MIN_TRAILING if len(qubits) >= plan.BIG_STATE else 1
    layout = plan.plan_layout(stages, len(qubits), min_trailing)
    for st in stages:
        if st.kind == "block":
            plan.block_slots(st, lambda e: plan.affine(e, index))
        else:
            plan.diag_terms(st, lambda e: plan.affine(e, index))
    return Program(qubits, symbols, stages, layout, dtype)


# ---------------------------------------------------------------------------------------------
# Parameter-free data circuits -> initial states (NumPy, cached)
# ---------------------------------------------------------------------------------------------


def serialize_circuit(circuit: cirq.Circuit) -> str:
    """A circuit as a compact JSON string (what :func:`qbook.learning.qlayers.convert_to_tensor` stores)."""
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"expected a cirq.Circuit, got {type(circuit).__name__}")
    return json.dumps(json.loads(cirq.to_json(circuit)), separators=(",", ":"))


_PARSED: OrderedDict[str, cirq.Circuit] = OrderedDict()


def parse_circuit(text: str | bytes) -> cirq.Circuit:
    """Inverse of :func:`serialize_circuit` (cached: each distinct string is parsed once)."""
    if isinstance(text, bytes):
        text = text.decode()
    if not isinstance(text, str):
        raise TypeError(f"expected a string, got {type(text).__name__}")
    hit = _PARSED.get(text)
    if hit is not None:
        _PARSED.move_to_end(text)
        return hit
    try:
        circuit = cirq.read_json(json_text=text)
    except Exception as exc:  # malformed input is a ValueError for the caller
        raise ValueError(f"not a serialised circuit: {text[:60]!r}") from exc
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise ValueError("the string holds no cirq.Circuit")
    _PARSED[text] = circuit
    if len(_PARSED) > 50_000:
        _PARSED.popitem(last=False)
    return circuit


def circuit_state(circuit: cirq.Circuit, qubits: Sequence[cirq.Qid]) -> np.ndarray:
    """The state a parameter-free circuit prepares from ``|0...0>``, over ``qubits`` (complex128).

    Circuits of one-qubit gates only (data encodings) take a fast path: a Kronecker product of
    one-qubit states. Others are simulated gate by gate with NumPy.
    """
    qubits = list(qubits)
    if cirq.is_parameterized(circuit):
        raise ValueError("data circuits must not contain symbols (resolve them first)")
    missing = set(circuit.all_qubits()) - set(qubits)
    if missing:
        raise ValueError(f"the circuit acts on qubits the model does not have: {sorted(missing)}")
    where = {q: i for i, q in enumerate(qubits)}
    n = len(qubits)
    ops = [op for op in circuit.all_operations() if op.qubits]
    local = plan.product_factors(ops, where, n)
    if local is not None:
        state = local[0]
        for v in local[1:]:
            state = np.kron(state, v)
        return state
    psi = np.zeros((2,) * n, dtype=np.complex128)
    psi[(0,) * n] = 1.0
    for op in ops:
        w = [where[q] for q in op.qubits]
        m = len(w)
        u = cirq.unitary(op).reshape((2,) * (2 * m))
        psi = np.tensordot(u, psi, axes=(list(range(m, 2 * m)), w))
        psi = np.moveaxis(psi, list(range(m)), w)
    return psi.reshape(-1)


class StateCache:
    """Initial states of serialised data circuits, computed once each, bounded in memory."""

    def __init__(self, qubits: Sequence[cirq.Qid], max_bytes: int = 256 * 2**20) -> None:
        if isinstance(qubits, (str, bytes)) or not isinstance(qubits, Sequence) or not qubits:
            raise TypeError("qubits must be a non-empty sequence of cirq qubits")
        if not all(isinstance(q, cirq.Qid) for q in qubits):
            raise TypeError("qubits must be a non-empty sequence of cirq qubits")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)):
            raise TypeError(f"max_bytes must be an int, got {type(max_bytes).__name__}")
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.qubits = list(qubits)
        self.max_bytes = int(max_bytes)
        self._store: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._factors: dict[bytes, np.ndarray] = {}
        self._keys = {plan.qubit_key(q): i for i, q in enumerate(self.qubits)}
        self._keys.pop(None, None)
        self._bytes = 0

    def states(self, texts: Sequence[bytes], dtype: Any = np.complex64) -> np.ndarray:
        """The state of each serialised circuit (:func:`serialize_circuit`), cached (chapter 5)."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
            raise TypeError("texts must be a sequence of serialised circuits")
        if np.dtype(dtype) not in (np.complex64, np.complex128):
            raise ValueError(f"dtype must be complex64 or complex128, got {dtype!r}")
        out = np.empty((len(texts), 2 ** len(self.qubits)), dtype=dtype)
        for i, t in enumerate(texts):
            s = self._store.get(t)
            if s is None:
                s = circuit_state(parse_circuit(t), self.qubits).astype(dtype)
                self._store[t] = s
                self._bytes += s.nbytes
                while self._bytes > self.max_bytes and len(self._store) > 1:
                    _, old = self._store.popitem(last=False)
                    self._bytes -= old.nbytes
            else:
                self._store.move_to_end(t)
            out[i] = s
        return out

    def inputs(self, texts: Sequence[bytes], dtype: Any = np.complex64) -> tuple[Any, Any]:
        """``(factors (B, n, 2), states (R, 2**n))``: the one-qubit factors and no states
        (R = 0) if every circuit prepares a product state, else :meth:`states` (chapter 5).
        :class:`qbook.learning.qlayers.PQC` then builds the states chunk by chunk."""
        n = len(self.qubits)
        where = {q: i for i, q in enumerate(self.qubits)}
        factors = np.zeros((len(texts), n, 2), dtype=dtype)
        for i, t in enumerate(texts):
            f = self._factors.get(t)
            if f is None:
                f = plan.json_product_factors(t, self._keys, n)
            if f is None:
                c = parse_circuit(t)
                if cirq.is_parameterized(c) or set(c.all_qubits()) - set(self.qubits):
                    return factors, self.states(texts, dtype)  # raises the ValueError
                f = plan.product_factors([op for op in c.all_operations() if op.qubits], where, n)
                if f is None:
                    return factors, self.states(texts, dtype)
                if len(self._factors) > 100_000:
                    self._factors.clear()
                self._factors[t] = f
            factors[i] = f
        return factors, np.zeros((0, 2**n), dtype=dtype)

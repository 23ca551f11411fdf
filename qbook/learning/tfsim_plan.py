"""Compile-time half of :mod:`qbook.learning.tfsim`: stages, fusion and the qubit layout (NumPy only).

A circuit becomes a list of *stages*, each one pass over the state:

* a **block**: consecutive gates on at most ``max_qubits`` qubits, multiplied into one
  ``2^k x 2^k`` unitary and applied with one matrix product;
* a **diagonal**: a run of diagonal gates (``Z``, ``ZZ``, ``CZ``, ``Rz`` ... and their powers),
  whatever qubits they touch, applied as one elementwise phase ``exp(i angle)`` where
  ``angle`` is affine in the symbols.

The state's axes are kept in a *layout* (a permutation of the qubits) that changes lazily: a
block whose qubits are adjacent in the current layout is applied where they are, with no
transpose; otherwise its qubits are gathered next to each other by one transpose, and the state
stays in that new order. Everything here is decided once, when the circuit is compiled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cirq
import numpy as np
import sympy

# A block whose qubits sit in the middle of the layout is applied as a batch of
# (2^k x 2^k) @ (2^k x trailing) products; on many qubits (from BIG_STATE on), a block with
# fewer than MIN_TRAILING amplitudes after it is moved to the end (on few qubits, where the
# number of ops counts more than their shapes, it stays).
MIN_TRAILING = 16
BIG_STATE = 12


@dataclass
class Slot:
    """One gate inside a block: a constant matrix, or projectors and eigenvalues."""

    const: np.ndarray | None = None
    projectors: np.ndarray | None = None  # (K, d, d) embedded in the block
    lambdas: np.ndarray | None = None  # (K,)
    coef: np.ndarray | None = None  # (n_symbols,)
    offset: float = 0.0


@dataclass
class Term:
    """One diagonal gate: ``angle(x) = pi * t * table[local index of x]`` (``t`` affine in the
    symbols) or, for a constant gate, ``angle(x) = table[local index]`` (``coef`` is None)."""

    positions: list[int]  # layout positions of the gate's qubits, in the gate's qubit order
    table: np.ndarray  # (2^m,)
    coef: np.ndarray | None = None
    offset: float = 0.0


@dataclass
class Stage:
    """One pass over the state; ``transpose`` (view shape, permutation) comes first if set."""

    kind: str  # "block" or "diag"
    wires: list[int]  # qubits (indices into the program's qubits); a block's in layout order
    ops: list[tuple[cirq.Operation, list[int]]] = field(default_factory=list)
    transpose: tuple[list[int], list[int]] | None = None
    start: int = 0  # a block's first layout position
    layout: list[int] = field(default_factory=list)  # the state's axis order during the stage
    slots: list[Slot] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)


def eigen(gate: cirq.EigenGate) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (half turns, global shift included) and projectors of an EigenGate."""
    comps = gate._eigen_components()
    shift = float(gate.global_shift)
    lambdas = np.array([float(h) + shift for h, _ in comps])
    projectors = np.array([np.asarray(p, dtype=np.complex128) for _, p in comps])
    return lambdas, projectors


def eigen_form(op: cirq.Operation) -> tuple[np.ndarray, np.ndarray, Any] | None:
    """``(lambdas, projectors, exponent)`` with ``U(t) = sum_k exp(i pi t lambda_k) P_k`` on
    ``op.qubits``, for an EigenGate and for an EigenGate under (any number of) controls; else
    None. A control projector ``C`` (the control values) makes the projectors ``C x P_k``
    and adds ``(1 - C) x 1`` with eigenvalue 0."""
    gate = op.gate
    if isinstance(gate, cirq.EigenGate):
        try:  # symbols elsewhere than the exponent (a PhasedISwap's phase): not this form
            lambdas, projectors = eigen(gate)
        except (TypeError, ValueError):
            return None
        return lambdas, projectors, gate.exponent
    if isinstance(op, cirq.ControlledOperation):
        sub, values, nc = op.sub_operation, op.control_values, len(op.controls)
    elif isinstance(gate, cirq.ControlledGate):
        nc = gate.num_controls()
        sub, values = gate.sub_gate.on(*op.qubits[nc:]), gate.control_values
    else:
        return None
    if any(d != 2 for d in cirq.qid_shape(op)):
        return None
    inner = eigen_form(sub)
    if inner is None:
        return None
    lambdas, projectors, exponent = inner
    on = np.zeros(2**nc)
    for combo in values.expand():
        on[int("".join(str(int(v)) for v in combo), 2)] = 1.0
    d = projectors.shape[-1]
    parts = [np.kron(np.diag(on), p) for p in projectors] + [np.kron(np.diag(1 - on), np.eye(d))]
    return np.append(lambdas, 0.0), np.array(parts), exponent


def expand(op: cirq.Operation, depth: int = 0) -> list[cirq.Operation]:
    """``op`` as operations the simulator takes: constant gates with a unitary, and
    (controlled) EigenGates with symbols. Other gates with symbols (``FSimGate``,
    ``PhasedXPowGate``, ``PhasedISwapPowGate``, controlled versions ...) go through Cirq's
    decompositions, whose exponents are affine in the gate's parameters. A global phase
    (an operation on no qubits) changes no expectation value and is dropped. Anything else
    raises a ValueError naming the operation."""
    if not op.qubits:
        if isinstance(op.gate, cirq.GlobalPhaseGate):
            return []
        raise ValueError(f"cannot simulate {op!r}: an operation on no qubits")
    if not cirq.is_parameterized(op):
        if not cirq.has_unitary(op):
            raise ValueError(
                f"cannot simulate {op!r}: it has no unitary (measurements and noise are not "
                "simulated)"
            )
        return [op]
    if eigen_form(op) is not None:
        return [op]
    parts = cirq.decompose_once(op, default=None) if depth < 8 else None
    if parts is None:
        raise ValueError(
            f"cannot simulate {op!r}: symbols in a {type(op.gate or op).__name__} that is not "
            "an EigenGate and that Cirq does not decompose into EigenGates"
        )
    return [q for part in parts for q in expand(part, depth + 1)]


def diagonal_table(op: cirq.Operation) -> tuple[np.ndarray, bool] | None:
    """``(table, parameterised)`` if ``op`` is diagonal, else None.

    Parameterised (controlled) EigenGates with diagonal projectors: ``table = sum_k lambda_k diag(P_k)``
    (the projectors of a diagonal gate partition the basis). Constant gates: the phases of the
    unitary's diagonal.
    """
    if cirq.is_parameterized(op):
        form = eigen_form(op)
        if form is None:
            return None
        lambdas, projectors, _ = form
        diags = np.array([np.diag(p) for p in projectors])
        if not all(np.allclose(p, np.diag(d)) for p, d in zip(projectors, diags, strict=True)):
            return None
        if not np.allclose(diags.sum(axis=0), 1) or not np.allclose(diags.imag, 0):
            return None
        return (lambdas[:, None] * diags.real).sum(axis=0), True
    if not cirq.has_unitary(op):
        return None
    u = cirq.unitary(op)
    d = np.diag(u)
    if not np.allclose(u, np.diag(d)):
        return None
    return np.angle(d), False


def fuse(ops: list[tuple[cirq.Operation, list[int]]], max_qubits: int) -> list[Stage]:
    """Group operations into stages, greedily, in circuit order.

    Every gate joins the open block while the block's qubits fit in ``max_qubits``; a
    diagonal gate that does not fit joins the open diagonal stage or starts one. Otherwise a
    new block starts.
    """
    stages: list[Stage] = []
    for op, w in ops:
        cur = stages[-1] if stages else None
        diagonal = diagonal_table(op) is not None
        if cur is not None and cur.kind == "block":
            new = cur.wires + [q for q in w if q not in cur.wires]
            if len(new) <= max_qubits:
                cur.ops.append((op, w))
                cur.wires = new
                continue
        if diagonal and cur is not None and cur.kind == "diag":
            cur.ops.append((op, w))
            cur.wires += [q for q in w if q not in cur.wires]
            continue
        stages.append(Stage("diag" if diagonal else "block", list(w), [(op, w)]))
    return stages


def merged_transpose(old: list[int], new: list[int]) -> tuple[list[int], list[int]]:
    """The view shape (batch axis first) and permutation taking layout ``old`` to ``new``.

    Qubits that stay adjacent and in order are merged into one axis, so the transpose has as
    few (and as large) axes as possible.
    """
    pos = {q: i for i, q in enumerate(old)}
    runs: list[list[int]] = []
    for q in new:
        if runs and pos[runs[-1][-1]] + 1 == pos[q]:
            runs[-1].append(q)
        else:
            runs.append([q])
    by_old = sorted(range(len(runs)), key=lambda r: pos[runs[r][0]])
    shape = [-1] + [2 ** len(runs[r]) for r in by_old]
    rank_in_old = {r: i for i, r in enumerate(by_old)}
    perm = [0] + [1 + rank_in_old[r] for r in range(len(runs))]
    return shape, perm


def _gather(order: list[int], wires: list[int], min_trailing: int) -> list[int]:
    """A new layout in which ``wires`` are adjacent: they join their last member's place, or
    go to the end when that would leave too few qubits after them."""
    posn = [order.index(q) for q in wires]
    last = max(posn)
    group = [order[p] for p in sorted(posn)]
    before = [q for q in order[:last] if q not in wires]
    after = order[last + 1 :]
    if 0 < len(after) and 2 ** len(after) < min_trailing:
        return before + after + group
    return before + group + after


def plan_layout(stages: list[Stage], n: int, min_trailing: int = MIN_TRAILING) -> list[int]:
    """Choose each block's transpose and position; returns the final layout.

    Diagonal stages never move the state. A block whose qubits are adjacent stays in place
    unless fewer than ``min_trailing`` amplitudes follow it (then it moves to the end).
    """
    order = list(range(n))
    for st in stages:
        st.layout = order
        if st.kind != "block":
            continue
        posn = sorted(order.index(q) for q in st.wires)
        adjacent = posn[-1] - posn[0] + 1 == len(posn)
        trailing = n - 1 - posn[-1]
        if not adjacent or 0 < trailing and 2**trailing < min_trailing:
            new = _gather(order, st.wires, min_trailing)
            if new != order:
                st.transpose = merged_transpose(order, new)
                order = new
            posn = sorted(order.index(q) for q in st.wires)
        st.wires = [order[p] for p in posn]
        st.start = posn[0]
        st.layout = order
    return order


def embed(matrix: np.ndarray, positions: Sequence[int], k: int) -> np.ndarray:
    """An m-qubit matrix acting on ``positions`` of a k-qubit block, as a 2^k x 2^k matrix."""
    m = len(positions)
    full = np.kron(matrix, np.eye(2 ** (k - m)))
    order = list(positions) + [i for i in range(k) if i not in positions]
    perm = list(np.argsort(order))
    t = full.reshape((2,) * (2 * k)).transpose(perm + [k + p for p in perm])
    return t.reshape(2**k, 2**k)


def block_slots(stage: Stage, affine: Any) -> None:
    """A block's gates as slots (embedded in the block's layout order); consecutive constant
    gates are multiplied together. ``affine(expr) -> (coef, offset)``."""
    k = len(stage.wires)
    slots: list[Slot] = []
    for op, w in stage.ops:
        pos = [stage.wires.index(q) for q in w]
        if cirq.is_parameterized(op):
            form = eigen_form(op)
            if form is None:
                raise ValueError(
                    f"cannot differentiate {op!r}: expand it first (tfsim_plan.expand)"
                )
            lambdas, projectors, exponent = form
            coef, offset = _affine_of(affine, exponent, op)
            emb = np.array([embed(p, pos, k) for p in projectors])
            slots.append(Slot(projectors=emb, lambdas=lambdas, coef=coef, offset=offset))
            continue
        if not cirq.has_unitary(op):
            raise ValueError(f"{op!r} has no unitary (measurements and noise are not simulated)")
        u = embed(cirq.unitary(op), pos, k)
        if slots and slots[-1].const is not None:
            slots[-1].const = u @ slots[-1].const
        else:
            slots.append(Slot(const=u))
    stage.slots = slots


def _affine_of(affine: Any, exponent: Any, op: cirq.Operation) -> tuple[np.ndarray, float]:
    try:
        return affine(exponent)
    except ValueError as exc:
        raise ValueError(f"{op!r}: {exc}") from exc


def diag_terms(stage: Stage, affine: Any) -> None:
    """A diagonal stage's gates as terms, located by their qubits' positions in its layout."""
    terms = []
    for op, w in stage.ops:
        table, param = diagonal_table(op)  # type: ignore[misc]
        positions = [stage.layout.index(q) for q in w]
        if param:
            coef, offset = _affine_of(affine, eigen_form(op)[2], op)  # type: ignore[index]
            terms.append(Term(positions, np.pi * table, coef, offset))
        else:
            terms.append(Term(positions, table))
    stage.terms = terms


def split_angle(terms: list[Term], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A diagonal stage's angle over ``n`` qubits as a low-rank product, without its
    ``(gates, 2**n)`` table (chapter 3): with ``x = (h, l)`` split into its first ``m = n // 2``
    and its last ``n - m`` bits, ``angle[h, l] = sum_k e_k hi[h, k] lo[k, l]``. Column ``k`` is
    one gate and one value ``v`` of the gate's bits among the last ``n - m``: ``hi[:, k]`` is
    the gate's table with those bits set to ``v``, ``lo[k]`` the indicator of ``v``. Returns
    ``(hi (2^m, K), lo (K, 2^(n-m)), cols (K,))``; ``e_k`` is the exponent of parameterised
    gate ``cols[k]`` (counted in order among the parameterised terms), 1 where ``cols[k]`` is
    -1 (a constant gate). Memory: ``K (2^m + 2^(n-m))`` numbers instead of ``K 2^n``."""
    m = n // 2
    xh, xl = np.arange(2**m), np.arange(2 ** (n - m))
    his, los, cols, count = [], [], [], 0
    for t in terms:
        low = [p for p in t.positions if p >= m]
        for v in range(2 ** len(low)):
            bits = {p: (v >> (len(low) - 1 - j)) & 1 for j, p in enumerate(low)}
            idx = np.zeros(2**m, dtype=np.int64)
            for p in t.positions:
                idx = idx * 2 + (bits[p] if p >= m else (xh >> (m - 1 - p)) & 1)
            his.append(t.table[idx])
            ind = np.ones(2 ** (n - m))
            for p in low:
                ind *= ((xl >> (n - 1 - p)) & 1) == bits[p]
            los.append(ind)
            cols.append(count if t.coef is not None else -1)
        count += t.coef is not None
    return np.array(his).T, np.array(los), np.array(cols, dtype=np.int64)


def local_index(n: int, positions: list[int]) -> np.ndarray:
    """For every basis state of ``n`` qubits, the index formed by its bits at ``positions``
    (the first position the most significant bit)."""
    x = np.arange(2**n, dtype=np.int64)
    idx = np.zeros(2**n, dtype=np.int64)
    for p in positions:
        idx = (idx << 1) | ((x >> (n - 1 - p)) & 1)
    return idx


def affine(expr: Any, index: dict[str, int]) -> tuple[np.ndarray, float]:
    """``expr = coef . theta + offset``: the coefficients over the symbols in ``index`` (TFQ's
    rule: exponents affine in the symbols; chapter 3). A ValueError names a symbol not in
    ``index`` or an exponent that is not affine."""
    fast = _affine_terms(expr)
    if fast is not None:  # numbers, symbols and sums of their multiples: no differentiation
        coef = np.zeros(len(index))
        for name, c in fast[0]:
            if name not in index:
                raise ValueError(f"symbol {name!r} is not among the program's symbols")
            coef[index[name]] += c
        return coef, fast[1]
    expr = sympy.sympify(expr)
    coef = np.zeros(len(index))
    for sym in expr.free_symbols:
        if sym.name not in index:
            raise ValueError(f"symbol {sym.name!r} is not among the program's symbols")
        d = sympy.diff(expr, sym)
        if d.free_symbols:
            raise ValueError(f"exponent {expr} is not affine in the symbols (TFQ's rule too)")
        coef[index[sym.name]] = float(d)
    offset = float(expr.subs({s: 0 for s in expr.free_symbols}))
    return coef, offset


def _affine_terms(expr: Any) -> tuple[list[tuple[str, float]], float] | None:
    """The common affine exponents read off their expression tree: a number, a symbol, a
    number times a symbol, and sums of these; None for anything else."""
    if isinstance(expr, (int, float, np.integer, np.floating)) and not isinstance(expr, bool):
        return [], float(expr)
    if isinstance(expr, sympy.Symbol):
        return [(expr.name, 1.0)], 0.0
    if isinstance(expr, sympy.Number):
        return [], float(expr)
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2:
        a, b = expr.args
        if isinstance(a, sympy.Number) and isinstance(b, sympy.Symbol):
            return [(b.name, float(a))], 0.0
        return None
    if isinstance(expr, sympy.Add):
        terms, offset = [], 0.0
        for arg in expr.args:
            part = _affine_terms(arg)
            if part is None:
                return None
            terms += part[0]
            offset += part[1]
        return terms, offset
    return None


def product_factors(
    ops: list[cirq.Operation], where: dict[cirq.Qid, int], n: int
) -> np.ndarray | None:
    """The one-qubit factors (n, 2) of the product state that one-qubit gates ``ops`` prepare
    from ``|0...0>`` (qubit ``where[q]`` in row ``where[q]``); None if a gate acts on more
    than one qubit. A data encoding's state (chapter 5) without its 2**n amplitudes."""
    if any(len(op.qubits) != 1 for op in ops):
        return None
    local = np.zeros((n, 2), dtype=np.complex128)
    local[:, 0] = 1.0
    for op in ops:
        i = where[op.qubits[0]]
        local[i] = cirq.unitary(op) @ local[i]
    return local


def split_terms(sums: list[cirq.PauliSum], where: dict[cirq.Qid, int]) -> tuple[list, list]:
    """The terms of Pauli sums as ``(j, coef, wires)`` for ``Z``-only terms and ``(j, coef,
    {wire: Pauli})`` for the others (chapter 3); a ValueError names a complex coefficient or
    a qubit not in ``where``."""
    diag, other = [], []
    for j, s in enumerate(sums):
        for term in s:
            coef = complex(term.coefficient)
            if not np.isfinite(coef.real) or not np.isfinite(coef.imag):
                raise ValueError(f"operator {s} has a non-finite coefficient {coef}")
            if abs(coef.imag) > 1e-12:
                raise ValueError(f"operator {s} is not Hermitian (complex coefficient {coef})")
            missing = set(term.qubits) - set(where)
            if missing:
                raise ValueError(f"operator acts on qubits outside the circuit: {sorted(missing)}")
            paulis = {where[q]: p for q, p in term.items()}
            if all(p == cirq.Z for p in paulis.values()):
                diag.append((j, coef.real, list(paulis)))
            else:
                other.append((j, coef.real, paulis))
    return diag, other


def _rot(pauli: str, r: float) -> np.ndarray:
    """``exp(-i r P / 2)`` for P = X, Y, Z (Cirq's ``rx``, ``ry``, ``rz``)."""
    c, s = np.cos(r / 2), np.sin(r / 2)
    if pauli == "x":
        return np.array([[c, -1j * s], [-1j * s, c]])
    if pauli == "y":
        return np.array([[c, -s], [s, c]], dtype=np.complex128)
    return np.diag([np.exp(-0.5j * r), np.exp(0.5j * r)])


def _pow(gate: Any) -> Any:
    return lambda g: cirq.unitary(gate(exponent=g["exponent"], global_shift=g["global_shift"]))


_ONE_QUBIT_JSON = {
    "Rx": lambda g: _rot("x", g["rads"]),
    "Ry": lambda g: _rot("y", g["rads"]),
    "Rz": lambda g: _rot("z", g["rads"]),
    "XPowGate": _pow(cirq.XPowGate),
    "YPowGate": _pow(cirq.YPowGate),
    "ZPowGate": _pow(cirq.ZPowGate),
    "HPowGate": _pow(cirq.HPowGate),
}


def _qubit_key(d: dict) -> tuple | None:
    if d.get("cirq_type") == "LineQubit":
        return ("LineQubit", d["x"])
    if d.get("cirq_type") == "GridQubit":
        return ("GridQubit", d["row"], d["col"])
    return None


def qubit_key(q: cirq.Qid) -> tuple | None:
    """``("LineQubit", x)`` or ``("GridQubit", row, col)``: how :func:`json_product_factors`
    names a qubit (chapter 5); None for other qubits."""
    if isinstance(q, cirq.LineQubit):
        return ("LineQubit", q.x)
    if isinstance(q, cirq.GridQubit):
        return ("GridQubit", q.row, q.col)
    return None


def json_product_factors(text: str | bytes, where: dict[tuple, int], n: int) -> np.ndarray | None:
    """:func:`product_factors` read straight from a serialised circuit's JSON (chapter 5): a
    data batch of fresh circuits skips building Cirq objects. Only circuits of one-qubit
    ``Rx/Ry/Rz`` and ``X/Y/Z/H`` powers with numeric parameters on line or grid qubits in
    ``where`` (keys from :func:`qubit_key`); None for anything else (then parse it with Cirq)."""
    try:
        data = json.loads(text)
        if data.get("cirq_type") != "Circuit":
            return None
        local = np.zeros((n, 2), dtype=np.complex128)
        local[:, 0] = 1.0
        for moment in data["moments"]:
            for op in moment["operations"]:
                gate = op.get("gate") or {}
                make = _ONE_QUBIT_JSON.get(gate.get("cirq_type"))
                if op.get("cirq_type") != "GateOperation" or make is None or len(op["qubits"]) != 1:
                    return None
                i = where.get(_qubit_key(op["qubits"][0]))
                values = [v for k, v in gate.items() if k != "cirq_type"]
                if i is None or not all(isinstance(v, (int, float)) for v in values):
                    return None
                local[i] = make(gate) @ local[i]
        return local
    except (ValueError, KeyError, TypeError, AttributeError):
        return None

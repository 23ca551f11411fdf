"""Property tests of qbook's simulator backend (qbook.learning.tfsim, qbook.learning.qlayers, the backend switch)."""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbook.learning import tfsim

COVERED = [
    "qbook.learning.tfsim.gate_unitary",
    "qbook.learning.tfsim.compile_circuit",
    "qbook.learning.tfsim.pauli_expectations",
    "qbook.learning.tfsim_readout.complex_constant",
    "qbook.learning.tfsim.serialize_circuit",
    "qbook.learning.tfsim.parse_circuit",
    "qbook.learning.tfsim.circuit_state",
    "qbook.learning.qlayers.backend",
    "qbook.learning.qlayers.convert_to_tensor",
    "qbook.learning.qlayers.add_circuit",
    "qbook.common.env.qml_backend",
    "qbook.learning.tfsim.Program",  # what compile_circuit returns: test_compiled_program_matches_cirq
    "qbook.learning.tfsim.StateCache",
    "qbook.learning.qlayers.AddCircuit",  # test_backend_switch_and_layers
    "qbook.learning.qlayers.PQC",
    "qbook.learning.qlayers.Expectation",
]

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GATES = [cirq.X, cirq.Y, cirq.Z, cirq.H, cirq.CZ, cirq.CNOT, cirq.XX, cirq.YY, cirq.ZZ]
Q = cirq.LineQubit.range(3)


@st.composite
def circuits(draw, symbolic=True):
    """Random circuits of the book's EigenGates on 3 qubits, exponents affine in 2 symbols."""
    a, b = sympy.symbols("a b")
    ops = []
    for _ in range(draw(st.integers(1, 8))):
        gate = draw(st.sampled_from(GATES))
        qubits = draw(st.permutations(Q))[: gate.num_qubits()]
        kind = draw(st.sampled_from(["fixed", "a", "b", "affine"] if symbolic else ["fixed"]))
        t = {"fixed": draw(st.floats(-2, 2)), "a": a, "b": -b, "affine": 0.5 * a + 0.25}[kind]
        ops.append(gate(*qubits) ** t)
    return cirq.Circuit(ops)


@FAST
@given(st.sampled_from(GATES), st.floats(-3, 3))
def test_gate_unitary_is_cirqs_unitary(gate, t):
    assert np.allclose(tfsim.gate_unitary(gate, t), cirq.unitary(gate**t), atol=1e-9)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_gate_unitary_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="finite"):
        tfsim.gate_unitary(cirq.X, bad)


def test_gate_unitary_rejects_non_eigen_gates():
    with pytest.raises(TypeError, match="EigenGate"):
        tfsim.gate_unitary(cirq.MatrixGate(np.eye(2)), 0.5)
    with pytest.raises(TypeError):
        tfsim.gate_unitary(None, 0.5)


@FAST
@given(circuits(), st.floats(-3, 3), st.floats(-3, 3))
def test_compiled_program_matches_cirq(circuit, a, b):
    program = tfsim.compile_circuit(circuit, Q, ["a", "b"], dtype="complex128")
    zero = np.zeros((1, 8))
    zero[0, 0] = 1
    ops = [cirq.Z(Q[0]), cirq.X(Q[1]) * cirq.Y(Q[2]) - 0.5 * cirq.Z(Q[0]) * cirq.Z(Q[2])]
    ours = program.expectation(zero, [a, b], ops).numpy()[0]
    res = cirq.resolve_parameters(circuit, {"a": a, "b": b})
    ref = cirq.Simulator(dtype=np.complex128).simulate_expectation_values(res, ops, qubit_order=Q)
    assert np.allclose(ours, np.real(ref), atol=1e-9)


Q6 = cirq.LineQubit.range(6)
GATES6 = [cirq.H, cirq.XX, cirq.YY, cirq.ZZ, cirq.CZ, cirq.Z, cirq.T, cirq.CNOT, cirq.CCZ]


@st.composite
def wide_circuits(draw):
    """Random circuits on 6 qubits: diagonal runs, blocks on scattered qubits (the layout)."""
    a, b = sympy.symbols("a b")
    ops = []
    for _ in range(draw(st.integers(1, 14))):
        gate = draw(st.sampled_from(GATES6))
        qubits = draw(st.permutations(Q6))[: gate.num_qubits()]
        t = draw(st.sampled_from([a, -b, 0.5 * a + 0.25, 0.7]))
        ops.append(gate(*qubits) ** t)
    ops.append(cirq.rz(2 * a)(Q6[draw(st.integers(0, 5))]))
    return cirq.Circuit(ops)


@FAST
@given(
    wide_circuits(),
    st.integers(1, 5),
    st.sampled_from([1, 12]),
    st.sampled_from([0, 2**18]),
    st.integers(1, 3),
    st.sampled_from([0, 2**16]),
)
def test_stages_and_layout_match_cirq(circuit, width, big_state, diag_const, rows, z_const):
    """Diagonal stages (constant or in-graph angle tables), Z readouts (constant or in-graph
    sign tables), blocks moved lazily (also the big-circuit rule, forced on 6 qubits), per-row
    symbol values and chunks: Cirq's values."""
    from unittest import mock

    from qbook.learning import tfsim_plan, tfsim_readout

    rng = np.random.default_rng(len(circuit))
    values = rng.uniform(-3, 3, (rows, 2))
    ops = [cirq.Z(Q6[1]), cirq.X(Q6[0]) * cirq.Y(Q6[4]) + 0.5 * cirq.Z(Q6[2]) * cirq.Z(Q6[5])]
    with (
        mock.patch.object(tfsim_plan, "BIG_STATE", big_state),
        mock.patch.object(tfsim, "DIAG_CONSTANT_SIZE", diag_const),
        mock.patch.object(tfsim_readout, "READOUT_CONSTANT_SIZE", z_const),
    ):
        program = tfsim.compile_circuit(circuit, Q6, ["a", "b"], width, dtype="complex128")
        zero = np.zeros((rows, 64))
        zero[:, 0] = 1
        ours = program.expectation(zero, values, ops).numpy()
        chunked = program.expectation(zero, values[0], ops, chunk=2).numpy()
    sim = cirq.Simulator(dtype=np.complex128)
    for r in range(rows):
        res = cirq.resolve_parameters(circuit, dict(zip("ab", values[r], strict=True)))
        ref = np.real(sim.simulate_expectation_values(res, ops, qubit_order=Q6))
        assert np.allclose(ours[r], ref, atol=1e-9)
        if r == 0:
            assert np.allclose(chunked, ref[None], atol=1e-9)
    state = program.apply(zero[:1], values[0]).numpy()[0]
    res = cirq.resolve_parameters(circuit, dict(zip("ab", values[0], strict=True)))
    want = cirq.final_state_vector(res, qubit_order=Q6, dtype=np.complex128)
    assert np.allclose(state, want, atol=1e-9)


def test_compile_circuit_rejects_bad_input():
    a = sympy.Symbol("a")
    with pytest.raises(TypeError):
        tfsim.compile_circuit("not a circuit")
    with pytest.raises(ValueError, match="dtype"):
        tfsim.compile_circuit(cirq.Circuit(cirq.X(Q[0])), dtype="float32")
    with pytest.raises(ValueError, match="max_block_qubits"):
        tfsim.compile_circuit(cirq.Circuit(cirq.X(Q[0])), max_block_qubits=0)
    with pytest.raises(ValueError, match="not in `qubits`"):
        tfsim.compile_circuit(cirq.Circuit(cirq.X(Q[2])), qubits=Q[:2])
    with pytest.raises(ValueError, match="affine"):
        tfsim.compile_circuit(cirq.Circuit(cirq.X(Q[0]) ** (a * a)))
    with pytest.raises(ValueError, match="cannot simulate .*global_phase"):  # no EigenGate form
        op = cirq.ControlledOperation([Q[1]], cirq.global_phase_operation(sympy.exp(1j * a)))
        tfsim.compile_circuit(cirq.Circuit(op))
    with pytest.raises(ValueError, match="no unitary"):
        tfsim.compile_circuit(cirq.Circuit(cirq.measure(Q[0])))


Q4 = cirq.LineQubit.range(4)


@st.composite
def any_gate_circuits(draw):
    """Random circuits of every kind of gate TFQ takes, with symbols where TFQ allows them:
    EigenGates with global shifts, FSim, PhasedXPow and PhasedISwap (both parameters),
    controlled and multi-controlled gates (any control values), global phases. Parameters are
    affine in the symbols a, b."""
    a, b = sympy.symbols("a b")

    def param():
        return draw(st.sampled_from([a, -b, 0.5 * a + 0.25, a - 2 * b, 0.3]))

    ops = []
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["eigen", "fsim", "phx", "phiswap", "ctrl", "phase", "const"]))
        qs = draw(st.permutations(Q4))
        if kind == "eigen":
            gate = draw(st.sampled_from([cirq.rx, cirq.ry, cirq.rz]))
            op = gate(np.pi * param()).on(qs[0])
        elif kind == "fsim":
            op = cirq.FSimGate(theta=param(), phi=param()).on(qs[0], qs[1])
        elif kind == "phx":
            op = cirq.PhasedXPowGate(phase_exponent=param(), exponent=param()).on(qs[0])
        elif kind == "phiswap":
            op = cirq.PhasedISwapPowGate(phase_exponent=param(), exponent=param()).on(qs[0], qs[1])
        elif kind == "ctrl":
            which = draw(st.sampled_from(["rz", "xx", "fsim", "phx", "h"]))
            if which == "rz":
                sub = cirq.rz(param()).on(qs[0])
            elif which == "xx":
                sub = (cirq.XX ** param()).on(qs[0], qs[1])
            elif which == "fsim":
                sub = cirq.FSimGate(param(), param()).on(qs[0], qs[1])
            elif which == "phx":
                sub = cirq.PhasedXPowGate(phase_exponent=param()).on(qs[0])
            else:
                sub = cirq.H(qs[0])
            nc = draw(st.integers(1, 2))
            values = [draw(st.integers(0, 1)) for _ in range(nc)]
            op = sub.controlled_by(*qs[2 : 2 + nc], control_values=values)
        elif kind == "phase":
            op = cirq.global_phase_operation(np.exp(1j * draw(st.floats(-3, 3))))
        else:
            op = draw(st.sampled_from([cirq.H(qs[0]), cirq.CNOT(qs[0], qs[1]), cirq.CCZ(*qs[:3])]))
        ops.append(op)
    return cirq.Circuit(cirq.H.on_each(*Q4), ops)


def _cirq_values(circuit, ops, a, b):
    res = cirq.resolve_parameters(circuit, {"a": a, "b": b})
    sim = cirq.Simulator(dtype=np.complex128)
    return np.real(sim.simulate_expectation_values(res, ops, qubit_order=Q4))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_gate_circuits(), st.floats(-3, 3), st.floats(-3, 3), st.integers(2, 4))
def test_every_gate_tfq_takes_matches_cirq_with_gradients(circuit, a, b, width):
    """Expectations equal Cirq's (complex128), gradients Cirq's finite differences."""
    import tensorflow as tf

    program = tfsim.compile_circuit(circuit, Q4, ["a", "b"], width, dtype="complex128")
    zero = np.zeros((1, 16))
    zero[0, 0] = 1
    ops = [cirq.Z(Q4[0]) * cirq.Z(Q4[3]), cirq.X(Q4[1]) + 0.5 * cirq.Y(Q4[2]) * cirq.X(Q4[0])]
    theta = tf.Variable([a, b], dtype=tf.float64)
    with tf.GradientTape() as tape:
        out = program.expectation(zero, theta, ops)
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, theta).numpy()
    assert np.allclose(out.numpy()[0], _cirq_values(circuit, ops, a, b), atol=1e-9)
    h = 1e-6
    fd = [
        (_cirq_values(circuit, ops, a + h, b) - _cirq_values(circuit, ops, a - h, b)).sum() / 2 / h,
        (_cirq_values(circuit, ops, a, b + h) - _cirq_values(circuit, ops, a, b - h)).sum() / 2 / h,
    ]
    assert np.allclose(grad, fd, atol=1e-6)


@FAST
@given(st.lists(st.complex_numbers(max_magnitude=1, allow_nan=False), min_size=8, max_size=8))
def test_pauli_expectations_are_real_and_bounded(amps):
    psi = np.array(amps, dtype=np.complex128)
    if np.linalg.norm(psi) < 1e-3:
        return
    psi = psi / np.linalg.norm(psi)
    ops = [cirq.Z(Q[0]), cirq.X(Q[1]) * cirq.Y(Q[2]), cirq.Z(Q[1]) * cirq.Z(Q[2]) + cirq.X(Q[0])]
    out = tfsim.pauli_expectations(psi[None], ops, Q).numpy()[0]
    ref = [op.expectation_from_state_vector(psi, {q: i for i, q in enumerate(Q)}) for op in ops]
    assert np.allclose(out, np.real(ref), atol=1e-9)
    assert abs(out[0]) <= 1 + 1e-9 and abs(out[1]) <= 1 + 1e-9


@FAST
@given(
    st.lists(st.complex_numbers(max_magnitude=1e30, allow_nan=False), min_size=1, max_size=12),
    st.sampled_from(["complex64", "complex128"]),
)
def test_complex_constant_equals_a_complex_tensor(values, ctype):
    """The real/imaginary split builds the same tensor as a complex constant."""
    import tensorflow as tf

    from qbook.learning import tfsim_readout

    a = np.array(values).reshape(-1, 1)
    got = tfsim_readout.complex_constant(a, tf.as_dtype(ctype))
    assert got.dtype == tf.as_dtype(ctype) and got.shape == a.shape
    np.testing.assert_array_equal(got.numpy(), a.astype(ctype))


def test_pauli_expectations_reject_bad_operators():
    psi = np.ones((1, 2)) / math.sqrt(2)
    with pytest.raises(TypeError):
        tfsim.pauli_expectations(psi, ["Z"], Q[:1])
    with pytest.raises(ValueError, match="outside"):
        tfsim.pauli_expectations(psi, [cirq.Z(Q[2])], Q[:1])
    with pytest.raises(ValueError, match="Hermitian"):
        tfsim.pauli_expectations(psi, [1j * cirq.Z(Q[0])], Q[:1])
    for bad in (float("nan"), float("inf"), complex(0, float("nan"))):
        with pytest.raises(ValueError, match="non-finite"):
            tfsim.pauli_expectations(psi, [bad * cirq.Z(Q[0])], Q[:1])


@FAST
@given(circuits(symbolic=False))
def test_serialise_parse_round_trip_and_state(circuit):
    text = tfsim.serialize_circuit(circuit)
    back = tfsim.parse_circuit(text)
    assert back == circuit and tfsim.parse_circuit(text.encode()) == circuit
    state = tfsim.circuit_state(circuit, Q)
    ref = cirq.final_state_vector(circuit, qubit_order=Q, dtype=np.complex128)
    assert np.allclose(state, ref, atol=1e-9) and np.isclose(np.linalg.norm(state), 1)


def test_serialise_parse_and_state_reject_bad_input():
    with pytest.raises(TypeError):
        tfsim.serialize_circuit([cirq.X(Q[0])])
    with pytest.raises(TypeError):
        tfsim.parse_circuit(None)
    with pytest.raises(ValueError):
        tfsim.parse_circuit("{not json")
    with pytest.raises(ValueError, match="symbols"):
        tfsim.circuit_state(cirq.Circuit(cirq.X(Q[0]) ** sympy.Symbol("a")), Q)
    with pytest.raises(ValueError, match="does not have"):
        tfsim.circuit_state(cirq.Circuit(cirq.X(Q[2])), Q[:2])


def test_backend_switch_and_layers():
    from qbook.common.env import qml_backend
    from qbook.learning import qlayers

    name = qml_backend()
    assert name in ("tfq", "qbook") and qlayers.backend().name == name
    x = qlayers.convert_to_tensor([cirq.Circuit(cirq.X(Q[0])), cirq.Circuit()])
    assert x.shape == (2,) and x.dtype.name == "string"
    with pytest.raises(TypeError):
        qlayers.convert_to_tensor(cirq.Circuit())
    with pytest.raises(TypeError):
        qlayers.convert_to_tensor([1, 2])
    out = qlayers.AddCircuit()(x, prepend=cirq.Circuit(cirq.H(Q[1])))
    assert [len(tfsim.parse_circuit(s).all_qubits()) for s in out.numpy()] == [2, 1]
    with pytest.raises(ValueError, match="needs a circuit"):
        qlayers.AddCircuit()(x)
    with pytest.raises(TypeError):
        qlayers.AddCircuit(prepend=3)


def test_add_circuit_helper_on_the_active_backend():
    import tensorflow as tf

    from qbook.learning import qlayers

    inp = tf.keras.Input(shape=(), dtype=tf.string)
    out = qlayers.add_circuit(inp, prepend=cirq.Circuit(cirq.H(Q[0])))
    assert tuple(out.shape)[-1:] == (None,) or out.shape.rank == 1


@FAST
@given(circuit=circuits(symbolic=False), cap=st.integers(1, 4))
def test_state_cache_equals_the_circuit_state_and_stays_bounded(circuit, cap):
    cache = tfsim.StateCache(Q, max_bytes=cap * 8 * 2 ** len(Q))
    texts = [tfsim.serialize_circuit(circuit), tfsim.serialize_circuit(cirq.Circuit())] * 2
    out = cache.states(texts)
    assert np.allclose(out[0], tfsim.circuit_state(circuit, Q), atol=1e-6)
    assert np.allclose(out[1], np.eye(2 ** len(Q))[0])
    assert cache._bytes <= max(cache.max_bytes, 8 * 2 ** len(Q))


def test_state_cache_rejects_bad_input():
    for args in ((None,), ([],), ("q",), ([1, 2],), (Q, 0), (Q, 1.5), (Q, True)):
        with pytest.raises((ValueError, TypeError)):
            tfsim.StateCache(*args)
    cache = tfsim.StateCache(Q)
    for texts in (None, "x", 3):
        with pytest.raises((ValueError, TypeError)):
            cache.states(texts)
    with pytest.raises(ValueError):
        cache.states([], dtype=np.float32)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_pqc_and_expectation_equal_cirqs_expectation(a, b):
    """qbook's PQC and Expectation layers give Cirq's <Z0 Z1> for the same angles."""
    import tensorflow as tf

    from qbook.learning import qlayers

    sa, sb = sympy.symbols("a b")
    model = cirq.Circuit(cirq.rx(sa).on(Q[0]), cirq.ry(sb).on(Q[1]), cirq.CNOT(Q[0], Q[1]))
    readout = cirq.Z(Q[0]) * cirq.Z(Q[1])
    want = cirq.Simulator().simulate(model, {"a": a, "b": b}).final_state_vector
    want = float(np.real(readout.expectation_from_state_vector(want, {Q[0]: 0, Q[1]: 1})))
    data = qlayers.convert_to_tensor([cirq.Circuit()])
    got = qlayers.Expectation()(
        model, symbol_names=["a", "b"], symbol_values=tf.constant([[a, b]]), operators=[readout]
    )
    assert float(got.numpy()[0, 0]) == pytest.approx(want, abs=1e-5)
    pqc = qlayers.PQC(model, readout)
    pqc.build(data.shape)
    pqc.set_weights([np.array([a, b], np.float32)])
    assert float(pqc(data).numpy()[0, 0]) == pytest.approx(want, abs=1e-5)


def test_pqc_rejects_bad_input():
    from qbook.learning import qlayers

    with pytest.raises((ValueError, TypeError)):
        qlayers.PQC(None, cirq.Z(Q[0]))
    with pytest.raises((ValueError, TypeError)):
        qlayers.PQC(cirq.Circuit(cirq.X(Q[0])), cirq.Z(Q[0]))  # no symbols


def test_wrong_symbol_value_widths_are_named():
    import tensorflow as tf

    from qbook.learning import qlayers

    a, b = sympy.symbols("a b")
    circuit = cirq.Circuit(cirq.rx(a).on(Q[0]), cirq.ry(b).on(Q[1]))
    program = tfsim.compile_circuit(circuit)
    with pytest.raises(ValueError, match=r"\(batch, 2\).*got shape \(1, 3\)"):
        program.expectation(np.eye(4)[:1], [0.1, 0.2, 0.3], [cirq.Z(Q[0])])
    with pytest.raises(ValueError, match="3 columns but symbol_names names 2 symbols"):
        qlayers.Expectation()(
            circuit, symbol_names=[a, b], symbol_values=tf.zeros([2, 3]), operators=cirq.Z(Q[0])
        )

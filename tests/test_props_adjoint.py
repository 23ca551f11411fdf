"""Property tests of the adjoint gradient (qbook.learning.tfsim_adjoint) on random small circuits.

The adjoint backward pass must give what autodiff through the same stages gives
(``Program.apply`` then ``pauli_expectations``, differentiated by TensorFlow), in float32 and
float64, for symbol values shared by the batch or one row each, chunked or not, with respect to
the symbols and to the input states; and in float64 it must match central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

tf = pytest.importorskip("tensorflow")
cirq = pytest.importorskip("cirq")
sympy = pytest.importorskip("sympy")

from qbook.learning import tfsim, tfsim_adjoint  # noqa: E402

COVERED = ["qbook.learning.tfsim_adjoint.expectation"]

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_circuit(n: int, seed: int):
    """Random rotations, couplings with and without symbols, affine exponents."""
    rng = np.random.default_rng(seed)
    q = cirq.LineQubit.range(n)
    s = [sympy.Symbol(f"s{i}") for i in range(4)]
    c = cirq.Circuit()
    for _ in range(3):
        for i in range(n):
            g = [cirq.rx, cirq.ry, cirq.rz][rng.integers(3)]
            c.append(g(float(rng.uniform(0.5, 2)) * s[rng.integers(4)] + 0.3).on(q[i]))
        for i in rng.permutation(n - 1)[: max(1, n // 2)]:
            j = (i + 1 + rng.integers(n - 1)) % n
            kind = rng.integers(5)
            gate = [cirq.CZ, cirq.CNOT, cirq.ZZ ** s[0], cirq.XX ** (0.5 * s[1]), cirq.H][kind]
            c.append(gate.on(q[i]) if kind == 4 else gate.on(q[i], q[j]))
    ops = [cirq.Z(q[0]), cirq.X(q[n - 1]) * cirq.Y(q[0]) + 0.5 * cirq.Z(q[n - 1])]
    return c, q, ops


def _both(prog, states, theta, ops, chunk, dtype, weights):
    """(adjoint value, autodiff value, their gradients w.r.t. theta and states)."""
    qubits = prog.qubits
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(states)
        ours = prog.expectation(states, theta, ops, chunk=chunk)
        ref = tfsim.pauli_expectations(prog.apply(states, theta), ops, qubits, dtype)
        loss_o = tf.reduce_sum(ours * weights)
        loss_r = tf.reduce_sum(ref * weights)
    grads = [tape.gradient(loss, [theta, states]) for loss in (loss_o, loss_r)]
    return ours, ref, grads


@FAST
@given(
    n=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    block=st.integers(1, 4),
    chunk=st.sampled_from([None, 1, 2, 3]),
    per_row=st.booleans(),
    double=st.booleans(),
)
def test_adjoint_gradient_equals_autodiff(n, seed, block, chunk, per_row, double):
    dtype = tf.complex128 if double else tf.complex64
    tol = 1e-10 if double else 2e-5
    c, q, ops = random_circuit(n, seed)
    prog = tfsim.compile_circuit(c, q, None, block, dtype.name)
    rng = np.random.default_rng(seed)
    b = 3
    psi = rng.normal(size=(b, 2**n)) + 1j * rng.normal(size=(b, 2**n))
    states = tf.constant(psi / np.linalg.norm(psi, axis=1, keepdims=True), dtype=dtype)
    shape = (b, len(prog.symbols)) if per_row else (len(prog.symbols),)
    theta = tf.Variable(rng.uniform(-3, 3, shape), dtype=dtype.real_dtype)
    weights = tf.constant(rng.normal(size=(b, len(ops))), dtype=dtype.real_dtype)
    ours, ref, ((g_o, s_o), (g_r, s_r)) = _both(prog, states, theta, ops, chunk, dtype, weights)
    assert np.abs(ours.numpy() - ref.numpy()).max() < tol
    assert np.abs(g_o.numpy() - g_r.numpy()).max() < tol * max(1, np.abs(g_r.numpy()).max())
    assert np.abs(s_o.numpy() - s_r.numpy()).max() < tol * max(1, np.abs(s_r.numpy()).max())


@pytest.mark.parametrize("n, chunk", [(3, None), (5, 2), (15, 2)])
def test_adjoint_gradient_matches_finite_differences(n, chunk):
    """float64: the adjoint gradient against central differences of the simulation itself
    (15 qubits with chunks: the backward pass recomputes the final states)."""
    c, q, ops = random_circuit(n, 7 + n)
    prog = tfsim.compile_circuit(c, q, None, 3, "complex128")
    rng = np.random.default_rng(n)
    states = np.zeros((2, 2**n), np.complex128)
    states[0, 0] = 1.0
    states[1, rng.integers(2**n)] = 1.0
    values = rng.uniform(-3, 3, len(prog.symbols))
    w = np.array([[1.0, -0.5], [0.25, 2.0]])

    def loss(v):
        return float(np.sum(prog.expectation(states, v, ops, chunk=chunk).numpy() * w))

    theta = tf.Variable(values)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(prog.expectation(states, theta, ops, chunk=chunk) * w)
    grad = tape.gradient(out, theta).numpy()
    h = 1e-5
    for i in range(len(values)):
        up, down = values.copy(), values.copy()
        up[i] += h
        down[i] -= h
        fd = (loss(up) - loss(down)) / (2 * h)
        assert abs(grad[i] - fd) < 1e-6, (i, grad[i], fd)


@pytest.mark.parametrize("double", [False, True])
def test_product_state_inputs_and_layers(double):
    """PQC (product-state inputs built in the graph) and Expectation (gradient w.r.t. its
    input, the symbol values) against autodiff through ``Program.apply``."""
    from qbook.learning import qlayers

    dtype = "complex128" if double else "complex64"
    tol = 1e-6 if double else 3e-5  # the layers return float32
    c, q, ops = random_circuit(4, 3)
    rng = np.random.default_rng(0)
    data = [
        cirq.Circuit(cirq.ry(float(a)).on(x) for a, x in zip(rng.uniform(0, 3, 4), q, strict=True))
        for _ in range(5)
    ]
    data[2] = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]))  # not a product: full states
    for batch in (data[:2], data):
        layer = qlayers.PQC(c, ops, simulation_dtype=dtype)
        with tf.GradientTape() as tape:
            out = layer(qlayers.convert_to_tensor(batch))
            loss = tf.reduce_sum(out * tf.constant([1.0, -2.0]))
        grad = tape.gradient(loss, layer.parameters).numpy()
        prog = layer.program
        states = np.array([tfsim.circuit_state(d, layer.qubits) for d in batch])
        theta = tf.Variable(layer.get_weights()[0].astype(np.float64 if double else np.float32))
        with tf.GradientTape() as tape:
            psi = prog.apply(tf.constant(states.astype(dtype)), theta)
            ref = tfsim.pauli_expectations(psi, layer.operators, layer.qubits)
            ref_loss = tf.reduce_sum(tf.cast(ref, tf.float32) * tf.constant([1.0, -2.0]))
        assert np.abs(out.numpy() - ref.numpy()).max() < tol
        assert np.abs(grad - tape.gradient(ref_loss, theta).numpy()).max() < 10 * tol
    names = sorted(str(s) for s in cirq.parameter_names(c))
    values = tf.Variable(rng.uniform(-2, 2, (3, len(names))), dtype=tf.float32)
    layer = qlayers.Expectation(simulation_dtype=dtype)
    with tf.GradientTape() as tape:
        out = layer(c, symbol_names=names, symbol_values=values, operators=ops)
    g = tape.gradient(out, values).numpy()
    prog = tfsim.compile_circuit(c, sorted(c.all_qubits()), names, dtype=dtype)
    zero = np.zeros((3, 16), dtype)
    zero[:, 0] = 1
    with tf.GradientTape() as tape:
        ref = tfsim.pauli_expectations(prog.apply(zero, values), ops, prog.qubits)
    assert np.abs(out.numpy() - ref.numpy()).max() < tol
    assert np.abs(g - tape.gradient(ref, values).numpy()).max() < 10 * tol


def test_adjoint_expectation_is_the_programs():
    """The module function called directly, with the program's own unitaries and phases."""
    c, q, ops = random_circuit(3, 1)
    prog = tfsim.compile_circuit(c, q)
    theta = np.linspace(0, 1, len(prog.symbols))
    states = np.eye(8, dtype=np.complex64)[:2]
    us, phases = prog.block_unitaries(theta), prog.phases(theta)

    def readout(psi):
        return tfsim.pauli_expectations(psi, ops, [q[i] for i in prog.layout], tf.complex64)

    out = tfsim_adjoint.expectation(prog, tf.constant(states), us, phases, readout, chunk=None)
    assert np.allclose(out.numpy(), prog.expectation(states, theta, ops).numpy(), atol=1e-6)


@FAST
@given(seed=st.integers(0, 10_000), grid=st.booleans())
def test_json_product_factors_equal_the_circuit_state(seed, grid):
    """Data circuits read straight from their JSON give Cirq's state; others fall back."""
    from qbook.learning import tfsim_plan as plan

    rng = np.random.default_rng(seed)
    q = cirq.GridQubit.rect(1, 4) if grid else cirq.LineQubit.range(4)
    gates = [
        lambda: cirq.rx(float(rng.uniform(-3, 3))),
        lambda: cirq.ry(float(rng.uniform(-3, 3))),
        lambda: cirq.rz(float(rng.uniform(-3, 3))),
        lambda: cirq.X ** float(rng.uniform(-1, 1)),
        lambda: cirq.YPowGate(exponent=float(rng.uniform(-1, 1)), global_shift=-0.5),
        lambda: cirq.Z ** float(rng.uniform(-1, 1)),
        lambda: cirq.H,
    ]
    c = cirq.Circuit(gates[rng.integers(len(gates))]().on(q[rng.integers(4)]) for _ in range(8))
    keys = {plan.qubit_key(x): i for i, x in enumerate(q)}
    f = plan.json_product_factors(tfsim.serialize_circuit(c), keys, 4)
    state = f[0]
    for v in f[1:]:
        state = np.kron(state, v)
    assert np.allclose(state, tfsim.circuit_state(c, q), atol=1e-12)
    c.append(cirq.CZ(q[0], q[1]))
    assert plan.json_product_factors(tfsim.serialize_circuit(c), keys, 4) is None
    assert plan.json_product_factors("not json", keys, 4) is None

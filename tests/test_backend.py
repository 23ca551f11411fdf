"""qbook's simulator (qbook.learning.tfsim, qbook.learning.qlayers) against Cirq and against TensorFlow Quantum.

Every circuit family of chapters 3-6: with the same weights both backends give the same
outputs (1e-5) and gradients (TFQ's float32 adjoint gradient is itself ~1e-4 from float64
finite differences); qbook's complex128 gradients match Cirq finite differences to 1e-6.
The TFQ comparisons run where TFQ imports (the book's Python 3.11 environment).
"""

import os
import subprocess
import sys
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

from qbook.learning import qcnn, qml

ROOT = Path(__file__).resolve().parent.parent
Q8 = cirq.GridQubit.rect(1, 8)


def _families():
    """(name, model circuit, operators, data circuits) for each circuit family of chapters 3-6."""
    rng = np.random.default_rng(1)
    q = cirq.GridQubit(0, 0)
    prim = [cirq.Circuit(cirq.H(q), cirq.rx(t).on(q)) for t in rng.uniform(-3, 3, 5)]
    exc = qcnn.excitation_data(Q8, n_rounds=1, seed=2)
    exc_c = [qcnn.cluster_state_circuit(Q8) + c for c in exc.train_circuits[:5]]
    images = rng.integers(0, 2, size=(4, 4, 4))
    qnn, readout = qml.qnn_circuit()
    return [
        ("ch3 ry", cirq.Circuit(cirq.ry(sympy.Symbol("phi")).on(q)), [cirq.Z(q)], prim),
        ("ch4 qcnn", qcnn.qcnn_circuit(Q8), [cirq.Z(Q8[-1])], exc_c),
        ("ch5 qnn 17 qubits", qnn, [readout], qml.encode_images(images)),
        ("ch6 filter", qcnn.filter_circuit(Q8, "f0_"), [cirq.Z(x) for x in Q8[4:]], exc_c),
        (
            "pauli sums",
            qcnn.filter_circuit(Q8),
            [cirq.X(Q8[4]) * cirq.Y(Q8[5]) + 0.5 * cirq.Z(Q8[6]), cirq.Z(Q8[4]) * cirq.Z(Q8[7])],
            exc_c,
        ),
    ]


FAMILIES = _families()
IDS = [f[0] for f in FAMILIES]


def _cirq_expectations(circuit, ops, data, symbols, values, qubits):
    sim = cirq.Simulator(dtype=np.complex128)
    res = dict(zip(symbols, values, strict=True))
    return np.array(
        [
            np.real(
                sim.simulate_expectation_values(
                    cirq.resolve_parameters(d + circuit, res), ops, qubit_order=qubits
                )
            )
            for d in data
        ]
    )


def _qbook_layer(circuit, ops, **kw):
    from qbook.learning import qlayers

    return qlayers.PQC(circuit, ops, **kw)


def _value_and_grad(layer, x):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        out = layer(x)
        loss = tf.reduce_sum(out * tf.constant(np.linspace(-1, 1, out.shape[1]), tf.float32))
    return out.numpy(), tape.gradient(loss, layer.trainable_weights)[0].numpy()


@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_qbook_matches_cirq_outputs_and_finite_differences(family):
    from qbook.learning import qlayers

    _, circuit, ops, data = family
    layer = _qbook_layer(circuit, ops, simulation_dtype="complex128")
    x = qlayers.convert_to_tensor(data)
    values = np.random.default_rng(0).uniform(0, 2 * np.pi, len(layer.symbols))
    layer.set_weights([values.astype(np.float32)])
    values = layer.get_weights()[0].astype(np.float64)
    out, grad = _value_and_grad(layer, x)
    names = [str(s) for s in layer.symbols]
    ref = _cirq_expectations(circuit, ops, data, names, values, layer.qubits)
    assert np.abs(out - ref).max() < 1e-5
    # finite differences of Cirq's float64 simulation on a few symbols
    w = np.linspace(-1, 1, len(ops))
    for i in np.random.default_rng(1).choice(len(values), size=min(4, len(values)), replace=False):
        h = 1e-4
        up, down = values.copy(), values.copy()
        up[i] += h
        down[i] -= h
        fd = (
            _cirq_expectations(circuit, ops, data, names, up, layer.qubits) @ w
            - _cirq_expectations(circuit, ops, data, names, down, layer.qubits) @ w
        ).sum() / (2 * h)
        assert abs(grad[i] - fd) < 1e-5 * max(1.0, abs(fd)), (i, grad[i], fd)


def _tfq():
    from qbook.common.env import qml_backend

    if qml_backend() != "tfq":
        pytest.skip("TensorFlow Quantum is not the active backend here")
    import tensorflow_quantum as tfq

    return tfq


@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_qbook_matches_tfq_with_the_same_weights(family):
    tfq = _tfq()
    import tensorflow as tf

    from qbook.learning import qlayers

    _, circuit, ops, data = family
    theirs = tfq.layers.PQC(circuit, ops, initializer=tf.keras.initializers.RandomUniform(0, 6))
    ours = _qbook_layer(circuit, ops)
    assert [str(s) for s in theirs.symbols] == [str(s) for s in ours.symbols]
    out_t, grad_t = _value_and_grad(theirs, tfq.convert_to_tensor(data))
    ours.set_weights(theirs.get_weights())  # the other backend's weights, unchanged
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    out_q, grad_q = _value_and_grad(ours, qlayers.convert_to_tensor(data))
    assert np.abs(out_t - out_q).max() < 1e-5
    assert np.abs(grad_t - grad_q).max() < 5e-4 * max(1.0, np.abs(grad_t).max())


def test_book_models_agree_across_backends():
    """The chapter 4 and 6 models: TFQ layers vs qbook layers, same weights, same predictions."""
    tfq = _tfq()
    import tensorflow as tf

    from qbook.learning import qlayers

    data = qcnn.excitation_data(Q8, n_rounds=2, seed=0)
    cluster = qcnn.cluster_state_circuit(Q8)
    for circuit, ops in (
        (qcnn.qcnn_circuit(Q8), cirq.Z(Q8[-1])),
        (qcnn.filter_circuit(Q8), [cirq.Z(x) for x in Q8[4:]]),
    ):
        models = []
        for lib, add in ((tfq.layers, True), (qlayers, False)):
            inp = tf.keras.Input(shape=(), dtype=tf.string)
            st = lib.AddCircuit()(inp, prepend=cluster) if add else lib.AddCircuit(cluster)(inp)
            models.append(tf.keras.Model(inp, lib.PQC(circuit, ops)(st)))
        models[1].set_weights(models[0].get_weights())
        a = models[0](tfq.convert_to_tensor(data.train_circuits)).numpy()
        b = models[1](qlayers.convert_to_tensor(data.train_circuits)).numpy()
        assert np.abs(a - b).max() < 1e-5


def test_expectation_layer_matches_cirq_and_tfq_interface():
    import tensorflow as tf

    from qbook.learning import qlayers

    a, b = sympy.symbols("a b")
    q0, q1 = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.rx(a).on(q0), cirq.CNOT(q0, q1), cirq.ry(b).on(q1))
    values = np.random.default_rng(3).uniform(-3, 3, size=(6, 2))
    op = cirq.Z(q1) + 0.3 * cirq.X(q0) * cirq.X(q1)
    v = tf.Variable(values)
    with tf.GradientTape() as tape:
        out = qlayers.Expectation(simulation_dtype="complex128")(
            circuit, symbol_names=[a, b], symbol_values=v, operators=op
        )
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, v).numpy()
    ref = _cirq_expectations(circuit, [op], [cirq.Circuit()], ["a", "b"], [0, 0], [q0, q1])
    assert ref.shape == (1, 1)
    for i, (x, y) in enumerate(values):
        exact = _cirq_expectations(circuit, [op], [cirq.Circuit()], ["a", "b"], [x, y], [q0, q1])
        assert abs(out.numpy()[i, 0] - exact[0, 0]) < 1e-5
        fd = (
            _cirq_expectations(circuit, [op], [cirq.Circuit()], ["a", "b"], [x + 1e-5, y], [q0, q1])
            - _cirq_expectations(
                circuit, [op], [cirq.Circuit()], ["a", "b"], [x - 1e-5, y], [q0, q1]
            )
        )[0, 0] / 2e-5
        assert abs(grad[i, 0] - fd) < 1e-5


def test_add_circuit_and_convert_to_tensor_round_trip():
    from qbook.learning import qlayers, tfsim

    q = cirq.LineQubit.range(2)
    data = [cirq.Circuit(cirq.X(q[0])), cirq.Circuit(cirq.rx(0.3).on(q[1]))]
    x = qlayers.convert_to_tensor(data)
    out = qlayers.AddCircuit(prepend=cirq.Circuit(cirq.H(q[1])), append=cirq.Circuit(cirq.Z(q[0])))(
        x
    )
    back = [tfsim.parse_circuit(s) for s in out.numpy()]
    for d, c in zip(data, back, strict=True):
        expect = cirq.Circuit(cirq.H(q[1])) + d + cirq.Circuit(cirq.Z(q[0]))
        assert cirq.approx_eq(cirq.unitary(c), cirq.unitary(expect)) or c == expect


KERAS3_SCRIPT = """
import os, tempfile
import numpy as np, cirq
import qbook
qbook.setup(tensorflow=True, banner=False)
import tensorflow as tf
from qbook.learning import qcnn, hybrid, qlayers
from qbook.common.env import qml_backend
assert qml_backend() == "qbook", qml_backend()
q = cirq.GridQubit.rect(1, 8)
d = qcnn.excitation_data(q, n_rounds=2, seed=0)
x, xt = qcnn.to_tensor(d.train_circuits), qcnn.to_tensor(d.test_circuits)
for m in (qcnn.build_qcnn_model(q, seed=1), hybrid.build_hybrid_model(q, 2, seed=1)):
    m.fit(x, d.train_labels.astype("float32"), epochs=1, batch_size=4, verbose=0)
    path = os.path.join(tempfile.mkdtemp(), "m.keras")
    m.save(path)
    back = tf.keras.models.load_model(path, custom_objects={"hinge_accuracy": qcnn.hinge_accuracy})
    assert np.abs(m(xt).numpy() - back(xt).numpy()).max() < 1e-6
# chapter 5's 17-qubit QNN: the chunked simulation (a loop in the graph) under Keras 3's
# symbolic call, which needs the layer's output shape
from qbook.learning import qml
qnn = qml.build_qnn_model(seed=0)
assert tuple(qnn.output_shape) == (None, 1), qnn.output_shape
imgs = qml.encode_images(np.random.default_rng(0).integers(0, 2, size=(3, 4, 4)).astype("float32"))
assert qnn(qcnn.to_tensor(imgs)).shape == (3, 1)
print("KERAS", tf.keras.__name__, qbook.common.env.versions()["qml-backend"])
"""


def test_keras3_models_train_save_and_reload():
    """Without TF_USE_LEGACY_KERAS, tf.keras is Keras 3: the book's models train, save, reload."""
    pytest.importorskip("keras")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env |= {"QBOOK_QML_BACKEND": "qbook", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    res = subprocess.run(
        [sys.executable, "-c", KERAS3_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "KERAS keras" in res.stdout and res.stdout.strip().endswith("qbook")


FUNCTIONAL_SCRIPT = """
import os, tempfile
import numpy as np, cirq, sympy
import qbook
qbook.setup(tensorflow=True, banner=False)
import tensorflow as tf
keras = tf.keras
from qbook.learning import qlayers
print("KERAS", keras.__name__, getattr(keras, "__version__", "?"))
a, b = sympy.symbols("a b")
q = cirq.LineQubit.range(2)
circuit = cirq.Circuit(cirq.rx(a).on(q[0]), cirq.CNOT(*q), cirq.ry(b).on(q[1]))
ops = [cirq.Z(q[0]), cirq.Z(q[1]) + 0.5 * cirq.X(q[0])]
x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
d = tempfile.mkdtemp()
# functional Dense -> Expectation -> Dense
inp = keras.Input(shape=(3,))
h = keras.layers.Dense(2)(inp)
e = qlayers.Expectation()(circuit, symbol_names=[a, b], symbol_values=h, operators=ops)
model = keras.Model(inp, keras.layers.Dense(1)(e))
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=2, batch_size=4, verbose=0)
model.save(os.path.join(d, "f.keras"))
back = keras.models.load_model(os.path.join(d, "f.keras"))
assert np.abs(model(x).numpy() - back(x).numpy()).max() < 1e-6
print("functional Expectation ok")
# functional PQC and AddCircuit on string input
data = qlayers.convert_to_tensor([cirq.Circuit(cirq.X(q[0]) ** t) for t in np.linspace(0, 1, 16)])
sinp = keras.Input(shape=(), dtype=tf.string)
added = qlayers.AddCircuit(append=cirq.Circuit(cirq.H(q[1])))(sinp)
p = qlayers.PQC(circuit, ops)(added)
m2 = keras.Model(sinp, keras.layers.Dense(1)(p))
m2.compile(optimizer="adam", loss="mse")
m2.fit(data, y, epochs=2, batch_size=4, verbose=0)
m2.save(os.path.join(d, "p.keras"))
back = keras.models.load_model(os.path.join(d, "p.keras"))
assert np.abs(m2(data).numpy() - back(data).numpy()).max() < 1e-6
print("functional PQC/AddCircuit ok")
# subclassed
class Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)
        self.exp = qlayers.Expectation()
        self.pqc = qlayers.PQC(circuit, ops)
        self.out = keras.layers.Dense(1)
    def call(self, inputs):
        xs, circ = inputs
        e = self.exp(circuit, symbol_names=[a, b], symbol_values=self.dense(xs), operators=ops)
        return self.out(tf.concat([e, self.pqc(circ)], axis=1))
m3 = Sub()
m3.compile(optimizer="adam", loss="mse")
m3.fit((x, data), y, epochs=2, batch_size=4, verbose=0)
path = os.path.join(d, "s.weights.h5")
m3.save_weights(path)
m4 = Sub(); m4((x[:1], data[:1])); m4.load_weights(path)
assert np.abs(m3((x, data)).numpy() - m4((x, data)).numpy()).max() < 1e-6
print("subclassed ok")
"""


@pytest.mark.parametrize("legacy", ["1", ""], ids=["tf_keras", "keras3"])
def test_layers_in_functional_and_subclassed_models_train_save_and_reload(legacy):
    """Dense -> Expectation -> Dense as a functional model, string input -> AddCircuit -> PQC
    -> Dense, and a subclassed model holding both: they train, save and reload (issue 21)."""
    if not legacy:
        pytest.importorskip("keras")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env |= {"QBOOK_QML_BACKEND": "qbook", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    if legacy:
        env["TF_USE_LEGACY_KERAS"] = legacy
    res = subprocess.run(
        [sys.executable, "-c", FUNCTIONAL_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.count(" ok") == 3, res.stdout
    assert ("KERAS tf_keras" in res.stdout) == bool(legacy), res.stdout

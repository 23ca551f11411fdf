"""Quantum convolutional networks on cluster-state excitations (introduced in chapter 4, QCNN).

The circuits follow Cong, Choi & Lukin (2019) as adapted by the TensorFlow Quantum QCNN
tutorial: a cluster state on eight qubits, an optional ``rx`` "excitation" on one qubit, then
three stages of quantum convolution (a 15-parameter two-qubit unitary in a brick pattern) and
quantum pooling (a 6-parameter two-qubit block that folds one qubit into another), 8 -> 4 -> 2
-> 1 qubits, read out as ``<Z>`` on the last qubit. 63 parameters in all.

The circuit builders (:func:`cluster_state_circuit`, :func:`qcnn_circuit`, ...) use Cirq only;
the Keras parts (:func:`build_qcnn_model`, :func:`hinge_accuracy`, :func:`train_model`) import
TensorFlow on first use, after :func:`qbook.common.env.ensure_tensorflow_env`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import cirq
import numpy as np
import sympy

from qbook.common import checks as chk
from qbook.common.env import ensure_tensorflow_env

ensure_tensorflow_env()  # before anything below can import TensorFlow

N_CONV_PARAMS = 15
N_POOL_PARAMS = 6


def _check_qubits(qubits: Sequence[cirq.Qid], minimum: int = 2) -> list[cirq.Qid]:
    if qubits is None or isinstance(qubits, (str, bytes)) or not hasattr(qubits, "__iter__"):
        raise TypeError(f"qubits must be a sequence of cirq qubits, got {type(qubits).__name__}")
    qubits = list(qubits)
    if not all(isinstance(q, cirq.Qid) for q in qubits):
        raise ValueError("qubits must be cirq qubits (e.g. cirq.GridQubit.rect(1, 8))")
    if len(qubits) < minimum:
        raise ValueError(f"need at least {minimum} qubits, got {len(qubits)}")
    if len(set(qubits)) != len(qubits):
        raise ValueError("qubits must be distinct")
    return qubits


def _check_symbols(symbols: Sequence[Any], n: int, what: str) -> list[Any]:
    if symbols is None or isinstance(symbols, (str, bytes)) or not hasattr(symbols, "__iter__"):
        raise TypeError(f"{what}: symbols must be a sequence, got {type(symbols).__name__}")
    symbols = list(symbols)
    if len(symbols) != n:
        raise ValueError(f"{what} needs exactly {n} symbols, got {len(symbols)}")
    for k, v in enumerate(symbols):
        if not isinstance(v, sympy.Basic):
            chk.real(v, f"{what}: symbols[{k}]")  # a number must be finite and real
    return symbols


def cluster_state_circuit(qubits: Sequence[cirq.Qid]) -> cirq.Circuit:
    """Hadamard on every qubit, then CZ around a ring: the 1D cluster state (chapter 4)."""
    qubits = _check_qubits(qubits)
    circuit = cirq.Circuit(cirq.H.on_each(qubits))
    for a, b in zip(qubits, qubits[1:] + qubits[:1], strict=False):
        circuit.append(cirq.CZ(a, b))
    return circuit


def one_qubit_unitary(qubit: cirq.Qid, symbols: Sequence[Any]) -> cirq.Circuit:
    """``X^a Y^b Z^c`` on one qubit: an arbitrary single-qubit rotation (chapter 4)."""
    if not isinstance(qubit, cirq.Qid):
        raise TypeError(f"qubit must be a cirq qubit, got {type(qubit).__name__}")
    a, b, c = _check_symbols(symbols, 3, "one_qubit_unitary")
    return cirq.Circuit(cirq.X(qubit) ** a, cirq.Y(qubit) ** b, cirq.Z(qubit) ** c)


def two_qubit_unitary(qubits: Sequence[cirq.Qid], symbols: Sequence[Any]) -> cirq.Circuit:
    """The 15-parameter convolution block (chapter 4).

    One-qubit rotations on both qubits (6), ``ZZ^a YY^b XX^c`` (3), one-qubit rotations again
    (6): the shape of the general SU(4) decomposition into local gates and the three
    two-qubit Pauli interactions.
    """
    q0, q1 = _check_qubits(qubits, 2)[:2]
    s = _check_symbols(symbols, N_CONV_PARAMS, "two_qubit_unitary")
    circuit = cirq.Circuit()
    circuit += one_qubit_unitary(q0, s[0:3])
    circuit += one_qubit_unitary(q1, s[3:6])
    circuit += cirq.ZZ(q0, q1) ** s[6]
    circuit += cirq.YY(q0, q1) ** s[7]
    circuit += cirq.XX(q0, q1) ** s[8]
    circuit += one_qubit_unitary(q0, s[9:12])
    circuit += one_qubit_unitary(q1, s[12:15])
    return circuit


def two_qubit_pool(source: cirq.Qid, sink: cirq.Qid, symbols: Sequence[Any]) -> cirq.Circuit:
    """The 6-parameter pooling block: rotate both, CNOT source -> sink, undo the sink's rotation.

    Cong & Lukin measure the source qubit and apply a rotation to the sink conditioned on the
    outcome. Here the measurement is deferred into a CNOT (a controlled rotation) and the
    source qubit is simply never used again (chapter 4).
    """
    _check_qubits([source, sink], 2)
    s = _check_symbols(symbols, N_POOL_PARAMS, "two_qubit_pool")
    sink_basis = one_qubit_unitary(sink, s[0:3])
    source_basis = one_qubit_unitary(source, s[3:6])
    circuit = cirq.Circuit()
    circuit += sink_basis
    circuit += source_basis
    circuit += cirq.CNOT(source, sink)
    circuit += sink_basis**-1
    return circuit


def quantum_conv_circuit(qubits: Sequence[cirq.Qid], symbols: Sequence[Any]) -> cirq.Circuit:
    """The convolution: one shared 15-parameter block on pairs (0,1),(2,3),... then (1,2),...,(n-1,0)."""
    qubits = _check_qubits(qubits)
    symbols = _check_symbols(symbols, N_CONV_PARAMS, "quantum_conv_circuit")
    circuit = cirq.Circuit()
    for a, b in zip(qubits[0::2], qubits[1::2], strict=False):
        circuit += two_qubit_unitary([a, b], symbols)
    for a, b in zip(qubits[1::2], qubits[2::2] + [qubits[0]], strict=False):
        circuit += two_qubit_unitary([a, b], symbols)
    return circuit


def quantum_pool_circuit(
    sources: Sequence[cirq.Qid], sinks: Sequence[cirq.Qid], symbols: Sequence[Any]
) -> cirq.Circuit:
    """Pool each source qubit into its sink with one shared 6-parameter block (chapter 4)."""
    sources, sinks = _check_qubits(sources, 1), _check_qubits(sinks, 1)
    if len(sources) != len(sinks) or not sources:
        raise ValueError(f"need as many sources as sinks (>0), got {len(sources)} and {len(sinks)}")
    symbols = _check_symbols(symbols, N_POOL_PARAMS, "quantum_pool_circuit")
    circuit = cirq.Circuit()
    for src, snk in zip(sources, sinks, strict=False):
        circuit += two_qubit_pool(src, snk, symbols)
    return circuit


def qcnn_circuit(qubits: Sequence[cirq.Qid], prefix: str = "qconv") -> cirq.Circuit:
    """The full QCNN on 8 qubits: conv+pool 8 -> 4 -> 2 -> 1, 63 symbols (chapter 4).

    The answer is read out as ``Z`` on ``qubits[-1]``.
    """
    q = _check_qubits(qubits, 8)
    prefix = chk.string(prefix, "prefix")
    if len(q) != 8:
        raise ValueError(f"qcnn_circuit is defined for 8 qubits, got {len(q)}")
    s = sympy.symbols(f"{prefix}0:63")
    circuit = cirq.Circuit()
    circuit += quantum_conv_circuit(q, s[0:15])
    circuit += quantum_pool_circuit(q[:4], q[4:], s[15:21])
    circuit += quantum_conv_circuit(q[4:], s[21:36])
    circuit += quantum_pool_circuit(q[4:6], q[6:], s[36:42])
    circuit += quantum_conv_circuit(q[6:], s[42:57])
    circuit += quantum_pool_circuit([q[6]], [q[7]], s[57:63])
    return circuit


def filter_circuit(qubits: Sequence[cirq.Qid], prefix: str = "f") -> cirq.Circuit:
    """One convolution + pooling stage 8 -> 4 with 21 symbols: a "quantum filter" (chapter 6).

    Its four remaining qubits ``qubits[4:]`` are read out as ``<Z>``.
    """
    q = _check_qubits(qubits, 8)
    prefix = chk.string(prefix, "prefix")
    if len(q) != 8:
        raise ValueError(f"filter_circuit is defined for 8 qubits, got {len(q)}")
    s = sympy.symbols(f"{prefix}0:21")
    circuit = cirq.Circuit()
    circuit += quantum_conv_circuit(q, s[0:15])
    circuit += quantum_pool_circuit(q[:4], q[4:], s[15:21])
    return circuit


def circuit_symbols(circuit: cirq.Circuit) -> list[sympy.Symbol]:
    """The distinct free symbols of a circuit, in natural order (``x2`` before ``x10``) (chapter 3)."""

    def key(sym: sympy.Symbol) -> tuple[str, int]:
        m = re.fullmatch(r"(.*?)(\d*)", sym.name)
        return m.group(1), int(m.group(2) or -1)

    if not isinstance(circuit, cirq.Circuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    return sorted(cirq.parameter_symbols(circuit), key=key)


class ExcitationData(NamedTuple):
    """Cluster-state excitation data set (chapter 4): circuits, +/-1 labels and angles."""

    train_circuits: list[cirq.Circuit]
    train_labels: np.ndarray
    test_circuits: list[cirq.Circuit]
    test_labels: np.ndarray
    train_angles: np.ndarray
    test_angles: np.ndarray
    train_qubit: np.ndarray
    test_qubit: np.ndarray


def excitation_label(theta: np.ndarray | float) -> np.ndarray:
    """+1 when ``|theta| <= pi/2`` (a small rotation), else -1 (the TFQ tutorial's code)."""
    theta = chk.finite_array(theta, "theta")
    return np.where(np.abs(theta) <= np.pi / 2, 1, -1).astype(np.int64)


def excitation_data(
    qubits: Sequence[cirq.Qid], n_rounds: int = 20, seed: int = 0, train_fraction: float = 0.7
) -> ExcitationData:
    """Excitations of the cluster state: ``rx(theta)`` on one qubit, labelled by ``|theta|``.

    For each of ``n_rounds`` rounds and each qubit, draw ``theta ~ U(-pi, pi)`` (NumPy
    ``default_rng(seed)``) and make the one-gate circuit ``rx(theta)`` on that qubit. Label +1
    when ``|theta| <= pi/2``, else -1. The first ``int(0.7 * n)`` circuits train, the rest test:
    20 rounds x 8 qubits = 160 circuits -> 112 / 48, the paper's "Train on 112 samples, validate
    on 48". The cluster state itself is prepended later by the model (chapter 4). The first four
    fields unpack like the brief's ``(train_circuits, train_labels, test_circuits,
    test_labels)``.
    """
    qubits = _check_qubits(qubits, 1)
    n_rounds = chk.count(n_rounds, "n_rounds", lo=1)
    seed = chk.seed(seed)
    train_fraction = chk.real(train_fraction, "train_fraction")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    rng = np.random.default_rng(seed)
    n = n_rounds * len(qubits)
    theta = rng.uniform(-np.pi, np.pi, size=n)
    which = np.tile(np.arange(len(qubits)), n_rounds)
    circuits = [
        cirq.Circuit(cirq.rx(float(t)).on(qubits[i])) for t, i in zip(theta, which, strict=False)
    ]
    labels = excitation_label(theta)
    k = int(n * train_fraction)
    return ExcitationData(
        circuits[:k],
        labels[:k],
        circuits[k:],
        labels[k:],
        theta[:k],
        theta[k:],
        which[:k],
        which[k:],
    )


# ---------------------------------------------------------------------------------------------
# Keras / TensorFlow Quantum parts
# ---------------------------------------------------------------------------------------------


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=True)


def hinge_accuracy(y_true, y_pred):
    """Fraction of samples whose prediction has the sign of the +/-1 label (chapter 4).

    ``y_pred >= 0`` counts as +1, as in the TFQ tutorials.
    """
    import tensorflow as tf  # the environment was set when this module was imported

    if not tf.is_tensor(y_true) and not tf.is_tensor(y_pred):  # eager call with arrays
        y_true = chk.finite_array(y_true, "y_true", min_size=1)
        y_pred = chk.finite_array(y_pred, "y_pred", min_size=1)
        if y_true.size != y_pred.size:
            raise ValueError(f"y_true has {y_true.size} labels but y_pred {y_pred.size}")
    y_true = tf.reshape(tf.cast(y_true, tf.float32), [-1])
    y_pred = tf.reshape(tf.cast(y_pred, tf.float32), [-1])
    pred = tf.where(y_pred >= 0.0, 1.0, -1.0)
    return tf.reduce_mean(tf.cast(tf.equal(y_true, pred), tf.float32))


def uniform_angles(seed: int | None):
    """The PQC initializer: symbol values uniform in [0, 2 pi), seeded (chapter 4).

    TFQ's default initializer is one shared, unseeded instance; tf_keras warns that such an
    initializer returns identical values on every call, so each model gets its own seeded one.
    """
    seed = chk.seed(seed, allow_none=True)
    tf = _tf().tf
    return tf.keras.initializers.RandomUniform(0.0, 2.0 * np.pi, seed=seed)


def build_qcnn_model(qubits: Sequence[cirq.Qid], learning_rate: float = 0.02, seed: int = 0):
    """Input circuits -> AddCircuit(cluster state) -> PQC(qcnn, Z on last qubit) (chapter 4).

    The layers come from the active backend (:func:`qbook.learning.qlayers.backend`).

    Compiled with Adam(``learning_rate``), mean squared error on +/-1 labels and
    :func:`hinge_accuracy`; ``seed`` seeds the initial symbol values.
    """
    from qbook.learning import qlayers
    from qbook.learning.training import adam

    qubits = _check_qubits(qubits, 8)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    inp = tf.keras.Input(shape=(), dtype=tf.string, name="excitation")
    state = qlayers.add_circuit(inp, prepend=cluster_state_circuit(qubits))
    pqc = qlayers.backend().layers.PQC(
        qcnn_circuit(qubits), cirq.Z(qubits[-1]), initializer=uniform_angles(seed), name="qcnn"
    )
    out = pqc(state)
    model = tf.keras.Model(inputs=inp, outputs=out, name="qcnn")
    model.compile(
        optimizer=adam(learning_rate),
        loss=tf.keras.losses.MeanSquaredError(),
        metrics=[hinge_accuracy],
    )
    return model


class TrainResult(NamedTuple):
    """One training run: per-epoch history (dict of lists), final validation accuracy, time."""

    seed: int
    history: dict[str, list[float]]
    val_accuracy: float
    seconds: float
    n_params: int


def train_model(
    make_model,
    x_train,
    y_train,
    x_val,
    y_val,
    *,
    seed: int,
    epochs: int,
    batch_size: int,
) -> TrainResult:
    """Seed everything, build a model with ``make_model(seed)``, fit, return its history (chapter 4).

    The batches come in the order :func:`qbook.learning.training.fit_in_order` draws from ``seed``.

    ``val_accuracy`` is the hinge accuracy on the validation data after the last epoch.
    """
    make_model = chk.callable_(make_model, "make_model")
    seed = chk.seed(seed)
    epochs = chk.count(epochs, "epochs", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    y_train = chk.finite_array(y_train, "y_train", ndim=(1, 2))
    y_val = chk.finite_array(y_val, "y_val", ndim=(1, 2))
    chk.model_inputs(x_train, len(y_train), "x_train")
    chk.model_inputs(x_val, len(y_val), "x_val")
    from qbook.common.env import seed_everything
    from qbook.learning.training import fit_in_order

    _tf()
    seed_everything(seed)
    model = make_model(seed)
    t0 = time.perf_counter()
    history = fit_in_order(
        model,
        x_train,
        np.asarray(y_train, dtype=np.float32),
        validation_data=(x_val, np.asarray(y_val, dtype=np.float32)),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
    seconds = time.perf_counter() - t0
    n_params = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    return TrainResult(seed, history, history["val_hinge_accuracy"][-1], seconds, n_params)


def to_tensor(circuits: Sequence[cirq.Circuit]):
    """``convert_to_tensor`` of the active backend: circuits -> a string tensor (chapter 3)."""
    from qbook.learning import qlayers

    return qlayers.backend().convert_to_tensor(chk.circuits(circuits))


def plot_histories(
    results: Sequence[TrainResult],
    metric: str = "val_hinge_accuracy",
    ax=None,
    label: str | None = None,
    color: str | None = None,
):
    """Training curves: one thin line per seed, the mean over seeds bold (chapter 4)."""
    import matplotlib.pyplot as plt

    if not isinstance(results, (list, tuple)) or not all(
        isinstance(r, TrainResult) for r in results
    ):
        raise TypeError("results must be a list of qcnn.TrainResult")
    metric = chk.string(metric, "metric")
    if not results:
        raise ValueError("plot_histories needs at least one TrainResult")
    if metric not in results[0].history:
        raise ValueError(f"unknown metric {metric!r}; have {sorted(results[0].history)}")
    ax = ax or plt.gca()
    if len({len(r.history[metric]) for r in results}) != 1:
        raise ValueError(f"the runs have {metric} curves of different lengths")
    curves = chk.finite_array([r.history[metric] for r in results], f"history[{metric!r}]")
    epochs = np.arange(1, curves.shape[1] + 1)
    (line,) = ax.plot(epochs, curves.mean(axis=0), lw=2.2, color=color, label=label)
    for c in curves:
        ax.plot(epochs, c, lw=0.7, alpha=0.45, color=line.get_color())
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    return ax

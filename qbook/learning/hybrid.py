"""Hybrid quantum-classical models and quanvolution (introduced in chapter 6, hybrid filters).

* Quantum filters on the excitation data of chapter 4: one convolution + pooling stage
  (21 parameters) whose four ``<Z>`` readouts feed a small classical network, trained end to
  end (:func:`build_hybrid_model`, one or several filters).
* Classical baselines on the same data from measured features of the input state
  (:func:`pauli_features`, :func:`stabiliser_features`).
* Quanvolution (Henderson et al. 2019): a fixed 4-qubit circuit slides over 2x2 patches; its
  ``<Z>`` readouts are feature maps for a classical head. The circuit is simulated for all
  patches at once as a batch of 16-dimensional state vectors in NumPy
  (:func:`quanv_features`), cross-checked against Cirq in the tests, and cached on disk.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cirq
import numpy as np
import sympy

from qbook.common import cache as _cache
from qbook.common import checks as chk
from qbook.common.env import ensure_tensorflow_env
from qbook.learning.qcnn import cluster_state_circuit, filter_circuit, uniform_angles
from qbook.learning.training import adam

ensure_tensorflow_env()  # before anything below can import TensorFlow


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=True)


# ---------------------------------------------------------------------------------------------
# Hybrid models on the excitation data
# ---------------------------------------------------------------------------------------------


def build_hybrid_model(
    qubits: Sequence[cirq.Qid],
    n_filters: int = 1,
    hidden: int = 8,
    learning_rate: float = 0.02,
    seed: int = 0,
):
    """Cluster state -> ``n_filters`` quantum filters (21 params, 4 ``<Z>`` each) -> Dense -> Dense(1).

    Each filter is :func:`qbook.learning.qcnn.filter_circuit` with its own symbols, read out as ``Z``
    on ``qubits[4:]``. The readouts are concatenated and go through ``Dense(hidden)`` and
    ``Dense(1)`` (linear, as in the TFQ tutorial). MSE on +/-1 labels, Adam, hinge accuracy.
    Introduced in chapter 6.
    """
    from qbook.learning.qcnn import hinge_accuracy

    n_filters = chk.count(n_filters, "n_filters", lo=1)
    hidden = chk.count(hidden, "hidden", lo=1)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    qubits = chk.qubits(qubits)
    if len(qubits) != 8:
        raise ValueError(f"the hybrid filters are defined on 8 qubits, got {len(qubits)}")
    from qbook.learning import qlayers

    tf = _tf().tf
    tf.keras.utils.set_random_seed(seed)
    readouts = [cirq.Z(q) for q in qubits[4:]]
    inp = tf.keras.Input(shape=(), dtype=tf.string, name="excitation")
    state = qlayers.add_circuit(inp, prepend=cluster_state_circuit(qubits))
    outs = [
        qlayers.backend().layers.PQC(
            filter_circuit(qubits, prefix=f"f{k}_"),
            readouts,
            initializer=uniform_angles(seed * 1000 + k),
            name=f"filter{k}",
        )(state)
        for k in range(n_filters)
    ]
    x = outs[0] if n_filters == 1 else tf.keras.layers.Concatenate()(outs)
    x = tf.keras.layers.Dense(hidden, name="combine")(x)
    out = tf.keras.layers.Dense(1, name="out")(x)
    model = tf.keras.Model(inp, out, name=f"hybrid{n_filters}")
    model.compile(
        optimizer=adam(learning_rate),
        loss=tf.keras.losses.MeanSquaredError(),
        metrics=[hinge_accuracy],
    )
    return model


def quantum_param_count(model: Any) -> int:
    """Trainable parameters that live in PQC layers, TFQ's or qbook's (chapter 6)."""
    chk.keras_model(model)
    return int(
        sum(
            int(np.prod(w.shape))
            for layer in model.layers
            if type(layer).__name__ == "PQC"
            for w in layer.trainable_weights
        )
    )


def _expectations(
    circuits: Sequence[cirq.Circuit], observables: Sequence[cirq.PauliString]
) -> np.ndarray:
    sim = cirq.Simulator()
    return np.array(
        [
            np.real(sim.simulate_expectation_values(c, observables=list(observables)))
            for c in circuits
        ],
        dtype=np.float32,
    )


def pauli_features(circuits: Sequence[cirq.Circuit], qubits: Sequence[cirq.Qid]) -> np.ndarray:
    """Exact ``<X_i>, <Y_i>, <Z_i>`` of every qubit of cluster state + data circuit: (N, 3n).

    What a classical model sees if each qubit is measured on its own in the three Pauli bases
    (the limit of infinitely many shots). Introduced in chapter 6.
    """
    circuits = chk.circuits(circuits)
    qubits = chk.qubits(qubits, min_n=1)
    prep = cluster_state_circuit(qubits)
    obs = [P(q) for q in qubits for P in (cirq.X, cirq.Y, cirq.Z)]
    return _expectations([prep + c for c in circuits], obs)


def stabiliser_features(circuits: Sequence[cirq.Circuit], qubits: Sequence[cirq.Qid]) -> np.ndarray:
    """Exact ``<Z_{i-1} X_i Z_{i+1}>`` (the cluster-state stabilisers) for each circuit: (N, n).

    Three-body correlators, measurable with single-qubit measurements and classical products
    of the outcomes. Introduced in chapter 6.
    """
    circuits = chk.circuits(circuits)
    qubits = chk.qubits(qubits, min_n=1)
    n = len(qubits)
    prep = cluster_state_circuit(qubits)
    obs = [
        cirq.Z(qubits[i - 1]) * cirq.X(qubits[i]) * cirq.Z(qubits[(i + 1) % n]) for i in range(n)
    ]
    return _expectations([prep + c for c in circuits], obs)


def build_feature_mlp(n_features: int, hidden: int, learning_rate: float = 0.02, seed: int = 0):
    """Dense(hidden, tanh) -> Dense(1) on measured features, MSE on +/-1 labels (chapter 6)."""
    from qbook.learning.qcnn import hinge_accuracy

    n_features = chk.count(n_features, "n_features", lo=1)
    hidden = chk.count(hidden, "hidden", lo=1)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(n_features,)),
            tf.keras.layers.Dense(hidden, activation="tanh"),
            tf.keras.layers.Dense(1),
        ],
        name=f"mlp{n_features}x{hidden}",
    )
    model.compile(
        optimizer=adam(learning_rate),
        loss=tf.keras.losses.MeanSquaredError(),
        metrics=[hinge_accuracy],
    )
    return model


def hidden_for_budget(n_features: int, n_params: int) -> int:
    """The hidden width whose Dense(h)+Dense(1) net has the parameter count closest to ``n_params``.

    Dense(h) on n features has ``(n + 1) h`` parameters, Dense(1) has ``h + 1``. Chapter 6.
    """
    n_features = chk.count(n_features, "n_features", lo=1)
    n_params = chk.count(n_params, "n_params", lo=1)
    return max(1, round((n_params - 1) / (n_features + 2)))


# ---------------------------------------------------------------------------------------------
# Quanvolution
# ---------------------------------------------------------------------------------------------

QUANV_QUBITS = 4


def quanv_qubits() -> list[cirq.GridQubit]:
    """The four qubits of a quanvolution filter, one per pixel of a 2x2 patch (chapter 6)."""
    return cirq.GridQubit.rect(2, 2)


def quanv_random_layer(
    seed: int = 0, n_gates: int = 8, qubits: Sequence[cirq.Qid] | None = None
) -> cirq.Circuit:
    """A fixed random layer: ``n_gates`` gates, each a random-axis rotation or a CNOT (chapter 6).

    After PennyLane's ``RandomLayers`` used in its quanvolution demo: each gate is, with equal
    chance, an ``rx``/``ry``/``rz`` with an angle uniform in [0, 2 pi) on a random qubit, or a
    CNOT on a random ordered pair. Deterministic in ``seed``.
    """
    seed = chk.seed(seed)
    n_gates = chk.count(n_gates, "n_gates", lo=1, hi=10**5)
    q = chk.qubits(qubits, min_n=2) if qubits is not None else quanv_qubits()
    rng = np.random.default_rng(seed)
    circuit = cirq.Circuit()
    for _ in range(n_gates):
        if rng.random() < 0.5:
            a, b = rng.choice(len(q), size=2, replace=False)
            circuit.append(cirq.CNOT(q[a], q[b]))
        else:
            rot = (cirq.rx, cirq.ry, cirq.rz)[rng.integers(3)]
            circuit.append(rot(float(rng.uniform(0, 2 * np.pi))).on(q[rng.integers(len(q))]))
    return circuit


def quanv_circuit(seed: int = 0, n_gates: int = 8) -> cirq.Circuit:
    """Encoding ``ry(pi x_k)`` on qubit k (symbols ``x0..x3``), then :func:`quanv_random_layer`.

    Pixel values x in [0, 1] map to rotations from ``|0>`` (x=0) to ``|1>`` (x=1). Chapter 6.
    """
    seed = chk.seed(seed)
    n_gates = chk.count(n_gates, "n_gates", lo=1, hi=10**5)
    q = quanv_qubits()
    xs = sympy.symbols("x0:4")
    enc = cirq.Circuit(cirq.ry(sympy.pi * x).on(qk) for qk, x in zip(q, xs, strict=False))
    return enc + quanv_random_layer(seed, n_gates, q)


def image_patches(images: np.ndarray) -> np.ndarray:
    """(N, H, W[, 1]) -> (N, H/2, W/2, 4) non-overlapping 2x2 patches, pixel order
    (top-left, top-right, bottom-left, bottom-right), matching :func:`quanv_qubits` (chapter 6)."""
    x = chk.finite_array(images, "images", ndim=(3, 4))
    if x.ndim == 4:
        if x.shape[-1] != 1:
            raise ValueError(f"image_patches expects one channel, got shape {x.shape}")
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1] % 2 or x.shape[2] % 2:
        raise ValueError(f"image_patches expects (N, H, W) with even H, W, got shape {x.shape}")
    n, h, w = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2).transpose(0, 1, 3, 2, 4).reshape(n, h // 2, w // 2, 4)


def quanv_features(images: np.ndarray, seed: int = 0, n_gates: int = 8) -> np.ndarray:
    """``<Z_k>`` of the quanvolution circuit on every 2x2 patch: (N, H/2, W/2, 4) float32.

    Batch state-vector simulation in NumPy: the product state of the four ``ry`` encodings is
    built for all patches at once (Cirq's big-endian qubit order), multiplied by the fixed
    layer's 16x16 unitary, and ``<Z_k>`` read from the probabilities. Pixels must be in
    [0, 1]. Introduced in chapter 6.
    """
    patches = image_patches(images)
    seed = chk.seed(seed)
    n_gates = chk.count(n_gates, "n_gates", lo=1, hi=10**5)
    if patches.size and not (np.all(patches >= 0) and np.all(patches <= 1)):
        raise ValueError("quanv_features expects pixel values (images) in [0, 1]")
    u = quanv_random_layer(seed, n_gates).unitary(qubit_order=quanv_qubits())
    flat = patches.reshape(-1, QUANV_QUBITS)
    half = np.pi * flat / 2  # ry(pi x)|0> = cos(pi x / 2)|0> + sin(pi x / 2)|1>
    amp = np.stack([np.cos(half), np.sin(half)], axis=-1)  # (P, 4, 2)
    state = amp[:, 0]
    for k in range(1, QUANV_QUBITS):
        state = (state[:, :, None] * amp[:, k][:, None, :]).reshape(len(flat), -1)
    out = state.astype(np.complex128) @ u.T
    probs = np.abs(out) ** 2  # (P, 16)
    bits = (np.arange(16)[:, None] >> (QUANV_QUBITS - 1 - np.arange(QUANV_QUBITS))[None, :]) & 1
    z = probs @ (1 - 2 * bits)  # (P, 4)
    return z.reshape(patches.shape).astype(np.float32)


def quanv_features_cirq(patch: Sequence[float], seed: int = 0, n_gates: int = 8) -> np.ndarray:
    """Reference: ``<Z_k>`` for one 2x2 patch with Cirq's simulator (for tests, chapter 6)."""
    patch = chk.finite_array(patch, "patch").reshape(-1)
    if patch.shape != (4,):
        raise ValueError(f"a patch has 4 pixels, got {patch.size}")
    circuit = cirq.resolve_parameters(
        quanv_circuit(seed, n_gates), {f"x{k}": patch[k] for k in range(4)}
    )
    q = quanv_qubits()
    return np.real(cirq.Simulator().simulate_expectation_values(circuit, [cirq.Z(qk) for qk in q]))


def random_conv_features(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """A classical stand-in of the same shape: a fixed random 2x2 stride-2 convolution with 4
    channels and a tanh, (N, H/2, W/2, 4) float32 (chapter 6)."""
    patches = image_patches(images)
    seed = chk.seed(seed)
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0, size=(4, 4))
    b = rng.normal(0.0, 0.5, size=4)
    return np.tanh(patches @ w + b).astype(np.float32)


def data_cache_dir() -> Path:
    """``$QBOOK_DATA_DIR`` or ``~/.cache/qbook`` (chapter 6)."""
    env = os.environ.get("QBOOK_DATA_DIR")
    return Path(env) if env else Path.home() / ".cache" / "qbook"


def cached_quanv_features(
    images: np.ndarray, seed: int = 0, n_gates: int = 8, cache_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, bool]:
    """:func:`quanv_features`, cached on disk under ``<cache>/quanv/`` (chapter 6).

    The key hashes the images' bytes and shape, the circuit (its printed form, which holds the
    seeded angles) and a format version. Returns ``(features, loaded_from_cache)``. A cache
    file that cannot be read, or holds an array of the wrong shape, is reported in one line
    and recomputed; files are written atomically under unique temporary names.
    """
    patches = image_patches(images)  # checks the images
    seed = chk.seed(seed)
    n_gates = chk.count(n_gates, "n_gates", lo=1, hi=10**5)
    if cache_dir is not None:
        chk.path_like(cache_dir, "cache_dir")
    x = np.ascontiguousarray(np.asarray(images, dtype=np.float32))
    h = hashlib.sha256()
    h.update(b"quanv-v1")
    h.update(str(x.shape).encode())
    h.update(x.tobytes())
    h.update(repr(quanv_random_layer(seed, n_gates)).encode())
    folder = Path(cache_dir) if cache_dir is not None else data_cache_dir() / "quanv"
    path = folder / f"{h.hexdigest()[:32]}.npy"
    if path.exists():
        try:
            feats = np.load(path, allow_pickle=False)
            if feats.shape != patches.shape or feats.dtype != np.float32:
                raise ValueError(f"shape {feats.shape} {feats.dtype}, expected {patches.shape}")
            return feats, True
        except (OSError, ValueError, EOFError) as exc:  # 0 bytes, truncated, wrong content
            _cache.damaged("quanvolution features", path, exc)
    feats = quanv_features(x, seed, n_gates)
    _cache.atomic_write(path, lambda tmp: np.save(tmp, feats))
    return feats, False


def build_quanv_head(
    input_shape: tuple[int, int, int],
    n_classes: int = 10,
    learning_rate: float = 1e-3,
    seed: int = 0,
):
    """The classical head on (quanvolution or classical) feature maps (chapter 6).

    Conv2D(16, 3, relu, same) -> MaxPool(2) -> Flatten -> Dense(n_classes, softmax);
    sparse categorical cross-entropy, Adam, accuracy.
    """
    input_shape = tuple(chk.int_array(input_shape, "input_shape", ndim=1, lo=1).tolist())
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    n_classes = chk.count(n_classes, "n_classes", lo=2)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            L.Conv2D(16, 3, activation="relu", padding="same"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(n_classes, activation="softmax"),
        ],
        name="head",
    )
    model.compile(
        optimizer=adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model

"""A quantum neural network on 4x4 binary house-number images (introduced in chapter 5).

The pipeline follows the source paper and the TensorFlow Quantum MNIST tutorial: keep two digit
classes, grey-scale, shrink to 4x4, binarise, drop contradictory images, encode each image as X
gates on a 4x4 grid of qubits, and classify with the readout-qubit network of Farhi & Neven
(2018). Binarised 4x4 images repeat a lot, so training runs on the *distinct* images with their
multiplicities as sample weights (:func:`distinct_with_weights`), which gives the same loss at a
fraction of the simulation cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import cirq
import numpy as np
import sympy

from qbook.common import checks as chk
from qbook.common.env import ensure_tensorflow_env

ensure_tensorflow_env()  # before anything below can import TensorFlow

GRID = 4


# ---------------------------------------------------------------------------------------------
# Classical preprocessing (NumPy only)
# ---------------------------------------------------------------------------------------------


def select_classes(
    X: np.ndarray, y: np.ndarray, classes: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep two digit classes; return images and labels 1 for ``classes[0]``, 0 for ``classes[1]``.

    Introduced in chapter 5.
    """
    X = chk.images(X, "X", shape=(None,) * max(1, np.ndim(X)))
    y = chk.int_array(y, "y", ndim=(1, 2)).reshape(-1)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels")
    classes = chk.int_array(classes, "classes", ndim=1)
    if classes.shape != (2,):
        raise ValueError(f"classes must be two digits, got {classes.tolist()}")
    a, b = classes.tolist()
    if a == b:
        raise ValueError(f"need two different classes, got {classes}")
    keep = (y == a) | (y == b)
    return X[keep], (y[keep] == a).astype(np.int64)


def downsample(images: np.ndarray, size: int) -> np.ndarray:
    """Area-average (N, H, W[, 1]) images to (N, size, size); H and W must be multiples of size.

    Introduced in chapter 5.
    """
    x = chk.finite_array(images, "images", ndim=(3, 4), dtype=np.float32)
    size = chk.count(size, "size", lo=1)
    if x.ndim == 4:
        if x.shape[-1] != 1:
            raise ValueError(f"downsample expects one channel, got shape {x.shape}")
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"downsample expects (N, H, W) or (N, H, W, 1), got shape {x.shape}")
    n, h, w = x.shape
    if size < 1 or h % size or w % size:
        raise ValueError(f"cannot area-average {h}x{w} images to {size}x{size}")
    return x.reshape(n, size, h // size, size, w // size).mean(axis=(2, 4))


def binarize(images: np.ndarray, threshold: str | float = "mean") -> np.ndarray:
    """Pixels above the threshold -> 1, else 0 (uint8).

    ``threshold="mean"`` uses each image's own mean, which copes with the dark-on-light and
    light-on-dark house numbers; a number is a fixed threshold (the TFQ tutorial uses 0.5 on
    0..1 MNIST pixels). Introduced in chapter 5.
    """
    x = chk.finite_array(images, "images", dtype=np.float32)
    if x.ndim < 2:
        raise ValueError(f"binarize expects a batch of images, got shape {x.shape}")
    if isinstance(threshold, str):
        if threshold != "mean":
            raise ValueError(f"threshold must be 'mean' or a number, got {threshold!r}")
        t = x.reshape(len(x), -1).mean(axis=1).reshape((-1,) + (1,) * (x.ndim - 1))
    else:
        t = chk.real(threshold, "threshold")
    return (x > t).astype(np.uint8)


def fix_polarity(gray: np.ndarray) -> np.ndarray:
    """Make the digit bright: invert (1 - x) every image whose centre is darker than its sides.

    House numbers come as dark-on-light and light-on-dark; MNIST is always light-on-dark.
    Pixels must be in [0, 1], shape (N, 32, 32[, 1]). Introduced in chapter 5.
    """
    g = chk.finite_array(gray, "gray", dtype=np.float32)
    if g.ndim == 4 and g.shape[-1] == 1:
        g = g[..., 0]
    if g.ndim != 3 or g.shape[1:] != (32, 32):
        raise ValueError(f"fix_polarity expects (N, 32, 32[, 1]) images, got shape {g.shape}")
    centre = g[:, 8:24, 10:22].mean(axis=(1, 2))
    sides = np.concatenate([g[:, :, :4], g[:, :, -4:]], axis=2).mean(axis=(1, 2))
    return np.where((centre < sides)[:, None, None], 1.0 - g, g).astype(np.float32)


def prepare_images(
    gray: np.ndarray,
    size: int = GRID,
    columns: tuple[int, int] = (8, 24),
    threshold: str | float = "mean",
) -> np.ndarray:
    """Grey 0..1 house numbers (N, 32, 32[, 1]) -> binary (N, size, size) uint8 (chapter 5).

    :func:`fix_polarity`, keep the central ``columns`` (the digit; SVHN crops hold neighbouring
    digits at the sides), area-average to ``size`` x ``size``, :func:`binarize`.
    """
    g = fix_polarity(gray)
    size = chk.count(size, "size", lo=1)
    columns = chk.int_array(columns, "columns", ndim=1)
    if columns.shape != (2,):
        raise ValueError(f"columns must be a pair (a, b), got {columns.tolist()}")
    a, b = columns.tolist()
    if not 0 <= a < b <= 32:
        raise ValueError(f"columns must satisfy 0 <= a < b <= 32, got {columns}")
    return binarize(downsample(g[:, :, a:b], size), threshold)


def remove_contradictions(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop every image whose exact pixel pattern occurs with more than one label.

    Non-contradictory repeats are kept (with their label), as in the TFQ MNIST tutorial and the
    paper's "remove contradictions". Introduced in chapter 5.
    """
    X = chk.images(X, "X", shape=(None,) * max(1, np.ndim(X)))
    y = chk.int_array(y, "y", ndim=(1, 2)).reshape(-1)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels")
    if len(X) == 0:
        return X, y
    flat = X.reshape(len(X), -1)
    _, inverse = np.unique(flat, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    n_groups = inverse.max() + 1
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, inverse, y)
    np.maximum.at(hi, inverse, y)
    keep = lo[inverse] == hi[inverse]
    return X[keep], y[keep]


class Distinct(NamedTuple):
    """Distinct images with labels, multiplicities and the sample weights that keep the loss."""

    X: np.ndarray
    y: np.ndarray
    counts: np.ndarray
    weights: np.ndarray


def distinct_with_weights(X: np.ndarray, y: np.ndarray) -> Distinct:
    """Collapse repeated (image, label) pairs; weights = counts * n_distinct / n.

    Keras averages ``weight * loss`` over the samples it sees, so with these weights the mean
    weighted loss over the distinct images equals the mean loss over all ``n`` images, batch by
    batch sums aside: ``sum_d w_d l_d / n_distinct = sum_d c_d l_d / n``. Introduced in
    chapter 5.
    """
    X = chk.images(X, "X", shape=(None,) * max(1, np.ndim(X)))
    y = chk.int_array(y, "y", ndim=(1, 2)).reshape(-1)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"need as many labels as images (> 0), got {len(X)} and {len(y)}")
    flat = np.concatenate([X.reshape(len(X), -1), y[:, None].astype(X.dtype)], axis=1)
    uniq, first, counts = np.unique(flat, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first)  # keep first-appearance order, deterministic
    first, counts = first[order], counts[order]
    weights = counts * (len(first) / len(X))
    return Distinct(X[first], y[first], counts, weights.astype(np.float32))


# ---------------------------------------------------------------------------------------------
# Circuits (Cirq only)
# ---------------------------------------------------------------------------------------------


def data_qubits(rows: int = GRID, cols: int = GRID) -> list[cirq.GridQubit]:
    """The image's qubits, row-major on a grid (chapter 5)."""
    rows = chk.count(rows, "rows", lo=1, hi=1000)
    cols = chk.count(cols, "cols", lo=1, hi=1000)
    return cirq.GridQubit.rect(rows, cols)


def readout_qubit() -> cirq.GridQubit:
    """The readout qubit, off the data grid at (-1, -1) (chapter 5)."""
    return cirq.GridQubit(-1, -1)


def encode_image(image: np.ndarray, qubits: Sequence[cirq.Qid] | None = None) -> cirq.Circuit:
    """Basis encoding: an X gate on the qubit of every pixel that is 1 (chapter 5)."""
    img = chk.finite_array(image, "image")
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim != 2:
        raise ValueError(f"encode_image expects one 2D image, got shape {img.shape}")
    if not np.isin(img, (0, 1)).all():
        raise ValueError("encode_image expects a binary image (0s and 1s); call binarize first")
    qubits = chk.qubits(qubits) if qubits is not None else data_qubits(*img.shape)
    if len(qubits) != img.size:
        raise ValueError(f"{img.size} pixels but {len(qubits)} qubits")
    return cirq.Circuit(cirq.X(q) for q, v in zip(qubits, img.reshape(-1), strict=False) if v)


def encode_images(
    images: np.ndarray, qubits: Sequence[cirq.Qid] | None = None
) -> list[cirq.Circuit]:
    """:func:`encode_image` for a batch (chapter 5)."""
    images = chk.finite_array(images, "images", ndim=(3, 4))
    return [encode_image(img, qubits) for img in images]


def qnn_circuit(
    qubits: Sequence[cirq.Qid] | None = None,
    readout: cirq.Qid | None = None,
    gates: Sequence[str] = ("xx", "zz"),
) -> tuple[cirq.Circuit, cirq.PauliString]:
    """The readout-qubit network of Farhi & Neven (2018), as in the TFQ MNIST tutorial.

    X then H on the readout; for each entry of ``gates`` a layer of ``XX^s`` (or ``ZZ^s``)
    couplings from every data qubit to the readout, one symbol each; H on the readout. Returns
    the circuit and the readout operator ``Z``. 16 data qubits and two layers: 32 symbols.
    Introduced in chapter 5.
    """
    qubits = chk.qubits(qubits) if qubits is not None else data_qubits()
    readout = chk.qubits([readout], "readout")[0] if readout is not None else readout_qubit()
    if isinstance(gates, str) or not hasattr(gates, "__iter__"):
        raise TypeError(f"gates must be a sequence of names such as ('xx', 'zz'), got {gates!r}")
    if readout in qubits:
        raise ValueError("the readout qubit must not be a data qubit")
    table = {"xx": cirq.XX, "zz": cirq.ZZ, "yy": cirq.YY}
    circuit = cirq.Circuit(cirq.X(readout), cirq.H(readout))
    for layer, name in enumerate(gates):
        if not isinstance(name, str) or name not in table:
            raise ValueError(f"unknown coupling {name!r}; choose from {sorted(table)}")
        for i, q in enumerate(qubits):
            circuit.append(table[name](q, readout) ** sympy.Symbol(f"{name}{layer}_{i}"))
    circuit.append(cirq.H(readout))
    return circuit, cirq.Z(readout)


# ---------------------------------------------------------------------------------------------
# Keras / TensorFlow Quantum
# ---------------------------------------------------------------------------------------------


def _tf():
    from qbook.common.env import import_tensorflow

    return import_tensorflow(quantum=True)


def hinge_labels(y: np.ndarray) -> np.ndarray:
    """0/1 labels -> -1/+1 floats for the hinge loss (chapter 5)."""
    y = chk.bits(y, "y", ndim=(1, 2)).reshape(-1)
    return (2.0 * y - 1.0).astype(np.float32)


def _compile(model: Any, learning_rate: float) -> Any:
    from qbook.learning.qcnn import hinge_accuracy
    from qbook.learning.training import adam

    learning_rate = chk.learning_rate(learning_rate)
    tf = _tf().tf
    model.compile(
        optimizer=adam(learning_rate),
        loss=tf.keras.losses.Hinge(),
        metrics=[hinge_accuracy],
    )
    return model


def build_qnn_model(
    learning_rate: float = 0.01, seed: int = 0, gates: Sequence[str] = ("xx", "zz")
):
    """Circuits in -> PQC(Farhi-Neven network, Z on the readout) -> hinge loss (chapter 5)."""
    from qbook.learning import qlayers
    from qbook.learning.qcnn import uniform_angles

    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    circuit, readout = qnn_circuit(gates=gates)
    inp = tf.keras.Input(shape=(), dtype=tf.string, name="image_circuit")
    out = qlayers.backend().layers.PQC(
        circuit, readout, initializer=uniform_angles(seed), name="qnn"
    )(inp)
    return _compile(tf.keras.Model(inp, out, name="qnn"), learning_rate)


def build_dense_model(
    n_inputs: int = GRID * GRID, hidden: int = 2, learning_rate: float = 0.01, seed: int = 0
):
    """Dense(hidden, relu) -> Dense(1) on flattened pixels, hinge loss (chapter 5).

    With 16 inputs and ``hidden=2``: 37 parameters, the TFQ tutorial's "fair" classical model.
    """
    n_inputs = chk.count(n_inputs, "n_inputs", lo=1)
    hidden = chk.count(hidden, "hidden", lo=1)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(n_inputs,)),
            tf.keras.layers.Dense(hidden, activation="relu"),
            tf.keras.layers.Dense(1),
        ],
        name=f"dense{hidden}",
    )
    return _compile(model, learning_rate)


def build_small_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 1), learning_rate: float = 1e-3, seed: int = 0
):
    """A small two-class CNN on full grey images, hinge loss (chapter 5, for scale)."""
    input_shape = tuple(chk.int_array(input_shape, "input_shape", ndim=1, lo=1).tolist())
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed)
    tf = _tf().tf
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            L.Conv2D(16, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(32, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(32, 3, activation="relu"),
            L.Flatten(),
            L.Dense(32, activation="relu"),
            L.Dense(1),
        ],
        name="cnn",
    )
    return _compile(model, learning_rate)


def n_params(model: Any) -> int:
    """Number of trainable parameters of a Keras model (chapter 5)."""
    chk.keras_model(model)
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


class FitResult(NamedTuple):
    """One seed's run: test accuracy, per-epoch history, wall time of ``fit``, parameter count."""

    name: str
    seed: int
    test_accuracy: float
    history: dict[str, list[float]]
    seconds: float
    n_params: int


def fit_eval(
    name: str,
    model: Any,
    x: Any,
    y: np.ndarray,
    x_test: Any,
    y_test: np.ndarray,
    *,
    seed: int,
    epochs: int,
    batch_size: int,
    sample_weight: np.ndarray | None = None,
) -> FitResult:
    """Fit a compiled model (±1 labels), then measure hinge accuracy on the test set (chapter 5).

    The batches come in the order :func:`qbook.learning.training.fit_in_order` draws from ``seed``.
    """
    name = chk.string(name, "name")
    chk.keras_model(model)
    y = chk.finite_array(y, "y", ndim=(1, 2))
    y_test = chk.finite_array(y_test, "y_test", ndim=(1, 2))
    seed = chk.seed(seed)
    epochs = chk.count(epochs, "epochs", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    if sample_weight is not None:
        sample_weight = chk.finite_array(sample_weight, "sample_weight", ndim=1, lo=0.0)
    chk.model_inputs(x, len(y), "x")
    chk.model_inputs(x_test, len(y_test), "x_test")
    from qbook.common.env import seed_everything
    from qbook.learning.training import fit_in_order

    seed_everything(seed)
    t0 = time.perf_counter()
    history = fit_in_order(
        model,
        x,
        np.asarray(y, np.float32),
        sample_weight=sample_weight,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
    seconds = time.perf_counter() - t0
    _, acc = model.evaluate(x_test, np.asarray(y_test, np.float32), verbose=0, batch_size=256)
    return FitResult(name, seed, float(acc), history, seconds, n_params(model))


class EpochTime(NamedTuple):
    """Wall-clock and CPU seconds (all threads of this process) of one training epoch."""

    wall: float
    cpu: float


def time_epoch(
    model: Any, x: Any, y: np.ndarray, batch_size: int, sample_weight: np.ndarray | None = None
) -> EpochTime:
    """Wall-clock and process CPU seconds of one training epoch of ``model.fit`` (chapter 5).

    A warm-up ``fit`` on one batch first builds and traces the training step, so the timing is
    the epoch itself. CPU time counts only this process's work, so it is far less disturbed
    than wall time by other programs on a busy machine.
    """
    chk.keras_model(model)
    y = chk.finite_array(y, "y", ndim=(1, 2), dtype=np.float32, min_size=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    if sample_weight is not None:
        sample_weight = chk.finite_array(sample_weight, "sample_weight", ndim=1, lo=0.0)
    chk.model_inputs(x, len(y), "x")
    w = None if sample_weight is None else sample_weight[:batch_size]
    model.fit(
        x[:batch_size], y[:batch_size], sample_weight=w, epochs=1, batch_size=batch_size, verbose=0
    )
    w0, c0 = time.perf_counter(), time.process_time()
    model.fit(x, y, sample_weight=sample_weight, epochs=1, batch_size=batch_size, verbose=0)
    return EpochTime(time.perf_counter() - w0, time.process_time() - c0)


def compare_epoch_times(
    make_model,
    full: tuple[Any, np.ndarray],
    distinct: tuple[Any, np.ndarray, np.ndarray],
    batch_size: int,
    repeats: int = 2,
) -> tuple[EpochTime, EpochTime]:
    """One per-sample epoch and one distinct-image epoch, the best (least CPU) of ``repeats``.

    The two kinds alternate (per-sample, distinct, per-sample, ...) on fresh models from
    ``make_model()`` so that neither gains from running second. ``full = (x, y)``,
    ``distinct = (x, y, weights)``. Introduced in chapter 5.
    """
    make_model = chk.callable_(make_model, "make_model")
    repeats = chk.count(repeats, "repeats", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    if not isinstance(full, (tuple, list)) or len(full) != 2:
        raise TypeError("full must be a pair (x, y)")
    if not isinstance(distinct, (tuple, list)) or len(distinct) != 3:
        raise TypeError("distinct must be a triple (x, y, weights)")
    t_full, t_distinct = [], []
    for _ in range(repeats):
        t_full.append(time_epoch(make_model(), full[0], full[1], batch_size))
        t_distinct.append(
            time_epoch(make_model(), distinct[0], distinct[1], batch_size, distinct[2])
        )
    return min(t_full, key=lambda t: t.cpu), min(t_distinct, key=lambda t: t.cpu)


def pattern_lookup_accuracy(
    X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray
) -> float:
    """Accuracy of a lookup table: each test image gets the majority training label of its exact
    pattern, unseen patterns the majority class (ties -> 1). A reference for what the binary
    4x4 inputs allow (chapter 5)."""
    X_train = chk.finite_array(X_train, "X_train", ndim=(2, 3, 4))
    X_test = chk.finite_array(X_test, "X_test", ndim=(2, 3, 4))
    y_train = chk.bits(y_train, "y_train", ndim=(1, 2)).reshape(-1)
    y_test = chk.bits(y_test, "y_test", ndim=(1, 2)).reshape(-1)
    if X_train.shape[1:] != X_test.shape[1:]:
        raise ValueError(f"X_train and X_test images differ: {X_train.shape}, {X_test.shape}")
    if len(X_train) != len(y_train) or len(X_test) != len(y_test) or len(X_test) == 0:
        raise ValueError("need matching, non-empty images and labels")
    votes: dict[bytes, list[int]] = {}
    for x, label in zip(X_train.reshape(len(X_train), -1), y_train, strict=False):
        votes.setdefault(x.tobytes(), [0, 0])[int(label)] += 1
    default = int(y_train.mean() >= 0.5)
    pred = []
    for x in X_test.reshape(len(X_test), -1):
        v = votes.get(x.tobytes())
        pred.append(default if v is None else int(v[1] >= v[0]))
    return float(np.mean(np.array(pred) == y_test))

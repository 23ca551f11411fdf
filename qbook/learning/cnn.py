"""The classical baseline of Ganguly (2022): a small Keras CNN on SVHN, and a linear baseline.

Introduced in chapter 2, "A classical CNN". This is a learning module: it sets TensorFlow's
environment (Keras 2 through ``TF_USE_LEGACY_KERAS=1``) before it imports TensorFlow, so call
``qbook.setup(tensorflow=True)`` first in a notebook.

* :func:`build_cnn`: three Conv2D layers, Flatten, Dense layers and a softmax, compiled with Adam
  and categorical cross-entropy on one-hot targets, as in the paper.
* :func:`build_logreg`: multinomial logistic regression (one Dense softmax layer on the
  flattened pixels), the simplest model that a CNN has to beat.
* :func:`train` (with TensorBoard logging), :func:`train_or_load` (reuse cached weights when the
  reader asks for it), :func:`evaluate`, and the plots the chapter shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from qbook.common import cache as _cache
from qbook.common import checks as chk
from qbook.common.env import ensure_tensorflow_env, import_tensorflow
from qbook.learning.training import adam, fit_in_order

ensure_tensorflow_env()
tf = import_tensorflow(quantum=False).tf
keras = tf.keras

USE_WEIGHTS_ENV = "QBOOK_USE_WEIGHTS"
N_CLASSES = 10


def build_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 1),
    filters: Sequence[int] = (16, 32, 32),
    dense_units: Sequence[int] = (64,),
    learning_rate: float = 1e-3,
    seed: int | None = 0,
) -> Any:
    """The paper's Keras Sequential CNN, compiled (Adam, categorical cross-entropy, accuracy).

    Three 3x3 Conv2D layers with ReLU, the first two followed by 2x2 max pooling, then Flatten, Dense
    layers with ReLU, and a 10-way softmax. The filter counts are small enough that the small
    profile trains in seconds on two CPU cores. Introduced in chapter 2.
    """
    filters = chk.int_array(filters, "filters", ndim=1, lo=1).tolist()
    if len(filters) != 3:
        raise ValueError(f"build_cnn needs three positive filter counts, got {filters!r}")
    dense_units = chk.int_array(dense_units, "dense_units", ndim=1, lo=1).tolist()
    _check_input_shape(input_shape)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed, allow_none=True)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=input_shape)]
    for i, f in enumerate(filters):
        layers.append(keras.layers.Conv2D(int(f), 3, activation="relu"))
        if i < 2:
            layers.append(keras.layers.MaxPooling2D(2))
    layers.append(keras.layers.Flatten())
    layers += [keras.layers.Dense(int(u), activation="relu") for u in dense_units]
    layers.append(keras.layers.Dense(N_CLASSES, activation="softmax"))
    model = keras.Sequential(layers, name="cnn")
    _compile(model, learning_rate)
    return model


def build_logreg(
    input_shape: tuple[int, int, int] = (32, 32, 1),
    learning_rate: float = 1e-3,
    seed: int | None = 0,
) -> Any:
    """Multinomial logistic regression: Flatten, then one Dense(10) softmax layer.

    Trained like the CNN (Adam, cross-entropy, same epochs and batches), so the comparison
    isolates what the convolutions add. Introduced in chapter 2.
    """
    _check_input_shape(input_shape)
    learning_rate = chk.learning_rate(learning_rate)
    seed = chk.seed(seed, allow_none=True)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ],
        name="logreg",
    )
    _compile(model, learning_rate)
    return model


def _check_input_shape(input_shape: tuple[int, ...]) -> None:
    input_shape = chk.int_array(input_shape, "input_shape", ndim=1, lo=1)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")


def _compile(model: Any, learning_rate: float) -> None:
    learning_rate = chk.learning_rate(learning_rate)
    model.compile(
        optimizer=adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def _check_xy(X: np.ndarray, y: np.ndarray, model: Any | None = None) -> None:
    X = chk.images(X, "X", shape=(None, None, None, None))
    y = chk.labels(y, "y", N_CLASSES)
    if y.shape != (len(X),):
        raise ValueError(f"expected {len(X)} integer labels of shape (N,), got {y.shape}")
    if model is not None:
        chk.keras_model(model)
    if model is not None and tuple(model.input_shape[1:]) != X.shape[1:]:
        raise ValueError(f"model expects images {model.input_shape[1:]}, got {X.shape[1:]}")


def one_hot(y: np.ndarray) -> np.ndarray:
    """Digits 0..9 -> one-hot rows (``to_categorical``, as the paper does)."""
    y = chk.labels(y, "y", N_CLASSES)
    return keras.utils.to_categorical(y, N_CLASSES).astype(np.float32)


def train(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int = 250,
    seed: int = 0,
    log_dir: str | os.PathLike | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_split: float = 0.0,
) -> dict[str, list[float]]:
    """Fit ``model`` on images ``X`` and digits ``y``; return the history (plus ``wall_s``).

    Targets are one-hot encoded. With ``log_dir`` a TensorBoard callback writes the curves
    there (open them with ``tensorboard --logdir logs``). Training prints nothing.
    Introduced in chapter 2.
    """
    chk.keras_model(model)
    _check_xy(X, y, model)
    epochs = chk.count(epochs, "epochs", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    seed = chk.seed(seed)
    validation_split = chk.real(validation_split, "validation_split", lo=0.0, hi=1.0, hi_open=True)
    if log_dir is not None:
        chk.path_like(log_dir, "log_dir")
        if Path(log_dir).exists() and not Path(log_dir).is_dir():
            raise ValueError(f"log_dir {log_dir} exists but is not a folder")
    if validation_data is not None and (
        not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2
    ):
        raise TypeError("validation_data must be a pair (X_valid, y_valid)")
    keras.utils.set_random_seed(seed)
    callbacks = []
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=os.fspath(log_dir), profile_batch=0))
    X, y = np.asarray(X), np.asarray(y)
    val = None
    if validation_data is not None:
        Xv, yv = validation_data
        _check_xy(Xv, yv, model)
        val = (np.asarray(Xv), one_hot(yv))
    elif validation_split > 0:  # the last rows, as Keras's validation_split takes them
        k = len(X) - int(len(X) * validation_split)
        if k < 1 or k == len(X):
            raise ValueError(f"validation_split {validation_split} leaves no rows on one side")
        X, y, val = X[:k], y[:k], (X[k:], one_hot(y[k:]))
    start = time.perf_counter()
    history = fit_in_order(
        model, X, one_hot(y), epochs=int(epochs), batch_size=int(batch_size), seed=seed,
        validation_data=val, callbacks=callbacks,
    )  # fmt: skip
    history["wall_s"] = [time.perf_counter() - start]
    return history


def evaluate(model: Any, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Accuracy, cross-entropy loss, predicted probabilities and labels on ``(X, y)``."""
    chk.keras_model(model)
    _check_xy(X, y, model)
    proba = model.predict(np.asarray(X), batch_size=1000, verbose=0)
    y = np.asarray(y)
    p_true = np.clip(proba[np.arange(len(y)), y], 1e-7, 1.0)
    pred = proba.argmax(axis=1)
    return {
        "accuracy": float((pred == y).mean()),
        "loss": float(-np.log(p_true).mean()),
        "proba": proba,
        "pred": pred,
    }


# --------------------------------------------------------------------------------------------
# Saving, loading, and "train unless cached"
# --------------------------------------------------------------------------------------------


def weights_dir(path: str | os.PathLike | None = None) -> Path:
    """Where trained weights are cached: ``path``, else ``$QBOOK_DATA_DIR/weights``, else
    ``~/.cache/qbook/weights``."""
    if path is not None:
        return Path(chk.path_like(path, "path")).expanduser()
    env = os.environ.get("QBOOK_DATA_DIR")
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "qbook"
    return base / "weights"


def weights_key(name: str, data_source: str, profile: str, seed: int, **config: Any) -> str:
    """File stem naming cached weights: model, data source, profile, seed, and a short hash of
    everything else that shapes them (training size, epochs, ...)."""
    for label, value in (("name", name), ("data_source", data_source), ("profile", profile)):
        chk.string(value, label)
        if not value or any(c in str(value) for c in "/\\ "):
            raise ValueError(f"{label} {value!r} must be a non-empty plain word")
    seed = chk.integer(seed, "seed")
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    return f"{name}-{data_source}-{profile}-seed{int(seed)}-{digest[:8]}"


def save_model_weights(model: Any, path: str | os.PathLike, history: dict | None = None) -> Path:
    """Save weights to ``path`` (``.weights.h5``) and the history beside it (``.json``).

    Both files are written atomically through unique temporary names, so two trainings of one
    key never share a temporary file and a reader never sees half a file.
    """
    chk.keras_model(model)
    path = Path(chk.path_like(path, "path"))
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"weights file name must end in .weights.h5, got {path.name}")
    if history is not None and not isinstance(history, dict):
        raise TypeError(f"history must be a dict or None, got {type(history).__name__}")
    if history is not None:
        text = json.dumps(history, allow_nan=False)
        hist_path = path.with_name(path.name.replace(".weights.h5", ".json"))
        _cache.atomic_write(hist_path, lambda tmp: Path(tmp).write_text(text))
    _cache.atomic_write(path, lambda tmp: model.save_weights(tmp))
    return path


def load_model_weights(model: Any, path: str | os.PathLike) -> dict | None:
    """Load weights saved by :func:`save_model_weights`; return the saved history if any.

    A file that cannot be read as weights for ``model``, or a history that is not a JSON
    object, raises ValueError naming the file.
    """
    chk.keras_model(model)
    path = Path(chk.path_like(path, "path"))
    if not path.exists():
        raise FileNotFoundError(f"no weights at {path}")
    try:
        with warnings.catch_warnings():  # Keras 3: a fresh model's optimizer has no state to load
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model.load_weights(os.fspath(path))
    except Exception as exc:  # h5py's OSError, Keras's ValueError on a shape mismatch, ...
        raise ValueError(f"{path}: unreadable weights ({type(exc).__name__}: {exc})") from exc
    hist = path.with_name(path.name.replace(".weights.h5", ".json"))
    if not hist.exists():
        return None
    try:
        history = json.loads(hist.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{hist}: unreadable history ({exc})") from exc
    if not isinstance(history, dict):
        raise ValueError(f"{hist}: the history is not a JSON object")
    return history


class Trained(NamedTuple):
    """A trained model, its history, and ``"trained"`` or ``"loaded"``."""

    model: Any
    history: dict[str, list[float]]
    how: str


def use_cached_weights() -> bool:
    """True when the reader set ``QBOOK_USE_WEIGHTS=1``; the tests never do."""
    return os.environ.get(USE_WEIGHTS_ENV, "").strip().lower() in ("1", "true", "yes")


def train_or_load(
    build: Callable[[], Any],
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    data_source: str,
    profile: str,
    use_cache: bool | None = None,
    cache: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> Trained:
    """Train ``build()`` on ``(X, y)`` and cache its weights, or load cached ones.

    Cached weights are used only when ``use_cache`` is true (default: ``$QBOOK_USE_WEIGHTS=1``)
    and a file for the same model (layers and learning rate), data source, profile, seed,
    training size, epochs and batch size exists;
    otherwise the model is trained and its weights saved for next time. ``how`` says which
    happened. Introduced in chapter 2.
    """
    build = chk.callable_(build, "build")
    epochs = chk.count(epochs, "epochs", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    seed = chk.seed(seed)
    _check_xy(X, y)
    use_cache = use_cached_weights() if use_cache is None else chk.boolean(use_cache, "use_cache")
    model = chk.keras_model(build(), "build()")
    layers = [(type(layer).__name__, layer.count_params()) for layer in model.layers]
    lr = float(keras.backend.get_value(model.optimizer.learning_rate))
    key = weights_key(
        name, data_source, profile, seed, n=len(X), epochs=epochs, batch_size=batch_size,
        layers=layers, learning_rate=lr,
    )  # fmt: skip
    if weights_dir(cache).exists() and not weights_dir(cache).is_dir():
        raise ValueError(f"cache {weights_dir(cache)} exists but is not a folder")
    path = weights_dir(cache) / f"{key}.weights.h5"
    if use_cache and path.exists():
        try:
            history = load_model_weights(model, path) or {}
            return Trained(model, history, "loaded")
        except ValueError as exc:
            _cache.damaged("weights", path, exc)
            path.with_name(path.name.replace(".weights.h5", ".json")).unlink(missing_ok=True)
            model = chk.keras_model(build(), "build()")  # fresh weights, not half-loaded ones
    history = train(
        model,
        X,
        y,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        log_dir=log_dir,
        validation_data=validation_data,
    )
    save_model_weights(model, path, history)
    return Trained(model, history, "trained")


def mean_sd(values: Sequence[float], digits: int = 4) -> str:
    """``"mean ± sd"`` over seeds (sample standard deviation), or the value and "(1 seed)"."""
    from qbook.common.report import mean_sd as _mean_sd

    digits = chk.count(digits, "digits", lo=0, hi=17)
    mean, sd = _mean_sd(values)
    if len(values) == 1:
        return f"{mean:.{digits}f} (1 seed)"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


# --------------------------------------------------------------------------------------------
# What went right and wrong
# --------------------------------------------------------------------------------------------


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES
) -> np.ndarray:
    """Counts ``C[i, j]`` of images of digit ``i`` predicted as ``j``. Introduced in chapter 2."""
    n_classes = chk.count(n_classes, "n_classes", lo=1)
    y_true = chk.labels(y_true, "y_true", n_classes)
    y_pred = chk.labels(y_pred, "y_pred", n_classes)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"label arrays must have the same 1-D shape: {y_true.shape}, {y_pred.shape}"
        )
    for arr in (y_true, y_pred):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def worst_mistakes(proba: np.ndarray, y_true: np.ndarray, k: int = 12) -> np.ndarray:
    """Indices of the ``k`` wrong predictions made with the highest confidence."""
    proba = chk.finite_array(proba, "proba", ndim=2, lo=0.0, hi=1.0)
    y_true = chk.labels(y_true, "y_true", max(1, proba.shape[1]))
    k = chk.count(k, "k")
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError(f"proba must be (N, classes) for {len(y_true)} labels, got {proba.shape}")
    pred = proba.argmax(axis=1)
    wrong = np.nonzero(pred != y_true)[0]
    order = np.argsort(-proba[wrong, pred[wrong]], kind="stable")
    return wrong[order[:k]]


def plot_confusion_matrix(cm: np.ndarray, ax: Any = None, title: str = "") -> Any:
    """Row-normalised confusion matrix as a heat map with the counts written in."""
    import matplotlib.pyplot as plt

    cm = chk.int_array(cm, "cm", ndim=2, lo=0)
    if cm.shape != (N_CLASSES, N_CLASSES):
        raise ValueError(f"cm must be {N_CLASSES}x{N_CLASSES}, got {cm.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.6))
    rates = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                color="white" if rates[i, j] > 0.5 else "black",
            )  # fmt: skip
    ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10))
    ax.grid(False)
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, label="fraction of the true digit")
    return ax


def plot_mistakes(
    X: np.ndarray, y_true: np.ndarray, proba: np.ndarray, idx: np.ndarray, ncols: int = 6
) -> Any:
    """Show images ``X[idx]`` with their true digit and the (wrong) confident prediction."""
    import matplotlib.pyplot as plt

    X = chk.images(X, "X", shape=(None, None, None, None))
    y_true = chk.labels(y_true, "y_true", N_CLASSES)
    proba = chk.finite_array(proba, "proba", ndim=2, lo=0.0, hi=1.0)
    if not len(X) == len(y_true) == len(proba):
        raise ValueError(
            f"X, y_true and proba need one row each: {len(X)}, {len(y_true)}, {len(proba)}"
        )
    idx = chk.int_array(idx, "idx", ndim=1, lo=0, hi=len(X) - 1)
    ncols = chk.count(ncols, "ncols", lo=1)
    nrows = max(1, int(np.ceil(len(idx) / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.9 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, idx, strict=False):
        img = X[i]
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray")
        p = int(proba[i].argmax())
        ax.set_title(f"true {y_true[i]}, said {p}\n({proba[i, p]:.0%})", fontsize=8)
    fig.tight_layout()
    return fig


def plot_histories(
    histories: dict[str, list[dict[str, list[float]]]], metric: str = "accuracy", ax: Any = None
) -> Any:
    """Training curves: one thin line per seed, the mean over seeds bold, for each model.

    ``histories`` maps a model name to its per-seed histories. Solid lines are validation,
    dashed lines training.
    """
    import matplotlib.pyplot as plt

    if not isinstance(histories, dict):
        raise TypeError(
            f"histories must map model names to lists of histories, got {type(histories).__name__}"
        )
    metric = chk.string(metric, "metric")
    for name, runs in histories.items():
        if not isinstance(runs, (list, tuple)) or not all(isinstance(h, dict) for h in runs):
            raise TypeError(f"histories[{name!r}] must be a list of history dicts")
        for h in runs:
            for key in (metric, f"val_{metric}"):
                if key in h:
                    chk.finite_array(h[key], f"histories[{name!r}][...][{key!r}]", ndim=1)
    if ax is None:
        _, ax = plt.subplots()
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (name, runs) in enumerate(histories.items()):
        colour = colours[c % len(colours)]
        for key, style in ((f"val_{metric}", "-"), (metric, "--")):
            curves = [np.asarray(h[key]) for h in runs if key in h]
            if not curves:
                continue
            n = min(len(v) for v in curves)
            stack = np.stack([v[:n] for v in curves])
            epochs = np.arange(1, n + 1)
            if len(curves) > 1:
                for v in stack:
                    ax.plot(epochs, v, style, color=colour, lw=0.7, alpha=0.5)
            label = f"{name} ({'validation' if key.startswith('val_') else 'training'})"
            ax.plot(epochs, stack.mean(axis=0), style, color=colour, lw=2.2, label=label)
    ax.set(xlabel="epoch", ylabel=metric)
    ax.legend()
    return ax

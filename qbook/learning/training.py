"""Training that depends on the seed alone: the same batches under Keras 2 and Keras 3 (chapter 2).

Keras's ``fit(..., shuffle=True)`` draws each epoch's order from TensorFlow's random ops, and
the order a seed gives is not the seed's alone: tf_keras 2.18 and Keras 3 draw different orders
from the same seed, and in Keras 3 the order can also change with the random ops the process
ran before (another model trained first). So one seed's accuracy moved by a point or two
between the book's two environments. ``benchmarks/probe_keras2_keras3.py`` measured the rest:
the initial weights Keras draws from one seed are identical in tf_keras 2.18 (TensorFlow 2.18)
and Keras 3 (TensorFlow 2.21), and with the same batch order the classical models of chapters
2-6 train to bit-identical weights in both.

So qbook draws the order itself: :func:`epoch_orders` makes one permutation per epoch from a
NumPy ``default_rng(seed)``, and :func:`fit_in_order` feeds the rows in that order through one
``fit`` call: a ``tf.data`` pipeline of the row indices, batch by batch, epoch after epoch,
each batch gathered from the data (one ``fit`` per epoch made the small-profile chapters up to
50% slower). :func:`adam` spells out every hyperparameter of the optimiser instead of relying
on either Keras's defaults. Chapters 2, 4, 5 and 6 train through these.

TensorFlow is imported on first use only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbook.common import checks as chk

# Adam's constants, the defaults of both tf_keras 2.18 and Keras 3 (Kingma & Ba's values, with
# Keras's epsilon), written out so that neither library's defaults decide them.
ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7
# epoch_orders holds epochs x n indices in memory: at most this many (800 MB of int64).
MAX_ORDER_ENTRIES = 10**8


def adam(learning_rate: float) -> Any:
    """A Keras Adam optimiser with every hyperparameter explicit (chapter 2).

    ``beta_1 = 0.9``, ``beta_2 = 0.999``, ``epsilon = 1e-7``, no AMSGrad, no weight decay or
    clipping: the same update under tf_keras and Keras 3.
    """
    learning_rate = chk.learning_rate(learning_rate)
    from qbook.common.env import import_tensorflow

    tf = import_tensorflow(quantum=False).tf
    return tf.keras.optimizers.Adam(
        learning_rate=learning_rate,
        beta_1=ADAM_BETA_1,
        beta_2=ADAM_BETA_2,
        epsilon=ADAM_EPSILON,
        amsgrad=False,
    )


def epoch_orders(n: int, epochs: int, seed: int) -> np.ndarray:
    """``(epochs, n)`` row orders: epoch ``e`` visits rows ``orders[e]`` (chapter 2).

    Each row is a permutation of ``0..n-1`` drawn in turn from ``np.random.default_rng(seed)``,
    so the orders depend on ``n``, ``epochs`` and ``seed`` only (and the first ``k`` epochs do
    not depend on ``epochs``).
    """
    n = chk.count(n, "n", lo=1)
    epochs = chk.count(epochs, "epochs", lo=1)
    seed = chk.seed(seed)
    if n * epochs > MAX_ORDER_ENTRIES:
        raise ValueError(
            f"epochs x n = {epochs} x {n} row indices is more than {MAX_ORDER_ENTRIES:.0e}: "
            "too many epochs or rows to draw the orders in memory"
        )
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)])


def _as_tensor(tf: Any, a: Any) -> Any:
    """Rows as a tensor: floating arrays in Keras's float type (as ``fit`` casts them)."""
    if tf.is_tensor(a):
        return a
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return tf.constant(a, dtype=tf.keras.backend.floatx())
    return tf.constant(a)


def _ordered_batches(x: Any, y: Any, w: Any, orders: np.ndarray, batch_size: int) -> Any:
    """A dataset of the batches of every epoch in turn: epoch ``e``'s rows in ``orders[e]``,
    cut into batches of ``batch_size`` (the last one of each epoch shorter)."""
    from qbook.common.env import import_tensorflow

    tf = import_tensorflow(quantum=False).tf
    epochs, n = orders.shape
    lengths = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    index = tf.RaggedTensor.from_row_lengths(orders.reshape(-1), lengths * epochs)
    parts = [_as_tensor(tf, a) for a in (x, y, w) if a is not None]

    def gather(rows: Any) -> tuple[Any, ...]:
        return tuple(tf.gather(p, rows) for p in parts)

    ds = tf.data.Dataset.from_tensor_slices(index)
    return ds.map(tf.autograph.experimental.do_not_convert(gather)).prefetch(2)


def fit_in_order(
    model: Any,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    sample_weight: Any = None,
    validation_data: tuple[Any, Any] | None = None,
    callbacks: list[Any] | None = None,
) -> dict[str, list[float]]:
    """``model.fit`` with the batches in the order of :func:`epoch_orders`; the history (chapter 2).

    One ``fit`` call on a dataset of the rows of ``x``, ``y`` (and ``sample_weight``) in
    each epoch's order, ``steps_per_epoch`` batches per epoch, so callbacks and the history see
    ordinary epochs and the model the same batches as ``epochs`` calls of ``fit(...,
    shuffle=False)`` on the reordered rows. ``x`` is an array or a TensorFlow tensor
    (serialised circuits); the model must be compiled. The history maps each metric to one
    float per epoch.
    """
    chk.keras_model(model)
    epochs = chk.count(epochs, "epochs", lo=1)
    batch_size = chk.count(batch_size, "batch_size", lo=1)
    seed = chk.seed(seed)
    chk.finite_array(y, "y", ndim=(1, 2), min_size=1)
    y = np.asarray(y)  # its own dtype: integer labels stay integers
    x = chk.model_inputs(x, len(y), "x")
    if "tensorflow" in type(x).__module__ and (len(x.shape) < 1 or int(x.shape[0]) != len(y)):
        raise ValueError(f"x has shape {tuple(x.shape)} but there are {len(y)} labels")
    if sample_weight is not None:
        sample_weight = chk.finite_array(sample_weight, "sample_weight", ndim=1, lo=0.0)
        if len(sample_weight) != len(y):
            raise ValueError(f"sample_weight has {len(sample_weight)} rows, y has {len(y)}")
    if validation_data is not None and (
        not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2
    ):
        raise TypeError("validation_data must be a pair (x_valid, y_valid)")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list, got {type(callbacks).__name__}")
    orders = epoch_orders(len(y), epochs, seed)
    hist = model.fit(
        _ordered_batches(x, y, sample_weight, orders, batch_size),
        epochs=epochs,
        steps_per_epoch=-(-len(y) // batch_size),
        shuffle=False,  # the order is the dataset's (Keras 3 warns about shuffle on datasets)
        validation_data=validation_data,
        validation_batch_size=batch_size,  # as fit(x, y, batch_size) would (batch-mean metrics)
        callbacks=list(callbacks or []),
        verbose=0,
    )
    return {key: [float(v) for v in values] for key, values in hist.history.items()}

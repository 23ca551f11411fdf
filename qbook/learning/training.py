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
NumPy ``default_rng(seed)``, and :func:`fit_in_order` feeds the rows in that order, one
``fit`` call per epoch with ``shuffle=False``. :func:`adam` spells out every hyperparameter of
the optimiser instead of relying on either Keras's defaults. Chapters 2, 4, 5 and 6 train
through these.

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
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)])


def _rows(x: Any, order: np.ndarray) -> Any:
    if "tensorflow" in type(x).__module__:  # serialised circuits: a string tensor
        import tensorflow as tf

        return tf.gather(x, order)
    return np.asarray(x)[order]


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

    Each epoch is one ``fit`` call on the rows of ``x``, ``y`` (and ``sample_weight``) in that
    epoch's order, ``shuffle=False`` and ``initial_epoch`` set, so callbacks and the history see
    ordinary epochs. ``x`` is an array or a TensorFlow tensor (serialised circuits); the model
    must be compiled. The history maps each metric to one float per epoch.
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
    history: dict[str, list[float]] = {}
    for epoch, order in enumerate(epoch_orders(len(y), epochs, seed)):
        hist = model.fit(
            _rows(x, order),
            y[order],
            sample_weight=None if sample_weight is None else sample_weight[order],
            batch_size=batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            validation_data=validation_data,
            callbacks=list(callbacks or []),
            verbose=0,
        )
        for key, values in hist.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)
    return history

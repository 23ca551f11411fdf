"""Property tests of qbook.learning.training: batch orders drawn from the seed, training that repeats.

Bad input raises ValueError or TypeError; ``epoch_orders`` gives permutations that depend on
``(n, epochs, seed)`` only; ``fit_in_order`` feeds the batches in exactly that order (checked
with a model whose one weight remembers the last row it saw) and repeats to the bit.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

training = pytest.importorskip("qbook.learning.training")
pytest.importorskip("tensorflow")

COVERED = [
    "qbook.learning.training.adam",
    "qbook.learning.training.epoch_orders",
    "qbook.learning.training.fit_in_order",
]

BAD_NUMBERS = [math.nan, math.inf, -1, 0.5, None, "3", 1 + 2j]


@given(st.integers(1, 60), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_epoch_orders_are_seeded_permutations(n, epochs, seed):
    orders = training.epoch_orders(n, epochs, seed)
    assert orders.shape == (epochs, n)
    assert all(np.array_equal(np.sort(o), np.arange(n)) for o in orders)
    assert np.array_equal(orders, training.epoch_orders(n, epochs, seed))
    assert np.array_equal(orders[:1], training.epoch_orders(n, 1, seed))  # prefix-stable


def test_epoch_orders_differ_between_seeds():
    assert not np.array_equal(training.epoch_orders(50, 2, 0), training.epoch_orders(50, 2, 1))


@pytest.mark.parametrize("bad", BAD_NUMBERS)
@pytest.mark.parametrize("arg", ["n", "epochs", "seed"])
def test_epoch_orders_refuse_bad_input(arg, bad):
    kwargs = {"n": 5, "epochs": 2, "seed": 0, arg: bad}
    with pytest.raises((ValueError, TypeError)):
        training.epoch_orders(**kwargs)


@pytest.mark.parametrize(("n", "epochs"), [(3, 10**12), (10**12, 3), (10**5, 10**4)])
def test_epoch_orders_refuse_orders_too_big_to_hold(n, epochs):
    with pytest.raises(ValueError, match="too many epochs or rows"):
        training.epoch_orders(n, epochs, 0)  # at once, not after filling the memory


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.1, 0.0, None, "0.1", 1j])
def test_adam_refuses_bad_learning_rate(bad):
    with pytest.raises((ValueError, TypeError)):
        training.adam(bad)


def test_adam_hyperparameters_are_explicit():
    opt = training.adam(0.01)
    cfg = opt.get_config()
    assert math.isclose(float(cfg["learning_rate"]), 0.01, rel_tol=1e-6)
    assert (cfg["beta_1"], cfg["beta_2"], cfg["epsilon"], cfg["amsgrad"]) == (
        0.9,
        0.999,
        1e-7,
        False,
    )


def _recorder():
    """Output = bias (the input is 0), SGD(0.5) on mse: the gradient 2 (b - y) moves the bias
    to the label of the row just seen, so the bias after each batch of one names that row."""
    import tensorflow as tf

    keras = tf.keras
    inp = keras.Input(shape=(1,))
    out = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")(inp)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    return model


@settings(max_examples=5, deadline=None)  # every example builds and trains a Keras model
@given(st.integers(2, 12), st.integers(1, 3), st.integers(0, 1000))
def test_fit_in_order_feeds_the_drawn_order(n, epochs, seed):
    import tensorflow as tf

    model = _recorder()
    x = np.zeros((n, 1), np.float32)  # the kernel sees 0: only the bias learns
    y = np.arange(n, dtype=np.float32)
    seen = []

    class Last(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(model.layers[-1].bias.numpy()[0]))

    hist = training.fit_in_order(
        model, x, y, epochs=epochs, batch_size=1, seed=seed, callbacks=[Last()]
    )
    expected = training.epoch_orders(n, epochs, seed).reshape(-1).astype(float)
    assert np.allclose(seen, expected)
    assert set(hist) == {"loss"} and len(hist["loss"]) == epochs


def test_fit_in_order_calls_fit_once_and_matches_one_fit_per_epoch():
    """One ``fit`` for all epochs, bit-identical to one ``fit(shuffle=False)`` per epoch on
    the rows in each epoch's order (what qbook did before: same batches, same weights)."""
    from qbook.learning import qml

    rng = np.random.default_rng(1)
    x = rng.normal(size=(37, 16)).astype(np.float32)
    y = np.where(rng.random(37) < 0.5, -1.0, 1.0).astype(np.float32)
    model = qml.build_dense_model(seed=2)
    calls = []
    fit = model.fit
    model.fit = lambda *a, **k: calls.append(1) or fit(*a, **k)
    val = (x[:21], y[:21])  # batch-mean metrics depend on the validation batches
    hist = training.fit_in_order(model, x, y, epochs=3, batch_size=8, seed=4, validation_data=val)
    assert len(calls) == 1
    ref = qml.build_dense_model(seed=2)
    ref_hist = {}
    for e, order in enumerate(training.epoch_orders(37, 3, 4)):
        h = ref.fit(x[order], y[order], batch_size=8, epochs=e + 1, initial_epoch=e,
                    shuffle=False, validation_data=val, verbose=0)  # fmt: skip
        for key, values in h.history.items():
            ref_hist.setdefault(key, []).extend(float(v) for v in values)
    assert hist == ref_hist
    assert all(
        np.array_equal(a, b) for a, b in zip(ref.get_weights(), model.get_weights(), strict=True)
    )


def test_fit_in_order_repeats_to_the_bit_and_takes_tensors():
    import tensorflow as tf

    from qbook.learning import qml

    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, (40, 16)).astype(np.float32)
    y = np.where(rng.random(40) < 0.5, -1.0, 1.0).astype(np.float32)
    w = rng.random(40)
    runs = []
    for _ in range(2):
        model = qml.build_dense_model(seed=3)
        training.fit_in_order(model, x, y, epochs=2, batch_size=8, seed=5, sample_weight=w)
        runs.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))
    model = qml.build_dense_model(seed=3)
    hist = training.fit_in_order(
        model, tf.constant(x), y, epochs=2, batch_size=8, seed=5, sample_weight=w,
        validation_data=(x, y),
    )  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], model.get_weights(), strict=True))
    assert len(hist["val_loss"]) == 2


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"model": None}, TypeError),
        ({"model": "m"}, TypeError),
        ({"x": np.full((4, 16), np.nan, np.float32)}, ValueError),
        ({"x": np.zeros((3, 16), np.float32)}, ValueError),
        ({"y": np.array([1.0, np.inf, 1.0, 1.0], np.float32)}, ValueError),
        ({"y": None}, (ValueError, TypeError)),
        ({"epochs": 0}, ValueError),
        ({"epochs": math.nan}, (ValueError, TypeError)),
        ({"batch_size": -1}, ValueError),
        ({"seed": -3}, ValueError),
        ({"seed": None}, (ValueError, TypeError)),
        ({"sample_weight": np.ones(3)}, ValueError),
        ({"sample_weight": np.array([1.0, -1.0, 1.0, 1.0])}, ValueError),
        ({"sample_weight": np.array([1.0, np.nan, 1.0, 1.0])}, ValueError),
        ({"validation_data": (np.zeros((2, 16)),)}, TypeError),
        ({"callbacks": "tensorboard"}, TypeError),
    ],
)
def test_fit_in_order_refuses_bad_input(change, error):
    from qbook.learning import qml

    kwargs = dict(
        model=qml.build_dense_model(seed=0),
        x=np.zeros((4, 16), np.float32),
        y=np.array([1.0, -1.0, 1.0, -1.0], np.float32),
        epochs=1,
        batch_size=2,
        seed=0,
    )
    kwargs.update(change)
    with pytest.raises(error):
        training.fit_in_order(**kwargs)

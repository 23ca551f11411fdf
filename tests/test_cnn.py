"""qbook.learning.cnn: the paper's CNN, the logistic-regression baseline, training and weights."""

import numpy as np
import pytest

from qbook.learning import data, synthetic

cnn = pytest.importorskip("qbook.learning.cnn")


@pytest.fixture(scope="module")
def tiny():
    X, y = synthetic.synthetic_svhn(240, seed=0)
    return data.normalise(data.rgb2gray(X)), y


def test_parameter_counts_and_output_shape():
    model = cnn.build_cnn()
    # conv 3x3: 1->16 (160), 16->32 (4,640), 32->32 (9,248); 4x4x32=512 -> Dense 64 (32,832);
    # Dense 10 (650)
    assert model.count_params() == 47_530
    assert [type(layer).__name__ for layer in model.layers].count("Conv2D") == 3
    assert model.output_shape == (None, 10)
    assert cnn.build_logreg().count_params() == 32 * 32 * 10 + 10
    assert cnn.build_logreg(input_shape=(32, 32, 3)).count_params() == 30_730
    probs = model.predict(np.zeros((3, 32, 32, 1), np.float32), verbose=0)
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="three positive filter counts"):
        cnn.build_cnn(filters=(8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        cnn.build_logreg(input_shape=(32, 32))
    with pytest.raises(ValueError, match="model expects images"):
        cnn.train(cnn.build_logreg(), np.zeros((4, 28, 28, 1)), np.zeros(4, int), epochs=1)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        cnn.train(cnn.build_logreg(), np.zeros((2, 32, 32, 1)), np.array([0, 10]), epochs=1)


def test_one_epoch_trains_and_logs(tiny, tmp_path):
    X, y = tiny
    model = cnn.build_cnn(seed=1)
    hist = cnn.train(
        model, X[:200], y[:200], epochs=1, batch_size=50, seed=1,
        log_dir=tmp_path / "logs", validation_data=(X[200:], y[200:]),
    )  # fmt: skip
    assert set(hist) >= {"loss", "accuracy", "val_loss", "val_accuracy", "wall_s"}
    assert len(hist["loss"]) == 1 and np.isfinite(hist["loss"][0])
    assert any((tmp_path / "logs").rglob("events.out.tfevents.*"))
    res = cnn.evaluate(model, X[200:], y[200:])
    assert res["proba"].shape == (40, 10) and 0.0 <= res["accuracy"] <= 1.0
    assert res["accuracy"] == np.mean(res["pred"] == y[200:])


def test_save_load_and_train_or_load(tiny, tmp_path):
    X, y = tiny
    args = dict(epochs=1, batch_size=100, seed=0, data_source="synthetic", profile="small")
    first = cnn.train_or_load(
        cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **args
    )
    assert first.how == "trained"
    saved = list(tmp_path.glob("logreg-synthetic-small-seed0-*.weights.h5"))
    assert len(saved) == 1
    again = cnn.train_or_load(
        cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **args
    )
    assert again.how == "loaded"
    assert again.history["loss"] == first.history["loss"]
    p1 = first.model.predict(X, verbose=0)
    p2 = again.model.predict(X, verbose=0)
    assert np.array_equal(p1, p2)
    # without asking for cached weights it trains again; another seed is another file
    assert cnn.train_or_load(cnn.build_logreg, "logreg", X, y, cache=tmp_path, **args).how == (
        "trained"
    )
    other = cnn.train_or_load(
        cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **{**args, "seed": 1}
    )
    assert other.how == "trained"
    # plain save/load round trip of the CNN
    model = cnn.build_cnn(seed=3)
    path = cnn.save_model_weights(model, tmp_path / "m.weights.h5", {"loss": [1.0]})
    fresh = cnn.build_cnn(seed=4)
    assert not np.array_equal(fresh.predict(X, verbose=0), model.predict(X, verbose=0))
    assert cnn.load_model_weights(fresh, path) == {"loss": [1.0]}
    assert np.array_equal(fresh.predict(X, verbose=0), model.predict(X, verbose=0))


def test_confusion_matrix_and_worst_mistakes():
    y_true = np.array([0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 2, 1, 2, 0, 2])
    cm = cnn.confusion_matrix(y_true, y_pred, n_classes=3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 2]]
    proba = np.array(
        [[0.9, 0.05, 0.05], [0.1, 0.3, 0.6], [0.1, 0.8, 0.1], [0, 0, 1], [0.95, 0, 0.05], [0, 0, 1]]
    )
    assert cnn.worst_mistakes(proba, y_true, k=5).tolist() == [4, 1]
    with pytest.raises(ValueError, match="same 1-D shape"):
        cnn.confusion_matrix(y_true, y_pred[:-1])


def test_mean_sd():
    assert cnn.mean_sd([0.5]) == "0.5000 (1 seed)"
    assert cnn.mean_sd([0.8, 0.9, 1.0], 2) == "0.90 ± 0.10"
    with pytest.raises(ValueError, match="non-empty"):
        cnn.mean_sd([])


def test_damaged_cached_weights_and_history_are_recomputed(tiny, tmp_path, capsys):
    X, y = tiny
    args = dict(epochs=1, batch_size=100, seed=0, data_source="synthetic", profile="small")
    cnn.train_or_load(cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **args)
    (weights,) = tmp_path.glob("*.weights.h5")
    history = weights.with_name(weights.name.replace(".weights.h5", ".json"))
    for damage in (lambda: weights.write_bytes(b"not hdf5"), lambda: history.write_text("{")):
        damage()
        capsys.readouterr()
        out = cnn.train_or_load(
            cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **args
        )
        said = capsys.readouterr().out
        assert out.how == "trained" and said.count("damaged") == 1 and said.count("\n") == 1
        again = cnn.train_or_load(
            cnn.build_logreg, "logreg", X, y, use_cache=True, cache=tmp_path, **args
        )
        assert again.how == "loaded"  # the recomputed files are whole
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([weights.name, history.name])


@pytest.mark.parametrize("lr", [-1.0, 0.0, float("nan"), float("inf")])
def test_builders_refuse_bad_learning_rates(lr):
    for build in (cnn.build_cnn, cnn.build_logreg):
        with pytest.raises(ValueError, match="learning_rate"):
            build(learning_rate=lr)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        cnn.one_hot([-1])

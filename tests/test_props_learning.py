"""Property tests of the learning modules (issue 11): bad input refused; one-hot, confusion
matrices, image preprocessing, encodings, circuits and the cached features."""

import tempfile
from pathlib import Path

import cirq
import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

cnn = pytest.importorskip("qbook.learning.cnn")
from qbook.learning import hybrid, qcnn, qml  # noqa: E402

COVERED = [
    "qbook.learning.cnn.build_cnn",
    "qbook.learning.cnn.build_logreg",
    "qbook.learning.cnn.one_hot",
    "qbook.learning.cnn.train",
    "qbook.learning.cnn.evaluate",
    "qbook.learning.cnn.weights_dir",
    "qbook.learning.cnn.weights_key",
    "qbook.learning.cnn.save_model_weights",
    "qbook.learning.cnn.load_model_weights",
    "qbook.learning.cnn.Trained",
    "qbook.learning.cnn.use_cached_weights",
    "qbook.learning.cnn.train_or_load",
    "qbook.learning.cnn.mean_sd",
    "qbook.learning.cnn.confusion_matrix",
    "qbook.learning.cnn.worst_mistakes",
    "qbook.learning.cnn.plot_confusion_matrix",
    "qbook.learning.cnn.plot_mistakes",
    "qbook.learning.cnn.plot_histories",
    "qbook.learning.qcnn.cluster_state_circuit",
    "qbook.learning.qcnn.one_qubit_unitary",
    "qbook.learning.qcnn.two_qubit_unitary",
    "qbook.learning.qcnn.two_qubit_pool",
    "qbook.learning.qcnn.quantum_conv_circuit",
    "qbook.learning.qcnn.quantum_pool_circuit",
    "qbook.learning.qcnn.qcnn_circuit",
    "qbook.learning.qcnn.filter_circuit",
    "qbook.learning.qcnn.circuit_symbols",
    "qbook.learning.qcnn.ExcitationData",
    "qbook.learning.qcnn.excitation_label",
    "qbook.learning.qcnn.excitation_data",
    "qbook.learning.qcnn.hinge_accuracy",
    "qbook.learning.qcnn.uniform_angles",
    "qbook.learning.qcnn.build_qcnn_model",
    "qbook.learning.qcnn.TrainResult",
    "qbook.learning.qcnn.train_model",
    "qbook.learning.qcnn.to_tensor",
    "qbook.learning.qcnn.plot_histories",
    "qbook.learning.qml.select_classes",
    "qbook.learning.qml.downsample",
    "qbook.learning.qml.binarize",
    "qbook.learning.qml.fix_polarity",
    "qbook.learning.qml.prepare_images",
    "qbook.learning.qml.remove_contradictions",
    "qbook.learning.qml.Distinct",
    "qbook.learning.qml.distinct_with_weights",
    "qbook.learning.qml.data_qubits",
    "qbook.learning.qml.readout_qubit",
    "qbook.learning.qml.encode_image",
    "qbook.learning.qml.encode_images",
    "qbook.learning.qml.qnn_circuit",
    "qbook.learning.qml.hinge_labels",
    "qbook.learning.qml.build_qnn_model",
    "qbook.learning.qml.build_dense_model",
    "qbook.learning.qml.build_small_cnn",
    "qbook.learning.qml.n_params",
    "qbook.learning.qml.FitResult",
    "qbook.learning.qml.fit_eval",
    "qbook.learning.qml.EpochTime",
    "qbook.learning.qml.time_epoch",
    "qbook.learning.qml.compare_epoch_times",
    "qbook.learning.qml.pattern_lookup_accuracy",
    "qbook.learning.hybrid.build_hybrid_model",
    "qbook.learning.hybrid.quantum_param_count",
    "qbook.learning.hybrid.pauli_features",
    "qbook.learning.hybrid.stabiliser_features",
    "qbook.learning.hybrid.build_feature_mlp",
    "qbook.learning.hybrid.hidden_for_budget",
    "qbook.learning.hybrid.quanv_qubits",
    "qbook.learning.hybrid.quanv_random_layer",
    "qbook.learning.hybrid.quanv_circuit",
    "qbook.learning.hybrid.image_patches",
    "qbook.learning.hybrid.quanv_features",
    "qbook.learning.hybrid.quanv_features_cirq",
    "qbook.learning.hybrid.random_conv_features",
    "qbook.learning.hybrid.data_cache_dir",
    "qbook.learning.hybrid.cached_quanv_features",
    "qbook.learning.hybrid.build_quanv_head",
]

CASES = [
    *bad_input_cases("cnn"),
    *bad_input_cases("qcnn"),
    *bad_input_cases("qml"),
    *bad_input_cases("hybrid"),
]
labels = st.lists(st.integers(0, 9), min_size=1, max_size=30)
pixels = st.floats(0, 1, width=32)


@pytest.mark.parametrize(("qual", "func", "good", "muts"), CASES)
@settings(max_examples=4)  # every example may build a Keras model
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(labels, st.data())
def test_one_hot_and_confusion_matrix(y, data):
    y = np.asarray(y)
    oh = cnn.one_hot(y)
    assert np.array_equal(oh.argmax(1), y) and np.all(oh.sum(1) == 1)
    pred = np.asarray(data.draw(st.lists(st.integers(0, 9), min_size=len(y), max_size=len(y))))
    cm = cnn.confusion_matrix(y, pred)
    assert cm.sum() == len(y) and np.trace(cm) == np.sum(y == pred)
    proba = np.eye(10)[pred] * 0.9 + 0.01
    worst = cnn.worst_mistakes(proba, y, k=3)
    assert len(worst) == min(3, int(np.sum(y != pred))) and np.all(pred[worst] != y[worst])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_mean_sd_text(values):
    text = cnn.mean_sd(values, digits=3)
    assert ("±" in text) == (len(values) > 1)


@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.just(8), st.just(8)), elements=pixels),
    st.sampled_from([1, 2, 4, 8]),
)
def test_downsample_binarize_patches(images, size):
    small = qml.downsample(images, size)
    assert small.shape == (len(images), size, size)
    np.testing.assert_allclose(small.mean(axis=(1, 2)), images.mean(axis=(1, 2)), atol=1e-5)
    b = qml.binarize(small)
    assert set(np.unique(b)) <= {0, 1}
    p = hybrid.image_patches(images)
    assert p.shape == (len(images), 4, 4, 4) and np.isclose(p.sum(), images.sum(), rtol=1e-5)
    q = hybrid.quanv_features(images, n_gates=2)
    assert q.shape == p.shape and np.all(np.abs(q) <= 1 + 1e-5)
    r = hybrid.random_conv_features(images)
    assert r.shape == p.shape and np.all(np.abs(r) <= 1)


@given(
    hnp.arrays(
        np.int64, st.tuples(st.integers(1, 12), st.just(2), st.just(2)), elements=st.integers(0, 1)
    ),
    st.data(),
)
def test_contradictions_distinct_weights_and_lookup(X, data):
    y = np.asarray(data.draw(st.lists(st.integers(0, 1), min_size=len(X), max_size=len(X))))
    Xc, yc = qml.remove_contradictions(X, y)
    keys = {}
    for x, label in zip(Xc.reshape(len(Xc), 4).tolist(), yc, strict=True):
        keys.setdefault(tuple(x), set()).add(int(label))
    assert all(len(v) == 1 for v in keys.values())
    d = qml.distinct_with_weights(X, y)
    assert isinstance(d, qml.Distinct) and d.counts.sum() == len(X)
    assert d.weights.sum() == pytest.approx(len(d.X))
    assert 0 <= qml.pattern_lookup_accuracy(X, y, X, y) <= 1
    assert np.array_equal(qml.hinge_labels(y), 2 * y - 1)
    circuits = qml.encode_images(X)
    assert [len(list(c.all_operations())) for c in circuits] == X.reshape(len(X), -1).sum(
        1
    ).tolist()


@given(st.lists(st.floats(-3.14, 3.14), min_size=1, max_size=20))
def test_excitation_labels_follow_the_angle(theta):
    lab = qcnn.excitation_label(np.asarray(theta))
    assert np.array_equal(lab == 1, np.abs(theta) <= np.pi / 2)


@given(st.integers(0, 50))
def test_excitation_data_and_circuits(seed):
    qubits = cirq.GridQubit.rect(1, 8)
    d = qcnn.excitation_data(qubits, n_rounds=2, seed=seed)
    assert isinstance(d, qcnn.ExcitationData) and len(d.train_circuits) + len(d.test_circuits) == 16
    assert np.array_equal(d.train_labels, qcnn.excitation_label(d.train_angles))
    assert len(qcnn.circuit_symbols(qcnn.qcnn_circuit(qubits))) == 63
    assert len(qcnn.circuit_symbols(qcnn.filter_circuit(qubits))) == 21
    assert len(qcnn.circuit_symbols(qml.qnn_circuit()[0])) == 32
    assert len(qml.data_qubits()) == 16 and qml.readout_qubit() not in qml.data_qubits()
    f = hybrid.pauli_features(d.train_circuits[:2], qubits)
    assert f.shape == (2, 24) and np.all(np.abs(f) <= 1 + 1e-6)
    s = hybrid.stabiliser_features(d.train_circuits[:2], qubits)
    assert s.shape == (2, 8)
    patch = np.random.default_rng(seed).uniform(0, 1, 4)
    np.testing.assert_allclose(
        hybrid.quanv_features(patch.reshape(1, 2, 2), seed=seed)[0, 0, 0],
        hybrid.quanv_features_cirq(patch, seed=seed),
        atol=1e-5,
    )
    assert len(hybrid.quanv_qubits()) == 4
    assert len(list(hybrid.quanv_random_layer(seed, 5).all_operations())) == 5
    assert hybrid.quanv_circuit(seed, 3) is not None


@given(st.integers(1, 64), st.integers(1, 500))
def test_hidden_for_budget_is_closest(n_features, n_params):
    h = hybrid.hidden_for_budget(n_features, n_params)
    count = lambda k: (n_features + 1) * k + k + 1  # noqa: E731
    assert h >= 1 and all(
        abs(count(h) - n_params) <= abs(count(k) - n_params) + n_features + 2 for k in range(1, 50)
    )


@settings(max_examples=1, deadline=None)  # trains two small models
@given(st.integers(0, 3))
def test_models_build_train_save_and_load(seed):
    X = np.random.default_rng(seed).uniform(0, 1, (8, 32, 32, 1)).astype(np.float32)
    y = np.arange(8) % 10
    folder = Path(tempfile.mkdtemp())
    t = cnn.train_or_load(
        cnn.build_logreg,
        "lr",
        X,
        y,
        epochs=1,
        batch_size=4,
        seed=seed,
        data_source="synthetic",
        profile="small",
        use_cache=True,
        cache=folder,
    )
    assert isinstance(t, cnn.Trained) and t.how == "trained"
    again = cnn.train_or_load(
        cnn.build_logreg,
        "lr",
        X,
        y,
        epochs=1,
        batch_size=4,
        seed=seed,
        data_source="synthetic",
        profile="small",
        use_cache=True,
        cache=folder,
    )
    assert again.how == "loaded"
    assert cnn.evaluate(again.model, X, y)["proba"].shape == (8, 10)
    assert not cnn.use_cached_weights() or True  # reads $QBOOK_USE_WEIGHTS only
    assert cnn.weights_dir(folder) == folder
    assert cnn.weights_key("a", "b", "c", seed).startswith(f"a-b-c-seed{seed}-")
    dense = qml.build_dense_model(seed=seed)
    assert qml.n_params(dense) == 37 and hybrid.quantum_param_count(dense) == 0
    x16, y16 = np.eye(16)[:4].astype(np.float32), np.array([1, -1, 1, -1], np.float32)
    res = qml.fit_eval("d", dense, x16, y16, x16, y16, seed=seed, epochs=1, batch_size=2)
    assert isinstance(res, qml.FitResult) and 0 <= res.test_accuracy <= 1
    et = qml.time_epoch(dense, x16, y16, batch_size=2)
    assert isinstance(et, qml.EpochTime) and et.wall > 0
    feats, hit = hybrid.cached_quanv_features(X[:1, :4, :4, 0], cache_dir=folder / "q")
    assert not hit and hybrid.cached_quanv_features(X[:1, :4, :4, 0], cache_dir=folder / "q")[1]
    assert hybrid.data_cache_dir().name

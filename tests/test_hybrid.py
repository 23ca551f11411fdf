"""Hybrid filters, classical features and quanvolution of chapter 6."""

import cirq
import numpy as np
import pytest

from qbook.learning import hybrid, qcnn

QUBITS = cirq.GridQubit.rect(1, 8)


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_quanv_numpy_batch_equals_cirq(seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 1, size=(2, 4, 4))
    feats = hybrid.quanv_features(images, seed=seed)
    assert feats.shape == (2, 2, 2, 4)
    patches = hybrid.image_patches(images)
    for n, i, j in [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 1)]:
        ref = hybrid.quanv_features_cirq(patches[n, i, j], seed=seed)
        np.testing.assert_allclose(feats[n, i, j], ref, atol=1e-5)
    # patch order: top-left, top-right, bottom-left, bottom-right
    assert np.array_equal(patches[0, 0, 1], images[0, 0:2, 2:4].reshape(-1))


def test_quanv_cache_roundtrip(tmp_path):
    x = np.random.default_rng(2).uniform(0, 1, size=(3, 4, 4)).astype(np.float32)
    a, hit_a = hybrid.cached_quanv_features(x, seed=1, cache_dir=tmp_path)
    b, hit_b = hybrid.cached_quanv_features(x, seed=1, cache_dir=tmp_path)
    c, hit_c = hybrid.cached_quanv_features(x, seed=2, cache_dir=tmp_path)
    assert (hit_a, hit_b, hit_c) == (False, True, False)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_feature_shapes_and_information():
    d = qcnn.excitation_data(QUBITS, n_rounds=1, seed=0)
    local = hybrid.pauli_features(d.train_circuits[:4], QUBITS)
    stab = hybrid.stabiliser_features(d.train_circuits[:4], QUBITS)
    assert local.shape == (4, 24) and stab.shape == (4, 8)
    # single-qubit expectations carry no information; stabilisers give cos(theta) next door
    assert np.abs(local).max() < 1e-5
    for k in range(4):
        j = d.train_qubit[k]
        assert stab[k, (j + 1) % 8] == pytest.approx(np.cos(d.train_angles[k]), abs=1e-5)


def test_hybrid_parameter_counts():
    one = hybrid.build_hybrid_model(QUBITS, n_filters=1)
    three = hybrid.build_hybrid_model(QUBITS, n_filters=3)
    assert hybrid.quantum_param_count(one) == 21
    assert hybrid.quantum_param_count(three) == 63
    assert sum(int(np.prod(w.shape)) for w in one.trainable_weights) == 21 + 4 * 8 + 8 + 9
    assert hybrid.hidden_for_budget(8, 63) == 6


def test_random_conv_shape():
    x = np.zeros((2, 8, 8))
    assert hybrid.random_conv_features(x).shape == (2, 4, 4, 4)
    with pytest.raises(ValueError):
        hybrid.image_patches(np.zeros((1, 5, 4)))


@pytest.mark.parametrize("damage", [b"", b"\x93NUMPY garbage", "wrong-shape"])
def test_damaged_quanv_cache_is_reported_and_recomputed(tmp_path, capsys, damage):
    x = np.random.default_rng(3).uniform(0, 1, size=(2, 4, 4))
    good, _ = hybrid.cached_quanv_features(x, seed=1, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npy")
    if damage == "wrong-shape":
        np.save(path, np.zeros(3, np.float32))
    else:
        path.write_bytes(damage)
    capsys.readouterr()
    again, hit = hybrid.cached_quanv_features(x, seed=1, cache_dir=tmp_path)
    said = capsys.readouterr().out
    assert not hit and np.array_equal(again, good)
    assert said.count("damaged") == 1 and said.count("\n") == 1
    assert hybrid.cached_quanv_features(x, seed=1, cache_dir=tmp_path)[1]  # healed
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left

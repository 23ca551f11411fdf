"""Image preprocessing, encoding and the distinct-image weighting of chapter 5."""

import cirq
import numpy as np
import pytest

from qbook.learning import qml


def test_remove_contradictions_on_crafted_example():
    a = np.array([[1, 0], [0, 1]], dtype=np.uint8)
    b = np.array([[1, 1], [0, 0]], dtype=np.uint8)
    c = np.array([[0, 0], [0, 1]], dtype=np.uint8)
    X = np.stack([a, b, a, c, b, a])
    y = np.array([1, 0, 0, 1, 0, 1])  # a appears with both labels; b twice as 0; c once
    Xr, yr = qml.remove_contradictions(X, y)
    assert len(Xr) == 3
    assert all(not np.array_equal(x, a) for x in Xr)
    assert np.array_equal(yr, [0, 1, 0])
    assert np.array_equal(Xr[0], b) and np.array_equal(Xr[1], c) and np.array_equal(Xr[2], b)
    with pytest.raises(ValueError, match="labels"):
        qml.remove_contradictions(X, y[:-1])


def test_encode_image_puts_x_exactly_on_ones():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 2, size=(4, 4)).astype(np.uint8)
    circuit = qml.encode_image(img)
    qubits = cirq.GridQubit.rect(4, 4)
    ops = list(circuit.all_operations())
    assert all(op.gate == cirq.X for op in ops)
    on = {op.qubits[0] for op in ops}
    assert on == {qubits[r * 4 + c] for r in range(4) for c in range(4) if img[r, c]}
    assert on == {cirq.GridQubit(r, c) for r, c in zip(*np.nonzero(img), strict=False)}
    # the state is the computational basis state of the image, row-major
    state = cirq.Simulator().simulate(circuit, qubit_order=qubits).final_state_vector
    index = int("".join(map(str, img.reshape(-1))), 2)
    assert abs(abs(state[index]) - 1) < 1e-6
    with pytest.raises(ValueError, match="binary"):
        qml.encode_image(img * 0.5)


def test_qnn_has_32_symbols_17_qubits():
    circuit, readout = qml.qnn_circuit()
    assert len(cirq.parameter_names(circuit)) == 32
    assert len(circuit.all_qubits()) == 17
    assert readout == cirq.Z(qml.readout_qubit())


def test_downsample_and_binarize():
    x = np.arange(64, dtype=np.float32).reshape(1, 8, 8)
    d = qml.downsample(x, 4)
    assert d.shape == (1, 4, 4) and d[0, 0, 0] == pytest.approx((0 + 1 + 8 + 9) / 4)
    b = qml.binarize(d)
    assert b.dtype == np.uint8 and b.sum() == 8
    with pytest.raises(ValueError):
        qml.downsample(np.zeros((1, 6, 6)), 4)


def test_distinct_weights_sum_and_order():
    X = np.array([[0, 1], [1, 1], [0, 1], [0, 1]], dtype=np.uint8)
    y = np.array([1, 0, 1, 1])
    d = qml.distinct_with_weights(X, y)
    assert np.array_equal(d.X, [[0, 1], [1, 1]]) and np.array_equal(d.counts, [3, 1])
    assert d.weights.sum() == pytest.approx(len(d.X))


def test_weighted_distinct_loss_equals_per_sample_loss():
    from qbook.learning import qlayers

    tfq = qlayers.backend()  # TFQ or qbook's layers, whichever is active
    rng = np.random.default_rng(1)
    pool = rng.integers(0, 2, size=(6, 4, 4)).astype(np.uint8)
    idx = rng.integers(0, 6, size=40)
    X, y = pool[idx], (idx % 2).astype(np.int64)  # repeats, no contradictions
    d = qml.distinct_with_weights(X, y)
    assert len(d.X) == 6 and d.counts.sum() == 40
    model = qml.build_qnn_model(seed=3)
    full = model.evaluate(
        tfq.convert_to_tensor(qml.encode_images(X)), qml.hinge_labels(y), batch_size=7, verbose=0
    )[0]
    weighted = model.evaluate(
        tfq.convert_to_tensor(qml.encode_images(d.X)),
        qml.hinge_labels(d.y),
        sample_weight=d.weights,
        batch_size=4,
        verbose=0,
    )[0]
    assert weighted == pytest.approx(full, rel=1e-5)
    # and by hand from the model's outputs
    out = model(tfq.convert_to_tensor(qml.encode_images(X))).numpy()[:, 0]
    assert full == pytest.approx(np.mean(np.maximum(0, 1 - qml.hinge_labels(y) * out)), rel=1e-5)


def test_prepare_images_fixes_polarity():
    rng = np.random.default_rng(0)
    bright_digit = np.zeros((1, 32, 32), dtype=np.float32)
    bright_digit[0, 6:26, 12:20] = 1.0
    dark_digit = 1.0 - bright_digit
    noise = rng.uniform(0, 0.05, size=(1, 32, 32)).astype(np.float32)
    a = qml.prepare_images(bright_digit + noise)
    b = qml.prepare_images(dark_digit - noise + 0.05)
    assert a.shape == (1, 4, 4) and np.array_equal(a, b)
    assert a[0, :, 1:3].sum() >= 4 and a[0, :, 0].sum() == 0


def test_lookup_accuracy():
    X = np.array([[0, 1], [0, 1], [1, 1], [1, 0]])
    y = np.array([1, 1, 0, 0])
    assert qml.pattern_lookup_accuracy(X, y, np.array([[0, 1], [1, 1], [0, 0]]), [1, 0, 1]) == 1.0

"""QCNN circuits, excitation data and TFQ-vs-Cirq agreement (chapters 3 and 4)."""

import cirq
import numpy as np
import pytest
import sympy

from qbook.common import report
from qbook.learning import qcnn

QUBITS = cirq.GridQubit.rect(1, 8)


def test_qcnn_has_63_symbols_on_8_qubits():
    circuit = qcnn.qcnn_circuit(QUBITS)
    assert len(qcnn.circuit_symbols(circuit)) == 63
    assert set(circuit.all_qubits()) == set(QUBITS)


def test_block_parameter_counts():
    a, b = QUBITS[:2]
    conv = qcnn.two_qubit_unitary([a, b], sympy.symbols("c0:15"))
    pool = qcnn.two_qubit_pool(a, b, sympy.symbols("p0:6"))
    assert len(cirq.parameter_names(conv)) == 15
    assert len(cirq.parameter_names(pool)) == 6
    assert len(qcnn.circuit_symbols(qcnn.filter_circuit(QUBITS))) == 21
    with pytest.raises(ValueError, match="15 symbols"):
        qcnn.two_qubit_unitary([a, b], sympy.symbols("x0:14"))


def test_pooling_leaves_one_qubit_active():
    # After the last pooling block only qubits[7] is touched: nothing acts on qubits[:7] at the end.
    circuit = qcnn.qcnn_circuit(QUBITS)
    last = circuit.moments[-1]
    assert set(last.qubits) == {QUBITS[7]}


def test_cluster_state_is_stabilised():
    state = cirq.Simulator().simulate(qcnn.cluster_state_circuit(QUBITS)).final_state_vector
    qmap = {q: i for i, q in enumerate(QUBITS)}
    for i in range(8):
        k = cirq.Z(QUBITS[i - 1]) * cirq.X(QUBITS[i]) * cirq.Z(QUBITS[(i + 1) % 8])
        assert abs(k.expectation_from_state_vector(state, qmap) - 1) < 1e-6


def test_excitation_labels_and_split():
    d = qcnn.excitation_data(QUBITS, n_rounds=20, seed=3)
    assert (len(d.train_circuits), len(d.test_circuits)) == (112, 48)
    assert d.train_labels.shape == (112,) and d.test_labels.shape == (48,)
    theta = np.concatenate([d.train_angles, d.test_angles])
    labels = np.concatenate([d.train_labels, d.test_labels])
    assert np.all((theta > -np.pi) & (theta < np.pi))
    assert np.array_equal(labels == 1, np.abs(theta) <= np.pi / 2)
    assert set(np.unique(labels)) == {-1, 1}
    # every qubit excited once per round, and the circuit carries its angle
    which = np.concatenate([d.train_qubit, d.test_qubit])
    assert np.array_equal(which, np.tile(np.arange(8), 20))
    op = d.train_circuits[5].all_operations().__next__()
    assert op.qubits == (QUBITS[5],)
    assert np.isclose(op.gate.exponent * np.pi, d.train_angles[5])
    # seeded: same seed same data, other seed other data
    again = qcnn.excitation_data(QUBITS, n_rounds=20, seed=3)
    assert np.array_equal(again.train_angles, d.train_angles)
    assert not np.array_equal(qcnn.excitation_data(QUBITS, seed=4).train_angles, d.train_angles)
    assert np.array_equal(qcnn.excitation_label([np.pi / 2, -np.pi / 2, 1.6, -3.0]), [1, 1, -1, -1])


def test_tfq_matches_cirq_on_random_parameters():
    tfq = qbook_tfq()
    rng = np.random.default_rng(0)
    data = qcnn.excitation_data(QUBITS, n_rounds=1, seed=1)
    model_circuit = qcnn.qcnn_circuit(QUBITS)
    symbols = qcnn.circuit_symbols(model_circuit)
    values = rng.uniform(0, 2 * np.pi, size=(3, len(symbols))).astype(np.float32)
    full = [qcnn.cluster_state_circuit(QUBITS) + c + model_circuit for c in data.train_circuits[:3]]
    got = tfq.layers.Expectation()(
        full,
        symbol_names=[s.name for s in symbols],
        symbol_values=values,
        operators=cirq.Z(QUBITS[-1]),
    ).numpy()[:, 0]
    sim = cirq.Simulator()
    want = [
        sim.simulate_expectation_values(
            cirq.resolve_parameters(c, dict(zip(symbols, v.astype(float), strict=False))),
            cirq.Z(QUBITS[-1]),
        )[0].real
        for c, v in zip(full, values, strict=False)
    ]
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_qcnn_model_has_63_weights_and_hinge_accuracy():
    qbook_tfq()
    model = qcnn.build_qcnn_model(QUBITS, seed=0)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 63
    acc = qcnn.hinge_accuracy(np.array([1.0, -1.0, 1.0, -1.0]), np.array([0.3, -0.1, -0.2, 0.0]))
    assert float(acc) == pytest.approx(0.5)


def test_mean_sd():
    assert report.mean_sd([1.0]) == (1.0, 0.0)
    m, s = report.mean_sd([1.0, 3.0])
    assert m == 2.0 and s == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError):
        report.mean_sd([])


def qbook_tfq():
    """The active backend's quantum layers (TFQ or qbook's), with TFQ's interface."""
    from qbook.learning import qlayers

    return qlayers.backend()

"""TensorFlow Quantum against qbook's simulator (chapter 3): speed and agreement.

For the chapter 4 QCNN (8 qubits, 63 symbols, batch 112, cluster state prepended) and the
chapter 5 QNN (17 qubits, 32 symbols, batch 32), both backends get the same weights and the same
circuits; one training step (forward pass, mean squared error, gradient with respect to the
symbols) runs inside ``tf.function`` on each. Recorded: the median seconds per step of
``REPEATS`` steps after a warm-up, the ratio, the largest output difference and the largest
gradient difference (float32 on both sides; TFQ's adjoint gradient is itself about 1e-4 from
float64 finite differences). Needs TFQ (run it in the book's Python 3.11 environment).

Run: ``PYTHONPATH=. QBOOK_QML_BACKEND=tfq .venv/bin/python benchmarks/bench_backends.py``
(about 2 minutes on 2 cores); writes ``benchmarks/results/bench_backends.json``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QBOOK_QML_BACKEND", "tfq")

from _rows import Rows  # noqa: E402

import qbook  # noqa: E402

REPEATS = 7


def _models(circuit, readout, prepend, seed):
    """The same circuit as a TFQ model and a qbook model with identical weights."""
    import cirq  # noqa: F401
    import tensorflow as tf
    import tensorflow_quantum as tfq

    from qbook import qlayers

    models = {}
    for name, lib in (("tfq", tfq.layers), ("qbook", qlayers)):
        inp = tf.keras.Input(shape=(), dtype=tf.string)
        x = inp
        if prepend is not None:
            x = (
                lib.AddCircuit()(x, prepend=prepend)
                if name == "tfq"
                else lib.AddCircuit(prepend=prepend)(x)
            )
        init = tf.keras.initializers.RandomUniform(0.0, 6.28, seed=seed)
        out = lib.PQC(circuit, readout, initializer=init)(x)
        models[name] = tf.keras.Model(inp, out)
    models["qbook"].set_weights(models["tfq"].get_weights())
    return models


def _step_fn(model, y):
    import tensorflow as tf

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            out = model(x)
            loss = tf.reduce_mean((out[:, 0] - y) ** 2)
        return out, tape.gradient(loss, model.trainable_weights)[0]

    return step


def compare(rows: Rows, experiment: str, chapter: str, circuit, readout, prepend, circuits, y):
    import numpy as np
    import tensorflow_quantum as tfq

    from qbook import qlayers

    models = _models(circuit, readout, prepend, seed=0)
    xs = {"tfq": tfq.convert_to_tensor(circuits), "qbook": qlayers.convert_to_tensor(circuits)}
    results, times = {}, {}
    for name in ("tfq", "qbook"):
        step = _step_fn(models[name], y)
        out, grad = step(xs[name])  # trace and warm the caches
        results[name] = (out.numpy(), grad.numpy())
        ts = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            step(xs[name])
            ts.append(time.perf_counter() - t0)
        times[name] = statistics.median(ts)
    batch = len(circuits)
    extra = {"chapter_of_circuit": chapter, "batch": batch, "repeats": REPEATS}
    for name in ("tfq", "qbook"):
        rows.add(experiment, f"{name}_step_seconds", times[name], "s", **extra)
    rows.add(experiment, "speedup_qbook_over_tfq", times["tfq"] / times["qbook"], "x", **extra)
    d_out = float(np.abs(results["tfq"][0] - results["qbook"][0]).max())
    d_grad = float(np.abs(results["tfq"][1] - results["qbook"][1]).max())
    rows.add(experiment, "max_output_difference", d_out, "", **extra)
    rows.add(experiment, "max_gradient_difference", d_grad, "", **extra)


def main() -> None:
    qbook.setup(tensorflow=True, banner=True)
    import cirq
    import numpy as np

    from qbook import qcnn, qml

    rows = Rows("bench_backends", "03_qml_primer")
    q = cirq.GridQubit.rect(1, 8)
    data = qcnn.excitation_data(q, n_rounds=20, seed=0)
    compare(
        rows,
        "qcnn_8q_batch112_step",
        "04_qcnn",
        qcnn.qcnn_circuit(q),
        cirq.Z(q[-1]),
        qcnn.cluster_state_circuit(q),
        data.train_circuits,
        np.asarray(data.train_labels, np.float32),
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 2, size=(32, 4, 4))
    circuit, readout = qml.qnn_circuit()
    compare(
        rows,
        "qnn_17q_batch32_step",
        "05_quantum_image_classifier",
        circuit,
        readout,
        None,
        qml.encode_images(images),
        np.where(rng.random(32) < 0.5, -1.0, 1.0).astype(np.float32),
    )
    rows.write()


if __name__ == "__main__":
    main()

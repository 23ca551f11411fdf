"""TensorFlow Quantum against qbook's simulator (chapter 3): speed and agreement.

For the chapter 4 QCNN (8 qubits, 63 symbols, batch 112, cluster state prepended) and the
chapter 5 QNN (17 qubits, 32 symbols, batch 32), both backends get the same weights and the same
circuits; one training step (forward pass, mean squared error, gradient with respect to the
symbols) runs inside ``tf.function`` on each. After ``WARMUP`` untimed rounds the two
backends' steps are timed *interleaved*, ``REPEATS`` rounds, the order alternating from round
to round and each timed step preceded by a pause of ``PAUSE`` seconds: without the pause, a
qbook step started right after one of TFQ's ran several times slower (TFQ's threads apparently
stay busy for a moment after a step), and on a shared machine the load changes from minute to
minute (interleaving exposes both backends to the same). Recorded: the median seconds per step of each
backend with the quartiles and the extremes, the median over rounds of the ratio TFQ / qbook
(with its quartiles), the largest output difference and the largest gradient difference
(float32 on both sides; TFQ's adjoint gradient is itself about 1e-4 from float64 finite
differences). Needs TFQ (run it in the book's Python 3.11 environment).

Run: ``PYTHONPATH=. QBOOK_QML_BACKEND=tfq .venv/bin/python benchmarks/bench_backends.py``
(about 4 minutes on 2 cores); writes ``qbook/common/recorded/benchmarks/bench_backends.json``.
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

REPEATS = 15
PAUSE = 0.5
WARMUP = 3  # untimed interleaved rounds first (the first steps after tracing run slow)


def _models(circuit, readout, prepend, seed):
    """The same circuit as a TFQ model and a qbook model with identical weights."""
    import cirq  # noqa: F401
    import tensorflow as tf
    import tensorflow_quantum as tfq

    from qbook.learning import qlayers

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

    from qbook.learning import qlayers

    models = _models(circuit, readout, prepend, seed=0)
    xs = {"tfq": tfq.convert_to_tensor(circuits), "qbook": qlayers.convert_to_tensor(circuits)}
    steps = {name: _step_fn(models[name], y) for name in models}
    results = {}
    for name, step in steps.items():  # trace and warm the caches
        out, grad = step(xs[name])
        results[name] = (out.numpy(), grad.numpy())
    times = _interleaved(steps, xs)
    batch = len(circuits)
    extra = {"chapter_of_circuit": chapter, "batch": batch, "repeats": REPEATS, "pause_s": PAUSE}
    for name in ("tfq", "qbook"):
        ts = times[name]
        rows.add(
            experiment, f"{name}_step_seconds", statistics.median(ts), "s", **_spread(ts), **extra
        )
    ratios = [a / b for a, b in zip(times["tfq"], times["qbook"], strict=True)]
    rows.add(
        experiment,
        "speedup_qbook_over_tfq",
        statistics.median(ratios),
        "x",
        **_spread(ratios),
        **extra,
    )
    d_out = float(np.abs(results["tfq"][0] - results["qbook"][0]).max())
    d_grad = float(np.abs(results["tfq"][1] - results["qbook"][1]).max())
    rows.add(experiment, "max_output_difference", d_out, "", **extra)
    rows.add(experiment, "max_gradient_difference", d_grad, "", **extra)


def _interleaved(steps, xs) -> dict[str, list[float]]:
    """Seconds per step of each backend, ``REPEATS`` rounds after ``WARMUP`` untimed ones,
    alternating which backend goes first."""
    names = list(steps)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(WARMUP + REPEATS):
        for name in names if r % 2 == 0 else names[::-1]:
            time.sleep(PAUSE)  # let the other backend's threads go idle first
            t0 = time.perf_counter()
            steps[name](xs[name])
            if r >= WARMUP:
                times[name].append(time.perf_counter() - t0)
    return times


def _spread(values: list[float]) -> dict[str, float]:
    """Quartiles and extremes of a list of timings (extra fields of a row)."""
    q1, _, q3 = statistics.quantiles(values, n=4)
    return {"q1": q1, "q3": q3, "min": min(values), "max": max(values)}


def main() -> None:
    qbook.setup(tensorflow=True, banner=True)
    import cirq
    import numpy as np

    from qbook.learning import qcnn, qml

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

"""qbook's simulator against TensorFlow Quantum (chapter 3): speed on fresh data, memory, first call.

Three measurements, each with the same circuits and weights on both backends:

(a) **Random circuits, fresh data.** For 8, 10, 12 and 14 qubits a random circuit from a
    held-out seed (``heldout.eval_seeds`` of :mod:`qbook.common.profile`, disjoint from the
    tuning seeds ``heldout.tune_seeds`` the simulator was tuned on): ``LAYERS`` layers, each a
    random rotation ``Rx/Ry/Rz(symbol)`` on every qubit and random couplings (``CZ``, ``CNOT``,
    ``ZZ^symbol``, ``XX^symbol``) on disjoint pairs, readout ``Z`` of the first and of the
    last qubit. A ``PQC`` model takes a batch of ``BATCH`` data circuits (random ``Ry`` angles
    on every qubit); every step gets a *new* batch (converted to tensors before timing, so the
    steps include each backend's own parsing and state preparation). One step is a forward
    pass, a mean squared error and its gradient in ``tf.function``. After ``WARMUP`` untimed
    rounds, ``REPEATS`` rounds are timed interleaved, the order alternating, each step after a
    ``PAUSE`` (see ``bench_backends.py`` for why). Recorded: each backend's median seconds per
    step with quartiles, the median over rounds of the ratio TFQ / qbook with quartiles, and
    the largest |qbook - Cirq| expectation value on the first batch (float32 qbook, Cirq's
    float64 simulator).
(b) **Memory of the 17-qubit QNN step** (chapter 5: 17 qubits, 32 symbols, batch 32). Each
    backend in its own fresh subprocess, with ``MALLOC_MMAP_THRESHOLD_=131072`` so that freed
    big buffers go back to the system (glibc otherwise keeps some, which hides or inflates
    peaks). Defined as: ``base`` = resident memory (VmRSS) after the model is built and one
    untimed forward call; the peak RSS (VmHWM) is then reset (``/proc/self/clear_refs``) and
    the training step is traced and run 3 times; ``extra = VmHWM - base`` (MiB). So it
    includes tracing the step and the memory the backward pass holds. Also recorded,
    ``steady_extra``: the same over 3 more steps, from the RSS after the first 3 (no tracing).
(c) **First call of a 144-symbol circuit**: a 12-qubit, 6-layer hardware-efficient circuit
    (``Ry``, ``Rz`` on every qubit, a ``CZ`` chain), batch 8, each backend in a fresh
    subprocess: seconds of the first call of the training step (trace and run), the model
    already built; the build time is recorded too.

Run: ``PYTHONPATH=. QBOOK_QML_BACKEND=tfq .venv/bin/python benchmarks/bench_simulator.py``
(about 2.5 minutes on 2 cores); writes ``qbook/common/recorded/benchmarks/bench_simulator.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QBOOK_QML_BACKEND", "tfq")

from _rows import Rows  # noqa: E402

import qbook  # noqa: E402

SIZES = (8, 10, 12, 14)
LAYERS = 4
BATCH = 16
REPEATS = 10
WARMUP = 2
PAUSE = 0.3
MIB = 2**20


def random_circuit(n: int, seed: int):
    """The random circuit of part (a): ``LAYERS`` layers on ``n`` line qubits, from ``seed``."""
    import cirq
    import numpy as np
    import sympy

    rng = np.random.default_rng(seed)
    q = cirq.LineQubit.range(n)
    c, k = cirq.Circuit(), 0

    def sym():
        nonlocal k
        k += 1
        return sympy.Symbol(f"t{k - 1:03d}")

    for _ in range(LAYERS):
        for i in range(n):
            c.append([cirq.rx, cirq.ry, cirq.rz][rng.integers(3)](sym()).on(q[i]))
        perm = rng.permutation(n)
        for a, b in zip(perm[0::2], perm[1::2], strict=False):
            kind = rng.integers(4)
            if kind == 0:
                c.append(cirq.CZ(q[a], q[b]))
            elif kind == 1:
                c.append(cirq.CNOT(q[a], q[b]))
            elif kind == 2:
                c.append(cirq.ZZPowGate(exponent=sym()).on(q[a], q[b]))
            else:
                c.append(cirq.XXPowGate(exponent=sym()).on(q[a], q[b]))
    return c, q, [cirq.Z(q[0]), cirq.Z(q[-1])]


def data_batch(qubits, rng):
    """``BATCH`` data circuits: a random ``Ry`` angle on every qubit."""
    import cirq

    return [
        cirq.Circuit(
            cirq.ry(float(a)).on(x)
            for a, x in zip(rng.uniform(0, 3.1, len(qubits)), qubits, strict=True)
        )
        for _ in range(BATCH)
    ]


def _model(lib_name: str, circuit, ops, weights):
    import tensorflow as tf

    if lib_name == "tfq":
        import tensorflow_quantum as tfq

        pqc = tfq.layers.PQC(circuit, ops)
    else:
        from qbook.learning import qlayers

        pqc = qlayers.PQC(circuit, ops)
    inp = tf.keras.Input(shape=(), dtype=tf.string)
    model = tf.keras.Model(inp, pqc(inp))
    model.set_weights([weights.astype("float32")])
    return model


def _convert(lib_name: str, circuits):
    if lib_name == "tfq":
        import tensorflow_quantum as tfq

        return tfq.convert_to_tensor(circuits)
    from qbook.learning import qlayers

    return qlayers.convert_to_tensor(circuits)


def _step_fn(model, n_out: int):
    import tensorflow as tf

    target = tf.linspace(-0.5, 0.5, n_out)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            out = model(x)
            loss = tf.reduce_mean((out - target) ** 2)
        return out, tape.gradient(loss, model.trainable_weights)[0]

    return step


def _spread(values: list[float]) -> dict[str, float]:
    q1, _, q3 = statistics.quantiles(values, n=4)
    return {"q1": q1, "q3": q3, "min": min(values), "max": max(values)}


def random_circuits(rows: Rows, seeds) -> None:
    """Part (a)."""
    import cirq
    import numpy as np

    for n, seed in zip(SIZES, seeds, strict=False):
        circuit, q, ops = random_circuit(n, seed)
        names = sorted(str(s) for s in cirq.parameter_names(circuit))
        rng = np.random.default_rng(seed)
        weights = rng.uniform(0, 2 * np.pi, len(names))
        models = {name: _model(name, circuit, ops, weights) for name in ("tfq", "qbook")}
        steps = {name: _step_fn(models[name], len(ops)) for name in models}
        batches = [data_batch(q, rng) for _ in range(WARMUP + REPEATS + 1)]
        xs = {name: [_convert(name, b) for b in batches] for name in models}
        first = {name: steps[name](xs[name][0])[0].numpy() for name in models}  # trace
        sim = cirq.Simulator(dtype=np.complex128)
        res = dict(zip(names, models["qbook"].get_weights()[0].astype(float), strict=True))
        ref = np.array(
            [
                np.real(
                    sim.simulate_expectation_values(
                        cirq.resolve_parameters(d + circuit, res), ops, qubit_order=q
                    )
                )
                for d in batches[0]
            ]
        )
        times: dict[str, list[float]] = {name: [] for name in models}
        order = list(models)
        for r in range(WARMUP + REPEATS):
            for name in order if r % 2 == 0 else order[::-1]:
                time.sleep(PAUSE)
                t0 = time.perf_counter()
                out, grad = steps[name](xs[name][r + 1])
                grad.numpy()
                if r >= WARMUP:
                    times[name].append(time.perf_counter() - t0)
        extra = {
            "qubits": n,
            "symbols": len(names),
            "layers": LAYERS,
            "batch": BATCH,
            "repeats": REPEATS,
            "pause_s": PAUSE,
        }
        exp = f"random_{n}q"
        src = f"random_circuit(seed={seed}) heldout"
        for name in order:
            rows.add(
                exp,
                f"{name}_step_seconds",
                statistics.median(times[name]),
                "s",
                seed=seed,
                data_source=src,
                **_spread(times[name]),
                **extra,
            )
        ratios = [a / b for a, b in zip(times["tfq"], times["qbook"], strict=True)]
        rows.add(
            exp,
            "speedup_qbook_over_tfq",
            statistics.median(ratios),
            "x",
            seed=seed,
            data_source=src,
            **_spread(ratios),
            **extra,
        )
        for name in order:
            rows.add(
                exp,
                f"max_{name}_minus_cirq",
                float(np.abs(first[name] - ref).max()),
                "",
                seed=seed,
                data_source=src,
                **extra,
            )


def _rss(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child_memory(lib_name: str) -> dict[str, float]:
    """Part (b) in this (fresh) process."""
    import numpy as np

    from qbook.learning import qml

    rng = np.random.default_rng(0)
    images = rng.integers(0, 2, size=(32, 4, 4))
    circuit, readout = qml.qnn_circuit()
    weights = rng.uniform(0, 2 * np.pi, 32)
    model = _model(lib_name, circuit, [readout], weights)
    x = _convert(lib_name, qml.encode_images(images))
    model(x)
    base = _rss("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    step = _step_fn(model, 1)
    for _ in range(3):
        step(x)[1].numpy()
    extra = _rss("VmHWM") - base
    steady = _rss("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    for _ in range(3):
        step(x)[1].numpy()
    return {
        "base_mib": base / MIB,
        "extra_mib": extra / MIB,
        "steady_extra_mib": (_rss("VmHWM") - steady) / MIB,
    }


def hea_circuit(n: int = 12, layers: int = 6):
    """Part (c)'s hardware-efficient circuit: 2 n layers symbols (144 for 12 qubits, 6 layers)."""
    import cirq
    import sympy

    q = cirq.LineQubit.range(n)
    c, k = cirq.Circuit(), 0
    for _ in range(layers):
        for i in range(n):
            c.append(cirq.ry(sympy.Symbol(f"h{k:03d}")).on(q[i]))
            c.append(cirq.rz(sympy.Symbol(f"h{k + 1:03d}")).on(q[i]))
            k += 2
        c.append(cirq.CZ(q[i], q[i + 1]) for i in range(n - 1))
    return c, q


def child_first_call(lib_name: str) -> dict[str, float]:
    """Part (c) in this (fresh) process."""
    import cirq
    import numpy as np

    c, q = hea_circuit()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    model = _model(lib_name, c, [cirq.Z(q[0])], rng.uniform(0, 6, 144))
    build = time.perf_counter() - t0
    x = _convert(lib_name, data_batch(q, rng)[:8])
    step = _step_fn(model, 1)
    t0 = time.perf_counter()
    step(x)[1].numpy()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    step(x)[1].numpy()
    return {"build_s": build, "first_call_s": first, "second_call_s": time.perf_counter() - t0}


def _in_child(part: str, lib_name: str) -> dict[str, float]:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", QBOOK_QML_BACKEND="tfq")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, __file__, "--child", part, lib_name],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    if "--child" in sys.argv:
        part, lib_name = sys.argv[sys.argv.index("--child") + 1 :][:2]
        qbook.setup(tensorflow=True, banner=False)
        res = child_memory(lib_name) if part == "memory" else child_first_call(lib_name)
        print(json.dumps(res), flush=True)
        return
    from qbook.common.profile import get_profile

    qbook.setup(tensorflow=True, banner=True)
    rows = Rows("bench_simulator", "03_qml_primer")
    for part, exp in (
        ("memory", "qnn_17q_batch32_step_memory"),
        ("first_call", "hea_12q_6l_144sym_first_call"),
    ):
        for name in ("qbook", "tfq"):
            res = _in_child(part, name)
            for key, value in res.items():
                unit = "MiB" if key.endswith("mib") else "s"
                rows.add(
                    exp,
                    f"{name}_{key.rsplit('_', 1)[0]}",
                    value,
                    unit,
                    measured_in="fresh subprocess",
                )
    random_circuits(rows, get_profile().heldout.eval_seeds)
    rows.write()


if __name__ == "__main__":
    main()

"""Why did chapters 2-6 differ between TFQ + Keras 2 and qbook's simulator + Keras 3?

The evidence behind ``qbook.learning.training`` (issue 12). Four processes build the same models with
the same seed and train them the same way, and the script compares what they produce:

* ``tfq``: ``.venv`` (Python 3.11, TensorFlow 2.18, tf_keras 2.18), TFQ backend;
* ``qbook_k2``: the same, qbook's simulator (``TF_USE_LEGACY_KERAS=1``): other simulator;
* ``qbook_k3_tf218``: ``.venv`` with qbook's simulator and Keras 3.15: other Keras;
* ``qbook_k3_tf221``: ``.venv313-dev`` (Python 3.13, TensorFlow 2.21, Keras 3.15), qbook's
  simulator: other TensorFlow and Python.

The Python 3.13 side runs in ``.venv313-dev``, not in ``.venv313`` (which ``make colab-check``
fills with Colab's bare runtime, without qbook). Create it once (the path can be changed with
``QBOOK_PY313``)::

    python3.13 -m venv .venv313-dev && .venv313-dev/bin/pip install -e ".[learning]"

Measured in each process, for a CNN, the Dense model, the QCNN and the 1-filter hybrid:

1. ``init``: the weights the builders draw from seed 0;
2. ``keras_shuffle``: the weights after two epochs of ``fit(shuffle=True)``; the ``tfq`` and
   ``qbook_k3_tf218`` processes first train one small model (another history, as when other
   cells of a chapter ran before), the other two do not;
3. ``no_shuffle``: the same from the same weights with ``shuffle=False``;
4. ``fit_in_order``: the same through ``qbook.learning.training.fit_in_order`` (order drawn from the seed);
5. ``grad``: for the quantum models, outputs and gradients of the loss at the initial weights
   on the whole training set, and the weights after one Adam step.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/probe_keras2_keras3.py``; writes
``qbook/common/recorded/benchmarks/probe_keras2_keras3.json`` (the largest absolute difference of every
quantity between every pair of processes).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENV = ROOT / ".venv" / "bin" / "python"
VENV313 = Path(os.environ.get("QBOOK_PY313", ROOT / ".venv313-dev" / "bin" / "python"))
PROCS = {  # name: (python, backend, TF_USE_LEGACY_KERAS)
    "tfq": (VENV, "tfq", "1"),
    "qbook_k2": (VENV, "qbook", "1"),
    "qbook_k3_tf218": (VENV, "qbook", "0"),
    "qbook_k3_tf221": (VENV313, "qbook", "0"),
}


def side(name: str, out: str) -> None:
    import qbook

    qbook.setup(tensorflow=True, banner=False)
    import cirq
    import tensorflow as tf

    from qbook.common import env
    from qbook.learning import cnn, hybrid, qcnn, qml, training

    q = cirq.GridQubit.rect(1, 8)
    rng = np.random.default_rng(1)
    xi = rng.random((500, 32, 32, 1)).astype(np.float32)
    yi = cnn.one_hot(rng.integers(0, 10, 500))
    xd = rng.integers(0, 2, (200, 16)).astype(np.float32)
    yd = np.where(rng.random(200) < 0.5, -1.0, 1.0).astype(np.float32)
    data = qcnn.excitation_data(q, n_rounds=20, seed=0)
    xq, yq = qcnn.to_tensor(data.train_circuits), data.train_labels.astype(np.float32)
    cases = {
        "cnn": (lambda: cnn.build_cnn(seed=0), xi, yi, 50),
        "dense": (lambda: qml.build_dense_model(seed=0), xd, yd, 16),
        "qcnn": (lambda: qcnn.build_qcnn_model(q, seed=0), xq, yq, 16),
        "hybrid1": (lambda: hybrid.build_hybrid_model(q, 1, seed=0), xq, yq, 16),
    }
    res: dict[str, np.ndarray] = {}
    if name in ("tfq", "qbook_k3_tf218"):  # another history before the runs, as in a chapter
        qml.build_dense_model(seed=5).fit(xd, yd, epochs=1, verbose=0)
    for key, (build, x, y, bs) in cases.items():
        for i, w in enumerate(build().get_weights()):
            res[f"init/{key}/{i}"] = w
        for how in ("keras_shuffle", "no_shuffle", "fit_in_order"):
            model = build()
            env.seed_everything(0)
            if how == "fit_in_order":
                training.fit_in_order(model, x, y, epochs=2, batch_size=bs, seed=0)
            else:
                model.fit(x, y, epochs=2, batch_size=bs, shuffle=how == "keras_shuffle", verbose=0)
            for i, w in enumerate(model.get_weights()):
                res[f"{how}/{key}/{i}"] = w
        if key in ("qcnn", "hybrid1"):
            model = build()
            with tf.GradientTape() as tape:
                pred = model(xq)
                loss = tf.reduce_mean((pred - yq[:, None]) ** 2)
            res[f"grad/{key}/output"] = pred.numpy()
            for i, g in enumerate(tape.gradient(loss, model.trainable_weights)):
                res[f"grad/{key}/gradient{i}"] = g.numpy()
            model.train_on_batch(xq, yq[:, None])
            for i, w in enumerate(model.get_weights()):
                res[f"grad/{key}/after_one_adam_step{i}"] = w
    np.savez(out, **res)
    print(f"{name}: {len(res)} arrays, backend {env.qml_backend()}, {env.versions()}")


def compare(files: dict[str, str]) -> None:
    from _rows import Rows

    arrays = {k: np.load(f) for k, f in files.items()}
    rows = Rows("probe_keras2_keras3", "03_qml_primer")
    pairs = [
        ("tfq", "qbook_k2"),  # the simulator alone
        ("qbook_k2", "qbook_k3_tf218"),  # Keras 2 -> 3 alone
        ("qbook_k3_tf218", "qbook_k3_tf221"),  # TensorFlow 2.18 -> 2.21 (and Python) alone
        ("qbook_k2", "qbook_k3_tf221"),  # Keras 2 -> 3 and TensorFlow, same history
        ("tfq", "qbook_k3_tf221"),  # everything: the book's two environments
    ]
    groups = sorted({f.rsplit("/", 1)[0] for f in arrays["tfq"].files})
    for group in groups:
        names = [f for f in arrays["tfq"].files if f.rsplit("/", 1)[0] == group]
        scale = max(float(np.abs(arrays["tfq"][f]).max()) for f in names)
        diffs = {
            f"{a}_vs_{b}": max(float(np.abs(arrays[a][f] - arrays[b][f]).max()) for f in names)
            for a, b in pairs
        }
        rows.add(group, "max_abs_difference", diffs["tfq_vs_qbook_k3_tf221"], scale=scale, **diffs)
    rows.write()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", choices=sorted(PROCS))
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.side:
        side(args.side, args.out)
        return
    folder = ROOT / "results" / "probe_keras2_keras3"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, (python, backend, legacy) in PROCS.items():
        out = folder / f"{name}.npz"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QBOOK_QML_BACKEND": backend}
        env["TF_USE_LEGACY_KERAS"] = legacy
        subprocess.run(
            [str(python), __file__, "--side", name, "--out", str(out)], env=env, check=True
        )
        files[name] = str(out)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    compare(files)


if __name__ == "__main__":
    main()

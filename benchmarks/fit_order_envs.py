"""One seed, one batch order, two environments: bit-identical classical training (issue 21).

``qbook.learning.training.fit_in_order`` feeds every epoch's batches through one ``fit`` call.
This script trains chapter 2's CNN (synthetic images) and a dense model (chapter 5's
classical baseline) for a few epochs over a few seeds, and chapter 4's QCNN on the active
quantum backend, and prints each run's accuracy and a hash of its final weights. Run it in
both environments and compare the lines:

    PYTHONPATH=. .venv/bin/python benchmarks/fit_order_envs.py          # Python 3.11, tf_keras, TFQ
    env -u PYTHONPATH QBOOK_QML_BACKEND=qbook .venv313-dev/bin/python benchmarks/fit_order_envs.py

``.venv313-dev`` is Python 3.13 with qbook installed (``python3.13 -m venv .venv313-dev &&
.venv313-dev/bin/pip install -e ".[learning]"``); ``.venv313`` is the Colab check's bare runtime.

The classical lines must be identical to the last bit (the same hash); the QCNN lines differ
only where the two simulators' round-off flips a prediction.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import qbook  # noqa: E402

SEEDS = (0, 1, 2)


def _hash(model) -> str:
    h = hashlib.sha256()
    for w in model.get_weights():
        h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    qbook.setup(tensorflow=True, banner=False)
    import cirq

    from qbook.common.env import qml_backend, versions
    from qbook.learning import cnn, qcnn, qml, synthetic, training

    v = versions()
    print(f"python {sys.version.split()[0]}, tensorflow {v.get('tensorflow')}, "
          f"keras {v.get('keras')}, backend {qml_backend()}")  # fmt: skip
    x, y = synthetic.synthetic_svhn(600, seed=0)
    xt, yt = synthetic.synthetic_svhn(200, seed=1, split="test")
    rng = np.random.default_rng(0)
    xd = rng.integers(0, 2, (300, 16)).astype(np.float32)
    yd = np.where(xd[:, :8].sum(1) > xd[:, 8:].sum(1), 1.0, -1.0).astype(np.float32)
    for s in SEEDS:
        t0 = time.perf_counter()
        m = cnn.build_cnn(input_shape=x.shape[1:], seed=s)
        cnn.train(m, x, y, epochs=2, batch_size=50, seed=s)
        acc = cnn.evaluate(m, xt, yt)["accuracy"]
        print(f"cnn   seed {s}: accuracy {acc:.6f} weights {_hash(m)} "
              f"({time.perf_counter() - t0:.1f} s)")  # fmt: skip
        d = qml.build_dense_model(seed=s)
        training.fit_in_order(d, xd, yd, epochs=3, batch_size=16, seed=s)
        print(f"dense seed {s}: weights {_hash(d)}")
    q = cirq.GridQubit.rect(1, 8)
    data = qcnn.excitation_data(q, n_rounds=2, seed=0)
    xq, xqt = qcnn.to_tensor(data.train_circuits), qcnn.to_tensor(data.test_circuits)
    for s in SEEDS[:2]:
        r = qcnn.train_model(
            lambda seed: qcnn.build_qcnn_model(q, learning_rate=0.02, seed=seed),
            xq, data.train_labels, xqt, data.test_labels, seed=s, epochs=3, batch_size=16,
        )  # fmt: skip
        print(
            f"qcnn  seed {s}: val accuracy per epoch {np.round(r.history['val_hinge_accuracy'], 4).tolist()} ({r.seconds:.1f} s)"
        )


if __name__ == "__main__":
    main()

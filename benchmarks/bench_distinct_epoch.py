"""Distinct-image training (chapter 5) on the whole two-class training set.

Chapter 5 times one QNN epoch per sample and one on the distinct binarised images with their
multiplicities as weights, on the small profile's subset. This benchmark does the same on every
training image of the two classes (all 73,257 SVHN training images, or the synthetic stand-in
of the same size offline), once each way.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_distinct_epoch.py`` (about 8 minutes on
2 cores); writes ``qbook/common/recorded/benchmarks/bench_distinct_epoch.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rows import Rows  # noqa: E402

import qbook  # noqa: E402

CLASSES = (3, 6)
BATCH = 8


def main() -> None:
    qbook.setup(tensorflow=True, banner=False)
    from qbook.learning import qml
    from qbook.learning.data import load_svhn, normalise, rgb2gray
    from qbook.learning.qcnn import to_tensor

    rows = Rows("bench_distinct_epoch", "05_quantum_image_classifier")
    train = load_svhn("train", n=None, seed=0)
    X, y = qml.select_classes(train.X, train.y, CLASSES)
    b = qml.prepare_images(normalise(rgb2gray(X)))
    Xc, yc = qml.remove_contradictions(b, y)
    d = qml.distinct_with_weights(Xc, yc)
    print(
        f"{train.source}: {len(b)} images of {CLASSES} -> {len(Xc)} without contradictions "
        f"-> {len(d.X)} distinct"
    )
    t_all, t_d = qml.compare_epoch_times(
        qml.build_qnn_model,
        (to_tensor(qml.encode_images(Xc)), qml.hinge_labels(yc)),
        (to_tensor(qml.encode_images(d.X)), qml.hinge_labels(d.y), d.weights),
        BATCH,
        repeats=1,
    )
    src = train.source
    for kind, t, n in (("per_sample", t_all, len(Xc)), ("distinct", t_d, len(d.X))):
        rows.add(
            "qnn_epoch_full_train", f"{kind}_cpu_seconds", t.cpu, "s", data_source=src, n_circuits=n
        )
        rows.add(
            "qnn_epoch_full_train",
            f"{kind}_wall_seconds",
            t.wall,
            "s",
            data_source=src,
            n_circuits=n,
        )
    rows.add("qnn_epoch_full_train", "speedup_cpu", t_all.cpu / t_d.cpu, "x", data_source=src)
    rows.add("qnn_epoch_full_train", "speedup_wall", t_all.wall / t_d.wall, "x", data_source=src)
    rows.add("qnn_epoch_full_train", "circuit_ratio", len(Xc) / len(d.X), "x", data_source=src)
    print(
        f"per-sample {t_all.cpu:.1f} s CPU / {t_all.wall:.1f} s wall; distinct {t_d.cpu:.1f} s "
        f"CPU / {t_d.wall:.1f} s wall; speedup {t_all.cpu / t_d.cpu:.2f}x CPU, "
        f"{t_all.wall / t_d.wall:.2f}x wall"
    )
    rows.write()


if __name__ == "__main__":
    main()

"""Chapters 2-6 on Python 3.13 + Keras 3 (qbook's simulator) against the book's TFQ stack.

Each side trains every model that chapters 2, 4, 5 and 6 compare, once per seed of
``qbook.common.profile``'s ``py313`` section (small profile: 5 seeds, smaller data than the chapters;
about 35 minutes per side on the shared 2-core machine, most of it the 3-filter hybrid and the
17-qubit QNN), with the chapters' own builders and training functions:

* side ``tfq``: ``.venv`` (Python 3.11, TensorFlow 2.18, Keras 2 via tf_keras), TFQ backend;
* side ``py313``: ``.venv313-dev`` (Python 3.13, TensorFlow 2.21, Keras 3), qbook's simulator.

The Python 3.13 side runs in ``.venv313-dev``, not in ``.venv313`` (which ``make colab-check``
fills with Colab's bare runtime, without qbook). Create it once (the path can be changed with
``QBOOK_PY313``)::

    python3.13 -m venv .venv313-dev && .venv313-dev/bin/pip install -e ".[learning]"

Rule, stated in the output: for each model, the two sides agree when Welch's two-sided t-test
on the per-seed accuracies does not reject equal means at the 5% level (p >= 0.05). When both
sides have no spread at all the test is undefined and the sides agree only if every accuracy
is equal. With about a dozen models, one rejection in twenty comparisons is expected by chance
alone; the Holm-corrected verdict over the whole family is reported too. Besides the test, the
rows say how many seeds gave bit-identical accuracies on both sides. Since qbook draws the
batch order itself, the classical models train to the same weights to the last bit; the quantum
models' weights drift apart by the simulators' round-off (TFQ against qbook's simulator,
TensorFlow 2.18 against 2.21), which Adam amplifies, so their accuracies agree only when that
drift flips no prediction (``benchmarks/probe_keras2_keras3.py`` measures the drift).

Run (from the repository root, both environments present):
``PYTHONPATH=. .venv/bin/python benchmarks/compare_py313.py``
runs both sides (each in its own process) and writes
``qbook/common/recorded/benchmarks/compare_py313.json``. ``--side tfq|py313 --out FILE`` runs one side
only (what the driver calls); ``--sides A.json B.json`` compares two saved sides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

# The Python 3.13 environment of the py313 side (see the docstring).
PY313 = Path(os.environ.get("QBOOK_PY313", ROOT / ".venv313-dev" / "bin" / "python"))
SIDES = {
    "tfq": {"python": ROOT / ".venv" / "bin" / "python", "backend": "tfq"},
    "py313": {"python": PY313, "backend": "qbook"},
}
ALPHA = 0.05
RULE = (
    "Welch two-sided t-test on the per-seed accuracies at the 5% level: the sides agree when "
    "p >= 0.05 (when neither side varies over seeds: when all accuracies are equal); "
    "Holm's correction over all models is reported alongside"
)


# ------------------------------------------------------------------------------------------
# One side: train every compared model once per seed
# ------------------------------------------------------------------------------------------


def _chapter2(p, seeds, add) -> None:
    from qbook.learning import cnn, data

    train = data.load_svhn("train", n=p.cnn_n_train, seed=0)
    test = data.load_svhn("test", n=p.cnn_n_test, seed=0)
    X, y = data.normalise(data.rgb2gray(train.X)), train.y
    Xt, yt = data.normalise(data.rgb2gray(test.X)), test.y
    builders = {"CNN": cnn.build_cnn, "logistic regression": cnn.build_logreg}
    for name, build in builders.items():
        for s in seeds:
            model = build(seed=s)
            cnn.train(model, X, y, epochs=p.cnn_epochs, batch_size=250, seed=s)
            add("02_classical_cnn", name, s, cnn.evaluate(model, Xt, yt)["accuracy"], train.source)


def _chapter4_6_excitations(p, seeds, add) -> None:
    import cirq

    from qbook.learning import hybrid, qcnn, qml

    q = cirq.GridQubit.rect(1, 8)
    d = qcnn.excitation_data(q, n_rounds=20, seed=0)
    x, xt = qcnn.to_tensor(d.train_circuits), qcnn.to_tensor(d.test_circuits)

    def run(chapter: str, name: str, make: Callable, x_tr, x_te, epochs: int) -> None:
        for s in seeds:
            r = qcnn.train_model(
                make, x_tr, d.train_labels, x_te, d.test_labels, seed=s, epochs=epochs,
                batch_size=16,
            )  # fmt: skip
            add(chapter, name, s, r.val_accuracy, "excitations")

    run("04_qcnn", "qcnn", lambda s: qcnn.build_qcnn_model(q, 0.02, seed=s), x, xt, p.qcnn_epochs)
    for k in (1, 3):
        run(
            "06_hybrid_filters", f"hybrid, {k} filter{'s' * (k > 1)}",
            lambda s, k=k: hybrid.build_hybrid_model(q, k, learning_rate=0.02, seed=s),
            x, xt, p.hybrid_epochs,
        )  # fmt: skip
    budget = qml.n_params(hybrid.build_hybrid_model(q, 1))  # as chapter 6: the 1-filter hybrid
    for name, feats in (
        ("classical, 8 stabilisers <K>", hybrid.stabiliser_features),
        ("classical, 24 single-qubit <P>", hybrid.pauli_features),
    ):
        ftr, fte = feats(d.train_circuits, q), feats(d.test_circuits, q)
        h = hybrid.hidden_for_budget(ftr.shape[1], budget)
        run(
            "06_hybrid_filters", name,
            lambda s, n=ftr.shape[1], h=h: hybrid.build_feature_mlp(n, h, 0.02, seed=s),
            ftr, fte, p.hybrid_epochs,
        )  # fmt: skip


def _chapter5(p, seeds, add) -> None:
    from qbook.common.profile import get_profile
    from qbook.learning import qml
    from qbook.learning.data import load_svhn, normalise, rgb2gray
    from qbook.learning.qcnn import to_tensor

    prof_q = get_profile().qimage  # the chapter's digits, learning rate and batch size
    train = load_svhn("train", n=p.qimage_n_train, seed=0)
    test = load_svhn("test", n=p.qimage_n_test, seed=0)
    X, y = qml.select_classes(train.X, train.y, prof_q.classes)
    Xt, yt = qml.select_classes(test.X, test.y, prof_q.classes)
    g, gt = normalise(rgb2gray(X)), normalise(rgb2gray(Xt))
    b, bt = qml.prepare_images(g), qml.prepare_images(gt)
    Xc, yc = qml.remove_contradictions(b, y)
    dist = qml.distinct_with_weights(Xc, yc)
    x_q, x_qt = to_tensor(qml.encode_images(dist.X)), to_tensor(qml.encode_images(bt))
    lr, bs, ep = prof_q.learning_rate, prof_q.batch_size, p.qimage_epochs
    yd, ytt = qml.hinge_labels(dist.y), qml.hinge_labels(yt)
    flat = lambda a: a.reshape(len(a), -1).astype(np.float32)  # noqa: E731
    ch = "05_quantum_image_classifier"
    for s in seeds:
        r = qml.fit_eval(
            "QNN", qml.build_qnn_model(lr, seed=s), x_q, yd, x_qt, ytt, seed=s, epochs=ep,
            batch_size=bs, sample_weight=dist.weights,
        )  # fmt: skip
        add(ch, "QNN (4x4 bits)", s, r.test_accuracy, train.source)
        r = qml.fit_eval(
            "Dense", qml.build_dense_model(learning_rate=lr, seed=s), flat(dist.X), yd, flat(bt),
            ytt, seed=s, epochs=ep, batch_size=bs, sample_weight=dist.weights,
        )  # fmt: skip
        add(ch, "Dense 2+1 (4x4 bits)", s, r.test_accuracy, train.source)
        r = qml.fit_eval(
            "CNN", qml.build_small_cnn(seed=s), g, qml.hinge_labels(y), gt, ytt, seed=s,
            epochs=p.qimage_cnn_epochs, batch_size=bs,
        )  # fmt: skip
        add(ch, "CNN (32x32 grey)", s, r.test_accuracy, train.source)


def _chapter6_quanv(p, seeds, add) -> None:
    from qbook.learning import hybrid, qml
    from qbook.learning.data import load_svhn, normalise, rgb2gray
    from qbook.learning.training import fit_in_order

    tr = load_svhn("train", n=p.quanv_n_train, seed=0)
    te = load_svhn("test", n=p.quanv_n_test, seed=0)
    a, at = (qml.downsample(normalise(rgb2gray(t.X)), 16) for t in (tr, te))
    features = {
        "quanvolution (fixed, 4 qubits)": (hybrid.quanv_features(a), hybrid.quanv_features(at)),
        "raw 2x2 patches as channels": (hybrid.image_patches(a), hybrid.image_patches(at)),
        "random classical 2x2 conv + tanh": (
            hybrid.random_conv_features(a),
            hybrid.random_conv_features(at),
        ),
    }
    for name, (ftr, fte) in features.items():
        for s in seeds:
            head = hybrid.build_quanv_head(ftr.shape[1:], seed=s)
            fit_in_order(head, ftr, tr.y, epochs=p.quanv_epochs, batch_size=32, seed=s)
            acc = head.evaluate(fte, te.y, verbose=0)[1]
            add("06_hybrid_filters", name, s, acc, tr.source)


def run_side(out: str) -> None:
    """Train every compared model once per seed in this process; write the accuracies."""
    import qbook
    from qbook.common.env import hardware, qml_backend, versions

    prof = qbook.setup(tensorflow=True)
    p, seeds = prof.py313, list(prof.py313.seeds)
    rows: list[dict] = []

    def add(chapter: str, model: str, seed: int, acc: float, source: str) -> None:
        rows.append(
            {"chapter": chapter, "model": model, "seed": seed, "accuracy": float(acc),
             "data_source": source}
        )  # fmt: skip
        print(f"  {chapter} | {model} | seed {seed}: {acc:.4f}", flush=True)

    t0 = time.perf_counter()
    for part in (_chapter2, _chapter4_6_excitations, _chapter5, _chapter6_quanv):
        t = time.perf_counter()
        part(p, seeds, add)
        print(f"{part.__name__}: {time.perf_counter() - t:.0f} s", flush=True)
    meta = {
        "backend": qml_backend(),
        "versions": versions(),
        "hardware": hardware(),
        "profile": prof.name,
        "seeds": seeds,
        "seconds": time.perf_counter() - t0,
    }
    Path(out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    print(f"wrote {len(rows)} accuracies to {out} in {meta['seconds']:.0f} s")


# ------------------------------------------------------------------------------------------
# The comparison
# ------------------------------------------------------------------------------------------


def welch(a: list[float], b: list[float]) -> dict:
    """Welch's t-test of equal means: difference b - a, its 95% interval, p, and the verdict."""
    from scipy import stats

    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    if se == 0.0:  # neither side varies: equal or not, no test needed
        same = bool(np.all(a == a[0]) and np.all(b == a[0]))
        return {"diff": diff, "se": 0.0, "ci95": [diff, diff], "p": 1.0 if same else 0.0}
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, dof)) * se
    p = float(stats.ttest_ind(b, a, equal_var=False).pvalue)
    return {"diff": diff, "se": se, "ci95": [diff - half, diff + half], "p": p, "dof": float(dof)}


def holm(pvalues: list[float], alpha: float = ALPHA) -> list[bool]:
    """Holm's step-down procedure: which hypotheses are rejected at family-wise level alpha."""
    order = np.argsort(pvalues)
    reject = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] >= alpha / (len(pvalues) - rank):
            break
        reject[i] = True
    return reject


def compare(ref_path: str, new_path: str) -> None:
    from _rows import Rows

    ref, new = (json.loads(Path(f).read_text()) for f in (ref_path, new_path))

    def by_model(side: dict) -> dict[tuple[str, str], dict[int, float]]:
        out: dict[tuple[str, str], dict[int, float]] = {}
        for r in side["rows"]:
            out.setdefault((r["chapter"], r["model"]), {})[r["seed"]] = r["accuracy"]
        return out

    a, b = by_model(ref), by_model(new)
    sources = {(r["chapter"], r["model"]): r["data_source"] for r in ref["rows"]}
    keys = [k for k in a if k in b]
    tests = {k: welch(list(a[k].values()), list(b[k].values())) for k in keys}
    holm_reject = dict(zip(keys, holm([tests[k]["p"] for k in keys]), strict=True))
    rows = Rows("compare_py313", "03_qml_primer")
    n_ok = 0
    print(f"rule: {RULE}")
    print(f"{'model':52s} {'TFQ+Keras 2':>15s} {'py313+Keras 3':>15s} {'diff':>7s} {'p':>6s}")
    for k in keys:
        t = tests[k]
        ra, rb = np.array(list(a[k].values())), np.array(list(b[k].values()))
        common = sorted(set(a[k]) & set(b[k]))
        identical = sum(a[k][s] == b[k][s] for s in common)
        ok = t["p"] >= ALPHA
        n_ok += ok
        print(
            f"{k[0][:2]} {k[1]:49s} {ra.mean():.4f}+-{ra.std(ddof=1):.4f} "
            f"{rb.mean():.4f}+-{rb.std(ddof=1):.4f} {t['diff']:+.4f} {t['p']:.3f}"
            f"{'' if ok else '  DIFFERENT'}"
        )
        rows.add(
            f"{k[0]}/{k[1]}",
            "accuracy_py313_minus_tfq",
            t["diff"],
            data_source=sources[k],
            rule=RULE,
            tfq_mean=float(ra.mean()),
            tfq_sd=float(ra.std(ddof=1)),
            py313_mean=float(rb.mean()),
            py313_sd=float(rb.std(ddof=1)),
            tfq_accuracies=[a[k][s] for s in sorted(a[k])],
            py313_accuracies=[b[k][s] for s in sorted(b[k])],
            seeds=sorted(a[k]),
            diff_se=t["se"],
            diff_ci95=t["ci95"],
            welch_p=t["p"],
            agree_at_5pct=bool(ok),
            holm_rejects_equal_means=bool(holm_reject[k]),
            seeds_bit_identical=int(identical),
            tfq_side=ref["meta"],
            py313_side=new["meta"],
        )
    n_holm = sum(holm_reject.values())
    print(
        f"{n_ok} of {len(keys)} models agree (Welch, 5%); Holm over the family rejects "
        f"{n_holm} of {len(keys)}; seeds {ref['meta']['seeds']}, profile {ref['meta']['profile']}"
    )
    rows.write()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--side", choices=sorted(SIDES))
    ap.add_argument("--out")
    ap.add_argument("--sides", nargs=2, metavar=("TFQ_JSON", "PY313_JSON"))
    args = ap.parse_args()
    if args.side:
        run_side(args.out)
        return
    if args.sides:
        compare(*args.sides)
        return
    folder = ROOT / "results" / "compare_py313"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, side in SIDES.items():
        out = folder / f"{name}.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QBOOK_QML_BACKEND": side["backend"]}
        print(f"side {name}: {side['python']} (backend {side['backend']})", flush=True)
        cmd = [str(side["python"]), __file__, "--side", name, "--out", str(out)]
        subprocess.run(cmd, env=env, check=True)
        files.append(str(out))
    compare(*files)


if __name__ == "__main__":
    main()

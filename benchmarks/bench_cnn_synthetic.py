"""CNN vs logistic regression on the synthetic house numbers at full training size.

Trains the chapter-2 models (qbook.learning.cnn) on all 73,257 synthetic training images (80/20 split:
58,605 / 14,652) and tests on all 26,032 synthetic test images. Writes
qbook/common/recorded/benchmarks/cnn_synthetic.json. Takes about 15 minutes on two CPU cores with the
defaults; ``--epochs`` and ``--n-train`` make it shorter.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_cnn_synthetic.py --epochs 15 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import time

import qbook

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=15)
parser.add_argument("--n-train", type=int, default=None, help="default: every image")
parser.add_argument("--n-test", type=int, default=None, help="default: every image")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: all)")
args = parser.parse_args()

if args.threads:  # read by TensorFlow when it starts
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(args.threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(args.threads)
qbook.setup(tensorflow=True)

from qbook.common.results import Recorder, bench_results_dir  # noqa: E402
from qbook.learning import cnn, data  # noqa: E402

t0 = time.perf_counter()
train = data.load_svhn("train", source="synthetic", n=args.n_train, seed=args.seed)
test = data.load_svhn("test", source="synthetic", n=args.n_test, seed=args.seed)
gen_s = time.perf_counter() - t0
print(f"generated {len(train.X)} + {len(test.X)} synthetic images in {gen_s:.1f} s", flush=True)


def prep(X):
    return data.normalise(data.rgb2gray(X))


X_tr, X_va, y_tr, y_va = data.train_val_split(prep(train.X), train.y, seed=args.seed)
X_te = prep(test.X)
rows = []
out = bench_results_dir()
rec = Recorder("bench_cnn_synthetic", directory=out)
for name, build in (("cnn", cnn.build_cnn), ("logreg", cnn.build_logreg)):
    model = build(seed=args.seed)
    hist = cnn.train(model, X_tr, y_tr, args.epochs, 250, args.seed, validation_data=(X_va, y_va))
    res = cnn.evaluate(model, X_te, test.y)
    row = {
        "model": name,
        "n_params": model.count_params(),
        "n_train": len(X_tr),
        "n_valid": len(X_va),
        "n_test": len(X_te),
        "epochs": args.epochs,
        "threads": args.threads,
        "test_accuracy": res["accuracy"],
        "test_loss": res["loss"],
        "val_accuracy": hist["val_accuracy"],
        "wall_s": hist["wall_s"][0],
    }
    rows.append(row)
    for metric, value, unit in (
        ("test_accuracy", res["accuracy"], ""),
        ("wall_time", hist["wall_s"][0], "s"),
    ):
        rec.add(
            name, metric, value, seed=args.seed, data_source=train.source, unit=unit,
            n_params=model.count_params(), n_train=len(X_tr), epochs=args.epochs,
        )  # fmt: skip
    print(json.dumps(row), flush=True)

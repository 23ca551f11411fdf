"""What the seeded batch order costs in training time (chapter 2, issue 21 item 4).

Chapter 2's CNN on the small profile's data (synthetic stand-in offline), trained three ways,
the same epochs, batch size and seed each time:

* ``fit_shuffle``: one ``model.fit(x, y, shuffle=True)`` (Keras draws the order: fast, but the
  order is not the seed's alone, see chapter 2);
* ``fit_in_order``: :func:`qbook.learning.training.fit_in_order`, one ``fit`` over an index
  dataset in the seed's order (what the book uses);
* ``fit_per_epoch``: one ``fit(shuffle=False)`` per epoch on the reordered rows (the earlier
  implementation that made Part I slower).

Each model is built fresh from the same seed; the three are timed interleaved, the order
rotating, ``ROUNDS`` rounds after one untimed warm-up round. Recorded: each way's median
seconds with min and max, and the median over rounds of ``fit_in_order / fit_shuffle``.

Run: ``PYTHONPATH=. QBOOK_OFFLINE=1 .venv/bin/python benchmarks/bench_fit_order.py`` (about 4 minutes on 2
cores); writes ``qbook/common/recorded/benchmarks/bench_fit_order.json``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rows import Rows  # noqa: E402

import qbook  # noqa: E402

ROUNDS = 3
SEED = 0


def main() -> None:
    qbook.setup(tensorflow=True, banner=False)
    import numpy as np

    from qbook.common.profile import get_profile
    from qbook.learning import cnn, data, training

    prof = get_profile()
    train = data.load_svhn("train", n=prof.svhn.n_train, seed=prof.svhn.seed)
    x, _, y, _ = data.train_val_split(
        data.normalise(data.rgb2gray(train.X)),
        train.y,
        val_fraction=prof.svhn.val_fraction,
        seed=prof.svhn.seed,
    )
    y = cnn.one_hot(y)
    epochs, batch = prof.cnn.epochs, prof.cnn.batch_size

    def build():
        return cnn.build_cnn(learning_rate=prof.cnn.learning_rate, seed=SEED)

    def fit_shuffle(m):
        m.fit(x, y, epochs=epochs, batch_size=batch, shuffle=True, verbose=0)

    def fit_in_order(m):
        training.fit_in_order(m, x, y, epochs=epochs, batch_size=batch, seed=SEED)

    def fit_per_epoch(m):
        for order in training.epoch_orders(len(y), epochs, SEED):
            m.fit(x[order], y[order], epochs=1, batch_size=batch, shuffle=False, verbose=0)

    ways = {
        "fit_shuffle": fit_shuffle,
        "fit_in_order": fit_in_order,
        "fit_per_epoch": fit_per_epoch,
    }
    times: dict[str, list[float]] = {k: [] for k in ways}
    names = list(ways)
    for r in range(ROUNDS + 1):
        for name in names[r % 3 :] + names[: r % 3]:
            model = build()
            t0 = time.perf_counter()
            ways[name](model)
            if r:
                times[name].append(time.perf_counter() - t0)
    rows = Rows("bench_fit_order", "02_classical_cnn")
    extra = {"epochs": epochs, "batch": batch, "n_train": len(y), "rounds": ROUNDS}
    ratio = [a / b for a, b in zip(times["fit_in_order"], times["fit_shuffle"], strict=True)]
    series = {f"{name}_seconds": (times[name], "s") for name in names}
    series["in_order_over_shuffle"] = (ratio, "x")
    for metric, (v, unit) in series.items():
        rows.add(
            "cnn_small_training",
            metric,
            statistics.median(v),
            unit,
            seed=SEED,
            data_source=train.source,
            min=min(v),
            max=max(v),
            **extra,
        )
    print(np.round([statistics.median(times[k]) for k in names], 2), names)
    rows.write()


if __name__ == "__main__":
    main()

"""Chapters 2-6 on Python 3.13 + Keras 3 (qbook's simulator) against the book's TFQ run.

Reads the accuracy rows that two runs of the chapters recorded (``results/*.jsonl``): the
reference (the book's environment, TFQ backend) and the Python 3.13 run (``make test313`` with
``QBOOK_RESULTS_DIR`` pointing elsewhere). For every experiment and accuracy metric it gives the
mean and standard deviation over seeds of each run and whether the means differ by no more than
the larger of the two spreads (the seeds' spread).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/compare_py313.py REFERENCE_DIR PY313_DIR``;
writes ``benchmarks/results/compare_py313.json``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rows import Rows  # noqa: E402

from qbook.report import mean_sd  # noqa: E402
from qbook.results import load_results  # noqa: E402


def accuracies(folder: str) -> dict[tuple[str, str, str], list[float]]:
    out: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for r in load_results(folder):
        if "accuracy" in r["metric"]:
            out[(r["chapter"], r["experiment"], r["metric"])].append(float(r["value"]))
    return out


def main(reference: str, py313: str) -> None:
    ref, new = accuracies(reference), accuracies(py313)
    rows = Rows("compare_py313", "03_qml_primer")
    n_ok = n_all = 0
    for key in sorted(set(ref) & set(new)):
        (m_ref, s_ref), (m_new, s_new) = mean_sd(ref[key]), mean_sd(new[key])
        spread = max(s_ref, s_new)
        ok = abs(m_new - m_ref) <= spread + 1e-9
        n_ok, n_all = n_ok + ok, n_all + 1
        rows.add(
            f"{key[0]}/{key[1]}",
            f"{key[2]}_py313_minus_tfq",
            m_new - m_ref,
            reference_mean=m_ref,
            reference_sd=s_ref,
            py313_mean=m_new,
            py313_sd=s_new,
            n_seeds=[len(ref[key]), len(new[key])],
            within_seed_spread=bool(ok),
        )
    print(f"{n_ok} of {n_all} accuracy means agree within the seeds' spread")
    rows.write()


if __name__ == "__main__":
    main(*sys.argv[1:3])

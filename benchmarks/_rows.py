"""Shared helpers for the optimisation benchmarks: rows in the qbook.common.results format."""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qbook.common.env import hardware, versions  # noqa: E402
from qbook.common.profile import profile_name  # noqa: E402
from qbook.common.results import bench_results_dir  # noqa: E402


class Rows:
    """Collect benchmark rows and write ``qbook/common/recorded/benchmarks/<name>.json``
    (installed with the package: the book's recorded figures)."""

    def __init__(self, name: str, chapter: str) -> None:
        self.name, self.chapter, self.rows = name, chapter, []
        self.hw, self.v = hardware(), versions()

    def add(self, experiment, metric, value, unit="", seed=None, data_source="n/a", **extra):
        row = {
            "chapter": self.chapter,
            "experiment": experiment,
            "metric": metric,
            "value": float(value),
            "unit": unit,
            "seed": seed,
            "data_source": data_source,
            "profile": profile_name(),
            "hardware": self.hw,
            "versions": self.v,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            **extra,
        }
        self.rows.append(row)
        print(f"  {experiment} {metric} = {value:.6g} {unit} {extra if extra else ''}", flush=True)
        return row

    def write(self) -> Path:
        out = bench_results_dir() / f"{self.name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.rows, indent=1))
        print(f"wrote {len(self.rows)} rows to {out}")
        return out


def single_thread_blas() -> None:
    """Small matrix-vector products run faster on one BLAS thread on a shared 2-core machine."""
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(k, "1")

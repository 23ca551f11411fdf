"""Machine-readable results (introduced in the introduction; gathered by the results chapter).

Every number a chapter reports is also recorded here with what produced it: data source,
profile, seed, hardware, library versions and date. The results chapter reads these files,
so no number in the book is typed by hand.

Each chapter writes one JSON-lines file, ``results/<chapter>.jsonl`` under the repository root
(or ``$QBOOK_RESULTS_DIR``); a fresh :class:`Recorder` replaces the previous run's file.
Benchmarks write ``benchmarks/results/*.json`` in the same row format.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from pathlib import Path
from typing import Any

from qbook.env import hardware, versions
from qbook.profile import profile_name

RESULTS_ENV = "QBOOK_RESULTS_DIR"
ROW_FIELDS = (
    "chapter",
    "experiment",
    "metric",
    "value",
    "unit",
    "seed",
    "data_source",
    "profile",
    "hardware",
    "versions",
    "date",
)


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``), or the working directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


def results_dir() -> Path:
    """Where chapter results go: ``$QBOOK_RESULTS_DIR`` or ``<repo>/results``."""
    env = os.environ.get(RESULTS_ENV)
    return Path(env) if env else repo_root() / "results"


class Recorder:
    """Append result rows for one chapter to ``results/<chapter>.jsonl``.

    >>> rec = Recorder("02_classical_cnn")            # doctest: +SKIP
    >>> rec.add("cnn", "test_accuracy", 0.91, seed=0, data_source="synthetic", n_params=1234)
    """

    def __init__(self, chapter: str, directory: str | os.PathLike | None = None) -> None:
        if not chapter or any(c in chapter for c in "/\\"):
            raise ValueError(f"chapter name {chapter!r} must be a plain file stem")
        self.chapter = chapter
        self.path = Path(directory) if directory is not None else results_dir()
        self.path.mkdir(parents=True, exist_ok=True)
        self.file = self.path / f"{chapter}.jsonl"
        self.file.write_text("")
        self._hardware = hardware()
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        experiment: str,
        metric: str,
        value: float,
        *,
        seed: int | None = None,
        data_source: str = "n/a",
        unit: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        """Record one measured value; extra keyword arguments are kept as extra columns."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{experiment}/{metric}: value {value} is not finite")
        row = {
            "chapter": self.chapter,
            "experiment": experiment,
            "metric": metric,
            "value": value,
            "unit": unit,
            "seed": seed,
            "data_source": data_source,
            "profile": profile_name(),
            "hardware": self._hardware,
            "versions": versions(),
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            **extra,
        }
        with self.file.open("a") as fh:
            fh.write(json.dumps(row, default=_jsonable) + "\n")
        self.rows.append(row)
        return row


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


def load_results(*directories: str | os.PathLike) -> list[dict[str, Any]]:
    """Read every row from ``*.jsonl`` and ``*.json`` files in the given folders."""
    dirs = [Path(d) for d in directories] or [
        results_dir(),
        repo_root() / "benchmarks" / "results",
    ]
    rows: list[dict[str, Any]] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.jsonl")):
            rows += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
        for f in sorted(d.glob("*.json")):
            data = json.loads(f.read_text())
            rows += data if isinstance(data, list) else data.get("rows", [])
    return rows

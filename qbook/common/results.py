"""Machine-readable results (introduced in the introduction; gathered by the results chapter).

Every number a chapter reports is also recorded here with what produced it: data source,
profile, seed, hardware, library versions and date. The results chapter reads these files,
so no number in the book is typed by hand.

Each chapter writes one JSON-lines file, ``results/<chapter>.jsonl`` under the repository root
(or ``$QBOOK_RESULTS_DIR``). The file is append-only: every :class:`Recorder` is one *run*
with its own ``run`` id and ``run_started`` time on each row, so two runs of a chapter that
overlap (two kernels, a notebook and a test) never lose each other's rows; :func:`load_results`
returns the latest run of each chapter (or every run). Benchmarks write
``qbook/common/recorded/benchmarks/*.json`` in the same row format: they are installed with the
package (:func:`bench_results_dir`), beside a snapshot of the chapters' own recorded run
(:func:`recorded_chapters_dir`, refreshed by ``make record``), so a fresh runtime such as Colab
reads the book's recorded figures without the repository.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import math
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

from qbook.common import checks as chk
from qbook.common.env import hardware, versions
from qbook.common.profile import profile_name

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
#: Columns that say which run of a chapter wrote a row (extra columns, after ROW_FIELDS).
RUN_FIELDS = ("run", "run_started")


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``), or the working directory."""
    here = Path(__file__).resolve().parents[2]  # qbook/common/results.py -> the repository
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


def results_dir() -> Path:
    """Where chapter results go: ``$QBOOK_RESULTS_DIR`` or ``<repo>/results``."""
    env = os.environ.get(RESULTS_ENV)
    return Path(env) if env else repo_root() / "results"


#: The book's recorded figures, installed with the package (package data).
RECORDED_DIR = Path(__file__).resolve().parent / "recorded"


def bench_results_dir() -> Path:
    """The committed benchmark results (``benchmarks/*.py`` write them here), installed with
    the package: ``qbook/common/recorded/benchmarks``. Introduced in chapter 13, Results."""
    return RECORDED_DIR / "benchmarks"


def recorded_chapters_dir() -> Path:
    """The book's own recorded run of every chapter (the latest run of each
    ``results/<chapter>.jsonl`` when the book was last built; ``make record`` refreshes it),
    installed with the package: ``qbook/common/recorded/chapters``. Chapter 13 falls back on it
    for a chapter that has not run in this copy. Introduced in chapter 13, Results."""
    return RECORDED_DIR / "chapters"


class Recorder:
    """Append result rows for one chapter to ``results/<chapter>.jsonl``, as one new run.

    Nothing is truncated: each row carries the run's id (``run``) and start time
    (``run_started``), and is appended with a single ``O_APPEND`` write under a file lock, so
    concurrent runs of one chapter keep all their rows. :func:`load_results` picks the latest
    run per chapter.

    >>> rec = Recorder("02_classical_cnn")            # doctest: +SKIP
    >>> rec.add("cnn", "test_accuracy", 0.91, seed=0, data_source="synthetic", n_params=1234)
    """

    def __init__(self, chapter: str, directory: str | os.PathLike | None = None) -> None:
        chapter = chk.string(chapter, "chapter")
        if not chapter or any(c in chapter for c in "/\\") or chapter.startswith("."):
            raise ValueError(f"chapter name {chapter!r} must be a plain file stem")
        self.chapter = chapter
        if directory is not None:
            directory = chk.path_like(directory, "directory")
        self.path = Path(directory) if directory is not None else results_dir()
        self.path.mkdir(parents=True, exist_ok=True)
        self.file = self.path / f"{chapter}.jsonl"
        now = _dt.datetime.now(_dt.timezone.utc)
        self.run_started = now.isoformat(timespec="microseconds")
        self.run = f"{now:%Y%m%dT%H%M%S%f}-{os.getpid()}-{secrets.token_hex(3)}"
        self._hardware = hardware()
        self._versions = versions()
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
        """Record one measured value; extra keyword arguments are kept as extra columns.

        ``value`` must be a finite number and ``seed`` an int or None. Extra keywords may not
        reuse a provenance column (profile, hardware, versions, date, run, ...): TypeError.
        """
        experiment = chk.string(experiment, "experiment")
        metric = chk.string(metric, "metric")
        if not experiment or not metric:
            raise ValueError("experiment and metric must be non-empty names")
        try:
            value = chk.real(value, "value")
        except ValueError:
            raise ValueError(f"{experiment}/{metric}: value {value} is not finite") from None
        if seed is not None:
            seed = chk.integer(seed, "seed")
        data_source = chk.string(data_source, "data_source")
        unit = chk.string(unit, "unit")
        taken = sorted(set(extra) & {*ROW_FIELDS, *RUN_FIELDS})
        if taken:
            raise TypeError(f"extra columns may not overwrite provenance fields: {taken}")
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
            "versions": self._versions,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            **extra,
            "run": self.run,
            "run_started": self.run_started,
        }
        _append_line(self.file, json.dumps(row, default=_jsonable, allow_nan=False) + "\n")
        self.rows.append(row)
        return row


def _append_line(path: Path, line: str) -> None:
    """Append one line whole, or raise: a single ``O_APPEND`` write under an exclusive
    ``flock``, checked (a short write, as on a full disk, is cut off again so that no truncated
    row stays in the file) and flushed to disk with ``fsync``."""
    data = line.encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: O_APPEND alone
            pass
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
        except OSError as exc:
            written, why = -1, exc
        else:
            why = None
        if written != len(data):
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # take back the part of the row that got in
            got = "nothing" if written < 0 else f"{written} of {len(data)} bytes"
            raise OSError(
                errno.ENOSPC if why is None else why.errno,
                f"{path}: the result row was not recorded (wrote {got}"
                f"{'' if why is None else f'; {why.strerror}'}); is the disk full?",
            ) from why
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


def load_results(*directories: str | os.PathLike, runs: str = "latest") -> list[dict[str, Any]]:
    """Read the rows of ``*.jsonl`` (chapters) and ``*.json`` (benchmarks) in the given folders.

    ``runs="latest"`` keeps, for each chapter file, the rows of its most recently started run
    (rows written before runs had ids count as one older run); ``runs="all"`` keeps every row.
    A malformed line, or a row whose ``value`` is missing, not a number or not finite, is
    reported in a warning naming the file and line number, and skipped; a malformed ``.json``
    file is reported and skipped the same way. A folder given that does not exist is a
    ValueError (the default folders may be missing: no results yet).
    """
    runs = chk.choice(runs, "runs", ("latest", "all"))
    dirs = [Path(chk.path_like(d, "directories")) for d in directories]
    for d in dirs:
        if not d.is_dir():
            what = "is not a folder" if d.exists() else "does not exist"
            raise ValueError(f"results folder {d} {what}")
    dirs = dirs or [results_dir(), bench_results_dir()]
    rows: list[dict[str, Any]] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.jsonl")):
            file_rows = read_jsonl_rows(f)
            rows += _latest_run(file_rows) if runs == "latest" else file_rows
        for f in sorted(d.glob("*.json")):
            rows += read_json_rows(f)
    return rows


def _row_problem(row: Any) -> str | None:
    """Why a result row cannot be used, or None: a JSON object with a finite number as
    ``value`` and, where present, strings as ``chapter``, ``experiment`` and ``metric``."""
    if not isinstance(row, dict):
        return "not a JSON object"
    if "value" not in row:
        return "no value"
    v = row["value"]
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"value {v!r:.40} is not a number"
    if not math.isfinite(v):
        return f"value {v} is not finite"
    for key in ("chapter", "experiment", "metric"):
        if key in row and not isinstance(row[key], str):
            return f"{key} {row[key]!r:.40} is not a string"
    return None


def _array_items(text: str) -> list[tuple[int, Any]] | None:
    """``(line, item)`` for each item of the JSON file's row list (a top-level list, or the
    list under ``"rows"``), or None when the text is not laid out that way."""
    dec = json.JSONDecoder()
    try:
        top, _ = dec.raw_decode(text, len(text) - len(text.lstrip()))
    except json.JSONDecodeError:
        return None
    if isinstance(top, list):
        pos = text.index("[")
    elif isinstance(top, dict) and isinstance(top.get("rows"), list):
        import re

        m = re.search(r'"rows"\s*:\s*\[', text)
        if m is None:
            return None
        pos = m.end() - 1
    else:
        return None
    out, pos = [], pos + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return out
        try:
            item, end = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        out.append((text.count("\n", 0, pos) + 1, item))
        pos = end


def read_json_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of one benchmark result file (a list, or ``{"rows": [...]}``); a malformed file
    is reported in one warning and gives no rows, a bad row (see :func:`load_results`) in a
    warning naming ``<file>:<line>``, and is skipped. Introduced in chapter 13, Results."""
    path = Path(chk.path_like(path, "path"))
    if not path.is_file():
        raise ValueError(f"path {path} is not a results file (missing, or a folder)")
    try:
        text = path.read_text()
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        warnings.warn(f"{path}: malformed JSON ({exc}); file skipped", stacklevel=3)
        return []
    if not isinstance(data, list) and not (
        isinstance(data, dict) and isinstance(data.get("rows", []), list)
    ):
        warnings.warn(f"{path}: not a list of rows; file skipped", stacklevel=3)
        return []
    items = _array_items(text)
    if items is None:  # unusual layout: number the rows instead of the lines
        listed = data if isinstance(data, list) else data.get("rows", [])
        items = [(f"row {k}", r) for k, r in enumerate(listed)]
    return _usable(path, [(line, row, None) for line, row in items])


def _usable(path: Path, items: list[tuple[Any, Any, str | None]]) -> list[dict[str, Any]]:
    """The rows of ``(line, row, why not JSON)`` that :func:`_row_problem` passes; a warning
    naming ``<file>:<line>`` for each other one."""
    rows = []
    for line, row, why in items:
        why = why or _row_problem(row)
        if why is not None:
            warnings.warn(f"{path}:{line}: malformed result line skipped ({why})", stacklevel=4)
            continue
        rows.append(row)
    return rows


def read_jsonl_rows(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of one ``results/*.jsonl`` file; a malformed line, or a bad row (see
    :func:`load_results`), is skipped with a warning that names ``<file>:<line>``.
    Introduced in chapter 13, Results."""
    path = Path(chk.path_like(path, "path"))
    if not path.is_file():
        raise ValueError(f"path {path} is not a results file (missing, or a folder)")
    items = []
    for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if line.strip():
            try:
                items.append((lineno, json.loads(line), None))
            except json.JSONDecodeError as exc:
                items.append((lineno, None, f"not JSON: {exc}"))
    return _usable(path, items)


def _latest_run(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return rows
    latest = max((str(r.get("run_started", "")), str(r.get("run", ""))) for r in rows)
    return [r for r in rows if (str(r.get("run_started", "")), str(r.get("run", ""))) == latest]

"""Tables and plots of the recorded results (introduced in chapter 13, Results).

Chapters and benchmarks record every number they report with :class:`qbook.common.results.Recorder`
(``results/*.jsonl``, ``benchmarks/results/*.json``). This module turns those rows into one
pandas table, summarises repeated runs over seeds (mean +/- sample standard deviation), and
draws the comparison plots of the results chapter. It never imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from qbook.common import checks as chk
from qbook.common.results import ROW_FIELDS, RUN_FIELDS, load_results

# Rows are averaged only within one of these groups: a mean never mixes profiles, data sources
# or units.
GROUP_KEYS = ("chapter", "experiment", "metric", "unit", "data_source", "profile")
# Extra columns that describe the experiment's setting rather than a measurement: rows that
# differ in one of these are different experiments, never averaged together.
CONDITION_KEYS = (
    "n_qubits",
    "p",
    "n_c",
    "n_vars",
    "layers",
    "penalty",
    "n_params",
    "epochs",
    "n_train",
    "shots",
)

NO_RESULTS = (
    "No results have been recorded yet: this is a fresh copy in which no chapter has run.\n"
    "Run the chapters (`make book`, `make notebooks`, or open them with `make lab`) and the\n"
    "benchmarks (`make bench`), then run this chapter again."
)


def format_versions(versions: Any) -> str:
    """One short string for a row's library versions, e.g. ``"python 3.11.7, numpy 2.0.2"``."""
    if versions is None or (isinstance(versions, float) and math.isnan(versions)):
        return ""
    if isinstance(versions, Mapping):
        return ", ".join(f"{k} {v}" for k, v in versions.items())
    return str(versions)


def results_frame(rows: Iterable[Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """All result rows as one table, standard columns first, extra columns after.

    ``rows`` defaults to :func:`qbook.common.results.load_results` (chapter and benchmark results).
    The ``versions`` dict becomes a readable string and ``date`` a UTC timestamp. An empty
    input gives an empty table with the standard columns. Raises ``ValueError`` when a row
    lacks ``chapter``, ``experiment``, ``metric`` or ``value``.
    """
    if rows is not None and (isinstance(rows, (str, bytes, Mapping)) or not _iterable(rows)):
        raise TypeError(f"rows must be an iterable of mappings, got {type(rows).__name__}")
    rows = list(load_results() if rows is None else rows)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"result row {i} is a {type(row).__name__}, not a mapping")
        missing = [k for k in ("chapter", "experiment", "metric", "value") if k not in row]
        if missing:
            raise ValueError(f"result row {i} lacks {', '.join(missing)}: {dict(row)!r}")
    df = pd.DataFrame([dict(r) for r in rows])
    for col in ROW_FIELDS:
        if col not in df.columns:
            df[col] = pd.Series(dtype=object)
    extra = [c for c in df.columns if c not in ROW_FIELDS]
    df = df[[*ROW_FIELDS, *extra]]
    if df.empty:
        return df.reset_index(drop=True)
    try:
        df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"a result value is not a number: {exc}") from None
    if not np.all(np.isfinite(df["value"])):
        raise ValueError("result values must be finite (a row has NaN or inf)")
    df["versions"] = df["versions"].map(format_versions)
    df["date"] = pd.to_datetime(df["date"], utc=True, errors="coerce")
    df["seed"] = pd.array([_seed(s) for s in df.seed], dtype="Int64")
    for col in ("unit", "data_source", "profile", "hardware"):
        df[col] = df[col].fillna("").astype(str)
    return df.sort_values(["chapter", "experiment", "metric", "seed"]).reset_index(drop=True)


def _iterable(x: Any) -> bool:
    try:
        iter(x)
    except TypeError:
        return False
    return True


def _seed(s: Any) -> int | None:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    try:
        return chk.integer(s, "seed")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a result row has a bad seed: {exc}") from None


def _frame(df: Any, name: str = "df", columns: Sequence[str] = ()) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing}")
    return df


_SHORT_NAMES = {
    "python": "py",
    "tensorflow": "tf",
    "tensorflow-quantum": "tfq",
    "tf-keras": "tf-keras",
    "cirq-core": "cirq",
}


def compact_versions(versions: str) -> str:
    """``"python 3.11.7, cirq-core 1.5.0"`` -> ``"py 3.11.7, cirq 1.5.0"`` (qbook dropped)."""
    versions = chk.string(versions, "versions")
    parts = []
    for item in filter(None, (p.strip() for p in versions.split(","))):
        name, _, ver = item.partition(" ")
        if name != "qbook":
            parts.append(f"{_SHORT_NAMES.get(name, name)} {ver}".strip())
    return ", ".join(parts)


def styled_rows(df: pd.DataFrame) -> Any:
    """Every row for reading on a page: one line per row, short versions, minutes-only dates.

    Returns a pandas ``Styler`` (wide tables scroll sideways instead of wrapping).
    """
    df = _frame(df, "df", ("versions", "seed"))
    view = df.drop(columns=[c for c in RUN_FIELDS if c in df.columns])  # ids: for machines
    view["versions"] = view["versions"].map(compact_versions)
    view["seed"] = view["seed"].astype(object).where(view["seed"].notna(), "")
    return styled(view).format({"value": "{:.4g}"}, na_rep="")


def styled(table: pd.DataFrame) -> Any:
    """A table for the page: no index, one line per row (wide tables scroll sideways)."""
    view = _frame(table, "table").copy()
    for col in view.columns:
        if pd.api.types.is_datetime64_any_dtype(view[col]):
            view[col] = view[col].dt.strftime("%Y-%m-%d %H:%M")
    return view.style.hide(axis="index").set_table_styles(
        [
            {
                "selector": "td, th",
                "props": "white-space: nowrap; text-align: left; padding: 0.1em 0.6em;",
            }
        ]
    )


VERDICT_COLOURS = {
    "holds": "#d9f2d9",
    "does not hold": "#f8d7d7",
    "inconclusive": "#fff1c2",
    "not comparable": "#e6e6e6",
}


def styled_ledger(ledger: pd.DataFrame) -> Any:
    """The claims ledger for the page: wrapped text, each verdict on its own colour.

    ``ledger`` is the frame of :func:`qbook.common.claims.ledger` (it needs a ``verdict`` column).
    Introduced in chapter 13, Results.
    """
    view = _frame(ledger, "ledger", ("verdict",))
    first = [c for c in ("claim", "verdict") if c in view.columns]  # the verdict beside its claim
    view = view[first + [c for c in view.columns if c not in first]]

    def colour(v: Any) -> str:
        return f"background-color: {VERDICT_COLOURS.get(v, '')}; font-weight: bold"

    return (
        view.style.hide(axis="index")
        .map(colour, subset=["verdict"])
        .set_table_styles(
            [
                {
                    "selector": "td, th",
                    "props": "white-space: normal; text-align: left; vertical-align: top;"
                    " padding: 0.2em 0.5em; font-size: 0.85em; min-width: 9em;",
                },
                {"selector": "td:first-child", "props": "min-width: 14em;"},
            ]
        )
    )


def summarise(df: pd.DataFrame, by: Sequence[str] = GROUP_KEYS) -> pd.DataFrame:
    """Mean and sample standard deviation over seeds, one row per group in ``by``.

    Columns: the ``by`` keys, ``n`` (rows), ``seeds`` (the seeds, as text), ``mean``, ``sd``
    (``NaN`` for a single run), ``min``, ``max`` and ``mean_sd`` (``"0.912 +/- 0.004 (n=3)"``).
    Raises ``ValueError`` when a ``by`` column is missing.
    """
    df = _frame(df, "df", ("value", "seed"))
    if isinstance(by, str) or not all(isinstance(k, str) for k in by):
        raise TypeError(f"by must be a sequence of column names, got {by!r}")
    missing = [k for k in by if k not in df.columns]
    if missing:
        raise ValueError(f"cannot summarise: columns {missing} are not in the table")
    by = [*by, "setting"]
    cols = [*by, "n", "seeds", "mean", "sd", "min", "max", "mean_sd"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.assign(setting=setting_labels(df))
    keyed = df.assign(**{k: df[k].fillna("").astype(str) for k in by})
    out = []
    for key, grp in keyed.groupby(list(by), sort=True, dropna=False):
        vals = grp["value"].to_numpy(dtype=float)
        seeds = sorted({int(s) for s in grp["seed"].dropna()})
        mean = float(vals.mean())
        sd = float(vals.std(ddof=1)) if len(vals) > 1 else float("nan")
        out.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                "n": len(vals),
                "seeds": ",".join(map(str, seeds)) if seeds else "-",
                "mean": mean,
                "sd": sd,
                "min": float(vals.min()),
                "max": float(vals.max()),
                "mean_sd": format_mean_sd(mean, sd, len(vals)),
            }
        )
    return pd.DataFrame(out, columns=cols)


def setting_labels(df: pd.DataFrame) -> pd.Series:
    """One label per row from its ``CONDITION_KEYS`` columns, e.g. ``"n_qubits=20, p=2"``.

    Introduced in chapter 13, results: :func:`summarise` averages only rows with equal labels.
    """
    df = _frame(df)
    present = [k for k in CONDITION_KEYS if k in df.columns]

    def label(row: pd.Series) -> str:
        parts = []
        for k in present:
            v = row[k]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
        return ", ".join(parts)

    if df.empty:
        return pd.Series([], dtype=str, index=df.index)
    return df.apply(label, axis=1).astype(str)


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of one result over seeds; sd 0 for one value.

    Introduced in chapter 2 and used by every learning chapter; :func:`summarise` does the same
    per group of a results table (where one run has sd ``NaN``).
    """
    v = chk.finite_array(values, "values", ndim=1)
    if v.size == 0:
        raise ValueError("mean_sd needs a non-empty list of values")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def format_mean_sd(mean: float, sd: float, n: int, digits: int = 3) -> str:
    """``"0.912 +/- 0.004 (n=3)"``; a single run prints without the spread."""
    n = chk.count(n, "n", lo=1)
    mean = chk.real(mean, "mean")
    digits = chk.count(digits, "digits", lo=1, hi=17)
    if sd is not None and not (isinstance(sd, float) and math.isnan(sd)):
        sd = chk.non_negative(sd, "sd")
    fmt = f"{{:.{digits}g}}"
    if n == 1 or sd is None or math.isnan(sd):
        return f"{fmt.format(mean)} (n={n})"
    return f"{fmt.format(mean)} +/- {fmt.format(sd)} (n={n})"


def comparable_metrics(df: pd.DataFrame, min_experiments: int = 2) -> list[tuple[str, str]]:
    """``(chapter, metric)`` pairs measured by at least ``min_experiments`` experiments.

    These are the comparisons worth a plot (e.g. test accuracy of a CNN vs a QCNN).
    """
    df = _frame(df, "df", ("chapter", "metric", "experiment"))
    min_experiments = chk.count(min_experiments, "min_experiments", lo=1)
    if df.empty:
        return []
    counts = df.groupby(["chapter", "metric"])["experiment"].nunique()
    return [tuple(k) for k, n in counts.items() if n >= min_experiments]


def plot_metric(df: pd.DataFrame, chapter: str, metric: str, ax: Any = None) -> Any:
    """Every seed as a dot and the mean +/- sd as a bar, one column per experiment.

    Returns the matplotlib axes. Raises ``ValueError`` when no row matches.
    """
    import matplotlib.pyplot as plt

    df = _frame(df, "df", ("chapter", "metric", "experiment", "value", "unit"))
    chapter = chk.string(chapter, "chapter")
    metric = chk.string(metric, "metric")
    sub = df[(df["chapter"] == chapter) & (df["metric"] == metric)]
    if sub.empty:
        raise ValueError(f"no results for chapter {chapter!r}, metric {metric!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.2))
    experiments = sorted(sub["experiment"].unique())
    for i, exp in enumerate(experiments):
        vals = sub.loc[sub["experiment"] == exp, "value"].to_numpy(dtype=float)
        jitter = np.linspace(-0.12, 0.12, len(vals)) if len(vals) > 1 else np.zeros(1)
        ax.scatter(i + jitter, vals, s=14, color="0.5", zorder=3)
        sd = vals.std(ddof=1) if len(vals) > 1 else 0.0
        ax.errorbar(i, vals.mean(), yerr=sd, fmt="o", color="C0", capsize=4, ms=7, zorder=4)
    unit = next((u for u in sub["unit"] if u), "")
    ax.set_xticks(range(len(experiments)), experiments, rotation=20, ha="right")
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    sources = ", ".join(sorted(set(sub["data_source"])))
    profiles = ", ".join(sorted(set(sub["profile"])))
    ax.set_title(f"{chapter}: {metric} (data: {sources}; profile: {profiles})", fontsize=9)
    return ax


def provenance(df: pd.DataFrame) -> pd.DataFrame:
    """Which chapter ran where, when, with what: one row per chapter."""
    cols = ["chapter", "rows", "profile", "data_source", "hardware", "versions", "last_run"]
    df = _frame(df, "df", ("chapter", "profile", "data_source", "hardware", "versions", "date"))
    if df.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for chapter, grp in df.groupby("chapter", sort=True):
        out.append(
            {
                "chapter": chapter,
                "rows": len(grp),
                "profile": ", ".join(sorted(set(grp["profile"]))),
                "data_source": ", ".join(sorted(set(grp["data_source"]))),
                "hardware": ", ".join(sorted(set(grp["hardware"]))),
                "versions": "; ".join(sorted({compact_versions(v) for v in grp["versions"]})),
                "last_run": grp["date"].max(),
            }
        )
    return pd.DataFrame(out, columns=cols)

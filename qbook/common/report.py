"""Tables and plots of the recorded results (introduced in chapter 13, Results).

Chapters and benchmarks record every number they report with :class:`qbook.common.results.Recorder`
(``results/*.jsonl``, ``benchmarks/results/*.json``). This module turns those rows into one
pandas table, summarises repeated runs over seeds (mean +/- sample standard deviation), and
draws the comparison plots of the results chapter. It never imports TensorFlow.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from qbook.common import checks as chk
from qbook.common.results import ROW_FIELDS, load_results

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


# One spelling per data source: (pattern, replacement), applied in order by source_label().
_SOURCE_SPELLINGS = (
    # the qualifier after the instance name: "CVRPLIB A-n32-k5 (not held out)"
    (r"^(CVRPLIB|random CVRP) \(((?:not )?held out)\) (\S+)$", r"\1 \3 (\2)"),
    # a CVRPLIB instance is never held out (the book was developed on them)
    (r"^CVRPLIB ([A-Z]+-n\d+-k\d+)$", r"CVRPLIB \1 (not held out)"),
    (r"^shipped_cvrplib$", "CVRPLIB instances (not held out)"),
    (r"^heldout_random_cvrp$", "random CVRPs (held out)"),
    # qbook.routing.generators.random_tsp on the evaluation or tuning seeds
    (r"^random_tsp\b.*evaluation seeds$", "random TSP (held out)"),
    (r"^random_tsp\b.*tuning seeds$", "random TSP (tuning seeds)"),
    (r"^random_tsp \(.*\)$", "random TSP"),
    # chapter 8's three-customer instance
    (r"^tiny instance$", "CVRP (tiny)"),
)


def source_label(data_source: str) -> str:
    """The one spelling of a data source used on the page: ``"CVRPLIB (not held out) A-n32-k5"``
    and ``"CVRPLIB A-n32-k5"`` both read ``"CVRPLIB A-n32-k5 (not held out)"``; a benchmark's
    ``"random_tsp (...), evaluation seeds"`` reads ``"random TSP (held out)"`` like the chapters'.
    Introduced in chapter 13, Results."""
    text = " ".join(chk.string(data_source, "data_source").split())
    for pattern, repl in _SOURCE_SPELLINGS:
        text = re.sub(pattern, repl, text)
    return text


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
    df["data_source"] = df["data_source"].map(source_label)
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


class Html:
    """An HTML fragment for the page: Jupyter shows it (``_repr_html_``), tests read
    ``to_html``. Introduced in chapter 13, Results."""

    def __init__(self, html: str) -> None:
        self.html = chk.string(html, "html")

    def _repr_html_(self) -> str:
        return self.html

    def to_html(self) -> str:
        return self.html


# Tables that fit the page: fixed layout at the column's width, wrapped text; on a narrow
# screen (a phone) every row becomes a card of "column: value" lines.
_TABLE_CSS = """<style>
table.qbook-table {width: 100%; max-width: 100%; table-layout: fixed; border-collapse: collapse;
  line-height: 1.35; margin: 0.3em 0 1em 0;}
table.qbook-table th, table.qbook-table td {text-align: left; vertical-align: top;
  padding: 0.25em 0.4em; white-space: normal; overflow-wrap: anywhere;
  border-bottom: 1px solid #ddd; font-size: 0.8rem;}
table.qbook-table th {border-bottom: 2px solid #999;}
table.qbook-table small {font-size: 0.72rem; color: #555;}
details.qbook-fold > summary {cursor: pointer; margin: 0.2em 0;}
/* a page that shows these tables wraps its printed lines too, rather than scroll sideways */
div.cell_output pre {white-space: pre-wrap; overflow-wrap: anywhere;}
@media (max-width: 700px) {
  table.qbook-table, table.qbook-table tbody, table.qbook-table tr, table.qbook-table td
    {display: block; width: 100% !important; box-sizing: border-box;}
  table.qbook-table colgroup, table.qbook-table thead {display: none;}
  table.qbook-table tr {border: 1px solid #ccc; margin-bottom: 0.7em;}
  table.qbook-table td {border: none; padding: 0.15em 0.5em;}
  table.qbook-table td::before {content: attr(data-label) ": "; font-weight: bold;}
}
</style>"""


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def html_table(
    table: pd.DataFrame,
    widths: Sequence[float] | None = None,
    raw: Sequence[str] = (),
    css: bool = True,
) -> Html:
    """``table`` as an HTML table that never gets wider than the page.

    Fixed layout with wrapped text (``widths``: the columns' shares of the width, default
    equal); below 700 px each row becomes a card of "column: value" lines. Cells are escaped
    except in the ``raw`` columns (already HTML). ``css=False`` leaves out the style block (when
    several tables share one). No index. Introduced in chapter 13, Results.
    """
    view = _frame(table, "table")
    css = chk.boolean(css, "css")
    cols = [str(c) for c in view.columns]
    raw = set(chk.string(r, "raw") for r in raw)
    if widths is None:
        widths = [1.0] * len(cols)
    w = chk.finite_array(widths, "widths", ndim=1, lo=0.0)
    if w.size != len(cols) or (w.size and w.sum() <= 0):
        raise ValueError(f"widths must give {len(cols)} non-negative shares, got {list(w)}")
    share = 100 * w / w.sum() if w.size else w
    out = [_TABLE_CSS] if css else []
    out.append('<table class="qbook-table"><colgroup>')
    out += [f'<col style="width: {x:.1f}%">' for x in share]
    out.append("</colgroup><thead><tr>")
    out += [f"<th>{html.escape(c)}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for row in view.itertuples(index=False):
        out.append("<tr>")
        for c, v in zip(cols, row, strict=True):
            text = str(v) if c in raw else _cell(v)
            out.append(f'<td data-label="{html.escape(c)}">{text}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return Html("".join(out))


#: The columns of a result row shown on the page (every column is in the CSV download): the
#: row's own fields less its provenance (hardware, versions, date), then where it came from.
ROW_COLUMNS = (*(f for f in ROW_FIELDS if f not in ("hardware", "versions", "date")), "origin")


def styled_rows(df: pd.DataFrame) -> Html:
    """Result rows for reading on a page: the columns of ``ROW_COLUMNS`` (provenance and
    run ids stay in the CSV), wrapped to the page width."""
    df = _frame(df, "df", ("versions", "seed"))
    view = df[[c for c in ROW_COLUMNS if c in df.columns]].copy()
    view["seed"] = view["seed"].astype(object).where(view["seed"].notna(), "")
    widths = dict(zip(ROW_COLUMNS, (11, 14, 16, 7, 4, 5, 19, 6, 18), strict=True))
    return html_table(view, widths=[widths[c] for c in view.columns])


def styled(table: pd.DataFrame, widths: Sequence[float] | None = None) -> Html:
    """A table for the page: no index, wrapped text, never wider than the page (``widths``:
    the columns' shares, as in :func:`html_table`)."""
    view = _frame(table, "table").copy()
    for col in view.columns:
        if pd.api.types.is_datetime64_any_dtype(view[col]):
            view[col] = view[col].dt.strftime("%Y-%m-%d %H:%M")
    return html_table(view, widths=widths)


VERDICT_COLOURS = {
    "holds": "#d9f2d9",
    "does not hold": "#f8d7d7",
    "inconclusive": "#fff1c2",
    "not comparable": "#e6e6e6",
}


def styled_ledger(ledger: pd.DataFrame) -> Html:
    """The claims ledger for the page, four columns that fit the width (on a phone, one card
    per claim): the claim and its source; the verdict on its colour and what it rests on; the
    figures (chapters' and benchmark's); the reason.

    ``ledger`` is the frame of :func:`qbook.common.claims.ledger` (it needs a ``verdict``
    column; the others are shown where present). Introduced in chapter 13, Results.
    """
    view = _frame(ledger, "ledger", ("verdict",))

    def get(row: Mapping[str, Any], col: str) -> str:
        v = row.get(col, "")
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    def small(text: str) -> str:
        return f"<br><small>{html.escape(text)}</small>" if text else ""

    cells = []
    for row in view.to_dict("records"):
        v = get(row, "verdict")
        colour = VERDICT_COLOURS.get(v, "")
        figures = [
            f"<b>{html.escape(k)}</b>: {html.escape(get(row, k))}"
            for k in ("chapters' figure", "benchmark figure")
            if get(row, k) and get(row, k) != "not recorded"
        ]
        cells.append(
            {
                "claim": html.escape(get(row, "claim")) + small(get(row, "source")),
                "verdict": f'<span style="background-color: {colour}; font-weight: bold;'
                f' padding: 0 0.2em; white-space: nowrap">{html.escape(v)}</span>'
                + small(get(row, "basis")),
                "figures": "<br>".join(figures),
                "reason": html.escape(get(row, "reason")),
            }
        )
    return html_table(
        pd.DataFrame(cells), widths=[21, 16, 31, 32], raw=("claim", "verdict", "figures", "reason")
    )


def summary_by_chapter(df: pd.DataFrame) -> Html:
    """:func:`summarise` of ``df`` split by chapter, each chapter folded in its own block
    (a heading with its number of lines; the table opens on a click), so a long summary neither
    fills the page nor gets wider than it. Introduced in chapter 13, Results."""
    summary = summarise(_frame(df, "df", ("chapter",)))
    columns = ["experiment", "metric", "setting", "data_source", "profile", "mean_sd", "seeds"]
    out = [_TABLE_CSS]
    for chapter, grp in summary.groupby("chapter", sort=True):
        table = html_table(grp[columns], widths=[18, 20, 12, 20, 7, 14, 9], css=False)
        out.append(
            f'<details class="qbook-fold"><summary>{html.escape(str(chapter))}'
            f" ({len(grp)} lines)</summary>{table.to_html()}</details>"
        )
    return Html("".join(out))


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
    """Every seed as a dot and the mean +/- sd as a bar, one row per experiment.

    Experiments run down the vertical axis with their names wrapped (never overlapping tick
    labels, however many or long); the figure grows with their number. Returns the matplotlib
    axes. Raises ``ValueError`` when no row matches.
    """
    import textwrap

    import matplotlib.pyplot as plt

    df = _frame(df, "df", ("chapter", "metric", "experiment", "value", "unit"))
    chapter = chk.string(chapter, "chapter")
    metric = chk.string(metric, "metric")
    sub = df[(df["chapter"] == chapter) & (df["metric"] == metric)]
    if sub.empty:
        raise ValueError(f"no results for chapter {chapter!r}, metric {metric!r}")
    experiments = sorted(sub["experiment"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 1.0 + 0.42 * len(experiments)))
    for i, exp in enumerate(experiments):
        vals = sub.loc[sub["experiment"] == exp, "value"].to_numpy(dtype=float)
        jitter = np.linspace(-0.12, 0.12, len(vals)) if len(vals) > 1 else np.zeros(1)
        ax.scatter(vals, i + jitter, s=14, color="0.5", zorder=3)
        sd = vals.std(ddof=1) if len(vals) > 1 else 0.0
        ax.errorbar(vals.mean(), i, xerr=sd, fmt="o", color="C0", capsize=4, ms=7, zorder=4)
    unit = next((u for u in sub["unit"] if u), "")
    labels = [textwrap.fill(str(e), 28, max_lines=2, placeholder="...") for e in experiments]
    ax.set_yticks(range(len(experiments)), labels, fontsize=8)
    ax.set_ylim(len(experiments) - 0.5, -0.5)  # first experiment at the top
    ax.set_xlabel(f"{metric} ({unit})" if unit else metric)
    ax.grid(axis="x", color="0.9")
    sources = ", ".join(sorted(set(sub["data_source"])))
    profiles = ", ".join(sorted(set(sub["profile"])))
    title = f"{chapter}: {metric}\n" + textwrap.shorten(
        f"data: {sources}; profile: {profiles}", 90, placeholder=" ..."
    )
    ax.set_title(title, fontsize=9, loc="left")
    return ax


def _few(values: Iterable[str], k: int = 4) -> str:
    """``"a, b, c and 12 more"``: a list for a table cell."""
    items = sorted(set(values))
    more = f" and {len(items) - k} more" if len(items) > k else ""
    return ", ".join(items[:k]) + more


def provenance(df: pd.DataFrame) -> pd.DataFrame:
    """Which chapter ran where, when, with what: one row per chapter (and per ``origin``, where
    the rows have one: this build, the book's recorded run, a benchmark file)."""
    cols = ["chapter", "origin", "rows", "profile", "data_source", "hardware", "versions"]
    cols.append("last_run")
    df = _frame(df, "df", ("chapter", "profile", "data_source", "hardware", "versions", "date"))
    if df.empty:
        return pd.DataFrame(columns=cols)
    if "origin" not in df.columns:
        df = df.assign(origin="")
    out = []
    for (chapter, origin), grp in df.groupby(["chapter", df.origin.fillna("")], sort=True):
        out.append(
            {
                "chapter": chapter,
                "origin": origin,
                "rows": len(grp),
                "profile": ", ".join(sorted(set(grp["profile"]))),
                "data_source": _few(grp["data_source"]),
                "hardware": ", ".join(sorted(set(grp["hardware"]))),
                "versions": "; ".join(sorted({compact_versions(v) for v in grp["versions"]})),
                "last_run": grp["date"].max(),
            }
        )
    out = pd.DataFrame(out, columns=cols)
    return out if out.origin.astype(bool).any() else out.drop(columns="origin")

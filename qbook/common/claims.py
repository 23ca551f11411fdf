"""The claims ledger: do the sources' quantitative claims hold? (chapter 13, Results).

Each :class:`~qbook.common.evidence.Claim` (the list is ``CLAIMS``, in :mod:`qbook.common.claim_table`) is data:
what a source says, where the book measures the same thing (a :class:`~qbook.common.evidence.Lookup` into the
recorded results), and the rule that turns the measurement into a verdict. Nothing here holds
a measured number: :func:`ledger` looks every figure up in the rows the chapters recorded
(``results/*.jsonl``; for a chapter that has not run in this copy, the book's own recorded run
installed with the package) and in the committed benchmark results, each labelled with its
profile, seeds, data source, whether the seeds were held out, and the file it came from.

The rule (``RULE``, printed above the ledger in chapter 13): a verdict rests on a 95%
interval that stays inside the range of the quantity (a Wilson interval for a count, a
percentile bootstrap over the seeds or instances for a mean, and for a difference of two means
the bootstrap of the difference). ``holds`` when the whole interval supports the claim,
``does not hold`` when the whole interval contradicts it, ``inconclusive`` otherwise, and
always ``inconclusive`` on fewer than ``MIN_SEEDS`` seeds or ``MIN_INSTANCES``
instances. A quality claim with a null (random search with as many tries) holds only when the
interval is above the null too. ``not comparable``: the book measured other data than the
claim is about. Exact claims (a count of qubits) are checked exactly.

A claim with no recorded measurement is an error (:class:`MissingMeasurement`): the ledger
never shows a row without a figure behind it. Never imports TensorFlow.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qbook.common import checks as chk
from qbook.common.claim_table import CLAIMS
from qbook.common.evidence import (
    MIN_INSTANCES,
    MIN_SEEDS,
    RULES,
    Claim,
    Lookup,
    Measurement,
)
from qbook.common.report import source_label
from qbook.common.results import (
    bench_results_dir,
    load_results,
    read_json_rows,
    read_jsonl_rows,
    recorded_chapters_dir,
    results_dir,
)

__all__ = [
    "CLAIMS",
    "Claim",
    "Lookup",
    "Measurement",
    "MissingMeasurement",
    "MIN_INSTANCES",
    "MIN_SEEDS",
    "RULE",
    "RULES",
    "VERDICTS",
    "ledger",
    "load_origins",
    "measure",
    "verdict",
]

VERDICTS = ("holds", "does not hold", "inconclusive", "not comparable")
BUILD = "this build"
RECORDED = "the book's recorded run"
BENCH = "benchmark "  # origin of a benchmark row: "benchmark <file name>"

#: The rule, as chapter 13 prints it above the ledger (Markdown).
RULE = (
    "**How a verdict is reached.** Each figure comes with a 95% interval that stays inside the"
    " range of the quantity: a Wilson interval for a count of successes, a percentile bootstrap"
    " over the seeds (or instances) for a mean, and for a claimed difference the bootstrap of"
    " the difference of the two means.\n\n"
    "* **holds**: the whole interval supports the claim (above the claimed figure less the"
    " rounding of the source's own number; for a difference, above zero);\n"
    "* **does not hold**: the whole interval contradicts it;\n"
    "* **inconclusive**: the interval reaches both sides, or the figure rests on fewer than"
    f" {MIN_SEEDS} seeds or {MIN_INSTANCES} instances (the ledger then uses committed benchmark"
    " rows with enough of them where there are any, and names the file);\n"
    "* **not comparable**: the book measured other data than the claim is about.\n\n"
    "A quality claim that has a null (random search with as many tries) holds only when its"
    " interval is also above the null's rate. A claim about a deterministic count (the qubits of"
    " a built circuit) is checked exactly: no seed is involved."
)


class MissingMeasurement(ValueError):
    """A claim of the ledger has no recorded measurement behind it."""


def load_origins(
    build_dir: str | Path | None = None,
    bench_dir: str | Path | None = None,
    recorded_dir: str | Path | None = None,
) -> pd.DataFrame:
    """All recorded rows with an ``origin`` column.

    Chapter rows come from ``build_dir`` (default ``results/``: this copy's latest run of each
    chapter, origin ``"this build"``); a chapter with no rows there is taken from
    ``recorded_dir`` (default: the book's own recorded run, installed with the package; origin
    ``"the book's recorded run"``), so a fresh runtime still has every figure. Benchmark rows
    come from ``bench_dir`` (default: the committed benchmark results installed with the
    package; origin ``"benchmark <file>"``). Data sources are spelled one way
    (:func:`qbook.common.report.source_label`).
    """
    build = Path(chk.path_like(build_dir, "build_dir")) if build_dir is not None else results_dir()
    bench = (
        Path(chk.path_like(bench_dir, "bench_dir"))
        if bench_dir is not None
        else bench_results_dir()
    )
    recorded = (
        Path(chk.path_like(recorded_dir, "recorded_dir"))
        if recorded_dir is not None
        else recorded_chapters_dir()
    )
    rows = [{**r, "origin": BUILD} for r in (load_results(build) if build.is_dir() else [])]
    ran = {r.get("chapter") for r in rows}
    if recorded.is_dir():
        rows += [
            {**r, "origin": RECORDED} for r in load_results(recorded) if r.get("chapter") not in ran
        ]
    if bench.is_dir():
        for f in sorted([*bench.glob("*.json"), *bench.glob("*.jsonl")]):
            rows += [{**r, "origin": f"{BENCH}{f.name}"} for r in _load_one(f)]
    df = pd.DataFrame(rows)
    for col in ("chapter", "experiment", "metric", "value", "seed", "data_source", "profile"):
        if col not in df.columns:
            df[col] = pd.Series(dtype=object)
    for col in ("n", "origin"):
        if col not in df.columns:
            df[col] = pd.Series(dtype=object)
    df["data_source"] = [source_label(s) if isinstance(s, str) else s for s in df.data_source]
    return df


def _load_one(path: Path) -> list[dict[str, Any]]:
    return read_jsonl_rows(path) if path.suffix == ".jsonl" else read_json_rows(path)


def _held_out(sources: Sequence[str]) -> str:
    text = " ".join(sources).lower()
    if "e-n13-k4" in text:  # Part II's settings were first chosen on this instance
        return "not held out (tuning instance)"
    if "not held out" in text or "tuning seed" in text:
        return "not held out"
    if "held out" in text or "evaluation seed" in text:
        return "held out"
    return "no tuning split"


def _is_bench(df: pd.DataFrame) -> pd.Series:
    return df.origin.astype(str).str.startswith(BENCH)


def _select(df: pd.DataFrame, lk: Lookup, origin: str) -> pd.DataFrame:
    """The rows of ``lk``'s chapter and experiment from chapter runs or benchmarks."""
    sel = df[(df.chapter == lk.chapter) & _matches(df.experiment, lk.experiment, lk.regex)]
    sel = sel[_is_bench(sel)] if origin == "bench" else sel[~_is_bench(sel)]
    if lk.file is not None:
        sel = sel[sel.origin == f"{BENCH}{lk.file}"]
    if lk.held_out_only:
        flags = sel["held_out"] if "held_out" in sel else pd.Series(False, index=sel.index)
        sel = sel[flags.map(lambda v: isinstance(v, (bool, np.bool_)) and bool(v))]
    return sel


def _matches(column: pd.Series, pattern: str, regex: bool) -> pd.Series:
    if not regex:
        return column.astype(str) == pattern
    compiled = re.compile(pattern)
    return column.astype(str).map(lambda v: compiled.fullmatch(v) is not None)


def _where(lk: Lookup, origin: str) -> str:
    return f"{lk.label} ({lk.chapter}: {lk.experiment}/{lk.metric}, {origin} rows)"


def measure(df: pd.DataFrame, lk: Lookup, origin: str = BUILD) -> Measurement | None:
    """The measurement ``lk`` points at, from the chapters' rows (``origin="this build"``: this
    copy's run, or the book's recorded run for a chapter that has not run) or from committed
    benchmark rows (``origin="bench"``); ``None`` when nothing was recorded.

    Raises ``ValueError`` naming the lookup when the rows cannot give the figure: a count
    without an ``n`` column, a ``per_seed`` list that does not match its seeds, a benchmark
    lookup that matches rows of several files.
    """
    if not isinstance(df, pd.DataFrame) or "origin" not in df.columns:
        raise TypeError("df must be the frame of load_origins()")
    if not isinstance(lk, Lookup):
        raise TypeError(f"lk must be a Lookup, got {type(lk).__name__}")
    origin = chk.choice(origin, "origin", (BUILD, "bench"))
    sel = _select(df, lk, origin)
    sel_m = sel[_matches(sel.metric, lk.metric, lk.regex)]
    if sel_m.empty:
        return None
    if origin == "bench" and sel_m.origin.nunique() > 1:
        raise ValueError(
            f"{_where(lk, origin)} matches rows of several benchmark files"
            f" ({', '.join(sorted(set(sel_m.origin)))}): name one with Lookup.file"
        )
    if lk.relative_to is not None:
        ref = sel[sel.metric == lk.relative_to][["experiment", "data_source", "value"]]
        sel_m = sel_m.merge(ref, on=["experiment", "data_source"], suffixes=("", "_ref"))
        if sel_m.empty:
            return None
        sel_m = sel_m.assign(value=sel_m.value.astype(float) / sel_m.value_ref.astype(float) - 1)
    if lk.per_seed is not None:
        sel_m = _per_seed_rows(sel_m, lk, origin)
    keys = ["metric"] if lk.setting is None else ["metric", lk.setting]
    if lk.setting is not None and lk.setting not in sel_m.columns:
        raise ValueError(f"{_where(lk, origin)}: no column {lk.setting!r} (Lookup.setting)")
    means = sel_m.assign(value=sel_m.value.astype(float)).groupby(keys).value.mean()
    chosen = means.idxmax() if lk.pick == "max" else means.idxmin()
    chosen = chosen if isinstance(chosen, tuple) else (chosen,)
    rows = sel_m[np.logical_and.reduce([sel_m[k] == v for k, v in zip(keys, chosen, strict=True)])]
    values = rows.value.astype(float).to_numpy()
    successes = trials = None
    if lk.count:
        successes, trials = _count(rows, values, lk, origin)
        mean, sd, figures = successes / trials, float("nan"), ()
    else:
        mean = float(values.mean())
        sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
        figures = tuple(float(v) for v in values)
    seeds = [int(s) for s in rows.seed if s is not None and not pd.isna(s)]
    if lk.per_seed is None:
        for listed in rows.get("seeds", pd.Series(dtype=object)):
            if isinstance(listed, list | tuple):
                seeds += [int(s) for s in listed]
    sources = sorted(set(rows.data_source.fillna("n/a").astype(str)))
    return Measurement(
        mean=mean,
        sd=sd,
        n=len(values),
        successes=successes,
        trials=trials,
        seeds=tuple(seeds),
        data_source=_short_source(sources),
        profile=", ".join(sorted(set(rows.profile.fillna("?").astype(str)))),
        held_out=_held_out([*sources, *sorted(set(rows.experiment.astype(str)))]),
        origin=", ".join(sorted(set(rows.origin.astype(str)))),
        values=figures,
    )


def _per_seed_rows(rows: pd.DataFrame, lk: Lookup, origin: str) -> pd.DataFrame:
    """One row per entry of the ``lk.per_seed`` list, its seed from the row's ``seeds``."""
    out = []
    for _, r in rows.iterrows():
        vals, seeds = r.get(lk.per_seed), r.get("seeds")
        if not isinstance(vals, list | tuple) or not isinstance(seeds, list | tuple):
            raise ValueError(f"{_where(lk, origin)}: {lk.per_seed!r} and 'seeds' must be lists")
        if len(vals) != len(seeds) or not vals:
            raise ValueError(
                f"{_where(lk, origin)}: {len(vals)} values in {lk.per_seed!r} for"
                f" {len(seeds)} seeds"
            )
        out += [{**r.to_dict(), "value": v, "seed": s} for v, s in zip(vals, seeds, strict=True)]
    return pd.DataFrame(out)


def _count(rows: pd.DataFrame, values: np.ndarray, lk: Lookup, origin: str) -> tuple[int, int]:
    n = pd.to_numeric(rows["n"], errors="coerce") if "n" in rows.columns else None
    if n is None or n.isna().any():
        raise ValueError(
            f"{_where(lk, origin)}: Lookup.count needs an 'n' column (the trials) on every row"
        )
    trials, successes = float(n.sum()), float(values.sum())
    if trials < 1 or trials != int(trials) or successes != int(successes):
        raise ValueError(
            f"{_where(lk, origin)}: a count needs whole successes and trials, got"
            f" {successes:g} of {trials:g}"
        )
    if not 0 <= successes <= trials:
        raise ValueError(f"{_where(lk, origin)}: {successes:g} successes of {trials:g} trials")
    return int(successes), int(trials)


def _expected_rate(df: pd.DataFrame, lk: Lookup, origin: str) -> tuple[float, int] | None:
    """``(expected successes, trials)`` of a null lookup (``value`` out of the row's ``n``)."""
    sel = _select(df, lk, origin)
    sel = sel[_matches(sel.metric, lk.metric, lk.regex)]
    if sel.empty:
        return None
    n = pd.to_numeric(sel["n"], errors="coerce") if "n" in sel.columns else None
    if n is None or n.isna().any() or n.sum() < 1:
        raise ValueError(f"{_where(lk, origin)}: a null needs an 'n' column (the trials)")
    return float(sel.value.astype(float).sum()), int(n.sum())


def _short_source(sources: list[str]) -> str:
    if len(sources) == 1:
        return sources[0]
    common = os.path.commonprefix(sources)
    common = common[: common.rfind(" ")].strip() if " " in common else ""
    return f"{common or 'several data sources'} ({len(sources)} sources)"


def verdict(
    claim: Claim,
    m: Measurement,
    versus: Measurement | None = None,
    null: tuple[float, int] | None = None,
) -> tuple[str, str]:
    """``(verdict, reason)`` for one measurement of ``claim``; the rule is ``RULE``.

    ``versus`` is the other side of a ``better`` claim; ``null`` the ``(expected successes,
    trials)`` of the claim's null method.
    """
    if not isinstance(claim, Claim) or not isinstance(m, Measurement):
        raise TypeError("verdict needs a Claim and a Measurement")
    if versus is not None and not isinstance(versus, Measurement):
        raise TypeError(f"versus must be a Measurement or None, got {type(versus).__name__}")
    if null is not None:
        if not isinstance(null, tuple) or len(null) != 2:
            raise TypeError(f"null must be a pair (expected successes, trials), got {null!r:.60}")
        trials = chk.count(null[1], "null trials", lo=1)
        null = (chk.real(null[0], "null expected successes", lo=0.0, hi=trials), trials)
    if claim.data and claim.data.lower() not in m.data_source.lower():
        return (
            "not comparable",
            f"the claim is about {claim.data}; the book measured on {m.data_source}",
        )
    if claim.rule == "better":
        if versus is None:
            raise ValueError(f"claim {claim.key}: rule 'better' needs the versus measurement")
        return _better(m, versus)
    t, slack = float(claim.target), claim.slack
    if claim.rule == "equal":  # a deterministic figure: every row must be exactly the claim
        figures = np.array(m.values or (m.mean,))
        word = "holds" if bool(np.all(np.isclose(figures, t))) else "does not hold"
        got = (
            f"{figures[0]:.4g}"
            if np.ptp(figures) == 0
            else f"{figures.min():.4g}-{figures.max():.4g}"
        )
        return word, f"exact (deterministic, no seed): measured {got}, claimed {t:g}"
    lo, hi = m.interval()
    k, kind = m.units()
    if m.trials is not None:
        band = f"{m.successes} of {m.trials}, 95% Wilson interval {100 * lo:.0f}-{100 * hi:.0f}%"
    elif m.n == 2:
        band = f"{m.mean:.3g} ({m.values[0]:.3g} and {m.values[1]:.3g})"
    elif m.n > 2:
        band = f"{m.mean:.3g}, 95% bootstrap interval over {k} {kind} {lo:.3g} to {hi:.3g}"
    else:
        band = f"{m.mean:.4g} in one run"
    bound = {"at_least": t - slack, "at_most": t + slack}.get(claim.rule)
    if claim.rule == "close":
        supports, contradicts = (
            t - slack <= lo and hi <= t + slack,
            hi < t - slack or lo > t + slack,
        )
        wanted = f"about {t:g} (within {slack:.3g})"
    elif claim.rule == "at_least":
        supports, contradicts = lo >= bound, hi < bound
        wanted = f"at least {t:g}" + (f" (less {slack:.3g} for rounding)" if slack else "")
    else:
        supports, contradicts = hi <= bound, lo > bound
        wanted = f"at most {t:g}" + (f" (plus {slack:.3g} for rounding)" if slack else "")
    reason = f"claimed {wanted}; measured {band}"
    beats_null = True
    if null is not None:
        expected, trials = null
        rate = expected / trials
        beats_null = lo > rate
        reason += (
            f"; random search with as many tries: {expected:.1f} of {trials} expected"
            f" ({100 * rate:.0f}%), {'below' if beats_null else 'not below'} the whole interval"
        )
    if not m.enough():
        return "inconclusive", f"too few {kind} ({k}; a verdict needs {_need(kind)}): {reason}"
    if supports and beats_null:
        return "holds", reason + ". The whole interval supports the claim"
    if contradicts:
        return "does not hold", reason + ". The whole interval contradicts the claim"
    if supports:
        return "inconclusive", reason + ". The interval supports the claim but not above the null"
    return "inconclusive", reason + ". The interval reaches both sides of the claim"


def _need(kind: str) -> str:
    return f"{MIN_SEEDS} seeds" if kind == "seeds" else f"{MIN_INSTANCES} instances"


def _better(m: Measurement, v: Measurement) -> tuple[str, str]:
    from qbook.common.stats import bootstrap_interval

    a = list(m.values) or [m.mean]
    b = list(v.values) or [v.mean]
    lo, hi = bootstrap_interval(a, versus=b)
    what = f"{m.mean:.3g} vs {v.mean:.3g}, difference {m.mean - v.mean:+.3g}"
    few = [x for x in (m, v) if not x.enough()]
    if few:
        k, kind = few[0].units()
        return "inconclusive", f"{what}: too few {kind} ({k}; a verdict needs {_need(kind)})"
    band = f"95% bootstrap interval of the difference {lo:+.3g} to {hi:+.3g}"
    if lo > 0:
        return "holds", f"{what}, {band}. Ahead beyond the noise"
    if hi <= 0:
        return "does not hold", f"{what}, {band}. The other side is ahead"
    return "inconclusive", f"{what}, {band}. Within the noise"


def ledger(df: pd.DataFrame | None = None, claims: Sequence[Claim] | None = None) -> pd.DataFrame:
    """One row per claim: the claim, its source, the verdict, what it rests on
    (``basis``: ``"benchmark: 5 seeds"``), the chapters' figure, the benchmark figure (where
    one was recorded), and the one-line reason.

    The verdict is taken on the benchmark figure where it has enough seeds or instances, else
    on the chapters' figure. Raises :class:`MissingMeasurement` naming every claim that has no
    figure in the chapters' rows.
    """
    df = load_origins() if df is None else df
    claims = CLAIMS if claims is None else claims
    if not isinstance(df, pd.DataFrame) or "origin" not in df.columns:
        raise TypeError("df must be the frame of load_origins()")
    if isinstance(claims, Claim) or not all(isinstance(c, Claim) for c in claims):
        raise TypeError("claims must be a sequence of Claim")
    out, missing = [], []
    for c in claims:
        m = measure(df, c.measure)
        v = measure(df, c.versus) if c.versus else None
        if m is None or (c.versus is not None and v is None):
            missing.append(
                f"{c.key} ({c.measure.chapter}: {c.measure.experiment}/{c.measure.metric})"
            )
            continue
        mb = measure(df, c.bench, "bench") if c.bench else None
        vb = measure(df, c.bench_versus, "bench") if c.bench_versus else None
        use_bench = mb is not None and (c.versus is None or vb is not None)
        use_bench = use_bench and mb.enough() and (vb is None or vb.enough())
        if use_bench:
            null = _expected_rate(df, c.bench_null, "bench") if c.bench_null else None
            word, reason = verdict(c, mb, vb, null)
            basis = _basis("benchmark", mb, vb)
        else:
            null = _expected_rate(df, c.null, BUILD) if c.null else None
            word, reason = verdict(c, m, v, null)
            basis = _basis("chapters", m, v)
        out.append(
            {
                "claim": c.text,
                "source": c.cite,
                "verdict": word,
                "basis": basis if word != "not comparable" else "",
                "chapters' figure": _pair_text(m, v, c.measure, c.versus),
                "benchmark figure": (
                    _pair_text(mb, vb, c.bench, c.bench_versus)
                    if mb is not None and (c.bench_versus is None or vb is not None)
                    else "not recorded"
                ),
                "reason": reason + (f". {c.note}" if c.note else ""),
            }
        )
    if missing:
        raise MissingMeasurement("no recorded measurement for: " + "; ".join(missing))
    return pd.DataFrame(out)


def _basis(where: str, m: Measurement, v: Measurement | None) -> str:
    if m.trials is None and m.n == 1 and not m.seeds:
        return f"{where}: exact"
    sizes = m.basis() if v is None else f"{m.basis()} vs {v.basis()}"
    return f"{where}: {sizes}"


def _pair_text(m: Measurement, v: Measurement | None, lk: Lookup, lv: Lookup | None) -> str:
    if v is None or lv is None:
        return f"{lk.label}: {m.text()}"
    return f"{lk.label}: {m.text()}; {lv.label}: {v.text()}"

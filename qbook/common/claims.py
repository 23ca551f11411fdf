"""The claims ledger: do the sources' quantitative claims hold? (chapter 13, Results).

Each :class:`Claim` is data: what a source or an anchor says, where the book measures the same
thing (a :class:`Lookup` into the recorded results), and the rule that turns the measurement
into a verdict. Nothing here holds a measured number: :func:`ledger` looks every figure up in
the rows the chapters recorded in this build (``results/*.jsonl``) and, beside it, in the
committed full-profile benchmark results (``benchmarks/results/*.json``), each labelled with
its profile, seeds, data source and whether the seeds were held out.

Verdicts:

* ``holds``: the measured figure (mean over seeds, or share of successes) meets the claim,
  within the claim's own rounding; for a claimed difference, Welch's 95% interval of the
  difference lies above zero;
* ``does not hold``: even the far end of the 95% interval (Student's t over seeds, Wilson for
  a count) misses the claim, or a claimed difference goes the other way;
* ``inconclusive``: in between: the figure misses the claim but its interval reaches it, or a
  claimed difference goes the claimed way within the noise (or rests on single runs);
* ``not comparable``: the book measured on other data than the claim is about.

A claim with no recorded measurement in this build is an error (:class:`MissingMeasurement`):
the ledger never shows a row without a figure behind it. Never imports TensorFlow.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from qbook.common import checks as chk
from qbook.common.results import (
    load_results,
    read_json_rows,
    read_jsonl_rows,
    repo_root,
    results_dir,
)
from qbook.common.stats import wilson_interval

__all__ = [
    "CLAIMS",
    "Claim",
    "Lookup",
    "Measurement",
    "MissingMeasurement",
    "RULES",
    "VERDICTS",
    "ledger",
    "load_origins",
    "measure",
    "verdict",
    "welch_half_width",
]

VERDICTS = ("holds", "does not hold", "inconclusive", "not comparable")
RULES = ("at_least", "at_most", "close", "equal", "better")
BUILD = "this build"


class MissingMeasurement(ValueError):
    """A claim of the ledger has no recorded measurement behind it."""


@dataclass(frozen=True)
class Lookup:
    """Where a measurement is recorded: rows of one chapter, experiment and metric.

    ``experiment`` and ``metric`` are names, or with ``regex=True`` regular expressions matched
    in full; when several metrics match (say
    ``p_feasible_p1`` ... ``p_feasible_p3``), the one with the highest mean is taken
    (``pick="max"``) or the lowest (``pick="min"``). ``count=True`` reads the value as a count
    of successes out of the row's ``n`` trials. ``relative_to`` names a second metric of the
    same experiment and data source: the measurement is then ``value / reference - 1`` per
    pair (a relative gap). ``file`` limits the lookup to one benchmark result file.
    """

    chapter: str
    experiment: str
    metric: str
    label: str
    pick: str = "max"
    count: bool = False
    relative_to: str | None = None
    file: str | None = None
    regex: bool = False


@dataclass(frozen=True)
class Claim:
    """One quantitative claim of a source, and how the book tests it.

    ``rule`` is one of ``RULES``: ``at_least``/``at_most``/``close`` compare the
    measurement with ``target`` (``slack`` absorbs rounding in the source's figure), ``equal``
    asks for exactly ``target``, ``better`` asks that ``measure`` exceed ``versus``. ``data``,
    when set, is the data the claim is about (matched in the measurement's data source); on
    other data the verdict is ``not comparable``. ``bench`` and ``bench_versus`` look the same
    quantities up in committed full-profile benchmark results, where there are any.
    """

    key: str
    cite: str
    source: str
    text: str
    rule: str
    measure: Lookup
    target: float | None = None
    slack: float = 0.0
    versus: Lookup | None = None
    bench: Lookup | None = None
    bench_versus: Lookup | None = None
    data: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        chk.choice(self.rule, "rule", RULES)
        if self.rule == "better" and self.versus is None:
            raise ValueError(f"claim {self.key}: rule 'better' needs a 'versus' lookup")
        if self.rule != "better" and self.target is None:
            raise ValueError(f"claim {self.key}: rule {self.rule!r} needs a target")


@dataclass(frozen=True)
class Measurement:
    """A looked-up figure: mean, sample sd and count over seeds (or a count of successes)."""

    mean: float
    sd: float
    n: int
    successes: int | None
    trials: int | None
    seeds: tuple[int, ...]
    data_source: str
    profile: str
    held_out: str
    origin: str

    def __post_init__(self) -> None:
        chk.real(self.mean, "mean")
        if not (math.isnan(self.sd) or (math.isfinite(self.sd) and self.sd >= 0)):
            raise ValueError(f"sd must be a non-negative number or NaN (one run), got {self.sd!r}")
        chk.count(self.n, "n", lo=1)
        if (self.successes is None) != (self.trials is None):
            raise ValueError("successes and trials go together")
        if self.trials is not None:
            chk.count(self.trials, "trials", lo=1)
            chk.count(self.successes, "successes", lo=0, hi=self.trials)

    @property
    def se(self) -> float:
        """Standard error of the mean over seeds (0 with one seed: no spread to use)."""
        return self.sd / math.sqrt(self.n) if self.n > 1 and math.isfinite(self.sd) else 0.0

    def half_width(self) -> float:
        """Half the 95% t-interval of the mean (Student, n - 1 degrees of freedom); 0 for one run."""
        return float(student_t.ppf(0.975, self.n - 1)) * self.se if self.n > 1 else 0.0

    def text(self) -> str:
        """``"0.938 +/- 0.088 (2 seeds 0-1; excitations; small; not held out; this build)"``."""
        if self.trials is not None:
            lo, hi = wilson_interval(self.successes, self.trials)
            value = f"{self.successes} of {self.trials}, {100 * lo:.0f}-{100 * hi:.0f}%"
        elif self.n > 1:
            value = f"{self.mean:.3g} +/- {self.sd:.2g}"
        else:
            value = f"{self.mean:.4g}"
        seeds = _seed_text(self.seeds, self.n)
        return (
            f"{value} ({seeds}; {self.data_source}; {self.profile}; {self.held_out}; {self.origin})"
        )


def _seed_text(seeds: Sequence[int], n: int) -> str:
    rows = f"{n} row{'s' if n != 1 else ''}"
    if not seeds:
        return f"{rows}, no seed"
    s = sorted(set(seeds))
    span = f"{s[0]}-{s[-1]}" if len(s) > 2 and s[-1] - s[0] == len(s) - 1 else ",".join(map(str, s))
    label = f"seed{'s' if len(s) != 1 else ''} {span}"
    return f"{len(s)} {label}" if len(s) == n else f"{rows}, {label}"


def load_origins(
    build_dir: str | Path | None = None, bench_dir: str | Path | None = None
) -> pd.DataFrame:
    """All recorded rows with an ``origin`` column: ``"this build"`` or the benchmark file.

    ``build_dir`` defaults to ``results/`` (the chapters' latest runs), ``bench_dir`` to
    ``benchmarks/results/`` (committed benchmark results).
    """
    build = Path(chk.path_like(build_dir, "build_dir")) if build_dir is not None else results_dir()
    bench = (
        Path(chk.path_like(bench_dir, "bench_dir"))
        if bench_dir is not None
        else repo_root() / "benchmarks" / "results"
    )
    rows = [{**r, "origin": BUILD} for r in (load_results(build) if build.is_dir() else [])]
    if bench.is_dir():
        for f in sorted([*bench.glob("*.json"), *bench.glob("*.jsonl")]):
            rows += [{**r, "origin": f"benchmarks/results/{f.name}"} for r in _load_one(f)]
    df = pd.DataFrame(rows)
    for col in (
        "chapter",
        "experiment",
        "metric",
        "value",
        "seed",
        "data_source",
        "profile",
        "n",
        "origin",
    ):
        if col not in df.columns:
            df[col] = pd.Series(dtype=object)
    return df


def _load_one(path: Path) -> list[dict[str, Any]]:
    return read_jsonl_rows(path) if path.suffix == ".jsonl" else read_json_rows(path)


def _held_out(sources: Iterable[str]) -> str:
    text = " ".join(sources).lower()
    if "e-n13-k4" in text:  # Part II's settings were first chosen on this instance
        return "not held out (tuning instance)"
    if "not held out" in text or "tuning seed" in text:
        return "not held out"
    if "held out" in text or "evaluation seed" in text:
        return "held out"
    return "no tuning split"


def _rows(df: pd.DataFrame, lk: Lookup, origin: str) -> pd.DataFrame:
    sel = df[(df.chapter == lk.chapter) & _matches(df.experiment, lk.experiment, lk.regex)]
    sel = sel[sel.origin == origin] if origin == BUILD else sel[sel.origin != BUILD]
    if lk.file is not None:
        sel = sel[sel.origin == f"benchmarks/results/{lk.file}"]
    if origin != BUILD:
        sel = sel[sel.profile == "full"]
    return sel


def _matches(column: pd.Series, pattern: str, regex: bool) -> pd.Series:
    if not regex:
        return column.astype(str) == pattern
    compiled = re.compile(pattern)
    return column.astype(str).map(lambda v: compiled.fullmatch(v) is not None)


def measure(df: pd.DataFrame, lk: Lookup, origin: str = BUILD) -> Measurement | None:
    """The measurement ``lk`` points at, from this build's rows or (``origin="bench"``) the
    committed full-profile benchmark rows; ``None`` when nothing was recorded."""
    if not isinstance(df, pd.DataFrame) or "origin" not in df.columns:
        raise TypeError("df must be the frame of load_origins()")
    if not isinstance(lk, Lookup):
        raise TypeError(f"lk must be a Lookup, got {type(lk).__name__}")
    origin = chk.choice(origin, "origin", (BUILD, "bench"))
    sel = _rows(df, lk, origin)
    sel_m = sel[_matches(sel.metric, lk.metric, lk.regex)]
    if sel_m.empty:
        return None
    if lk.relative_to is not None:
        ref = sel[sel.metric == lk.relative_to][["experiment", "data_source", "value"]]
        sel_m = sel_m.merge(ref, on=["experiment", "data_source"], suffixes=("", "_ref"))
        if sel_m.empty:
            return None
        sel_m = sel_m.assign(value=sel_m.value.astype(float) / sel_m.value_ref.astype(float) - 1)
    means = sel_m.groupby("metric").value.mean()
    chosen = means.idxmax() if lk.pick == "max" else means.idxmin()
    rows = sel_m[sel_m.metric == chosen]
    values = rows.value.astype(float).to_numpy()
    successes = trials = None
    if lk.count:
        successes, trials = int(values.sum()), int(pd.to_numeric(rows.n).sum())
        mean, sd = successes / trials, float("nan")
    else:
        mean = float(values.mean())
        sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    seeds = [int(s) for s in rows.seed if s is not None and not pd.isna(s)]
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
        held_out=_held_out(sources),
        origin=", ".join(sorted(set(rows.origin))),
    )


def _short_source(sources: list[str]) -> str:
    if len(sources) == 1:
        return sources[0]
    common = os.path.commonprefix(sources)
    common = common[: common.rfind(" ")].strip() if " " in common else ""
    return f"{common or 'several data sources'} ({len(sources)} sources)"


def welch_half_width(a: Measurement, b: Measurement) -> float:
    """Half-width of Welch's 95% interval for the difference of two means over seeds
    (Welch-Satterthwaite degrees of freedom); 0 when neither has any spread."""
    if not isinstance(a, Measurement) or not isinstance(b, Measurement):
        raise TypeError("welch_half_width needs two Measurements")
    if a.n < 2 or b.n < 2:
        raise ValueError("Welch's interval needs at least two seeds on each side")
    se = math.hypot(a.se, b.se)
    if se == 0:
        return 0.0
    df = se**4 / (a.se**4 / (a.n - 1) + b.se**4 / (b.n - 1))
    return float(student_t.ppf(0.975, df)) * se


def verdict(claim: Claim, m: Measurement, versus: Measurement | None = None) -> tuple[str, str]:
    """``(verdict, reason)`` for one measurement of ``claim``; see the module docstring."""
    if not isinstance(claim, Claim) or not isinstance(m, Measurement):
        raise TypeError("verdict needs a Claim and a Measurement")
    if claim.data and claim.data.lower() not in m.data_source.lower():
        return (
            "not comparable",
            f"the claim is about {claim.data}; the book measured on {m.data_source}",
        )
    if claim.rule == "better":
        if versus is None:
            raise ValueError(f"claim {claim.key}: rule 'better' needs the versus measurement")
        diff = m.mean - versus.mean
        what = f"{m.mean:.3g} vs {versus.mean:.3g}"
        if diff <= 0:
            return "does not hold", f"{what}: not ahead on the same data"
        if min(m.n, versus.n) < 2:
            return (
                "inconclusive",
                f"{what}: ahead by {diff:.3g} in single runs (no spread to judge)",
            )
        noise = welch_half_width(m, versus)
        if diff > noise:
            return (
                "holds",
                f"{what}: ahead by {diff:.3g}, beyond Welch's 95% half-width {noise:.2g}",
            )
        return (
            "inconclusive",
            f"{what}: ahead by {diff:.3g}, within Welch's 95% half-width {noise:.2g}",
        )
    t, slack = float(claim.target), claim.slack
    if m.trials is not None:
        lo, hi = wilson_interval(m.successes, m.trials)
    else:
        lo, hi = m.mean - m.half_width(), m.mean + m.half_width()
    if m.trials is not None:
        band = f"95% Wilson interval {100 * lo:.0f}-{100 * hi:.0f}%"
    elif m.n > 1:
        band = f"95% t-interval of the mean {lo:.3g} to {hi:.3g}"
    else:
        band = f"one run: {m.mean:.4g}"
    if claim.rule == "equal":
        ok = bool(np.isclose(m.mean, t)) and (m.n == 1 or m.sd == 0 or math.isnan(m.sd))
        return ("holds" if ok else "does not hold"), f"measured {m.mean:.4g}, claimed {t:g}"
    meets = {  # the measured figure itself meets the claim
        "at_least": m.mean >= t - slack,
        "at_most": m.mean <= t + slack,
        "close": abs(m.mean - t) <= slack,
    }[claim.rule]
    possible = {  # the interval still reaches the claim
        "at_least": hi >= t - slack,
        "at_most": lo <= t + slack,
        "close": lo <= t + slack and hi >= t - slack,
    }[claim.rule]
    relation = {"at_least": "at least", "at_most": "at most", "close": "about"}[claim.rule]
    word = "holds" if meets else "inconclusive" if possible else "does not hold"
    return word, f"claimed {relation} {t:g}, measured {m.mean:.3g}; {band}"


def ledger(df: pd.DataFrame | None = None, claims: Sequence[Claim] | None = None) -> pd.DataFrame:
    """One row per claim: the claim, its source, this build's figure, the full-profile
    benchmark figure (where one was recorded), the verdict and its one-line reason.

    The verdict is taken on the full-profile figure where there is one, else on this build's.
    Raises :class:`MissingMeasurement` naming every claim that has no figure in this build.
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
        verdict_, reason = verdict(c, mb, vb) if use_bench else verdict(c, m, v)
        out.append(
            {
                "claim": c.text,
                "source": c.cite,
                "this build": _pair_text(m, v, c.measure, c.versus),
                "full profile (benchmark)": (
                    _pair_text(mb, vb, c.bench, c.bench_versus) if use_bench else "not recorded"
                ),
                "verdict": verdict_,
                "reason": f"{'full profile' if use_bench else 'this build'}: {reason}"
                + (f". {c.note}" if c.note else ""),
            }
        )
    if missing:
        raise MissingMeasurement("no recorded measurement for: " + "; ".join(missing))
    return pd.DataFrame(out)


def _pair_text(m: Measurement, v: Measurement | None, lk: Lookup, lv: Lookup | None) -> str:
    if v is None or lv is None:
        return f"{lk.label}: {m.text()}"
    return f"{lk.label}: {m.text()}; {lv.label}: {v.text()}"


def _ch(n: str) -> str:
    return {
        "02": "02_classical_cnn",
        "04": "04_qcnn",
        "05": "05_quantum_image_classifier",
        "06": "06_hybrid_filters",
        "09": "09_qaoa",
        "11": "11_minimal_encoding",
        "12": "12_cvrp_end_to_end",
    }[n]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        key="ganguly-cnn",
        cite="Ganguly 2022",
        source="ganguly2022",
        text="The classical CNN reaches 92.26% test accuracy on SVHN",
        rule="at_least",
        target=0.9226,
        slack=0.005,
        measure=Lookup(_ch("02"), "CNN", "test_accuracy", "CNN test accuracy"),
        data="SVHN",
        note="Chapter 2 trains the same architecture; with the SVHN files present it compares.",
    ),
    Claim(
        key="ganguly-qcnn",
        cite="Ganguly 2022",
        source="ganguly2022",
        text="The QCNN reaches validation accuracy 0.875 (42 of 48)",
        rule="at_least",
        target=0.875,
        slack=1 / 48,
        measure=Lookup(_ch("04"), "qcnn", "val_accuracy", "QCNN val. accuracy"),
        data="excitations",
        note="The paper's 112/48 samples are the TFQ tutorial's cluster-state excitations, not SVHN.",
    ),
    Claim(
        key="ganguly-hybrid",
        cite="Ganguly 2022",
        source="ganguly2022",
        text="A hybrid model with a single quantum filter reaches about 97%",
        rule="close",
        target=0.97,
        slack=1 / 48,
        measure=Lookup(_ch("06"), "hybrid, 1 filter", "val_accuracy", "hybrid (1 filter)"),
        data="excitations",
    ),
    Claim(
        key="ganguly-superior",
        cite="Ganguly 2022",
        source="ganguly2022",
        text="The QCNN is much superior to the classical model",
        rule="better",
        measure=Lookup(_ch("04"), "qcnn", "val_accuracy", "QCNN (63 params)"),
        versus=Lookup(
            _ch("06"), "classical, 8 stabilisers <K>", "val_accuracy", "classical (71 params)"
        ),
        note=(
            "The paper set its QCNN beside a CNN on SVHN, another data set. Here both see the same"
            " quantum data; the classical model reads the eight measured stabiliser correlators."
        ),
    ),
    Claim(
        key="tfq-mnist",
        cite="TFQ MNIST tutorial",
        source="tfq_mnist_tutorial",
        text="A 32-parameter QNN (~0.90) beats a 37-parameter classical model (~0.87)",
        rule="better",
        measure=Lookup(_ch("05"), "QNN (4x4 bits)", "test_accuracy", "QNN"),
        versus=Lookup(_ch("05"), "Dense 2+1 (4x4 bits)", "test_accuracy", "Dense 2+1"),
        note="Same models and 4x4 binarised inputs; the book's digits are house numbers, not MNIST 3 vs 6.",
    ),
    Claim(
        key="pennylane-quanv",
        cite="PennyLane quanvolution demo",
        source="pennylane_quanvolution",
        text="A fixed random quantum filter helps: 0.73 vs 0.70 without it",
        rule="better",
        measure=Lookup(
            _ch("06"), "quanvolution (fixed, 4 qubits)", "test_accuracy", "quanvolution"
        ),
        versus=Lookup(_ch("06"), "raw 2x2 patches as channels", "test_accuracy", "raw patches"),
        note="Equal heads and training budget; the demo used 50 MNIST images and one seed.",
    ),
    Claim(
        key="haezer-qubits",
        cite="Haezer 2023",
        source="haezer2023",
        text="The minimal encoding needs n_q = 1 + log2(n_c) qubits",
        rule="equal",
        target=0.0,
        measure=Lookup(_ch("11"), "qubit_count", "max_deviation_from_formula", "largest deviation"),
        note="Qubits counted on the circuits built for n_c = 2-64 and around each power of two to 1024.",
    ),
    Claim(
        key="tan-64-on-7",
        cite="Tan et al. 2021",
        source="tan2021",
        text="64 binary variables fit on 7 qubits",
        rule="equal",
        target=7.0,
        measure=Lookup(
            _ch("11"), "qubit_count", "qubits_for_64_variables", "qubits for 64 variables"
        ),
    ),
    Claim(
        key="haezer-quality",
        cite="Haezer 2023",
        source="haezer2023",
        text="Solution quality is not heavily impacted by the minimal encoding",
        rule="at_least",
        target=0.8,
        measure=Lookup(
            _ch("11"), "heldout_tsp5", "minimal_optimal_count", "optimal tour found", count=True
        ),
        bench=Lookup(_ch("11"), "tsp5", "minimal_optimal", "optimal tour found", count=True),
        note="Read as: the best sampled tour is optimal on at least 80% of 5-customer TSPs.",
    ),
    Claim(
        key="haezer-quality-larger",
        cite="Haezer 2023",
        source="haezer2023",
        text="... and past the memory wall (6 customers and more)",
        rule="at_least",
        target=0.8,
        measure=Lookup(
            _ch("11"), r"tsp([6-9]|\d\d)", "optimal", "optimal tour found", count=True, regex=True
        ),
        note="Same reading, on the held-out TSPs of 6 customers up to the profile's largest.",
    ),
    Claim(
        key="haezer-two-phase",
        cite="Haezer 2023",
        source="haezer2023",
        text="Cluster first, then route each cluster as a TSP, loses little",
        rule="at_most",
        target=0.05,
        measure=Lookup(
            _ch("12"),
            r".*",
            "two_phase_exact",
            "gap to best known",
            relative_to="best_known",
            regex=True,
        ),
        bench=Lookup(_ch("12"), "end_to_end", "exact", "gap to PyVRP", relative_to="pyvrp"),
        note="Read as: exact two-phase cost within 5% of the best known (CVRPLIB) or PyVRP's.",
    ),
    Claim(
        key="palackal-feasible",
        cite="Palackal et al. 2023",
        source="palackal2023",
        text="QAOA does not reliably reach feasible TSP solutions",
        rule="at_most",
        target=0.5,
        measure=Lookup(
            _ch("09"),
            "tsp_3_energy",
            r"p_feasible_p\d+",
            "P(feasible) per shot, best depth",
            regex=True,
        ),
        note="Read as: under half of the shots are feasible tours, at the best depth tried.",
    ),
)

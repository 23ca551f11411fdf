"""The claims ledger (issue 13, chapter 13): claims are data, every figure is looked up from
recorded rows, a claim without a measurement is an error, and each verdict follows its rule.
"""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import t as student_t
from scipy.stats import ttest_ind

from qbook.common import claims, report
from qbook.common.claims import Claim, Lookup, Measurement

COVERED = [
    "qbook.common.claims.Claim",
    "qbook.common.claims.Lookup",
    "qbook.common.claims.Measurement",
    "qbook.common.claims.MissingMeasurement",
    "qbook.common.claims.ledger",
    "qbook.common.claims.load_origins",
    "qbook.common.claims.measure",
    "qbook.common.claims.verdict",
    "qbook.common.claims.welch_half_width",
    "qbook.common.report.styled_ledger",
]
ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "results"


def _lookups(c: Claim) -> list[Lookup]:
    return [lk for lk in (c.measure, c.versus) if lk is not None]


def _example(lk: Lookup) -> tuple[str, str]:
    """A concrete experiment and metric name that the lookup matches."""
    examples = {".*": "instance-x", r"p_feasible_p\d+": "p_feasible_p2", r"tsp([6-9]|\d\d)": "tsp7"}
    pick = (lambda x: examples.get(x, x)) if lk.regex else (lambda x: x)
    exp, met = pick(lk.experiment), pick(lk.metric)
    if lk.regex:
        assert re.fullmatch(lk.experiment, exp) and re.fullmatch(lk.metric, met), lk
    return exp, met


def _rows_for(cs, value=0.9, seeds=(0, 1, 2), data="excitations SVHN synthetic") -> pd.DataFrame:
    rows = []
    for c in cs:
        for lk in _lookups(c):
            exp, met = _example(lk)
            for s in seeds:
                rows.append(
                    dict(
                        chapter=lk.chapter,
                        experiment=exp,
                        metric=met,
                        value=value + 0.01 * s,
                        seed=s,
                        data_source=data,
                        profile="small",
                        n=10,
                        origin=claims.BUILD,
                    )
                )
                if lk.count:
                    rows[-1]["value"] = 9
                if lk.relative_to:
                    rows.append({**rows[-1], "metric": lk.relative_to, "value": value})
    return pd.DataFrame(rows)


def test_every_claim_names_a_source_in_the_bibliography_and_a_known_rule():
    bib = "".join(
        p.read_text()
        for p in [ROOT / "book" / "references.bib", *(ROOT / "book" / "bib").glob("*.bib")]
    )
    keys = [c.key for c in claims.CLAIMS]
    assert len(set(keys)) == len(keys) >= 10
    for c in claims.CLAIMS:
        assert re.search(r"@\w+\{" + re.escape(c.source) + ",", bib), c.source
        assert c.rule in claims.RULES


def _recorded_patterns(chapter: str) -> list[tuple[str, str]]:
    """(experiment, metric) patterns of every ``rec.add`` in a chapter's source; f-string
    fields and variables become wildcards."""
    text = (ROOT / "book" / f"{chapter}.md").read_text()
    out = []
    for args in re.findall(r"rec\.add\(\s*([^,]+),\s*([^,]+),", text):
        pats = []
        for a in args:
            a = a.strip()
            m = re.fullmatch(r"f?\"([^\"]*)\"", a)
            if not m:
                pats.append(".*")
                continue
            lit = m[1]
            parts = re.split(r"\{[^}]*\}", lit) if a.startswith("f") else [lit]
            pats.append(".*".join(re.escape(p) for p in parts))
        out.append(tuple(pats))
    return out


@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: c.key)
def test_every_build_lookup_is_recorded_by_its_chapter(claim):
    """The chapter named by each lookup records that experiment and metric (statically: the
    ledger in chapter 13 then fails under nbval if the run recorded nothing)."""
    for lk in _lookups(claim):
        exp, met = _example(lk)
        pats = _recorded_patterns(lk.chapter)
        assert any(re.fullmatch(e, exp) and re.fullmatch(m, met) for e, m in pats), (
            f"{claim.key}: {lk.chapter} records no {exp}/{met}"
        )


@pytest.mark.parametrize("claim", [c for c in claims.CLAIMS if c.bench], ids=lambda c: c.key)
def test_every_benchmark_lookup_finds_committed_full_profile_rows(claim):
    df = claims.load_origins(build_dir=ROOT / "no-such-folder", bench_dir=BENCH)
    m = claims.measure(df, claim.bench, "bench")
    assert m is not None and m.profile == "full", claim.key
    v = claims.verdict(claim, m)
    assert v[0] in claims.VERDICTS


def test_the_ledger_has_a_row_per_claim_and_fails_without_a_measurement():
    df = _rows_for(claims.CLAIMS)
    table = claims.ledger(df)
    assert list(table.claim) == [c.text for c in claims.CLAIMS]
    assert set(table.verdict) <= set(claims.VERDICTS)
    assert not table["this build"].str.contains("not recorded").any()
    for c in claims.CLAIMS:
        exp, met = _example(c.measure)
        gone = df[
            ~((df.chapter == c.measure.chapter) & (df.experiment == exp) & (df.metric == met))
        ]
        with pytest.raises(claims.MissingMeasurement, match=re.escape(c.key)):
            claims.ledger(gone)


def _m(mean, sd=float("nan"), n=1, data="excitations", k=None, trials=None):
    return Measurement(mean, sd, n, k, trials, (), data, "small", "no tuning split", "this build")


def _claim(rule, target=None, data=None, slack=0.0):
    lk = Lookup("04_qcnn", "qcnn", "val_accuracy", "QCNN")
    return Claim(
        "k",
        "x",
        "src",
        "text",
        rule,
        lk,
        target=target,
        slack=slack,
        versus=lk if rule == "better" else None,
        data=data,
    )


def _expected(meets: bool, reaches: bool) -> str:
    return "holds" if meets else "inconclusive" if reaches else "does not hold"


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.2), st.integers(2, 20))
def test_threshold_rules_hold_on_the_mean_and_fail_beyond_the_t_interval(mean, target, sd, n):
    m = _m(mean, sd, n)
    band = student_t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    if min(abs(mean + band - target), abs(mean - band - target), abs(mean - target)) < 1e-9:
        return  # on an edge: floating point decides
    v = {
        rule: claims.verdict(_claim(rule, target), m)[0]
        for rule in ("at_least", "at_most", "close")
    }
    assert v["at_least"] == _expected(mean >= target, mean + band >= target)
    assert v["at_most"] == _expected(mean <= target, mean - band <= target)
    assert v["close"] == _expected(False, abs(mean - target) <= band)


@given(st.integers(0, 20), st.integers(1, 20), st.floats(0, 1))
def test_counts_use_the_share_and_the_wilson_interval(k, n, target):
    k = min(k, n)
    from qbook.common.stats import wilson_interval

    lo, hi = wilson_interval(k, n)
    v = claims.verdict(_claim("at_least", target), _m(k / n, n=1, k=k, trials=n))[0]
    assert v == _expected(k / n >= target, hi >= target)


sds = st.one_of(st.just(0.0), st.floats(1e-3, 0.2))


@given(st.floats(0, 1), st.floats(0, 1), sds, sds, st.integers(2, 10))
def test_better_needs_welchs_interval_above_zero(a, b, sd_a, sd_b, n):
    v = claims.verdict(_claim("better"), _m(a, sd_a, n), _m(b, sd_b, n))[0]
    if a - b <= 0:
        assert v == "does not hold"
        return
    # scipy's Welch test on samples with exactly these means and sds (n each) agrees
    base = np.r_[np.ones(n // 2), -np.ones(n - n // 2)]
    base = base - base.mean()
    base = base / base.std(ddof=1) if base.std(ddof=1) > 0 else base
    with warnings.catch_warnings():  # a side with sd 0 is constant: scipy warns, still exact
        warnings.simplefilter("ignore", RuntimeWarning)
        p = (
            ttest_ind(a + sd_a * base, b + sd_b * base, equal_var=False).pvalue
            if sd_a + sd_b > 0
            else 0.0
        )
    if not (abs(p - 0.05) < 1e-6):
        assert (v == "holds") == (p < 0.05), (v, p)
        assert v in ("holds", "inconclusive")


def test_single_runs_never_settle_a_difference():
    assert claims.verdict(_claim("better"), _m(0.9), _m(0.5))[0] == "inconclusive"
    with pytest.raises(ValueError):
        claims.welch_half_width(_m(0.9), _m(0.5, 0.1, 3))


def test_other_data_is_not_comparable_and_exact_claims_are_exact():
    assert (
        claims.verdict(_claim("at_least", 0.9, data="SVHN"), _m(0.99, data="synthetic"))[0]
        == "not comparable"
    )
    assert (
        claims.verdict(_claim("at_least", 0.9, data="SVHN"), _m(0.99, data="SVHN (real)"))[0]
        == "holds"
    )
    assert claims.verdict(_claim("equal", 7), _m(7.0))[0] == "holds"
    assert claims.verdict(_claim("equal", 7), _m(8.0))[0] == "does not hold"


def test_the_full_profile_figure_decides_where_there_is_one():
    c = next(c for c in claims.CLAIMS if c.key == "haezer-quality")
    df = _rows_for([c])
    df["value"] = 2  # 2 of 10 in this build: does not hold
    bench = df.assign(
        origin="benchmarks/results/x.json",
        profile="full",
        experiment="tsp5",
        metric="minimal_optimal",
        value=9,
    )
    table = claims.ledger(pd.concat([df, bench]), [c])
    assert table.verdict[0] == "holds" and table.reason[0].startswith("full profile")
    assert claims.ledger(df, [c]).verdict[0] == "does not hold"


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("claims"))
@given(data=st.data())
def test_generated_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@pytest.mark.parametrize(
    "call",
    [
        lambda: claims.ledger("rows"),
        lambda: claims.ledger(pd.DataFrame({"a": [1]})),
        lambda: claims.ledger(_rows_for(claims.CLAIMS[:1]), claims.CLAIMS[0]),
        lambda: claims.measure(pd.DataFrame(), claims.CLAIMS[0].measure),
        lambda: claims.measure(_rows_for(claims.CLAIMS[:1]), "qcnn"),
        lambda: claims.verdict("claim", _m(1.0)),
        lambda: claims.verdict(_claim("better"), _m(1.0)),
        lambda: claims.welch_half_width(_m(1.0), "b"),
        lambda: claims.load_origins(build_dir=float("nan")),
        lambda: claims.load_origins(bench_dir=None, build_dir=3),
        lambda: Claim("k", "x", "s", "t", "nonsense", claims.CLAIMS[0].measure, target=1.0),
        lambda: Claim("k", "x", "s", "t", "better", claims.CLAIMS[0].measure),
        lambda: Claim("k", "x", "s", "t", "at_least", claims.CLAIMS[0].measure),
        lambda: report.styled_ledger(pd.DataFrame({"claim": ["x"]})),
        lambda: report.styled_ledger(None),
        lambda: _m(float("nan")),
        lambda: _m(0.5, sd=float("inf"), n=3),
        lambda: _m(0.5, n=0),
        lambda: _m(0.5, k=3, trials=2),
        lambda: _m(0.5, k=1, trials=None),
    ],
)
def test_bad_input_raises_value_or_type_error(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_styled_ledger_colours_each_verdict():
    table = pd.DataFrame({"claim": ["a", "b"], "verdict": ["holds", "does not hold"]})
    html = report.styled_ledger(table).to_html()
    assert (
        report.VERDICT_COLOURS["holds"] in html and report.VERDICT_COLOURS["does not hold"] in html
    )
    assert np.all(table.verdict.isin(claims.VERDICTS))

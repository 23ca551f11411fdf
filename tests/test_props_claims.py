"""The claims ledger (issues 13 and 22, chapter 13): claims are data, every figure is looked up
from recorded rows, a claim without a measurement is an error, and each verdict follows the
rule printed above the ledger: intervals inside the quantity's range (Wilson for counts, a
percentile bootstrap over seeds or instances for means), holds / does not hold only when the
whole interval supports / contradicts the claim, never on fewer than 3 seeds or 10 instances,
quality claims above their null. Each branch is checked against scipy.
"""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from scipy.stats import bootstrap as scipy_bootstrap

from qbook.common import claims, report, results, stats
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
    "qbook.common.report.styled_ledger",
    "qbook.common.report.Html",
    "qbook.common.report.html_table",
    "qbook.common.report.summary_by_chapter",
    "qbook.common.report.source_label",
    "qbook.common.stats.bootstrap_interval",
    "qbook.common.results.bench_results_dir",
    "qbook.common.results.recorded_chapters_dir",
]
ROOT = Path(__file__).resolve().parent.parent
BENCH = results.bench_results_dir()
RECORDED = results.recorded_chapters_dir()
NOWHERE = ROOT / "no-such-folder"


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
        for lk in [*_lookups(c), *([c.null] if c.null else [])]:
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
                if lk.count or lk is c.null:
                    rows[-1]["value"] = 3 if lk is c.null else 9
                if lk.relative_to:
                    rows.append({**rows[-1], "metric": lk.relative_to, "value": value})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# The claims as data
# ------------------------------------------------------------------------------------------


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
    for lk in [*_lookups(claim), *([claim.null] if claim.null else [])]:
        exp, met = _example(lk)
        pats = _recorded_patterns(lk.chapter)
        assert any(re.fullmatch(e, exp) and re.fullmatch(m, met) for e, m in pats), (
            f"{claim.key}: {lk.chapter} records no {exp}/{met}"
        )


@pytest.mark.parametrize("claim", [c for c in claims.CLAIMS if c.bench], ids=lambda c: c.key)
def test_every_benchmark_lookup_finds_committed_rows_with_enough_seeds(claim):
    df = claims.load_origins(build_dir=NOWHERE, bench_dir=BENCH, recorded_dir=NOWHERE)
    m = claims.measure(df, claim.bench, "bench")
    assert m is not None and m.origin == f"benchmark {claim.bench.file}", claim.key
    assert m.enough(), (claim.key, m.units())
    if claim.bench_versus:
        assert claims.measure(df, claim.bench_versus, "bench").enough()


# ------------------------------------------------------------------------------------------
# The ledger as built from the book's recorded figures (what chapter 13 shows on a fresh runtime)
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorded_ledger():
    df = claims.load_origins(build_dir=NOWHERE, bench_dir=BENCH, recorded_dir=RECORDED)
    return df, claims.ledger(df)


def test_the_recorded_figures_give_a_full_ledger(recorded_ledger):
    df, table = recorded_ledger
    assert list(table.claim) == [c.text for c in claims.CLAIMS]
    assert set(df.origin[~df.origin.str.startswith("benchmark")]) == {claims.RECORDED}


def test_no_interval_leaves_the_range_of_a_rate_or_an_accuracy(recorded_ledger):
    df, _ = recorded_ledger
    for c in claims.CLAIMS:
        pairs = [(c.measure, claims.BUILD), (c.versus, claims.BUILD)]
        pairs += [(c.bench, "bench"), (c.bench_versus, "bench")]
        for lk, origin in pairs:
            if lk is None or lk.relative_to or c.rule == "equal":
                continue  # a relative gap is not a rate; an exact count has no interval
            m = claims.measure(df, lk, origin)
            lo, hi = m.interval()
            assert 0.0 <= lo <= m.mean <= hi <= 1.0, (c.key, lk.label, lo, m.mean, hi)
            text = m.text()  # the printed interval, too
            printed = re.search(r"95% ([-\d.e]+) to ([-\d.e]+) ", text)
            if printed:
                assert 0.0 <= float(printed[1]) <= float(printed[2]) <= 1.0, (c.key, text)
            percent = re.search(r"of \d+, (\d+)-(\d+)%", text)
            if percent:
                assert 0 <= int(percent[1]) <= int(percent[2]) <= 100, (c.key, text)
            assert printed or percent or m.n <= 2, (c.key, text)


def test_no_verdict_rests_on_fewer_than_three_seeds_or_ten_instances(recorded_ledger):
    _, table = recorded_ledger
    for row in table.itertuples():
        if row.verdict not in ("holds", "does not hold") or row.basis.endswith("exact"):
            continue
        for part in row.basis.split(": ", 1)[1].split(" vs "):
            k, kind = part.split(" ", 1)
            assert int(k) >= (claims.MIN_SEEDS if kind == "seeds" else claims.MIN_INSTANCES), row


def test_the_quality_claim_is_judged_against_its_null(recorded_ledger):
    _, table = recorded_ledger
    row = table[table.claim.str.startswith("Solution quality")].iloc[0]
    assert "random search" in row.reason and "5.9 of 10" in row.reason
    assert row.verdict == "inconclusive"  # 9 of 10: 60-98% reaches below 80%


# ------------------------------------------------------------------------------------------
# The rule, branch by branch, against scipy
# ------------------------------------------------------------------------------------------


def _m(values=(), *, k=None, trials=None, seeds=None, data="excitations"):
    values = tuple(float(v) for v in values)
    if trials is not None:
        mean, n, values = k / trials, 1, ()
    else:
        mean, n = float(np.mean(values)), len(values)
    seeds = tuple(range(n)) if seeds is None else tuple(seeds)
    sd = float(np.std(values, ddof=1)) if n > 1 else float("nan")
    return Measurement(mean, sd, n, k, trials, seeds, data, "small", "no tuning split", "x", values)


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


def _scipy_percentile(*samples):
    stat = (lambda a, axis: a.mean(axis)) if len(samples) == 1 else None
    if stat is None:

        def stat(a, b, axis):
            return a.mean(axis) - b.mean(axis)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate (constant) samples
        res = scipy_bootstrap(
            samples,
            stat,
            n_resamples=20000,
            method="percentile",
            vectorized=True,
            random_state=np.random.default_rng(1),
        )
    return res.confidence_interval.low, res.confidence_interval.high


accuracies = st.lists(st.integers(0, 48).map(lambda k: k / 48), min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(accuracies)
def test_bootstrap_interval_matches_scipys_percentile_bootstrap_and_stays_in_range(vals):
    lo, hi = stats.bootstrap_interval(vals)
    assert min(vals) <= lo <= np.mean(vals) + 1e-12 and np.mean(vals) - 1e-12 <= hi <= max(vals)
    if len(set(vals)) > 1:
        s_lo, s_hi = _scipy_percentile(np.array(vals))
        tol = 0.04 * (max(vals) - min(vals)) + 1e-9
        assert abs(lo - s_lo) <= tol and abs(hi - s_hi) <= tol, (lo, s_lo, hi, s_hi)


@settings(max_examples=40, deadline=None)
@given(accuracies, accuracies)
def test_difference_interval_matches_scipys_two_sample_bootstrap(a, b):
    lo, hi = stats.bootstrap_interval(a, versus=b)
    d = np.mean(a) - np.mean(b)
    assert min(a) - max(b) <= lo <= d + 1e-12 <= hi + 2e-12 <= max(a) - min(b) + 3e-12
    if len(set(a)) > 1 and len(set(b)) > 1:
        s_lo, s_hi = _scipy_percentile(np.array(a), np.array(b))
        tol = 0.04 * (max(a) - min(a) + max(b) - min(b)) + 1e-9
        assert abs(lo - s_lo) <= tol and abs(hi - s_hi) <= tol, (lo, s_lo, hi, s_hi)


@given(st.integers(0, 60), st.integers(1, 60))
def test_wilson_interval_is_scipys(k, n):
    k = min(k, n)
    ci = binomtest(k, n).proportion_ci(method="wilson")
    lo, hi = stats.wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


def _expected(supports: bool, contradicts: bool, enough: bool = True) -> str:
    if not enough:
        return "inconclusive"
    return "holds" if supports else "does not hold" if contradicts else "inconclusive"


def _edge(x, *bounds):
    return any(abs(x - b) < 1e-6 for b in bounds)


@settings(max_examples=80, deadline=None)
@given(accuracies, st.floats(0, 1), st.sampled_from([0.0, 1 / 48]))
def test_threshold_rules_follow_the_whole_interval(vals, target, slack):
    m = _m(vals)
    lo, hi = (
        _scipy_percentile(np.array(vals)) if len(set(vals)) > 1 else (vals[0], vals[0])
    )  # scipy's interval decides where it is clear of the edges
    if _edge(lo, target - slack, target + slack) or _edge(hi, target - slack, target + slack):
        return
    tol = 0.04 * (max(vals) - min(vals))
    if min(abs(b - t) for b in (lo, hi) for t in (target - slack, target + slack)) < tol:
        return  # Monte Carlo noise could put the two intervals on different sides
    v = {r: claims.verdict(_claim(r, target, slack=slack), m)[0] for r in claims.RULES[:3]}
    assert v["at_least"] == _expected(lo >= target - slack, hi < target - slack)
    assert v["at_most"] == _expected(hi <= target + slack, lo > target + slack)
    inside = target - slack <= lo and hi <= target + slack
    assert v["close"] == _expected(inside, hi < target - slack or lo > target + slack)


@given(st.integers(0, 30), st.integers(1, 30), st.floats(0, 1))
def test_counts_use_scipys_wilson_interval_and_need_ten_instances(k, n, target):
    k = min(k, n)
    ci = binomtest(k, n).proportion_ci(method="wilson")
    if _edge(ci.low, target) or _edge(ci.high, target):
        return
    v = claims.verdict(_claim("at_least", target), _m(k=k, trials=n))[0]
    assert v == _expected(ci.low >= target, ci.high < target, enough=n >= claims.MIN_INSTANCES)


@settings(max_examples=60, deadline=None)
@given(accuracies, accuracies)
def test_better_needs_the_bootstrap_of_the_difference_above_zero(a, b):
    v = claims.verdict(_claim("better"), _m(a), _m(b))[0]
    if len(set(a)) > 1 or len(set(b)) > 1:
        lo, hi = (
            _scipy_percentile(np.array(a), np.array(b))
            if len(set(a)) > 1 and len(set(b)) > 1
            else stats.bootstrap_interval(a, versus=b)
        )
    else:
        lo = hi = np.mean(a) - np.mean(b)
    tol = 0.04 * (max(a) - min(a) + max(b) - min(b)) + 1e-9
    if abs(lo) < tol or abs(hi) < tol:
        return
    assert v == _expected(lo > 0, hi <= 0)


@pytest.mark.parametrize("n", [1, 2])
def test_fewer_than_three_seeds_never_settle_anything(n):
    far_above, far_below = _m([0.99] * n), _m([0.01] * n)
    for rule, target in (("at_least", 0.5), ("at_most", 0.5), ("close", 0.99)):
        for m in (far_above, far_below):
            word, reason = claims.verdict(_claim(rule, target), m)
            assert word == "inconclusive" and "too few seeds" in reason
    word, reason = claims.verdict(_claim("better"), far_above, far_below)
    assert word == "inconclusive" and "too few seeds" in reason
    # the t-interval of the old ledger went past 1; the bootstrap never leaves the values' range
    lo, hi = _m([0.833, 0.917]).interval()
    assert 0.833 <= lo <= hi <= 0.917


def test_instances_without_their_own_seed_need_ten():
    nine = _m([0.01] * 9, seeds=[1000] * 9)
    assert nine.units() == (9, "instances") and not nine.enough()
    assert claims.verdict(_claim("at_most", 0.05), nine)[0] == "inconclusive"
    ten = _m([0.01] * 10, seeds=[1000] * 10)
    assert claims.verdict(_claim("at_most", 0.05), ten)[0] == "holds"


def test_a_rate_above_the_target_but_not_above_the_null_does_not_hold_up():
    c = _claim("at_least", 0.5)
    m = _m(k=27, trials=30)  # 90%, Wilson 74-97%
    assert claims.verdict(c, m)[0] == "holds"
    assert claims.verdict(c, m, null=(23.0, 30))[0] == "inconclusive"  # null 77%: not above it
    assert claims.verdict(c, m, null=(15.0, 30))[0] == "holds"


def test_other_data_is_not_comparable_and_exact_claims_are_exact():
    c = _claim("at_least", 0.9, data="SVHN")
    assert claims.verdict(c, _m([0.99] * 5, data="synthetic"))[0] == "not comparable"
    assert claims.verdict(c, _m([0.99] * 5, data="SVHN (real)"))[0] == "holds"
    exact = Measurement(7.0, float("nan"), 1, None, None, (), "n/a", "small", "-", "x")
    assert claims.verdict(_claim("equal", 7), exact)[0] == "holds"
    assert claims.verdict(_claim("equal", 8), exact)[0] == "does not hold"


# ------------------------------------------------------------------------------------------
# The ledger's mechanics
# ------------------------------------------------------------------------------------------


def test_the_ledger_has_a_row_per_claim_and_fails_without_a_measurement():
    df = _rows_for(claims.CLAIMS)
    table = claims.ledger(df)
    assert list(table.claim) == [c.text for c in claims.CLAIMS]
    assert set(table.verdict) <= set(claims.VERDICTS)
    assert not table["chapters' figure"].str.contains("not recorded").any()
    for c in claims.CLAIMS:
        exp, met = _example(c.measure)
        gone = df[
            ~((df.chapter == c.measure.chapter) & (df.experiment == exp) & (df.metric == met))
        ]
        with pytest.raises(claims.MissingMeasurement, match=re.escape(c.key)):
            claims.ledger(gone)


def test_the_benchmark_decides_only_with_enough_seeds():
    c = next(c for c in claims.CLAIMS if c.key == "haezer-quality")
    df = _rows_for([c])
    df.loc[df.metric == "minimal_optimal_count", "value"] = 2  # 6 of 30 in the chapters
    bench = df.assign(origin="benchmark x.json", profile="full", experiment="tsp5")
    bench["metric"] = bench.metric.map(
        {
            "minimal_optimal_count": "minimal_optimal",
            "null_expected_optimal": "null_random_search_expected_optimal",
        }
    )
    bench.loc[bench.metric == "minimal_optimal", "value"] = 10  # 30 of 30 in the benchmark
    c2 = Claim(**{**c.__dict__, "bench": Lookup(**{**c.bench.__dict__, "file": "x.json"})})
    c2 = Claim(
        **{**c2.__dict__, "bench_null": Lookup(**{**c.bench_null.__dict__, "file": "x.json"})}
    )
    table = claims.ledger(pd.concat([df, bench]), [c2])
    assert table.verdict[0] == "holds" and table.basis[0] == "benchmark: 30 instances"
    assert claims.ledger(df, [c2]).verdict[0] == "does not hold"
    few = bench[bench.seed == 0].assign(n=5, value=1.0)  # 5 trials: too few to decide
    table = claims.ledger(pd.concat([df, few]), [c2])
    assert table.basis[0].startswith("chapters")


def test_a_chapter_that_has_not_run_comes_from_the_books_recorded_run(tmp_path):
    rec = results.Recorder("04_qcnn", directory=tmp_path / "build")
    rec.add("qcnn", "val_accuracy", 0.5, seed=0, data_source="excitations")
    df = claims.load_origins(tmp_path / "build", NOWHERE, RECORDED)
    origins = df.groupby("chapter").origin.first()
    assert origins["04_qcnn"] == claims.BUILD  # this run's rows replace the recorded ones
    assert (df[df.chapter == "04_qcnn"].origin == claims.BUILD).all()
    assert origins["09_qaoa"] == claims.RECORDED
    m = claims.measure(df, claims.CLAIMS[1].measure)
    assert m.n == 1 and m.origin == claims.BUILD


def test_data_sources_are_spelled_one_way():
    df = claims.load_origins(NOWHERE, BENCH, RECORDED)
    sources = set(df.data_source.dropna())
    assert not [s for s in sources if re.search(r"\((not )?held out\) \S", s)]
    assert not [s for s in sources if re.fullmatch(r"CVRPLIB [A-Z]-n\d+-k\d+", s)]
    assert report.source_label("CVRPLIB (not held out) A-n32-k5") == report.source_label(
        "CVRPLIB A-n32-k5 (not held out)"
    )


# ------------------------------------------------------------------------------------------
# Fields: every bad value refused with a message that names the field
# ------------------------------------------------------------------------------------------

LK = Lookup("04_qcnn", "qcnn", "val_accuracy", "QCNN")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Lookup("04_qcnn", "qcnn", "val_accuracy", "x", pick="median"), "Lookup.pick"),
        (lambda: Lookup("04_qcnn", "qcnn", "(", "x", regex=True), "Lookup.metric"),
        (lambda: Lookup("04_qcnn", "[", "m", "x", regex=True), "Lookup.experiment"),
        (lambda: Lookup("", "qcnn", "m", "x"), "Lookup.chapter"),
        (lambda: Lookup("04_qcnn", "qcnn", "m", "x", count=1), "Lookup.count"),
        (lambda: Lookup("04_qcnn", "qcnn", "m", "x", file="a/b.json"), "Lookup.file"),
        (lambda: Lookup("04_qcnn", "qcnn", "m", "x", held_out_only="yes"), "Lookup.held_out_only"),
        (lambda: Claim("k", "x", "s", "t", "at_least", LK, target=float("nan")), "Claim.target"),
        (lambda: Claim("k", "x", "s", "t", "at_least", LK, target=1.0, slack=-1), "Claim.slack"),
        (lambda: Claim("k", "x", "s", "t", "nonsense", LK, target=1.0), "Claim.rule"),
        (lambda: Claim("k", "x", "s", "t", "better", LK), "Claim.versus"),
        (lambda: Claim("k", "x", "s", "t", "at_least", LK), "Claim.target"),
        (lambda: Claim("k", "x", "s", "t", "at_least", "qcnn", target=1.0), "Claim.measure"),
        (lambda: Claim("", "x", "s", "t", "at_least", LK, target=1.0), "Claim.key"),
        (lambda: Claim("k", "x", "s", "t", "at_least", LK, target=1.0, null=LK), "Claim.null"),
    ],
)
def test_fields_are_checked_and_the_error_names_the_field(make, field):
    with pytest.raises((ValueError, TypeError), match=re.escape(field)):
        make()


def test_a_count_without_trials_is_a_clear_error():
    lk = Lookup("11_minimal_encoding", "tsp5", "optimal", "x", count=True)
    df = pd.DataFrame(
        [dict(chapter=lk.chapter, experiment="tsp5", metric="optimal", value=3.0, seed=0,
              data_source="d", profile="small", origin=claims.BUILD)]
    )  # fmt: skip
    with pytest.raises(ValueError, match="'n' column"):
        claims.measure(df, lk)
    with pytest.raises(ValueError, match="'n' column"):
        claims.measure(df.assign(n=float("nan")), lk)
    with pytest.raises(ValueError, match="whole successes"):
        claims.measure(df.assign(n=10, value=2.5), lk)
    assert claims.measure(df.assign(n=10), lk).trials == 10


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
        lambda: claims.verdict("claim", _m([1.0])),
        lambda: claims.verdict(_claim("better"), _m([1.0])),
        lambda: claims.verdict(_claim("at_least", 0.5), _m([1.0]), null=(np.nan, 3)),
        lambda: claims.verdict(_claim("at_least", 0.5), _m([1.0]), null=(4.0, 3)),
        lambda: claims.load_origins(build_dir=float("nan")),
        lambda: claims.load_origins(bench_dir=None, build_dir=3),
        lambda: claims.load_origins(recorded_dir=b"x"),
        lambda: report.styled_ledger(pd.DataFrame({"claim": ["x"]})),
        lambda: report.styled_ledger(None),
        lambda: report.html_table(pd.DataFrame({"a": [1]}), widths=[1, 2]),
        lambda: stats.bootstrap_interval([]),
        lambda: stats.bootstrap_interval([0.5, np.nan]),
        lambda: stats.bootstrap_interval([0.5], level=1.0),
        lambda: Measurement(float("nan"), 0.0, 1, None, None, (), "d", "p", "h", "o"),
        lambda: Measurement(0.5, float("inf"), 3, None, None, (), "d", "p", "h", "o", (0.5,) * 3),
        lambda: Measurement(0.5, 0.0, 0, None, None, (), "d", "p", "h", "o"),
        lambda: Measurement(0.5, 0.0, 1, 3, 2, (), "d", "p", "h", "o"),
        lambda: Measurement(0.5, 0.0, 1, 1, None, (), "d", "p", "h", "o"),
        lambda: Measurement(0.5, 0.1, 3, None, None, (), "d", "p", "h", "o"),  # no values
        lambda: Measurement(0.5, 0.1, 2, None, None, (), "d", "p", "h", "o", (0.1, 0.2)),
    ],
)
def test_bad_input_raises_value_or_type_error(call):
    with pytest.raises((ValueError, TypeError)):
        call()


# ------------------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------------------


def test_styled_ledger_colours_each_verdict_and_fits_the_page(recorded_ledger):
    _, table = recorded_ledger
    html = report.styled_ledger(table).to_html()
    for v in set(table.verdict):
        assert report.VERDICT_COLOURS[v] in html
    assert "table-layout: fixed" in html and "@media (max-width: 700px)" in html
    assert html.count("<th>") == 4  # claim, verdict, figures, reason: all in view
    assert "<script" not in html and html.count("nowrap") == len(table)  # only the verdict word
    assert report.styled_ledger(table)._repr_html_() == html
    widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', html)]
    assert len(widths) == 4 and math.isclose(sum(widths), 100, abs_tol=0.5)


def test_long_tables_are_folded_by_chapter(recorded_ledger):
    df, _ = recorded_ledger
    frame = report.results_frame(df[~df.origin.str.startswith("benchmark")].to_dict("records"))
    html = report.summary_by_chapter(frame).to_html()
    assert html.count("<details") == frame.chapter.nunique()
    assert "table-layout: fixed" in html


def test_held_out_only_keeps_the_held_out_rows():
    """A lookup with held_out_only reads the rows marked held_out=True and no other."""
    import pandas as pd

    from qbook.common.claims import _select

    df = pd.DataFrame(
        {
            "chapter": ["12_x"] * 4,
            "experiment": ["e"] * 4,
            "metric": ["m"] * 4,
            "origin": ["benchmark b.json"] * 4,
            "held_out": [True, False, None, True],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    lk = Lookup("12_x", "e", "m", "x", held_out_only=True)
    assert _select(df, lk, "bench").value.tolist() == [1.0, 4.0]
    flags = df.assign(held_out=np.array([True, False, False, True]))  # a bool column: np.bool_
    assert _select(flags, lk, "bench").value.tolist() == [1.0, 4.0]
    assert len(_select(df, Lookup("12_x", "e", "m", "x"), "bench")) == 4

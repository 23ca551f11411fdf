"""Property tests of qbook.common.results and qbook.common.report (issue 11): rows round trip, no row lost,
provenance protected; summaries are means and sample standard deviations."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st

from qbook.common import report, results

COVERED = [
    "qbook.common.results.read_jsonl_rows",
    "qbook.common.results.repo_root",
    "qbook.common.results.results_dir",
    "qbook.common.results.Recorder",
    "qbook.common.results.load_results",
    "qbook.common.results.read_json_rows",
    "qbook.common.report.format_versions",
    "qbook.common.report.results_frame",
    "qbook.common.report.compact_versions",
    "qbook.common.report.styled_rows",
    "qbook.common.report.styled",
    "qbook.common.report.summarise",
    "qbook.common.report.setting_labels",
    "qbook.common.report.mean_sd",
    "qbook.common.report.format_mean_sd",
    "qbook.common.report.comparable_metrics",
    "qbook.common.report.plot_metric",
    "qbook.common.report.provenance",
]

values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=8)
names = st.text("abcdefgh_", min_size=1, max_size=6)


@pytest.mark.parametrize(
    ("qual", "func", "good", "muts"), bad_input_cases("results") + bad_input_cases("report")
)
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(values, st.lists(st.one_of(st.none(), st.integers(0, 99)), min_size=8, max_size=8), names)
def test_recorded_rows_come_back_and_summaries_are_mean_and_sd(vals, seeds, experiment):
    folder = Path(tempfile.mkdtemp())
    rec = results.Recorder("99_props", directory=folder)
    for v, s in zip(vals, seeds, strict=False):
        rec.add(experiment, "m", v, seed=s, data_source="synthetic", n_params=3)
    rows = results.load_results(folder)
    assert [r["value"] for r in rows] == vals and rows == json.loads(json.dumps(rec.rows))
    df = report.results_frame(rows)
    s = report.summarise(df)
    assert len(s) == 1 and s["n"].iloc[0] == len(vals)
    mean, sd = report.mean_sd(vals)
    assert s["mean"].iloc[0] == pytest.approx(np.mean(vals))
    assert mean == pytest.approx(np.mean(vals))
    assert sd == pytest.approx(np.std(vals, ddof=1) if len(vals) > 1 else 0.0)
    assert report.setting_labels(df).eq("n_params=3").all()
    assert report.provenance(df)["rows"].iloc[0] == len(vals)
    assert report.comparable_metrics(df) == []
    assert report.styled(df) is not None and report.styled_rows(df) is not None


@given(st.floats(-1e3, 1e3), st.floats(0, 1e3), st.integers(1, 9))
def test_format_mean_sd_prints_n(mean, sd, n):
    text = report.format_mean_sd(mean, sd, n)
    assert text.endswith(f"(n={n})") and ("+/-" in text) == (n > 1)


@given(
    st.dictionaries(
        st.sampled_from(["python", "numpy", "cirq-core", "qbook"]),
        st.text("0123456789.", min_size=1, max_size=5),
        min_size=1,
    )
)
def test_versions_are_formatted_and_compacted(versions):
    text = report.format_versions(versions)
    short = report.compact_versions(text)
    assert "qbook" not in short and all(v in text for v in versions.values())


def test_results_dir_and_plot(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("QBOOK_RESULTS_DIR", str(tmp_path))
    assert results.results_dir() == tmp_path
    assert (results.repo_root() / "pyproject.toml").exists()
    rec = results.Recorder("99_plot")
    for e in ("a", "b"):
        rec.add(e, "acc", 0.5, seed=0)
    df = report.results_frame(results.load_results(tmp_path))
    assert report.comparable_metrics(df) == [("99_plot", "acc")]
    assert report.plot_metric(df, "99_plot", "acc") is not None
    assert isinstance(report.summarise(df), pd.DataFrame)


def test_read_json_rows_reads_lists_and_row_dicts_and_skips_malformed_files(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"value": 1}, 3], indent=1))
    (tmp_path / "b.json").write_text(json.dumps({"rows": [{"value": 2.5}]}))
    (tmp_path / "c.json").write_text("{not json")
    with pytest.warns(UserWarning, match=r"a\.json:5: .*not a JSON object"):
        assert results.read_json_rows(tmp_path / "a.json") == [{"value": 1}]
    assert results.read_json_rows(tmp_path / "b.json") == [{"value": 2.5}]
    with pytest.warns(UserWarning, match="malformed"):
        assert results.read_json_rows(tmp_path / "c.json") == []
    with pytest.raises((TypeError, ValueError)):
        results.read_json_rows(None)


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5))
def test_read_jsonl_rows_returns_the_written_rows_and_skips_a_broken_line(values):
    folder = Path(tempfile.mkdtemp(prefix="qbook-jsonl-"))
    path = folder / "x.jsonl"
    lines = [json.dumps({"value": v}) for v in values]
    path.write_text("\n".join([*lines, "{broken"]) + "\n")
    with pytest.warns(UserWarning, match=r"x\.jsonl:\d+"):
        rows = results.read_jsonl_rows(path)
    assert [r["value"] for r in rows] == values

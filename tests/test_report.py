"""qbook.common.report: the results chapter's table, summaries over seeds and plots."""

import math
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from qbook.common import report
from qbook.common.results import ROW_FIELDS, Recorder

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rows(tmp_path, monkeypatch):
    monkeypatch.setenv("QBOOK_RESULTS_DIR", str(tmp_path))
    # only these rows: no benchmark results from the package
    monkeypatch.setattr("qbook.common.results.bench_results_dir", lambda: tmp_path / "none")
    rec = Recorder("02_classical_cnn")
    for seed, acc in zip((0, 1, 2), (0.80, 0.84, 0.88), strict=True):
        rec.add("cnn", "test_accuracy", acc, seed=seed, data_source="synthetic", n_params=99)
        rec.add("logreg", "test_accuracy", 0.5, seed=seed, data_source="synthetic")
    rec.add("cnn", "test_accuracy", 0.9, seed=0, data_source="svhn")  # another data source
    Recorder("09_qaoa").add("brute_force", "optimum", 450.0, data_source="P-n16-k8", unit="")
    return rec.rows


def test_results_frame_reads_every_row_with_provenance(rows):
    df = report.results_frame()
    assert len(df) == 8
    assert list(df.columns[: len(ROW_FIELDS)]) == list(ROW_FIELDS)
    assert "n_params" in df.columns  # extra columns are kept
    assert set(df.chapter) == {"02_classical_cnn", "09_qaoa"}
    assert df.versions.str.contains("numpy").all()
    assert str(df.date.dt.tz) == "UTC"
    assert df.loc[df.experiment == "brute_force", "seed"].isna().all()


def test_summarise_is_mean_and_sample_sd_per_source(rows):
    s = report.summarise(report.results_frame())
    cnn = s[(s.experiment == "cnn") & (s.data_source == "synthetic")].iloc[0]
    assert cnn.n == 3 and cnn.seeds == "0,1,2"
    assert cnn["mean"] == pytest.approx(0.84)
    assert cnn.sd == pytest.approx(0.04)  # sample standard deviation (ddof=1)
    assert cnn.mean_sd == "0.84 +/- 0.04 (n=3)"
    # another data source is never averaged in
    svhn = s[(s.experiment == "cnn") & (s.data_source == "svhn")].iloc[0]
    assert svhn.n == 1 and math.isnan(svhn.sd) and svhn.mean_sd == "0.9 (n=1)"
    assert len(s) == 4


def test_empty_results_give_empty_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("QBOOK_RESULTS_DIR", str(tmp_path / "none"))
    df = report.results_frame([])
    assert df.empty and list(df.columns) == list(ROW_FIELDS)
    assert report.summarise(df).empty
    assert report.provenance(df).empty
    assert report.comparable_metrics(df) == []
    assert "No results have been recorded yet" in report.NO_RESULTS


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="lacks value"):
        report.results_frame([{"chapter": "a", "experiment": "b", "metric": "c"}])
    with pytest.raises(ValueError, match="columns"):
        report.summarise(report.results_frame([]), by=("nope",))
    with pytest.raises(ValueError, match="n must be"):
        report.format_mean_sd(1.0, 0.0, 0)


def test_comparisons_and_plots(rows):
    df = report.results_frame()
    assert report.comparable_metrics(df) == [("02_classical_cnn", "test_accuracy")]
    ax = report.plot_metric(df, "02_classical_cnn", "test_accuracy")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cnn", "logreg"]
    assert "synthetic" in ax.get_title(loc="left")
    with pytest.raises(ValueError, match="no results"):
        report.plot_metric(df, "02_classical_cnn", "nope")
    prov = report.provenance(df)
    assert list(prov.chapter) == ["02_classical_cnn", "09_qaoa"]
    assert prov.set_index("chapter").loc["02_classical_cnn", "data_source"] == "svhn, synthetic"


def test_report_never_imports_tensorflow():
    code = (
        "import sys, qbook.common.report\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras')]\n"
        "assert not bad, bad\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_rows_for_the_page_are_compact(rows):
    df = report.results_frame()
    assert report.compact_versions("python 3.11.7, qbook 0.1.0, cirq-core 1.5.0") == (
        "py 3.11.7, cirq 1.5.0"
    )
    html = report.styled_rows(df).to_html()
    assert "table-layout: fixed" in html and "02_classical_cnn" in html
    assert "qbook 0.1.0" not in html and "nowrap" not in html  # wraps to the page width
    assert report.styled_rows(report.results_frame([])).to_html()  # empty still renders
    prov = report.styled(report.provenance(df)).to_html()
    assert "table-layout: fixed" in prov and "+00:00" not in prov  # dates shown to the minute


def test_summarise_never_averages_different_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("QBOOK_RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr("qbook.common.results.bench_results_dir", lambda: tmp_path / "none")
    rec = Recorder("09_qaoa")
    for n, ratio in ((12, 1.0), (20, 11.0)):
        rec.add("simulators", "speedup", ratio, unit="x", n_qubits=n, p=2)
    s = report.summarise(report.results_frame())
    assert list(s["setting"]) == ["n_qubits=12, p=2", "n_qubits=20, p=2"]
    assert list(s["mean"]) == [1.0, 11.0] and list(s["n"]) == [1, 1]

import json

import pytest

from qbook.results import Recorder, load_results


def test_recorder_writes_rows_with_provenance(tmp_path):
    rec = Recorder("99_demo", directory=tmp_path)
    rec.add("cnn", "test_accuracy", 0.5, seed=3, data_source="synthetic", n_params=10)
    rec.add("cnn", "test_accuracy", 0.75, seed=4, data_source="synthetic", n_params=10)
    rows = [json.loads(x) for x in (tmp_path / "99_demo.jsonl").read_text().splitlines()]
    assert [r["value"] for r in rows] == [0.5, 0.75]
    for key in ("profile", "hardware", "versions", "date", "seed", "data_source"):
        assert key in rows[0]
    assert rows[0]["n_params"] == 10
    assert load_results(tmp_path) == rows
    # a new recorder for the same chapter replaces the old run
    Recorder("99_demo", directory=tmp_path).add("x", "y", 1.0)
    assert len(load_results(tmp_path)) == 1


def test_recorder_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="plain file stem"):
        Recorder("a/b", directory=tmp_path)
    with pytest.raises(ValueError, match="not finite"):
        Recorder("ok", directory=tmp_path).add("e", "m", float("nan"))

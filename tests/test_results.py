import json

import pytest

from qbook.common.results import Recorder, load_results


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


def _write_rows(directory, tag, n, wait_for, then_set):
    """Write ``n`` rows as one run; start after ``wait_for``, set ``then_set`` half-way."""
    wait_for.wait(timeout=60)
    rec = Recorder("99_overlap", directory=directory)
    for k in range(n):
        rec.add(tag, "m", float(k), seed=k)
        if k == n // 2:
            then_set.set()


def test_two_overlapping_runs_lose_no_row(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    go, a_half, b_half = ctx.Event(), ctx.Event(), ctx.Event()
    # run b starts while run a is half-way through its rows
    procs = [
        ctx.Process(target=_write_rows, args=(tmp_path, "a", 200, go, a_half)),
        ctx.Process(target=_write_rows, args=(tmp_path, "b", 200, a_half, b_half)),
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    rows = load_results(tmp_path, runs="all")
    assert len(rows) == 400
    for tag in "ab":
        assert sorted(r["seed"] for r in rows if r["experiment"] == tag) == list(range(200))
    assert len({r["run"] for r in rows}) == 2
    latest = load_results(tmp_path)  # one run: the one that started last
    assert [r["experiment"] for r in latest] == ["b"] * 200


def test_provenance_cannot_be_overwritten_and_seed_is_an_int(tmp_path):
    rec = Recorder("ok", directory=tmp_path)
    for key in ("profile", "hardware", "versions", "date", "chapter", "run"):
        with pytest.raises(TypeError, match="provenance"):
            rec.add("e", "m", 1.0, **{key: "hacked"})
    with pytest.raises(TypeError, match="seed"):
        rec.add("e", "m", 1.0, seed="a")
    with pytest.raises(TypeError, match="seed"):
        rec.add("e", "m", 1.0, seed=True)
    with pytest.raises(TypeError, match="value"):
        rec.add("e", "m", "1.0")
    assert rec.add("e", "m", 1.0, seed=None)["seed"] is None
    assert load_results(tmp_path)[0]["profile"] != "hacked"


def test_a_malformed_line_is_reported_with_file_and_line_and_skipped(tmp_path):
    rec = Recorder("99_demo", directory=tmp_path)
    rec.add("e", "m", 1.0)
    with (tmp_path / "99_demo.jsonl").open("a") as fh:
        fh.write('{"chapter": "99_demo", "experi\n')
    rec.add("e", "m", 2.0)
    (tmp_path / "bench.json").write_text("[{")
    with pytest.warns(UserWarning, match=r"99_demo\.jsonl:2: malformed"):
        rows = load_results(tmp_path)
    assert [r["value"] for r in rows] == [1.0, 2.0]

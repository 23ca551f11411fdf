"""Generated malformed input files (issue 20): CVRPLIB ``.vrp``/``.sol`` text and result files.

The property: reading never raises anything but ValueError/TypeError (a results reader: never
raises at all, it skips with a warning naming ``<file>:<line>``), and what it returns can be
right: an Instance whose demands, capacity, distances and solution are consistent; result rows
whose value is a finite number.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbook.common import results
from qbook.routing import classical, instances

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SHIPPED = Path(instances.__file__).parent / "cvrplib"

numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-0", "1e400", "", "x", "0", "-5", "7", "2.5", "\x00"]),
)


@st.composite
def damaged(draw, text: str) -> str:
    """``text`` with drawn damage: numbers replaced, lines repeated, dropped or replaced."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["number", "repeat", "drop", "junk"]))
        k = draw(st.integers(0, len(lines) - 1))
        if how == "number":
            spans = [m.span() for m in re.finditer(r"-?\d+(\.\d+)?", lines[k])]
            if spans:
                a, b = draw(st.sampled_from(spans))
                lines[k] = lines[k][:a] + draw(numbers) + lines[k][b:]
        elif how == "repeat":
            lines.insert(k, lines[k])
        elif how == "drop" and len(lines) > 1:
            del lines[k]
        else:
            lines[k] = draw(st.text(max_size=20))
    return "\n".join(lines) + "\n"


def _consistent(inst: instances.Instance) -> None:
    n = inst.n_nodes
    assert inst.D.shape == (n, n) and np.all(inst.D >= 0) and np.array_equal(inst.D, inst.D.T)
    assert isinstance(inst.capacity, int) and inst.capacity >= 1
    assert inst.demands.shape == (n,) and inst.demands[0] == 0
    assert np.all(inst.demands >= 0) and np.all(inst.demands <= inst.capacity)
    if inst.best_routes is not None:
        instances.check_solution(inst, inst.best_routes)
        assert classical.route_cost(inst.D, inst.best_routes) == pytest.approx(inst.best_cost)


@FAST
@given(data=st.data(), name=st.sampled_from(["E-n13-k4", "P-n16-k8"]))
def test_a_damaged_vrp_or_sol_file_is_refused_or_read_right(tmp_path_factory, data, name):
    folder = tmp_path_factory.mktemp("vrp")
    which = data.draw(st.sampled_from(["vrp", "sol", "both"]), label="file")
    for ext in ("vrp", "sol"):
        text = (SHIPPED / f"{name}.{ext}").read_text()
        if which in (ext, "both"):
            text = data.draw(damaged(text), label=ext)
        (folder / f"{name}.{ext}").write_text(text)
    try:
        inst = instances.read_instance(folder / f"{name}.vrp")
    except ValueError as exc:
        assert name in str(exc)  # the message names the file
        return
    _consistent(inst)


def test_bad_values_in_a_file_name_the_file_line_and_field(tmp_path):
    text = (SHIPPED / "E-n13-k4.vrp").read_text()
    cases = {
        "2 1200": ("2 -19", r"\.vrp:20: .*demands.*negative"),
        "3 1700": ("3 9999", r"\.vrp:21: .*demands.*above the capacity"),
        "CAPACITY : 6000": ("CAPACITY : 0", r"\.vrp:8: .*capacity"),
        "1 0\n": ("1 7\n", r"\.vrp:19: .*depot"),
        "4 1500": ("3 1500", r"\.vrp:22: .*node id 3 repeated"),
        "     9    14": ("    -9    14", r"\.vrp:10: .*negative"),
    }
    for k, (old, (new, pattern)) in enumerate(cases.items()):
        f = tmp_path / f"c{k}" / "E-n13-k4.vrp"
        f.parent.mkdir()
        f.write_text(text.replace(old, new, 1))
        with pytest.raises(ValueError, match=pattern):
            instances.read_instance(f)
    f = tmp_path / "sol" / "E-n13-k4.vrp"
    f.parent.mkdir()
    f.write_text(text)
    f.with_suffix(".sol").write_text("Route #1: 1 2 3\nRoute #2: 99\nCost 5\n")
    with pytest.raises(ValueError, match=r"\.sol:2: .*best_routes.*99"):
        instances.read_instance(f)


junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
good_values = st.one_of(
    st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False)
)


@st.composite
def result_rows(draw):
    """Rows as text: good ones, ones with a bad or missing value, and lines that are not JSON."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["good", "bad-value", "no-value", "not-json", "not-object"]))
        row = {"chapter": "99_x", "experiment": "e", "metric": "m", "run": "r", "run_started": "t"}
        if kind == "good":
            out.append((True, {**row, "value": draw(good_values)}))
        elif kind == "bad-value":
            out.append((False, {**row, "value": draw(junk_values)}))
        elif kind == "no-value":
            out.append((False, row))
        elif kind == "not-json":
            out.append((False, draw(st.sampled_from(["{", '{"value": 1', "nan", "\x00"]))))
        else:
            out.append((False, draw(st.sampled_from([[1], 3, "x", None]))))
    return out


def _text(item) -> str:
    return item if isinstance(item, str) else json.dumps(item)


@FAST
@given(rows=result_rows(), fmt=st.sampled_from(["jsonl", "json"]))
def test_a_results_file_with_bad_rows_skips_each_with_file_and_line(tmp_path_factory, rows, fmt):
    folder = tmp_path_factory.mktemp("res")
    if fmt == "jsonl":
        f = folder / "99_x.jsonl"
        f.write_text("\n".join(_text(r) for _, r in rows) + "\n")
        bad_lines = [k for k, (ok, _) in enumerate(rows, start=1) if not ok]
    else:
        if any(isinstance(r, str) for _, r in rows):  # a whole malformed file
            rows = [(ok, r) for ok, r in rows if not isinstance(r, str)] or [(True, {"value": 1})]
        f = folder / "bench.json"
        f.write_text("[\n" + ",\n".join(json.dumps(r) for _, r in rows) + "\n]\n")
        bad_lines = [k for k, (ok, _) in enumerate(rows, start=2) if not ok]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = results.load_results(folder, runs="all")
    said = [str(w.message) for w in caught]
    assert len(got) == sum(ok for ok, _ in rows)
    for r in got:
        assert not isinstance(r["value"], bool) and math.isfinite(r["value"])
    for k in bad_lines:
        assert any(f"{f}:{k}: " in m for m in said), (k, said)


def test_a_missing_results_folder_is_an_error():
    with pytest.raises(ValueError, match="nonexistent/typo does not exist"):
        results.load_results("/nonexistent/typo")


instance_fields = dict(
    capacity=st.one_of(st.integers(-3, 12), st.sampled_from([float("nan"), 2.5, True, "7"])),
    demands=st.lists(st.integers(-2, 12), min_size=3, max_size=5),
    n_vehicles=st.one_of(st.none(), st.integers(-1, 3)),
    asym=st.booleans(),
)


@FAST
@given(**instance_fields)
def test_an_instance_built_by_hand_is_refused_or_consistent(capacity, demands, n_vehicles, asym):
    n = len(demands)
    D = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    if asym:
        D[0, 1] += 1
    try:
        inst = instances.Instance("t", None, np.array(demands), capacity, D, n_vehicles)
    except (ValueError, TypeError):
        return
    _consistent(inst)


def test_check_solution_refuses_a_nan_capacity():
    inst = instances.read_instance("E-n13-k4")
    inst.capacity = float("nan")
    with pytest.raises(ValueError, match="capacity"):
        instances.check_solution(inst, [list(range(1, 13))])

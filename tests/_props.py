"""Shared pieces of the property tests (``tests/test_props_*.py``; issues 11 and 20).

:func:`bad_input_cases` turns the good calls of ``benchmarks/fuzz_inputs.py`` (one table for
the fuzzer and the tests) into pytest parameters; :func:`check_bad_inputs` is the property
every public function must have: for a bad argument the call raises ValueError or TypeError,
or returns normally only where the input may be valid; never another exception, and quickly.
The bad argument is drawn by hypothesis, not taken from a list: half the time one of the
table's kinds with a drawn position and value, otherwise :func:`fuzz_inputs.generated_bad`
driven by hypothesis's choices (NaN and inf as Python, NumPy and 0-d values, complex, bool as a
number, strings, huge and negative integers, non-integral floats, wrong types, arrays with a
bad entry at a drawn place, string and object dtypes, wrong shapes, ragged lists, damaged file
text). And a valid number passed the NumPy way (``np.int64(3)``, ``np.float64(0.5)``, a 0-d
array, a list of NumPy scalars) must be accepted wherever the plain number is.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
CLEAN = (ValueError, TypeError, FileNotFoundError)
#: Functions that train a model when the input is fine.
SLOW = {
    "qbook.learning.cnn.train",
    "qbook.learning.cnn.train_or_load",
    "qbook.learning.qml.fit_eval",
    "qbook.learning.qml.time_epoch",
    "qbook.learning.qml.compare_epoch_times",
    "qbook.learning.qcnn.train_model",
}


@lru_cache(maxsize=1)
def fuzz():
    """``benchmarks/fuzz_inputs.py`` as a module."""
    spec = importlib.util.spec_from_file_location(
        "fuzz_inputs", ROOT / "benchmarks" / "fuzz_inputs.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


LEARNING = ("cnn", "qcnn", "qml", "hybrid")


def _table(modname: str):
    """The fuzzer's good calls; built twice per session (with and without Keras models)."""
    return _tables("cnn" if modname in LEARNING else "")


@cache
def _tables(kind: str):
    return fuzz().good_args(kind)


def module_path(modname: str) -> str:
    """``"qbook.<package>.<modname>"`` for a module's short name (``"qaoa"``, ``"results"``)."""
    for pkg in ("learning", "routing", "common"):
        if (ROOT / "qbook" / pkg / f"{modname}.py").exists():
            return f"qbook.{pkg}.{modname}"
    raise LookupError(f"no qbook module named {modname!r}")


def bad_input_cases(modname: str, skip: tuple[str, ...] = ()) -> list:
    """One pytest parameter per public function of ``qbook.<package>.<modname>`` with a good
    call."""
    module = importlib.import_module(module_path(modname))
    by_name, over = _table(modname)
    out = []
    for qual, func in fuzz().public_functions(module):
        if qual in fuzz().SKIP or qual.rsplit(".", 1)[1] in skip:
            continue
        good = fuzz().good_call(qual, func, by_name, over)
        muts = []
        for p in inspect.signature(func).parameters.values():
            if p.name in fuzz().FREE or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            has_default = p.default is not p.empty
            value = good.get(p.name, p.default) if good is not None else p.default
            for label, bad, sure in fuzz().mutations(p.name, value, has_default, p.default):
                muts.append((p.name, label, bad, sure, value))
        out.append(pytest.param(qual, func, good, muts, id=qual.removeprefix("qbook.")))
    return out


@cache
def _scratch() -> str:
    return tempfile.mkdtemp(prefix="qbook-props-")


def bad_value(data, muts):
    """Draw one parameter and one bad value for it (arrays: NaN/inf at a drawn position)."""
    name, label, bad, sure, good = data.draw(st.sampled_from(muts), label="mutation")
    if label in ("nan-entry", "inf-entry") and isinstance(bad, np.ndarray) and bad.size > 1:
        bad = np.asarray(good, dtype=float).copy()
        k = data.draw(st.integers(0, bad.size - 1), label="position")
        bad.flat[k] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]), label="value")
    return name, label, bad, sure


class DrawPick:
    """The choices of :func:`fuzz_inputs.generated_bad`, made by hypothesis (so that it
    explores and shrinks them)."""

    def __init__(self, data) -> None:
        self.data = data

    def choice(self, seq):
        return self.data.draw(st.sampled_from(list(seq)), label="choice")

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi), label="integer")

    def floating(self) -> float:
        return self.data.draw(st.floats(allow_nan=False, allow_infinity=False), label="float")


def generated_value(data, muts):
    """One parameter and a drawn bad value for it (:func:`fuzz_inputs.generated_bad`)."""
    params = {m[0]: m[4] for m in muts}
    required = {m[0] for m in muts if m[1] == "None" and m[3]}
    name = data.draw(st.sampled_from(sorted(params)), label="parameter")
    label, bad, sure = fuzz().generated_bad(params[name], name in required, DrawPick(data))
    return name, label, bad, sure


def check_bad_inputs(qual, func, good, muts, data) -> None:
    """The bad-input property (see the module docstring)."""
    assert good is not None, f"{qual}: no good call in benchmarks/fuzz_inputs.py"
    if not muts:
        return
    how = data.draw(st.sampled_from(["table", "generated", "numpy"]), label="kind")
    if how == "numpy" and qual not in SLOW:
        check_numpy_scalars(qual, func, good, muts, data)
        return
    if how == "generated" and qual not in SLOW:
        name, label, bad, sure = generated_value(data, muts)
    else:
        if qual in SLOW:  # inputs that may be valid would train a model: only surely bad ones
            muts = [m for m in muts if m[3]] or muts
        name, label, bad, sure = bad_value(data, muts)
    here = os.getcwd()
    os.chdir(_scratch())  # a bad path such as "x" must not create files in the repository
    try:
        func(**{**good, name: bad})
    except CLEAN:
        return
    finally:
        os.chdir(here)
        import matplotlib.pyplot as plt

        plt.close("all")
    legit = (qual, f"{name}={label}") in fuzz().LEGIT
    assert not sure or legit, f"{qual}({name}={label}) returned instead of raising"


def check_numpy_scalars(qual, func, good, muts, data) -> None:
    """A valid number given as a NumPy scalar, a 0-d array or a list of NumPy scalars is
    accepted where the plain value is (no ValueError or TypeError that the good call lacks)."""
    params = {m[0]: m[4] for m in muts}
    pick = DrawPick(data)
    forms = {n: fuzz().numpy_valid(v, pick) for n, v in sorted(params.items())}
    forms = {n: v for n, v in forms.items() if v is not None}
    if not forms:
        return
    name = data.draw(st.sampled_from(sorted(forms)), label="parameter")
    here = os.getcwd()
    os.chdir(_scratch())
    try:
        try:
            func(**{**good, name: forms[name]})
        except CLEAN as exc:
            try:
                func(**good)
            except CLEAN:
                return  # the good call itself fails here (e.g. offline): nothing to compare
            raise AssertionError(
                f"{qual}({name}={forms[name]!r}) refuses a valid NumPy value: {exc}"
            ) from exc
    finally:
        os.chdir(here)
        import matplotlib.pyplot as plt

        plt.close("all")

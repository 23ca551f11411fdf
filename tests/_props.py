"""Shared pieces of the property tests (``tests/test_props_*.py``; issue 11).

:func:`bad_input_cases` turns the good calls of ``benchmarks/fuzz_inputs.py`` (one table for
the fuzzer and the tests) into pytest parameters; :func:`check_bad_inputs` is the property
every public function must have: for a generated bad argument (NaN, inf, None, complex, a
string, a NaN or inf at a generated position of an array, an empty or wrongly shaped array,
a negative or fractional count) the call raises ValueError or TypeError, or returns normally
only where the input may be valid; never another exception, and quickly (the hypothesis
deadline).
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


def check_bad_inputs(qual, func, good, muts, data) -> None:
    """The bad-input property (see the module docstring)."""
    assert good is not None, f"{qual}: no good call in benchmarks/fuzz_inputs.py"
    if not muts:
        return
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

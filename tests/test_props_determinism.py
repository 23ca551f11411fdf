"""Property tests of qbook.common.env.one_blas_thread (issue 22): a decorated function returns
what the plain one does, runs with one BLAS thread, and leaves the thread count as it was."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from qbook.common import env
from qbook.routing import qaoa

COVERED = ["qbook.common.env.one_blas_thread"]


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50))
@settings(max_examples=30, deadline=None)
def test_same_value_one_thread_inside_and_restored(xs):
    before = _blas_threads()
    seen = []

    def total(v):
        seen.append(_blas_threads())
        return float(np.asarray(v) @ np.asarray(v))

    assert env.one_blas_thread(total)(xs) == total(xs)
    assert seen[0] == {1}
    assert _blas_threads() == before


def test_keeps_name_and_signature():
    assert qaoa.optimize.__name__ == "optimize"
    assert "p_max" in qaoa.optimize.__doc__
    assert qaoa.optimize.__wrapped__.__module__ == "qbook.routing.qaoa"


@pytest.mark.parametrize("bad", [None, 3, "f"])
def test_rejects_what_cannot_be_called(bad):
    with pytest.raises(TypeError, match="func must be callable"):
        env.one_blas_thread(bad)

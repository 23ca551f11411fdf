"""Property tests of qbook.common.profile, qbook.common.env, qbook.common.colab and qbook.common.figures (issue 11)."""

import random

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given
from hypothesis import strategies as st

from qbook.common import colab, env, figures, profile

COVERED = [
    "qbook.common.profile.profile_name",
    "qbook.common.profile.get_profile",
    "qbook.common.profile.profile_table",
    "qbook.common.env.TensorFlowImportedTooEarly",
    "qbook.common.env.ensure_tensorflow_env",
    "qbook.common.env.import_tensorflow",
    "qbook.common.env.seed_everything",
    "qbook.common.env.versions",
    "qbook.common.env.hardware",
    "qbook.common.env.setup",
    "qbook.common.colab.ColabStop",
    "qbook.common.colab.qbook_requirement",
    "qbook.common.colab.tfq_runtime",
    "qbook.common.colab.colab_setup",
    "qbook.common.colab.first_cell",
    "qbook.common.figures.use_book_style",
]

CASES = [
    *bad_input_cases("profile"),
    *bad_input_cases("env"),
    *bad_input_cases("colab"),
    *bad_input_cases("figures"),
]


@pytest.mark.parametrize(("qual", "func", "good", "muts"), CASES)
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(st.sampled_from(profile.PROFILE_NAMES))
def test_profiles_have_the_same_keys(name):
    table = profile.profile_table()
    prof = profile.get_profile(name)
    assert prof.name == name
    assert {k: set(v) for k, v in table[name].items()} == {
        k: set(v) for k, v in table["small"].items()
    }


@given(st.integers(0, 2**32 - 1))
def test_seed_everything_makes_draws_repeat(seed):
    env.seed_everything(seed)
    a = (random.random(), np.random.random())
    env.seed_everything(seed)
    assert (random.random(), np.random.random()) == a


@given(st.booleans(), st.text("abcdef0123456789-_./", min_size=1, max_size=12))
def test_colab_requirement_and_first_cell(learning, branch):
    req = colab.qbook_requirement(learning, branch)
    assert req.endswith(f"@{branch}") and ("[learning]" in req) == learning
    assert f"colab_setup(learning={learning})" in colab.first_cell(learning)
    assert colab.colab_setup(learning, pip=lambda r: None, restart=lambda: None) == "not-colab"


@given(st.integers(2, 4), st.integers(0, 20))
def test_tfq_runtime_is_true_exactly_on_3_10_to_3_12(major, minor):
    assert colab.tfq_runtime((major, minor)) == (major == 3 and 10 <= minor <= 12)


def test_environment_helpers():
    env.ensure_tensorflow_env()
    assert "python" in env.versions(tensorflow=False)
    assert " x " in env.hardware()
    figures.use_book_style()
    assert env.setup(seed=1, banner=False).name == profile.profile_name()
    assert issubclass(env.TensorFlowImportedTooEarly, RuntimeError)
    assert issubclass(colab.ColabStop, Exception)
    with pytest.raises(TypeError, match="quantum"):  # checked before TensorFlow is imported
        env.import_tensorflow(quantum="yes")

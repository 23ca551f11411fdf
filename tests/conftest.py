"""Shared test set-up: TensorFlow's environment before anything can import it."""

import os
from importlib.util import find_spec

os.environ.setdefault("QBOOK_PROFILE", "small")
if find_spec("tf_keras") is not None:  # Keras 2 for TFQ; without tf_keras, Keras 3 (Python 3.13)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Property tests (tests/test_props_*.py): few examples each, the same examples on every run.
# The deadline only catches hangs (60 s): a few seconds failed on a loaded machine, and a test's
# verdict must not depend on load. QBOOK_HYPOTHESIS_PROFILE=thorough searches longer.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the optimisation-only install has no hypothesis; property tests skip
    pass
else:
    settings.register_profile(
        "qbook",
        max_examples=5,
        deadline=60_000,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile("thorough", max_examples=200, deadline=5000)
    settings.load_profile(os.environ.get("QBOOK_HYPOTHESIS_PROFILE", "qbook"))

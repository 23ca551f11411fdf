"""Shared test set-up: TensorFlow's environment before anything can import it."""

import os
from importlib.util import find_spec

os.environ.setdefault("QBOOK_PROFILE", "small")
if find_spec("tf_keras") is not None:  # Keras 2 for TFQ; without tf_keras, Keras 3 (Python 3.13)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

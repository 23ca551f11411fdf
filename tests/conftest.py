"""Shared test set-up: TensorFlow's environment before anything can import it."""

import os

os.environ.setdefault("QBOOK_PROFILE", "small")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

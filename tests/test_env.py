"""qbook.setup and the TensorFlow guard."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str, **env):
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")} | env
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_import_qbook_does_not_import_tensorflow():
    res = _run("import sys, qbook; qbook.setup(banner=False); print('tensorflow' in sys.modules)")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def _tfq_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("tensorflow_quantum") is not None


def test_setup_with_tensorflow_gives_legacy_keras_quietly():
    if not _tfq_installed():
        pytest.skip("TFQ is not installed: Keras 2 is not needed")
    res = _run(
        "import qbook; qbook.setup(tensorflow=True, banner=False)\n"
        "import tensorflow as tf\n"
        "print(tf.keras.__name__.startswith('tf_keras'))",
        QBOOK_QML_BACKEND="auto",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "True"
    assert "cuda_dnn" not in res.stderr and "absl::InitializeLog" not in res.stderr


def test_tensorflow_imported_too_early_is_caught_with_the_tfq_backend():
    res = _run("import tensorflow, qbook\nqbook.setup(tensorflow=True)", QBOOK_QML_BACKEND="tfq")
    assert res.returncode != 0
    assert "TensorFlowImportedTooEarly" in res.stderr
    assert "Restart the kernel" in res.stderr and "QBOOK_QML_BACKEND=qbook" in res.stderr


def test_tensorflow_imported_first_falls_back_to_qbooks_simulator():
    """auto: TensorFlow already imported with Keras 3 -> qbook's backend, no error, recorded."""
    res = _run(
        "import tensorflow, qbook\nqbook.setup(tensorflow=True, banner=False)\n"
        "from qbook.common import env\nfrom qbook.learning import qcnn\nprint(env.qml_backend(), env.versions()['qml-backend'])",
        QBOOK_QML_BACKEND="auto",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["qbook", "qbook"]


def test_backend_switch_is_checked_and_keras3_is_left_alone():
    res = _run("import qbook.common.env as e; e.qml_backend()", QBOOK_QML_BACKEND="tensorflow")
    assert res.returncode != 0 and "QBOOK_QML_BACKEND must be one of" in res.stderr
    res = _run(
        "import qbook, os; qbook.setup(banner=False)\n"
        "print(os.environ.get('TF_USE_LEGACY_KERAS'), qbook.common.env.qml_backend())",
        QBOOK_QML_BACKEND="qbook",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["None", "qbook"]

"""qbook.setup and the TensorFlow guard."""

import subprocess
import sys
from pathlib import Path

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


def test_setup_with_tensorflow_gives_legacy_keras_quietly():
    res = _run(
        "import qbook; qbook.setup(tensorflow=True, banner=False)\n"
        "import tensorflow as tf\n"
        "print(tf.keras.__name__.startswith('tf_keras'))"
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "True"
    assert "cuda_dnn" not in res.stderr and "absl::InitializeLog" not in res.stderr


def test_tensorflow_imported_too_early_is_caught():
    res = _run("import tensorflow, qbook\nqbook.setup(tensorflow=True)")
    assert res.returncode != 0
    assert "TensorFlowImportedTooEarly" in res.stderr
    assert "Restart the kernel" in res.stderr

"""The one entry point every chapter calls first: ``qbook.setup()`` (introduced in the introduction).

Chapters 3-6 simulate circuits with one of two backends (:func:`qml_backend`, switch
``QBOOK_QML_BACKEND=auto|tfq|qbook``): TensorFlow Quantum, which works only with Keras 2, so
``TF_USE_LEGACY_KERAS=1`` must be in the environment *before* TensorFlow is first imported, or
qbook's own simulator (:mod:`qbook.learning.tfsim`), which needs neither TFQ nor Keras 2. ``setup`` sets
the environment (and quietens TensorFlow's C++ logging), seeds the random generators, applies
the book's plotting style and prints a banner naming the profile and the backend, so every
printed result can say what produced it.

The learning modules of qbook (``qbook.learning.cnn``, ``qbook.learning.qcnn``, ...) call
:func:`ensure_tensorflow_env` before they import TensorFlow, so importing them is safe too.
``import qbook`` itself never imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import random
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import numpy as np

from qbook.common import checks as chk
from qbook.common.profile import get_profile

TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # no C++ INFO/WARNING/ERROR chatter in rendered output
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN banner; results reproducible across runs
    "GRPC_VERBOSITY": "ERROR",
    "ABSL_MIN_LOG_LEVEL": "3",
}
BACKEND_ENV = "QBOOK_QML_BACKEND"
BACKENDS = ("auto", "tfq", "qbook")
_backend: str | None = None  # resolved once per process, so every layer and result agree


class TensorFlowImportedTooEarly(RuntimeError):
    """TensorFlow was imported before ``TF_USE_LEGACY_KERAS=1`` was set (TFQ backend only)."""


def _tfq_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("tensorflow_quantum") is not None and find_spec("tf_keras") is not None


def qml_backend() -> str:
    """The quantum-layer backend of chapters 3-6: ``"tfq"`` or ``"qbook"`` (chapter 3).

    ``$QBOOK_QML_BACKEND`` chooses: ``tfq`` (TensorFlow Quantum, Keras 2 via tf_keras),
    ``qbook`` (:mod:`qbook.learning.tfsim`, plain TensorFlow, Keras 2 or 3, CPU or GPU) or ``auto``
    (the default): TFQ where it is installed and TensorFlow has not already been imported with
    Keras 3, else qbook's. Resolved once per process; the answer is recorded with every result.
    """
    global _backend
    if _backend is not None:
        return _backend
    choice = os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"
    if choice not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV} must be one of {BACKENDS}, got {choice!r}")
    if choice == "auto":
        too_late = "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1"
        choice = "tfq" if _tfq_installed() and not too_late else "qbook"
    _backend = choice
    return choice


def ensure_tensorflow_env() -> None:
    """Set the TensorFlow environment variables, or fail loudly if it is too late.

    With the TFQ backend (:func:`qml_backend`) ``TF_USE_LEGACY_KERAS=1`` must be set before
    TensorFlow is imported: this raises :class:`TensorFlowImportedTooEarly` when TensorFlow is
    already imported without it (the only fix is to restart the kernel and call
    ``qbook.setup()`` first). The qbook backend works with whichever Keras TensorFlow brings.
    """
    for key, value in TF_ENV.items():
        os.environ.setdefault(key, value)
    if qml_backend() != "tfq":
        return
    if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise TensorFlowImportedTooEarly(
            "TensorFlow was imported before TF_USE_LEGACY_KERAS=1 was set, so tf.keras is "
            "Keras 3 and TensorFlow Quantum's layers will not work. Restart the kernel and run "
            "`import qbook; qbook.setup(tensorflow=True)` before anything imports TensorFlow, "
            f"or set {BACKEND_ENV}=qbook to use qbook's own simulator."
        )
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras -> tf_keras (Keras 2), which TFQ needs


@contextlib.contextmanager
def _quiet_stderr_fd() -> Iterator[None]:
    """Silence file descriptor 2 (C++ logging that happens before absl is initialised)."""
    fd = 2  # the OS-level stream; Jupyter kernels forward it into cell outputs
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def import_tensorflow(quantum: bool = True) -> SimpleNamespace:
    """Import TensorFlow (and TFQ, with that backend) quietly; return the modules.

    ``tfq`` is ``None`` unless ``quantum`` and :func:`qml_backend` is ``"tfq"``.
    """
    quantum = chk.boolean(quantum, "quantum")
    ensure_tensorflow_env()
    with _quiet_stderr_fd():
        import tensorflow as tf

        tfq = None
        if quantum and qml_backend() == "tfq":
            import tensorflow_quantum as tfq
    tf.get_logger().setLevel("ERROR")
    with contextlib.suppress(Exception):
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    return SimpleNamespace(tf=tf, tfq=tfq)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if imported) TensorFlow; ``seed`` is an int in 0..2**32-1."""
    seed = chk.integer(seed, "seed", lo=0, hi=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.random.set_seed(seed)
        with contextlib.suppress(Exception):
            tf.keras.utils.set_random_seed(seed)


def versions(tensorflow: bool | None = None) -> dict[str, str]:
    """Versions of the libraries that produced a result (recorded with every result)."""
    from importlib import metadata

    if tensorflow is not None:
        tensorflow = chk.boolean(tensorflow, "tensorflow")
    names = ["qbook", "numpy", "scipy", "cirq-core", "qsimcirq"]
    if tensorflow or (tensorflow is None and "tensorflow" in sys.modules):
        legacy = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
        names += ["tensorflow", "tensorflow-quantum", "tf-keras" if legacy else "keras"]
    out = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    if (
        _backend is not None and "tensorflow" in sys.modules
    ):  # a learning module ran: say which simulator produced the numbers
        out["qml-backend"] = _backend
    return out


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the BLAS libraries NumPy and SciPy load (found once, ~30 ms)."""
    import scipy.linalg  # noqa: F401  (loads SciPy's own OpenBLAS, so it is limited too)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread(func: Callable) -> Callable:
    """Decorate ``func`` to run with one BLAS thread, so its result does not depend on the cores.

    OpenBLAS splits a dot product over more than about 10^4 entries across its threads (one per
    core by default) and adds the partial sums, so the last bits of ``diag @ probs`` depend on
    the thread count; an optimiser such as COBYLA or L-BFGS-B then turns a last-bit difference
    into a different path, different angles and a different printed result. One thread makes
    the sum, and everything after it, the same on a 1-, 2- or 64-core machine and at any load.
    Uses threadpoolctl (0.1 ms per call). Introduced in chapter 9, QAOA (issue 22).
    """
    chk.callable_(func, "func")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _blas_controller().limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


def hardware() -> str:
    """One line describing the machine (CPU count and model, GPU if TensorFlow sees one)."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    desc = f"{os.cpu_count()} x {cpu}"
    if "tensorflow" in sys.modules:
        with contextlib.suppress(Exception):
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                desc += f" + {len(gpus)} GPU"
    return desc


def setup(tensorflow: bool = False, seed: int = 0, banner: bool = True) -> SimpleNamespace:
    """Prepare a chapter: environment, seeds, plotting style; return the active profile.

    Call it in the first code cell after the Colab guard, before anything imports TensorFlow.
    With ``tensorflow=True`` it also imports TensorFlow (and TensorFlow Quantum when that is
    the backend, see :func:`qml_backend`) quietly.
    """
    tensorflow = chk.boolean(tensorflow, "tensorflow")
    seed = chk.integer(seed, "seed", lo=0, hi=2**32 - 1)
    banner = chk.boolean(banner, "banner")
    if tensorflow:
        import_tensorflow(quantum=True)
    else:
        ensure_tensorflow_env()  # harmless without TensorFlow; protects later imports
    from qbook.common.figures import use_book_style

    use_book_style()
    seed_everything(seed)
    prof = get_profile()
    if banner:
        v = versions()
        keys = ("python", "cirq-core", "tensorflow", "keras")
        stack = ", ".join(f"{k} {v[k]}" for k in keys if k in v)
        if tensorflow:
            stack += f" | quantum layers: {qml_backend()}"
        print(f"qbook {v.get('qbook', '?')} | profile '{prof.name}' | seed {seed} | {stack}")
    return prof

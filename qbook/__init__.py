"""qbook: the tested library behind the book.

Chapters stay short by calling into qbook; each public function's docstring names the chapter
that introduces it. ``import qbook`` is light: it never imports TensorFlow. The learning modules
(``qbook.cnn``, ``qbook.qcnn``, ``qbook.qml``, ``qbook.hybrid``) import it on demand, the
optimisation modules (``qbook.qubo``, ``qbook.vrp`` and its parts, ``qbook.qaoa``,
``qbook.qaoa_constrained`` and its parts, ``qbook.minimal``, ``qbook.cvrp``, ``qbook.generators``,
``qbook.evaluation``, ``qbook.stats``) never do.
"""

from qbook.env import ensure_tensorflow_env, import_tensorflow, seed_everything, setup
from qbook.profile import get_profile, profile_name

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ensure_tensorflow_env",
    "get_profile",
    "import_tensorflow",
    "profile_name",
    "seed_everything",
    "setup",
]

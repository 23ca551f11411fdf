"""qbook: the tested library behind the book, in three packages.

* :mod:`qbook.learning`: Part I, learning on house numbers (chapters 1-6);
* :mod:`qbook.routing`: Part II, quantum routing (chapters 7-12);
* :mod:`qbook.common`: what every chapter uses (setup, profiles, results, the claims ledger).

Chapters stay short by calling into qbook; each public function's docstring names the chapter
that introduces it. ``import qbook`` is light: it never imports TensorFlow. The learning modules
that need it import it on demand; :mod:`qbook.routing` never does.
"""

from qbook.common.env import ensure_tensorflow_env, import_tensorflow, seed_everything, setup
from qbook.common.profile import get_profile, profile_name

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

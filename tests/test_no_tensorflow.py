"""`import qbook` and the optimisation half must work where TensorFlow is not installed."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The learning half may import TensorFlow; every other module of qbook (found on disk, so a new
# module is covered the day it is added) must import without it.
LEARNING = {"cnn", "qcnn", "qml", "hybrid", "tfsim", "qlayers"}
OPTIMISATION = sorted(
    f"qbook.{p.parent.name}.{p.stem}"
    for p in (ROOT / "qbook").glob("*/*.py")
    if p.stem not in LEARNING and p.stem != "__init__"
)
LIGHT = ["qbook", "qbook.learning", "qbook.routing", "qbook.common"]

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'tensorflow', 'tensorflow_quantum', 'tf_keras', 'keras'}:
            raise ImportError(f'{name} is blocked in this test')
sys.meta_path.insert(0, Block())
import importlib
for mod in MODULES:
    importlib.import_module(mod)
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'tensorflow', 'tf_keras', 'keras'})
assert not bad, bad
print('ok', len(MODULES))
"""


def _existing(mods):
    return [
        m
        for m in mods
        if (ROOT / (m.replace(".", "/") + ".py")).exists()
        or (ROOT / m.replace(".", "/") / "__init__.py").exists()
    ]


def test_light_and_optimisation_modules_import_without_tensorflow():
    mods = _existing(LIGHT + OPTIMISATION)
    code = f"MODULES = {mods!r}\n" + BLOCKER
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == f"ok {len(mods)}"


def test_optimisation_half_is_all_there():
    """The optimisation modules exist once the optimisation chapters are in the book."""
    chapters = sorted(p.stem for p in (ROOT / "book").glob("[0-9]*.md"))
    if any("qubo" in c for c in chapters):
        assert (ROOT / "qbook" / "routing" / "qubo.py").exists()

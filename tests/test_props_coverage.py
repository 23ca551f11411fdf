"""Every public qbook function and class has a property test (issue 11).

Imports every qbook module (the learning ones too when TensorFlow is installed), lists the
public names each defines (no leading underscore, ``obj.__module__`` is that module, so a
re-export counts once), resolves every ``COVERED`` entry of ``tests/test_props_*.py`` to an
object, and fails naming each public function or class that no property test covers.
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import qbook

TESTS = Path(__file__).resolve().parent
LEARNING = {"cnn", "qcnn", "qml", "hybrid"}
#: Modules tested directly rather than through a COVERED list: the input checks themselves
#: (tests/test_checks.py) and the simulator's planner, whose every plan is checked against Cirq
#: through the simulator (tests/test_props_backend.py).
DIRECT = {"qbook.common.checks", "qbook.common.cache", "qbook.learning.tfsim_plan"}


def _modules():
    for info in pkgutil.walk_packages(qbook.__path__, prefix="qbook."):
        short = info.name.rsplit(".", 1)[-1]
        if short.startswith("_") or info.ispkg or info.name in DIRECT:
            continue
        if short in LEARNING:
            pytest.importorskip("tensorflow")
        yield importlib.import_module(info.name)


def public_objects() -> dict[str, object]:
    """``"qbook.module.name" -> object`` for every public function and class."""
    out = {}
    for mod in _modules():
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out[f"{mod.__name__}.{name}"] = obj
    return out


def covered_entries() -> dict[str, list[str]]:
    """``file name -> COVERED`` for every property-test file (read without importing it)."""
    out = {}
    for path in sorted(TESTS.glob("test_props_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "COVERED" for t in node.targets
            ):
                out[path.name] = list(ast.literal_eval(node.value))
    return out


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_covered_entry_resolves():
    bad = []
    for file, names in covered_entries().items():
        for dotted in names:
            try:
                _resolve(dotted)
            except (ImportError, AttributeError) as exc:
                bad.append(f"{file}: {dotted} ({exc})")
    assert not bad, "COVERED names that do not exist:\n" + "\n".join(bad)


def test_every_public_function_has_a_property_test():
    covered = set()
    for names in covered_entries().values():
        for dotted in names:
            try:
                covered.add(id(_resolve(dotted)))
            except (ImportError, AttributeError):
                pass  # reported by the test above
    missing = sorted(name for name, obj in public_objects().items() if id(obj) not in covered)
    assert not missing, (
        f"{len(missing)} public qbook functions/classes have no property test "
        "(add them to a COVERED list in tests/test_props_*.py):\n" + "\n".join(missing)
    )


def test_the_checker_sees_the_modules():
    names = public_objects()
    assert (
        "qbook.routing.qubo.brute_force" in names
        and "qbook.routing.instances.read_instance" in names
        and not any(n.startswith("qbook.common.checks.") for n in names)
    )
    assert len(covered_entries()) >= 2

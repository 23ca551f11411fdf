"""The library's shape (issue 17): three packages, no import cycles, no private names shared
across modules, no facade modules, no module over 600 lines.

Read from the source with ``ast`` (imports inside functions count too), so a cycle hidden in a
function body, which Python would only meet at run time, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

QBOOK = Path(__file__).resolve().parents[1] / "qbook"
PACKAGES = {"learning", "routing", "common"}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(QBOOK.rglob("*.py")):
        parts = path.relative_to(QBOOK.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """``(module, name or None)`` for every qbook import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names if a.name.split(".")[0] == "qbook"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qbook"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, None) if sub in MODULES else (node.module, a.name))
    return out


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        deps = set()
        for mod, _ in _imports(path):
            if mod in MODULES and mod != name and not (path.name == "__init__.py"):
                deps.add(mod)
        graph[name] = deps
    return graph


def test_three_packages_and_nothing_else_at_the_top():
    top = {p.name for p in QBOOK.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert top == {"__init__.py", *PACKAGES}


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_private_names_across_modules():
    bad = [
        f"{name}: {mod}.{imported}"
        for name, path in MODULES.items()
        for mod, imported in _imports(path)
        if (imported or mod.rsplit(".", 1)[-1]).startswith("_") and mod != name
    ]
    assert not bad, "private names imported from another module:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if MODULES[n].name != "__init__.py"))
def test_module_is_not_a_facade_and_not_too_long(name):
    path = MODULES[name]
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (split it by concern past {MAX_LINES})"
    body = [n for n in ast.parse(path.read_text()).body if not isinstance(n, ast.Expr)]
    defines = [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign))]
    assert defines, f"{name} defines nothing: a module only re-exporting others is a facade"


def test_routing_and_common_never_import_tensorflow_at_module_level():
    for name, path in MODULES.items():
        if name.startswith("qbook.learning"):
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                assert not any(m and m.split(".")[0] == "tensorflow" for m in mods), name


def test_package_inits_import_nothing_heavy():
    for pkg in PACKAGES:
        tree = ast.parse((QBOOK / pkg / "__init__.py").read_text())
        assert not [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], pkg


def test_api_reference_documents_every_module_once():
    """book/api/<package>.md has one automodule per module of that package (a new module
    appears in the API reference the day it is added, or this fails)."""
    import re

    api = QBOOK.parent / "book" / "api"
    for pkg in PACKAGES:
        text = (api / f"{pkg}.md").read_text()
        documented = re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M)
        expected = [f"qbook.{pkg}"] + [
            n for n in MODULES if n.startswith(f"qbook.{pkg}.") and MODULES[n].name != "__init__.py"
        ]
        assert sorted(documented) == sorted(expected), pkg
        assert len(documented) == len(set(documented)), pkg


def test_repo_root_is_the_repository_whatever_the_working_directory(tmp_path, monkeypatch):
    from qbook.common import results

    monkeypatch.chdir(tmp_path)
    assert results.repo_root() == QBOOK.parent

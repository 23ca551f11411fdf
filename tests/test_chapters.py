"""Book-wide rules every chapter follows (jupytext pairs, set-up order, executed outputs)."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from qbook.common.colab import first_cell

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.md"))
TF_IMPORT = re.compile(
    r"^\s*(import|from)\s+(tensorflow|tensorflow_quantum|tf_keras|keras)\b"
    r"|^\s*(import|from)\s+qbook\.(cnn|qcnn|qml|hybrid)\b"
    r"|^\s*from\s+qbook\s+import\s+.*\b(cnn|qcnn|qml|hybrid)\b",
    re.M,
)
SETUP = re.compile(r"qbook\.setup\(")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_chapters():
    assert len(CHAPTERS) >= 2


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_pair_in_sync(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{md.name} has no paired .ipynb: run `make sync`"
    text = md.read_text()
    assert "format_name: myst" in text, f"{md.name} is not a MyST notebook"
    a = jupytext.read(md)
    b = jupytext.read(ipynb)
    cells_a = [(c.cell_type, c.source.strip()) for c in a.cells]
    cells_b = [(c.cell_type, c.source.strip()) for c in b.cells]
    assert cells_a == cells_b, f"{md.name} and {ipynb.name} differ: run `make sync`"
    tags_a = [sorted(c.metadata.get("tags", [])) for c in a.cells]
    tags_b = [sorted(c.metadata.get("tags", [])) for c in b.cells]
    assert tags_a == tags_b, f"cell tags differ between {md.name} and {ipynb.name}"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_setup_comes_before_tensorflow(md):
    cells = _code_cells(jupytext.read(md))
    learning = any(TF_IMPORT.search(c.source) for c in cells) or any(
        "setup(tensorflow=True" in c.source for c in cells
    )
    assert cells[0].source.strip() == first_cell(learning), (
        f"{md.name}: the first code cell must be qbook.common.colab.first_cell(learning={learning})"
    )
    setup_at = next((i for i, c in enumerate(cells) if SETUP.search(c.source)), None)
    assert setup_at is not None, f"{md.name} never calls qbook.setup()"
    for i, cell in enumerate(cells):
        m = TF_IMPORT.search(cell.source)
        if not m:
            continue
        assert i > setup_at or (i == setup_at and m.start() > SETUP.search(cell.source).start()), (
            f"{md.name}: cell {i} imports TensorFlow before qbook.setup() runs"
        )


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_committed_notebook_was_executed(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    cells = _code_cells(nb)
    counts = [c.get("execution_count") for c in cells]
    assert all(n is not None for n in counts), f"{md.name}: the .ipynb has unexecuted cells"
    assert counts == sorted(counts), f"{md.name}: cells were not run top to bottom"
    for c in cells:
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", f"{md.name} holds an error output"
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            assert "cuda_dnn" not in text and "oneDNN" not in text, f"{md.name}: TF log noise"

"""The notebooks the Colab button opens (colab/, tools/colab_notebooks.py): plain Markdown, fresh."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab_notebooks as cn  # noqa: E402
import home  # noqa: E402

from qbook.common import colab  # noqa: E402

H = home.home()


def _chapter(cells: list[str]) -> cn.Chapter:
    return cn.Chapter("book/09_qaoa", cells, H)


def test_the_colab_notebooks_are_in_step_with_the_chapters():
    stale = cn.stale()
    assert not stale, f"stale Colab notebooks (run `make colab`): {stale}"


@pytest.mark.parametrize("md", home.chapters(), ids=lambda p: p.stem)
def test_colab_notebook_is_plain_markdown_with_the_real_first_cell(md):
    nb = nbformat.read(ROOT / home.COLAB_DIR / f"{md.stem}.ipynb", as_version=4)
    assert not cn.leftovers(nb), f"MyST left in {md.stem}: {cn.leftovers(nb)[:5]}"
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source in (colab.first_cell(True), colab.first_cell(False))
    text = md.read_text()
    if "{exercise}" in text:
        assert sum("### Exercise" in c.source for c in nb.cells) == text.count("```{exercise}")
        assert sum("<details>" in c.source for c in nb.cells) >= text.count("{solution-start}")


def test_citations_are_author_year_links_to_the_references():
    ch = _chapter([])
    refs = H.html("book/references")
    assert ch.inline("{cite:t}`feld2019`") == f"[Feld et al. (2019)]({refs})"
    assert ch.inline("{cite}`feld2019`").startswith(f"([Feld et al. 2019]({refs})")
    two = ch.inline("{cite:p}`feld2019,farhi2014`")
    assert two.startswith("(") and two.count(refs) == 2 and "; " in two


def test_equations_are_numbered_and_references_resolved():
    cells = ["$$ a = b $$ (first)\n\nthen\n\n$$\nc = d\n$$ (second)", "see {eq}`second`"]
    ch = _chapter(cells)
    assert ch.inline(cells[0]) == "$$ a = b \\tag{9.1}$$\n\nthen\n\n$$\nc = d \\tag{9.2}$$"
    assert ch.inline(cells[1]) == "see (9.2)"
    other = ch.inline("{eq}`luma`")  # an equation of another chapter: a link to its page
    assert other.startswith("[(1.1) of ") and "01_svhn_data.html#equation-luma)" in other


def test_cross_references_link_to_the_html_pages():
    ch = _chapter([])
    assert ch.inline("{doc}`07_qubo_ising`") == (
        f"[QUBO and Ising models]({H.html('book/07_qubo_ising')})"
    )
    ref = ch.inline("{ref}`ex-09-periods`")
    assert ref.endswith(f"({H.html('book/09_qaoa')}#ex-09-periods)") and ref.startswith("[Derive")
    assert ch.inline("(my-label)=") == '<a id="my-label"></a>'


def test_exercises_become_sections_and_solutions_fold():
    ch = _chapter([])
    ex = ch.markdown("```{exercise} Derive: a thing\n:label: ex-x\n\nShow $x$.\n```")
    assert ex == '<a id="ex-x"></a>\n\n### Exercise 1: Derive: a thing\n\nShow $x$.'
    sol = ch.markdown("```{solution-start} ex-x\n:class: dropdown\n```\n\nBecause.")
    assert sol.startswith("<details>\n<summary><b>Solution</b>") and "Because." in sol
    assert ch.in_solution
    assert ch.markdown("More, {cite:t}`feld2019`.").startswith("<details>")
    end = ch.markdown("```{solution-end}\n```\n\nAfter.")
    assert end == "After." and not ch.in_solution


def test_solution_code_cells_are_folded_colab_forms():
    nb = nbformat.read(ROOT / home.COLAB_DIR / "08_vrp_hamiltonians.ipynb", as_version=4)
    forms = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("cellView") == "form"]
    assert forms and all(c.source.startswith(cn.SOLUTION_TITLE) for c in forms)


def test_an_unknown_directive_is_an_error_not_raw_text():
    with pytest.raises(ValueError, match="no Colab rendering"):
        _chapter([]).markdown("```{mermaid}\ngraph\n```")

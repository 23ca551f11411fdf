"""The notebooks the Colab button opens: ``colab/NN_name.ipynb``, plain Markdown, from the chapters.

Colab renders CommonMark, LaTeX (MathJax) and HTML, not MyST. For every chapter
``book/NN_name.md`` this writes ``colab/NN_name.ipynb`` with the same cells, in which

* citations (``{cite}``, ``{cite:p}``, ``{cite:t}``) are author-year text linked to the HTML
  book's references page;
* cross-references (``{doc}``, ``{ref}``, ``{download}``) are links to the HTML pages;
* labelled display equations (``$$ ... $$ (label)``) carry their number (``\\tag{n}``) and
  ``{eq}`label``` reads ``(n)``;
* label targets ``(label)=`` become HTML anchors;
* an exercise (sphinx-exercise's ``{exercise}``) is a ``###`` section; its gated solution's text
  is in a folded ``<details>`` block and its code cells are Colab form cells with their code
  folded (``cellView: form`` and a ``# @title`` line);
* code cells keep their source (the real Colab first cell included) and the outputs of the
  paired ``.ipynb`` where the sources match.

Why a converter here and not a tool: sphinx-tojupyter (QuantEcon) is a Sphinx builder that
needs the whole Sphinx project and emits its own dialect of the book; it does not know
sphinx-exercise's gated solutions, nor myst-nb's paired outputs, and it has seen no release for
sphinx 7 / myst-nb 1. jupytext parses the chapters (it is the tool used here); what is left is
the few MyST constructs the book uses, listed above and tested in ``tests/test_colab_notebooks.py``
(which also fails when a notebook in ``colab/`` is stale).

Usage: ``python tools/colab_notebooks.py`` (``make colab``) writes them; ``--check`` lists the
stale ones and exits 1.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bib as _bib  # noqa: E402  (tools/bib.py: the references as author-year text)
import home as _home  # noqa: E402  (tools/home.py: the book's address, from _config.yml)

ROOT = _home.ROOT
OUT = ROOT / _home.COLAB_DIR
ROLE = re.compile(r"\{(cite|cite:p|cite:t|eq|doc|ref|download|numref)\}`([^`]*)`")
FENCE = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}[ \t]*(.*)$")
LABELLED_MATH = re.compile(r"\$\$(.+?)\$\$[ \t]*\(([\w:.-]+)\)", re.S)
TARGET = re.compile(r"^\(([\w:.-]+)\)=[ \t]*$", re.M)
SOLUTION_TITLE = "# @title Solution code: double-click (or Show code) to see it"
NUMBERED_CHAPTERS = 12  # chapters 1-12 are in the numbered parts of _toc.yml; 13 is back matter
MYST_LEFTOVERS = (
    re.compile(r"\{[\w:-]+\}`"),  # a role
    re.compile(r"^(`{3,}|:{3,})\{", re.M),  # a directive fence
    re.compile(r"^\([\w:.-]+\)=[ \t]*$", re.M),  # a label target
    re.compile(r"\$\$[ \t]*\([\w:.-]+\)"),  # an equation label
)


# --------------------------------------------------------------------------------------------
# What the whole book knows: references, chapter titles, labels
# --------------------------------------------------------------------------------------------


@cache
def bibliography() -> dict[str, str]:
    """{key: "names\tyear"} for every reference (tools/bib.py)."""
    return {k: f"{r.names}\t{r.year}" for k, r in _bib.references(ROOT).items()}


def _first_heading(text: str) -> str | None:
    m = re.search(r"^# (.+)$", text, re.M)
    return m.group(1).strip() if m else None


@cache
def book_labels() -> dict[str, tuple[str, str]]:
    """{label: (page, title)} for the exercises and label targets of every page in book/."""
    labels: dict[str, tuple[str, str]] = {}
    for md in sorted((ROOT / "book").glob("*.md")):
        page = f"book/{md.stem}"
        text = md.read_text()
        for m in re.finditer(r"^```\{exercise\}[ \t]*(.*)\n:label:[ \t]*(\S+)", text, re.M):
            labels[m.group(2)] = (page, m.group(1).strip() or "this exercise")
        for m in TARGET.finditer(text):
            after = text[m.end() :]
            heading = re.search(r"^#+ (.+)$", after, re.M)
            labels[m.group(1)] = (page, heading.group(1).strip() if heading else m.group(1))
    return labels


def number(page: str, k: int) -> str:
    """The HTML book's number of the k-th labelled equation of a page: "8.3" in chapter 8
    (the parts of _toc.yml are numbered), "3" on an unnumbered page."""
    m = re.fullmatch(r"book/(\d\d)_\w+", page)
    return f"{int(m.group(1))}.{k}" if m and int(m.group(1)) <= NUMBERED_CHAPTERS else str(k)


@cache
def equations() -> dict[str, tuple[str, str]]:
    """{label: (page, number)}: Sphinx numbers a page's labelled equations in order."""
    out: dict[str, tuple[str, str]] = {}
    for md in sorted((ROOT / "book").glob("*.md")):
        page = f"book/{md.stem}"
        labels = [m.group(2) for m in LABELLED_MATH.finditer(md.read_text())]
        for k, label in enumerate(dict.fromkeys(labels), start=1):
            out[label] = (page, number(page, k))
    return out


@cache
def page_titles() -> dict[str, str]:
    return {
        f"book/{md.stem}": _first_heading(md.read_text()) or md.stem
        for md in sorted((ROOT / "book").glob("*.md"))
    }


# --------------------------------------------------------------------------------------------
# Markdown: MyST -> what Colab renders
# --------------------------------------------------------------------------------------------


class Chapter:
    """The conversion state of one chapter (equation numbers, exercise count, solution state)."""

    def __init__(self, page: str, markdown_cells: list[str], h: _home.Home):
        self.page, self.home = page, h
        self.equations: dict[str, str] = {}
        for text in markdown_cells:
            for m in LABELLED_MATH.finditer(text):
                self.equations.setdefault(m.group(2), number(page, len(self.equations) + 1))
        self.exercises = 0
        self.in_solution = False

    # roles ------------------------------------------------------------------------------------
    def _cite(self, kind: str, keys: str) -> str:
        refs = self.home.html("book/references")
        parts = []
        for key in (k.strip() for k in keys.split(",") if k.strip()):
            names, year = bibliography().get(key, f"{key}\t").split("\t")
            text = f"{names} ({year})" if kind == "cite:t" else f"{names} {year}"
            parts.append(f"[{text}]({refs})")
        return "; ".join(parts) if kind == "cite:t" else "(" + "; ".join(parts) + ")"

    def _role(self, m: re.Match) -> str:
        kind, arg = m.group(1), m.group(2)
        explicit = re.fullmatch(r"(.*?)\s*<([^>]+)>", arg, re.S)
        text, target = (explicit.group(1), explicit.group(2)) if explicit else (None, arg)
        if kind.startswith("cite"):
            return self._cite(kind, arg)
        if kind == "eq":
            if target in self.equations:
                return f"({self.equations[target]})"
            if target not in equations():
                raise ValueError(f"{self.page}: {{eq}}`{target}` names no equation of the book")
            page, number = equations()[target]
            title = page_titles().get(page, page)
            return f"[({number}) of {title}]({self.home.html(page)}#equation-{target})"
        if kind == "doc":
            page = target if target.startswith("book/") else f"book/{target}"
            title = text or page_titles().get(page, target)
            return f"[{title}]({self.home.html(page)})"
        if kind in ("ref", "numref"):
            if target not in book_labels():
                raise ValueError(f"{self.page}: {{{kind}}}`{target}` names no label of the book")
            page, title = book_labels()[target]
            return f"[{text or title}]({self.home.html(page)}#{target})"
        # download: the file in the repository (relative to the page's folder)
        path = (Path(self.page).parent / target).as_posix()
        path = re.sub(r"[^/]+/\.\./", "", path)
        return f"[{text or target}]({self.home.url}/blob/{self.home.branch}/{path})"

    def _math(self, m: re.Match) -> str:
        body = m.group(1).rstrip()
        return f"$${body} \\tag{{{self.equations[m.group(2)]}}}$$"

    def inline(self, text: str) -> str:
        text = LABELLED_MATH.sub(self._math, text)
        text = TARGET.sub(lambda m: f'<a id="{m.group(1)}"></a>', text)
        return ROLE.sub(self._role, text)

    # blocks -----------------------------------------------------------------------------------
    def _fold(self, text: str) -> str:
        text = text.strip()
        if not text:
            return ""
        return (
            "<details>\n<summary><b>Solution</b> (click to show)</summary>\n\n"
            + text
            + "\n\n</details>"
        )

    def markdown(self, source: str) -> str:
        """One markdown cell: directives become sections and folds, roles become text."""
        lines = source.split("\n")
        pieces: list[str] = []
        plain: list[str] = []

        def flush():
            text = self.inline("\n".join(plain))
            pieces.append(self._fold(text) if self.in_solution else text.strip("\n"))
            plain.clear()

        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                plain.append(lines[i])
                i += 1
                continue
            fence, name, arg = m.groups()
            j = i + 1
            options: dict[str, str] = {}
            while j < len(lines) and re.match(r"^:[\w-]+:", lines[j]):
                key, _, value = lines[j][1:].partition(":")
                options[key] = value.strip()
                j += 1
            body: list[str] = []
            while j < len(lines) and lines[j].rstrip() != fence:
                body.append(lines[j])
                j += 1
            i = j + 1
            flush()
            pieces.append(self.directive(name, arg.strip(), options, "\n".join(body).strip("\n")))
        flush()
        return "\n\n".join(p for p in pieces if p.strip())

    def directive(self, name: str, arg: str, options: dict[str, str], body: str) -> str:
        if name == "exercise":
            self.exercises += 1
            label = options.get("label")
            anchor = f'<a id="{label}"></a>\n\n' if label else ""
            return f"{anchor}### Exercise {self.exercises}: {arg}\n\n{self.inline(body)}"
        if name == "solution-start":
            self.in_solution = True
            return ""
        if name == "solution-end":
            self.in_solution = False
            return ""
        if name == "solution":  # a solution in one piece
            return self._fold(self.inline(body))
        if name in ("note", "tip", "warning", "important", "caution", "admonition", "hint"):
            title = arg if name == "admonition" else name.capitalize()
            quoted = "\n".join(
                "> " + line if line else ">" for line in self.inline(body).split("\n")
            )
            return f"> **{title}**\n>\n{quoted}"
        if name == "math":
            label = options.get("label")
            tag = f" \\tag{{{self.equations[label]}}}" if label in self.equations else ""
            return f"$$\n{body}{tag}\n$$"
        raise ValueError(f"{self.page}: the MyST directive {{{name}}} has no Colab rendering yet")


# --------------------------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------------------------


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _outputs_by_source(ipynb: Path) -> dict[str, list]:
    """{code source: [(outputs, execution_count), ...]} from the paired notebook, in order."""
    found: dict[str, list] = {}
    if ipynb.exists():
        for cell in json.loads(ipynb.read_text())["cells"]:
            if cell["cell_type"] == "code":
                found.setdefault(_source(cell), []).append(
                    (cell.get("outputs", []), cell.get("execution_count"))
                )
    return found


def colab_notebook(md: Path, h: _home.Home | None = None) -> nbformat.NotebookNode:
    """The Colab notebook of one chapter."""
    h = h or _home.home()
    page = f"book/{md.stem}"
    src = jupytext.read(md)
    chapter = Chapter(page, [c.source for c in src.cells if c.cell_type == "markdown"], h)
    outputs = _outputs_by_source(md.with_suffix(".ipynb"))
    cells = []
    note = (
        f"*This is the Colab copy of [{page}.md]({h.url}/blob/{h.branch}/{page}.md), made by "
        f"`make colab`; the chapter reads best in [the HTML book]({h.html(page)}).*"
    )
    for cell in src.cells:
        if cell.cell_type == "markdown":
            text = chapter.markdown(cell.source)
            if not cells:
                text = text + "\n\n" + note if text.startswith("# ") else note + "\n\n" + text
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        if cell.cell_type == "raw":
            continue
        new = nbformat.v4.new_code_cell(cell.source)
        tags = cell.metadata.get("tags")
        if tags:
            new.metadata["tags"] = list(tags)
        queue = outputs.get(cell.source)
        if queue:
            outs, new.execution_count = queue.pop(0)
            new.outputs = [nbformat.from_dict(o) for o in outs]
        if chapter.in_solution:
            new.source = SOLUTION_TITLE + "\n" + cell.source
            new.metadata["cellView"] = "form"
        cells.append(new)
    for k, cell in enumerate(cells):
        cell.id = f"{md.stem[:2]}-{k:03d}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "colab": {"provenance": [], "toc_visible": True},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def leftovers(nb: nbformat.NotebookNode) -> list[str]:
    """MyST-only constructs still in the notebook's markdown (should be none)."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for pat in MYST_LEFTOVERS:
                found += [m.group(0) for m in pat.finditer(cell.source)]
    return found


def text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def targets() -> dict[Path, Path]:
    return {md: OUT / f"{md.stem}.ipynb" for md in _home.chapters()}


def stale() -> list[Path]:
    h = _home.home()
    bad = []
    for md, out in targets().items():
        if not out.exists() or out.read_text() != text(colab_notebook(md, h)):
            bad.append(out)
    extra = set(OUT.glob("*.ipynb")) - set(targets().values())
    return bad + sorted(extra)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for p in bad:
            print(f"{p.relative_to(ROOT)} is stale: run `make colab`")
        return 1 if bad else 0
    h = _home.home()
    OUT.mkdir(exist_ok=True)
    for md, out in targets().items():
        new = text(colab_notebook(md, h))
        if not out.exists() or out.read_text() != new:
            out.write_text(new)
            print(f"wrote {out.relative_to(ROOT)}")
    for extra in set(OUT.glob("*.ipynb")) - set(targets().values()):
        extra.unlink()
        print(f"removed {extra.relative_to(ROOT)} (no chapter)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

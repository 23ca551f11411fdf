"""The book's references as short author-year text, for readers who do not get Sphinx's.

Jupyter Book renders ``{cite}`` and ``{cite:t}`` with sphinxcontrib-bibtex; the Colab notebooks
(``tools/colab_notebooks.py``) and JupyterLab (``lab/citations.py``, read by ``make lab``) get
the same author-year text from this module: the files named by ``bibtex_bibfiles`` in
``_config.yml``, parsed with pybtex (sphinxcontrib-bibtex's own parser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Reference:
    """One entry: ``names`` ("Cong et al."), ``year``, and ``full`` (authors, year, title, venue)."""

    names: str
    year: str
    full: str

    @property
    def narrative(self) -> str:
        """As ``{cite:t}`` reads: "Cong et al. (2019)"."""
        return f"{self.names} ({self.year})"

    @property
    def parenthetical(self) -> str:
        """One item of ``{cite}``/``{cite:p}``, inside the group's parentheses: "Cong et al., 2019"."""
        return f"{self.names}, {self.year}"


def _plain(text: str) -> str:
    """BibTeX text without braces and accent commands (``{\\"u}`` -> ``u``)."""
    text = re.sub(r"\\url\{([^}]*)\}", r"\1", text)
    return re.sub(r"\\.|[{}]", lambda m: m.group(0)[-1] if len(m.group(0)) == 2 else "", text)


def references(root: Path) -> dict[str, Reference]:
    """Every entry of the book's bibliography files, by key."""
    from pybtex.database import parse_file

    cfg = yaml.safe_load((root / "_config.yml").read_text())
    out: dict[str, Reference] = {}
    for bib in cfg.get("bibtex_bibfiles", []):
        for key, entry in parse_file(str(root / bib)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            lasts = [_plain(" ".join(p.last_names)) for p in people]
            fields = entry.fields
            if not lasts:
                names = _plain(fields.get("organization") or fields.get("title", key))
            elif len(lasts) == 1:
                names = lasts[0]
            elif len(lasts) == 2:
                names = f"{lasts[0]} and {lasts[1]}"
            else:
                names = f"{lasts[0]} et al."
            year = fields.get("year", "n.d.")
            authors = ", ".join(lasts).replace(", others", " et al.") or names
            venue = next(
                (
                    fields[f]
                    for f in ("journal", "booktitle", "publisher", "howpublished")
                    if f in fields
                ),
                "",
            )
            full = f"{authors} ({year}). {_plain(fields.get('title', ''))}."
            if venue:
                full += f" {_plain(venue)}."
            out[key] = Reference(names, year, full)
    return out

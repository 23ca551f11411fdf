"""The book's home: one hand-edited setting, ``repository: url:`` (and ``branch:``) in _config.yml.

Everything else that names the address is a generated copy, rewritten by ``make home`` (this
script) and checked by ``tests/test_home.py``:

* ``qbook/common/colab.py``: ``REPOSITORY`` and ``BRANCH`` (that file runs on Colab before qbook
  is installed, so it cannot read _config.yml; it builds its raw URL and pip requirement from
  these two constants);
* every chapter's first cell, in the ``.md`` and the paired ``.ipynb`` (it must equal
  ``qbook.common.colab.first_cell(learning)``, which embeds the raw URL of colab.py);
* ``pyproject.toml``'s ``[project.urls]``;
* the Colab notebooks in ``colab/`` (``make colab``, tools/colab_notebooks.py) and the launch
  links of the HTML book (Jupyter Book reads _config.yml itself; ``_ext/qbook_html.py`` points
  the Colab button at ``colab/``).

The HTML book's address is derived from the repository (GitHub Pages:
``https://OWNER.github.io/REPO/``) unless _config.yml sets ``html: baseurl:``.

Usage: ``python tools/home.py`` rewrites the copies; ``python tools/home.py --check`` lists the
copies that differ and exits 1 if any does.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
COLAB_PY = ROOT / "qbook" / "common" / "colab.py"
PYPROJECT = ROOT / "pyproject.toml"
COLAB_DIR = "colab"
FIRST_LINE = "# On Colab, install the book's pinned stack first"


@dataclass(frozen=True)
class Home:
    url: str  # https://github.com/OWNER/REPO
    branch: str
    owner: str
    repo: str
    pages: str  # the HTML book, ending in "/"

    @property
    def raw(self) -> str:
        return f"https://raw.githubusercontent.com/{self.owner}/{self.repo}/{self.branch}"

    def colab(self, path: str) -> str:
        """The Colab address that opens ``path`` (relative to the repository root)."""
        return f"https://colab.research.google.com/github/{self.owner}/{self.repo}/blob/{self.branch}/{path}"

    def html(self, page: str) -> str:
        """The HTML book's address of a page (``book/08_vrp_hamiltonians``)."""
        return f"{self.pages}{page}.html"


def home(config: Path = CONFIG) -> Home:
    """Read the book's home from ``_config.yml``."""
    cfg = yaml.safe_load(config.read_text())
    repo_cfg = cfg.get("repository") or {}
    url = str(repo_cfg.get("url", "")).rstrip("/")
    m = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?", url)
    if not m:
        raise ValueError(
            f"_config.yml repository: url: must be https://github.com/OWNER/REPO, got {url!r}"
        )
    branch = str(repo_cfg.get("branch") or "main")
    owner, repo = m.group(1), m.group(2)
    pages = str((cfg.get("html") or {}).get("baseurl") or f"https://{owner}.github.io/{repo}/")
    return Home(url, branch, owner, repo, pages.rstrip("/") + "/")


def chapters() -> list[Path]:
    return sorted(ROOT.glob("book/[0-9][0-9]_*.md"))


# --------------------------------------------------------------------------------------------
# The generated copies
# --------------------------------------------------------------------------------------------


def _colab_py(text: str, h: Home) -> str:
    text = re.sub(r'(?m)^REPOSITORY = ".*"$', f'REPOSITORY = "{h.url}"', text)
    return re.sub(r'(?m)^BRANCH = ".*"$', f'BRANCH = "{h.branch}"', text)


def _pyproject(text: str, h: Home) -> str:
    block = (
        "[project.urls]\n"
        f'Homepage = "{h.pages}"\n'
        f'Repository = "{h.url}"\n'
        f'Issues = "{h.url}/issues"\n'
    )
    return re.sub(r"(?ms)^\[project\.urls\]\n.*?(?=^\[|\Z)", block + "\n", text)


def _first_cell_source(learning: bool, h: Home) -> str:
    """colab.first_cell(learning) as it reads once colab.py names this home."""
    ns: dict = {"__name__": "qbook_colab_home"}
    exec(compile(_colab_py(COLAB_PY.read_text(), h), "colab.py", "exec"), ns)
    return ns["first_cell"](learning)


def _learning(source: str) -> bool | None:
    m = re.search(r"colab_setup\(learning=(True|False)\)", source)
    return None if m is None else m.group(1) == "True"


_MD_CELL = re.compile(r"(```\{code-cell\}[^\n]*\n)(" + re.escape(FIRST_LINE) + r".*?)(\n```)", re.S)


def _chapter_md(text: str, h: Home) -> str:
    def repl(m: re.Match) -> str:
        learning = _learning(m.group(2))
        if learning is None:
            return m.group(0)
        return m.group(1) + _first_cell_source(learning, h) + m.group(3)

    return _MD_CELL.sub(repl, text, count=1)


def _chapter_ipynb(text: str, h: Home) -> str:
    nb = json.loads(text)
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and src.startswith(FIRST_LINE):
            learning = _learning(src)
            if learning is not None:
                new = _first_cell_source(learning, h)
                if new == src:
                    return text
                lines = new.splitlines(keepends=True)
                cell["source"] = lines if isinstance(cell["source"], list) else new
                return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
            break
    return text


def generated(h: Home | None = None) -> dict[Path, tuple[str, str]]:
    """{file: (current text, text with the home of _config.yml)} for every copy."""
    h = h or home()
    out: dict[Path, tuple[str, str]] = {}
    for path, fn in ((COLAB_PY, _colab_py), (PYPROJECT, _pyproject)):
        text = path.read_text()
        out[path] = (text, fn(text, h))
    for md in chapters():
        text = md.read_text()
        out[md] = (text, _chapter_md(text, h))
        nb = md.with_suffix(".ipynb")
        if nb.exists():
            text = nb.read_text()
            out[nb] = (text, _chapter_ipynb(text, h))
    return out


def stale(h: Home | None = None) -> list[Path]:
    return [p for p, (old, new) in generated(h).items() if old != new]


def main(argv: list[str]) -> int:
    h = home()
    if "--check" in argv:
        bad = stale(h)
        for p in bad:
            print(f"{p.relative_to(ROOT)} does not name {h.url} ({h.branch}): run `make home`")
        return 1 if bad else 0
    for path, (old, new) in generated(h).items():
        if old != new:
            path.write_text(new)
            print(f"rewrote {path.relative_to(ROOT)}")
    print(f"The book's home: {h.url} (branch {h.branch}); HTML at {h.pages}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

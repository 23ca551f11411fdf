"""Record the book's own run into the package: the latest run of each chapter's
``results/<chapter>.jsonl`` is copied to ``qbook/common/recorded/chapters/<chapter>.jsonl``.

Those files are installed with qbook (package data), so chapter 13 shows the ledger from the
book's recorded figures on a runtime where no chapter has run yet (a fresh Colab runtime), and
labels them so. Run it after the chapters have run (``make notebooks`` or ``make book``), then
commit the folder: ``make record``. Only chapters of the book (``book/NN_*.md``) are copied; a
chapter with no rows keeps no file.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/record_book.py [results folder]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qbook.common.results import (  # noqa: E402
    load_results,
    recorded_chapters_dir,
    results_dir,
)


def main(source: Path) -> None:
    chapters = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))
    rows = load_results(source)  # the latest run of each results/<chapter>.jsonl
    dest = recorded_chapters_dir()
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.jsonl"):
        old.unlink()
    for chapter in chapters:
        mine = [r for r in rows if r.get("chapter") == chapter]
        if mine:
            text = "".join(json.dumps(r, allow_nan=False) + "\n" for r in mine)
            (dest / f"{chapter}.jsonl").write_text(text)
            print(f"{chapter}: {len(mine)} rows of run {mine[0].get('run', '?')}")
    print(f"recorded in {dest.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else results_dir())

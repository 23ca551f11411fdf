"""One plotting style for the whole book (introduced in the introduction)."""

from __future__ import annotations

import matplotlib

BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (called by :func:`qbook.setup <qbook.common.env.setup>`)."""
    matplotlib.rcParams.update(BOOK_STYLE)

"""Cache files that survive faults and concurrency (private helpers for the learning modules).

:func:`atomic_write` writes through a uniquely named temporary file in the target's folder and
renames it into place (``os.replace``), so a reader sees the old file or the new one, never a
half-written one, and two writers of one key never share a temporary file.
:func:`damaged` reports a cache file that cannot be read in one line and removes it, so the
caller recomputes it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from qbook.common import checks as chk


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_name)`` for a unique temporary name beside ``path``, then rename it.

    The temporary name keeps ``path``'s full suffix (Keras insists on ``.weights.h5``).
    On any failure the temporary file is removed and the error re-raised.
    """
    path = Path(chk.path_like(path, "path"))
    write = chk.callable_(write, "write")
    path.parent.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = path.name.partition(".")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{stem}.", suffix=f".part{dot}{suffix}")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def damaged(what: str, path: str | os.PathLike, exc: BaseException) -> None:
    """Say in one line that a cache file is unreadable, and delete it (another process may
    already have: ``missing_ok``)."""
    what = chk.string(what, "what")
    path = chk.path_like(path, "path")
    if not isinstance(exc, BaseException):
        raise TypeError(f"exc must be the exception that was raised, got {type(exc).__name__}")
    print(f"Cached {what} {Path(path).name} is damaged ({type(exc).__name__}); recomputing it.")
    Path(path).unlink(missing_ok=True)

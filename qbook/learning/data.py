"""SVHN house numbers: download, verify, read, preprocess, or generate a synthetic stand-in.

Introduced in chapter 1, "House numbers: the SVHN data". This module never imports TensorFlow.

The Street View House Numbers data set (Netzer et al. 2011) comes in two formats. The book, like
Ganguly (2022), uses "Format 2": 32x32 colour crops centred on one digit, in MATLAB files
``{train,test,extra}_32x32.mat`` with ``X`` of shape (32, 32, 3, N) (uint8) and ``y`` of shape
(N, 1) holding 1..10, where 10 stands for the digit 0. SVHN is for non-commercial use only.

* :func:`load_svhn` returns SVHN from a verified local cache, downloads it (SHA-256 checked,
  written atomically) when the network allows, and otherwise falls back to
  :func:`~qbook.learning.synthetic.synthetic_svhn`, a deterministic generator of SVHN-like crops. The result always says
  which one it is (``source`` is ``"svhn"`` or ``"synthetic"``).
* The preprocessing steps carry the paper's names in snake case: :func:`format_array`
  (FormatArray), :func:`fix_label` (fixLabel), :func:`rgb2gray`, then :func:`normalise` and
  :func:`train_val_split`.

The synthetic generator lives in :mod:`qbook.learning.synthetic` and the pictures in
:mod:`qbook.learning.data_plots`; their public names are importable from here, where chapter 1 finds them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qbook.common import checks as chk
from qbook.learning.synthetic import synthetic_svhn

SPLITS = ("train", "test", "extra")
SOURCES = ("auto", "svhn", "synthetic")
DATA_DIR_ENV = "QBOOK_DATA_DIR"
OFFLINE_ENV = "QBOOK_OFFLINE"
CONNECT_TIMEOUT_S = 10.0
#: Overall limit of one download (connect, transfer, verify) and of waiting for another
#: process that holds the cache lock.
DOWNLOAD_DEADLINE_S = 3600.0
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
BASE_URL = "http://ufldl.stanford.edu/housenumbers"
LICENCE = "SVHN (Netzer et al. 2011) is for non-commercial use only."


@dataclass(frozen=True)
class SvhnFile:
    """One file of SVHN Format 2: where it lives, how big it is and its SHA-256."""

    split: str
    url: str
    n_images: int
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


#: The official files (sizes and hashes of the files served at ufldl.stanford.edu).
SVHN_FILES: dict[str, SvhnFile] = {
    "train": SvhnFile(
        "train",
        f"{BASE_URL}/train_32x32.mat",
        73_257,
        182_040_794,
        "435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8",
    ),
    "test": SvhnFile(
        "test",
        f"{BASE_URL}/test_32x32.mat",
        26_032,
        64_275_384,
        "cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b",
    ),
    "extra": SvhnFile(
        "extra",
        f"{BASE_URL}/extra_32x32.mat",
        531_131,
        1_329_278_602,
        "a133a4beb38a00fcdda90c9489e0c04f900b660ce8a316a5e854838379a71eb3",
    ),
}


class SVHN(NamedTuple):
    """Images (N, 32, 32, 3) uint8, labels (N,) int64 in 0..9, and where they came from."""

    X: np.ndarray
    y: np.ndarray
    source: str  # "svhn" or "synthetic"


# --------------------------------------------------------------------------------------------
# Preprocessing (the paper's FormatArray, fixLabel, rgb2gray; then /255 and an 80/20 split)
# --------------------------------------------------------------------------------------------


def format_array(X: np.ndarray) -> np.ndarray:
    """(32, 32, 3, N) as stored in the .mat file -> (N, 32, 32, 3), one image per row.

    The paper's ``FormatArray()``. Introduced in chapter 1.
    """
    X = chk.images(X, "X", shape=(32, 32, 3, None))
    return np.ascontiguousarray(np.transpose(X, (3, 0, 1, 2)))


def fix_label(y: np.ndarray) -> np.ndarray:
    """SVHN labels 1..10 (10 means the digit 0) -> digits 0..9 as int64 of shape (N,).

    The paper's ``fixLabel()``. Accepts shape (N,) or (N, 1); a label outside 1..10 is an
    error, not something to clip. Introduced in chapter 1.
    """
    y = chk._as_numeric(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"fix_label expects labels of shape (N,) or (N, 1), got {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError("fix_label: labels must be whole numbers")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"fix_label: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    bad = (y < 1) | (y > 10)
    if np.any(bad):
        raise ValueError(
            f"fix_label: {int(bad.sum())} labels lie outside 1..10 (e.g. {int(y[bad][0])})"
        )
    return np.where(y == 10, 0, y)


def _check_images(X: np.ndarray, name: str) -> np.ndarray:
    X = chk._as_numeric(X, "X")
    if X.ndim != 4 or X.shape[1:3] != (32, 32):
        raise ValueError(f"{name} expects images X of shape (N, 32, 32, C), got {X.shape}")
    if X.dtype.kind not in "uif":
        raise ValueError(f"{name} expects numeric pixels, got dtype {X.dtype}")
    return chk.images(X, "X", shape=(None, 32, 32, None))


def rgb2gray(X: np.ndarray) -> np.ndarray:
    """RGB images (N, 32, 32, 3) -> grey (N, 32, 32, 1) float32, ITU-R 601 luma.

    grey = 0.299 R + 0.587 G + 0.114 B, in the input's units (0..255 for uint8 input).
    The paper's ``rgb2gray()``. Introduced in chapter 1.
    """
    X = _check_images(X, "rgb2gray")
    if X.shape[3] != 3:
        raise ValueError(f"rgb2gray expects 3 colour channels, got {X.shape[3]}")
    Xf = X.astype(np.float32)
    grey = (
        np.float32(0.299) * Xf[..., 0]
        + np.float32(0.587) * Xf[..., 1]
        + np.float32(0.114) * Xf[..., 2]
    )
    return grey[..., None]


def normalise(X: np.ndarray) -> np.ndarray:
    """Pixels 0..255 -> 0..1 as float32 (divide by 255). Introduced in chapter 1."""
    X = _check_images(X, "normalise")
    if X.dtype != np.uint8 and X.size and not (np.all(X >= 0) and np.all(X <= 255)):
        raise ValueError("normalise expects pixel values X in 0..255")
    return (X.astype(np.float32) / np.float32(255.0)).astype(np.float32)


def split_sizes(n: int, val_fraction: float = 0.2) -> tuple[int, int]:
    """(training, validation) sizes of :func:`train_val_split` for ``n`` images.

    The validation part is ``ceil(n * val_fraction)``: 73,257 -> (58,605, 14,652), the shapes
    Ganguly (2022) reports. Introduced in chapter 1.
    """
    n = chk.count(n, "n")
    if n < 2:
        raise ValueError(f"split_sizes needs at least 2 images, got n={n}")
    val_fraction = chk.real(val_fraction, "val_fraction")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    n_val = math.ceil(n * val_fraction)
    if n_val >= n:
        raise ValueError(f"val_fraction={val_fraction} leaves no training images out of {n}")
    return int(n) - n_val, n_val


def train_val_split(
    X: np.ndarray, y: np.ndarray, val_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``seed`` and split into (X_train, X_valid, y_train, y_valid).

    The validation part holds ``ceil(N * val_fraction)`` images (see :func:`split_sizes`).
    Introduced in chapter 1.
    """
    X = chk.images(X, "X", shape=(None,) * max(1, np.ndim(X)))
    y = chk.int_array(y, "y", ndim=1)
    seed = chk.seed(seed)
    if len(X) != len(y):
        raise ValueError(f"train_val_split: {len(X)} images but {len(y)} labels")
    n_train, _ = split_sizes(len(X), val_fraction)
    order = np.random.default_rng(seed).permutation(len(X))
    tr, va = order[:n_train], order[n_train:]
    return X[tr], X[va], y[tr], y[va]


# --------------------------------------------------------------------------------------------
# The .mat files
# --------------------------------------------------------------------------------------------


def read_svhn_mat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read an SVHN Format 2 file: X (N, 32, 32, 3) uint8 and y (N,) int64 in 0..9.

    Introduced in chapter 1.
    """
    import scipy.io

    path = chk.path_like(path, "path")
    try:
        mat = scipy.io.loadmat(os.fspath(path))
    except FileNotFoundError:
        raise
    except Exception as exc:  # MatReadError (0 bytes), NotImplementedError (v7.3), ...
        raise ValueError(
            f"{path}: not a readable MATLAB file ({type(exc).__name__}: {exc})"
        ) from exc
    missing = [k for k in ("X", "y") if k not in mat]
    if missing:
        raise ValueError(f"{path}: no variable {' or '.join(missing)} (not SVHN Format 2)")
    X, y = mat["X"], mat["y"]
    if X.dtype != np.uint8:
        raise ValueError(f"{path}: X must be uint8, got {X.dtype}")
    if X.ndim != 4 or X.shape[:3] != (32, 32, 3):
        raise ValueError(f"{path}: X must have shape (32, 32, 3, N), got {X.shape}")
    if y.ndim != 2 or y.shape[1] != 1:
        raise ValueError(f"{path}: y must have shape (N, 1), got {y.shape}")
    if y.shape[0] != X.shape[3]:
        raise ValueError(f"{path}: {X.shape[3]} images but {y.shape[0]} labels")
    return format_array(X), fix_label(y)


def write_svhn_mat(path: str | os.PathLike, X: np.ndarray, y: np.ndarray) -> None:
    """Write images (N, 32, 32, 3) uint8 and digits 0..9 in SVHN's layout (10 for zero).

    :func:`read_svhn_mat` reads the file back exactly. Introduced in chapter 1.
    """
    import scipy.io

    path = chk.path_like(path, "path")
    X, y = chk._as_numeric(X, "X"), chk._as_numeric(y, "y")
    if X.dtype != np.uint8 or X.ndim != 4 or X.shape[1:] != (32, 32, 3):
        raise ValueError(
            f"write_svhn_mat expects uint8 images (N, 32, 32, 3), got {X.dtype} {X.shape}"
        )
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(f"write_svhn_mat expects {len(X)} integer labels, got {y.dtype} {y.shape}")
    if np.any((y < 0) | (y > 9)):
        raise ValueError("write_svhn_mat expects digits 0..9")
    y_mat = np.where(y == 0, 10, y).astype(np.uint8).reshape(-1, 1)
    scipy.io.savemat(os.fspath(path), {"X": np.transpose(X, (1, 2, 3, 0)), "y": y_mat})


# --------------------------------------------------------------------------------------------
# Cache and download
# --------------------------------------------------------------------------------------------


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``path``, else ``$QBOOK_DATA_DIR``, else ``~/.cache/qbook``."""
    if path is not None:
        return Path(chk.path_like(path, "path")).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "qbook"


def is_offline() -> bool:
    """True when ``$QBOOK_OFFLINE`` is 1/true/yes/on (the tests and CI set it).

    Unset, empty, 0/false/no/off mean online; anything else is a ValueError (a typo should not
    silently start a download of 1.5 GB).
    """
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"${OFFLINE_ENV}={value!r} is not understood; use 1/true/yes/on or 0/false/no/off"
    )


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    path = chk.path_like(path, "path")
    chunk = chk.count(chunk, "chunk", lo=1)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_file(path: str | os.PathLike, entry: SvhnFile) -> None:
    """Raise ValueError unless the file has the registry's size and SHA-256."""
    path = chk.path_like(path, "path")
    entry = _check_entry(entry)
    size = os.path.getsize(path)
    if size != entry.size:
        raise ValueError(f"{path}: {size} bytes, expected {entry.size}")
    digest = sha256_of(path)
    if digest != entry.sha256:
        raise ValueError(f"{path}: SHA-256 {digest} does not match {entry.sha256}")


def _check_entry(entry: SvhnFile) -> SvhnFile:
    if not isinstance(entry, SvhnFile):
        raise TypeError(f"entry must be a qbook.learning.data.SvhnFile, got {type(entry).__name__}")
    return entry


@contextlib.contextmanager
def _cache_lock(dest: Path, deadline: float) -> Iterator[None]:
    """Hold an exclusive lock on ``<dest>.lock`` (POSIX ``flock``) so one process heals a file.

    Waits for another holder until ``deadline`` (a ``time.monotonic()`` value), then raises
    TimeoutError naming the lock file. Where ``fcntl`` is missing (Windows) no lock is taken:
    unique temporary names and ``os.replace`` still keep every reader's file whole.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path = dest.with_name(f".{dest.name}.lock")
    with open(lock_path, "a") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path}: another process holds it too long") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove_stale_parts(dest: Path) -> None:
    """Delete ``.part`` files of ``dest`` left by a killed download (call under the lock)."""
    for part in dest.parent.glob(f".{dest.name}.*.part"):
        part.unlink(missing_ok=True)


def download(
    entry: SvhnFile,
    dest: str | os.PathLike,
    timeout: float = CONNECT_TIMEOUT_S,
    deadline_s: float = DOWNLOAD_DEADLINE_S,
) -> Path:
    """Download ``entry`` to ``dest`` with a progress bar, verify it, then move it in place.

    The bytes go to a uniquely named temporary file in the destination folder; only a complete
    file with the right size and SHA-256 is renamed to ``dest`` (``os.replace``), so a failed
    or interrupted download never leaves a file under the final name. At most the registry's
    ``entry.size`` bytes are read (a server without Content-Length cannot fill the disk), and
    the whole download must finish within ``deadline_s`` seconds (TimeoutError otherwise).
    A lock file beside ``dest`` makes concurrent downloads of one file take turns; stale
    ``.part`` files of killed downloads are removed. Errors name the URL and the file.
    Introduced in chapter 1.
    """
    entry = _check_entry(entry)
    dest = Path(chk.path_like(dest, "dest"))
    timeout = chk.positive(timeout, "timeout")
    deadline_s = chk.positive(deadline_s, "deadline_s")
    if dest.is_dir():
        raise ValueError(f"dest {dest} is a folder; pass the file's path")
    deadline = time.monotonic() + deadline_s
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _cache_lock(dest, deadline):
        _remove_stale_parts(dest)
        return _download(entry, dest, timeout, deadline)


#: Bytes asked of the server per read: small, so the deadline is checked often however slowly
#: the bytes come.
READ_CHUNK = 1 << 16


def _remaining(deadline: float, where: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"{where}: not finished before the deadline")
    return left


def _download(entry: SvhnFile, dest: Path, timeout: float, deadline: float) -> Path:
    """Fetch into a temporary file, verify, move in place. The socket timeout is never longer
    than the time left, and each read returns what has arrived (``read1``), so a server that
    stalls or trickles a byte a second cannot hold the call much past ``deadline``."""
    import http.client

    from tqdm.auto import tqdm

    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    where = f"download of {entry.url} to {dest}"
    try:
        first = min(timeout, _remaining(deadline, where))
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(entry.url, timeout=first) as r:
            announced = r.headers.get("Content-Length")
            if announced is not None and announced.isdigit() and int(announced) != entry.size:
                raise ValueError(
                    f"{where}: the server announces {announced} bytes, the registry {entry.size}"
                )
            sock = getattr(getattr(getattr(r, "fp", None), "raw", None), "_sock", None)
            read = getattr(r, "read1", r.read)
            got = 0
            with tqdm(total=entry.size, unit="B", unit_scale=True, desc=entry.filename) as bar:
                while True:
                    left = _remaining(deadline, where)
                    if sock is not None:
                        sock.settimeout(min(timeout, left))
                    try:
                        block = read(min(READ_CHUNK, entry.size + 1 - got))
                    except TimeoutError:
                        _remaining(deadline, where)  # the deadline's error when it has passed
                        raise TimeoutError(f"{where}: no data for {timeout} s") from None
                    if not block:
                        break
                    out.write(block)
                    got += len(block)
                    bar.update(len(block))
                    if got > entry.size:
                        raise ValueError(f"{where}: more than the registry's {entry.size} bytes")
            if got != entry.size:
                raise ConnectionError(f"{where} interrupted: {got} of {entry.size} bytes")
        try:
            verify_file(tmp_name, entry)
        except ValueError as exc:
            raise ValueError(
                f"{where}: {str(exc).replace(tmp_name, 'the downloaded file')}"
            ) from None
        os.replace(tmp_name, dest)
    except http.client.HTTPException as exc:  # a broken response: not an OSError of its own
        Path(tmp_name).unlink(missing_ok=True)
        raise ConnectionError(f"{where}: bad HTTP response ({type(exc).__name__}: {exc})") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest


def fetch_svhn_file(
    split: str,
    folder: str | os.PathLike | None = None,
    registry: Mapping[str, SvhnFile] | None = None,
    download_ok: bool = True,
    deadline_s: float = DOWNLOAD_DEADLINE_S,
) -> Path:
    """Path of a verified local copy of SVHN's ``split`` file, downloading it if needed.

    A cached file with the wrong size or hash is reported and fetched again. Processes that
    share the cache take turns through a lock file, so exactly one heals a damaged file and
    the others then find it verified. Raises FileNotFoundError when the file is not cached and
    ``download_ok`` is False or ``$QBOOK_OFFLINE`` is set (for a network URL), TimeoutError when it is not in place within ``deadline_s``.
    """
    entry = _entry(split, registry)
    download_ok = chk.boolean(download_ok, "download_ok")
    deadline_s = chk.positive(deadline_s, "deadline_s")
    if cache_dir(folder).exists() and not cache_dir(folder).is_dir():
        raise ValueError(f"folder {cache_dir(folder)} exists but is not a folder")
    path = cache_dir(folder) / entry.filename
    if _verified(path, entry, report=False):  # the common case needs no lock
        return path
    deadline = time.monotonic() + deadline_s
    path.parent.mkdir(parents=True, exist_ok=True)
    with _cache_lock(path, deadline):
        _remove_stale_parts(path)
        if _verified(path, entry, report=True):  # another process healed it meanwhile
            return path
        if not download_ok or (is_offline() and not entry.url.startswith("file:")):
            why = "offline ($QBOOK_OFFLINE)" if download_ok else "downloading is not allowed"
            raise FileNotFoundError(f"{path} is not cached and {why}")
        return _download(entry, path, CONNECT_TIMEOUT_S, deadline)


def _verified(path: Path, entry: SvhnFile, report: bool) -> bool:
    """True for a verified cached file; with ``report``, a damaged one is said and removed."""
    try:
        verify_file(path, entry)
        return True
    except FileNotFoundError:
        return False
    except ValueError as exc:
        if report:
            print(f"Cached {entry.filename} is damaged ({exc}); fetching it again.")
            path.unlink(missing_ok=True)
        return False


def _entry(split: str, registry: Mapping[str, SvhnFile] | None) -> SvhnFile:
    reg = SVHN_FILES if registry is None else registry
    if not isinstance(split, str) or split not in reg:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(reg)}")
    return reg[split]


def _subsample(n_total: int, n: int | None, seed: int) -> np.ndarray | None:
    if n is None or n >= n_total:
        return None
    return np.sort(np.random.default_rng([seed, 17]).choice(n_total, size=n, replace=False))


def load_svhn(
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    source: str = "auto",
    n: int | None = None,
    seed: int = 0,
    registry: Mapping[str, SvhnFile] | None = None,
    deadline_s: float = DOWNLOAD_DEADLINE_S,
) -> SVHN:
    """Load one split of SVHN Format 2, or its synthetic stand-in; say which.

    ``source="svhn"``: the real files (cached, else downloaded unless ``$QBOOK_OFFLINE=1``) or
    an error;
    ``source="synthetic"``: :func:`~qbook.learning.synthetic.synthetic_svhn`; ``source="auto"``: SVHN when it is cached,
    else a download attempt unless ``$QBOOK_OFFLINE=1``, else the stand-in with a one-line
    notice. ``n`` keeps that many images (a deterministic subsample of SVHN, the first ``n``
    synthetic images); ``None`` keeps all. A download (and a wait for another process's) that
    is not done within ``deadline_s`` seconds fails, and ``"auto"`` falls back. Introduced in
    chapter 1.
    """
    if not isinstance(source, str) or source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    entry = _entry(split, registry)
    if n is not None:
        n = chk.count(n, "n", lo=1)
    seed = chk.seed(seed)
    deadline_s = chk.positive(deadline_s, "deadline_s")
    folder = cache_dir(data_dir)
    if source in ("svhn", "auto"):
        try:
            path = fetch_svhn_file(
                split, folder, registry, download_ok=not is_offline(), deadline_s=deadline_s
            )
        except (OSError, ValueError) as exc:
            if source == "svhn":
                raise
            why = "offline" if isinstance(exc, FileNotFoundError) else f"download failed: {exc}"
            print(
                f"SVHN {split} is not available ({why}); using the synthetic stand-in "
                f"(qbook.learning.synthetic.synthetic_svhn)."
            )
        else:
            X, y = read_svhn_mat(path)
            keep = _subsample(len(X), n, seed)
            if keep is not None:
                X, y = X[keep], y[keep]
            return SVHN(X, y, "svhn")
    n_synth = entry.n_images if n is None else int(n)
    X, y = synthetic_svhn(n_synth, seed=seed, split=split)
    return SVHN(X, y, "synthetic")


__all__ = [
    "BASE_URL",
    "LICENCE",
    "SOURCES",
    "SPLITS",
    "SVHN",
    "SvhnFile",
    "cache_dir",
    "download",
    "fetch_svhn_file",
    "fix_label",
    "format_array",
    "is_offline",
    "load_svhn",
    "normalise",
    "read_svhn_mat",
    "rgb2gray",
    "sha256_of",
    "split_sizes",
    "train_val_split",
    "verify_file",
    "write_svhn_mat",
]

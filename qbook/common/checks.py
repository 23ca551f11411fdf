"""Input checks shared by every public qbook function (private; one check per line).

Each check takes the value and the argument's name, raises ValueError or TypeError with a
message that names the argument and the problem, and returns the value in a clean form
(a float64 array, a Python int, ...). Arrays are checked for complex values *before* any cast,
and for NaN and inf after it. Booleans are not numbers here: ``True`` is refused where a count
or a number is expected.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# Scalars
# --------------------------------------------------------------------------------------------


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def _brief(v: Any) -> str:
    """A value for an error message, never thousands of digits long."""
    text = repr(v)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def real(
    x: Any,
    name: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """A finite real number, optionally in ``[lo, hi]`` (``lo_open``/``hi_open``: strict)."""
    if _is_bool(x) or not isinstance(x, (numbers.Real, np.number)) or np.iscomplexobj(x):
        if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf":
            x = x.item()
        else:
            raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r:.60}")
    try:
        v = float(x)
    except OverflowError:
        raise ValueError(f"{name} is too large, got {x!r:.60}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError(f"{name} must be {'>' if lo_open else '>='} {lo}, got {v}")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise ValueError(f"{name} must be {'<' if hi_open else '<='} {hi}, got {v}")
    return v


def positive(x: Any, name: str) -> float:
    """A finite number > 0."""
    return real(x, name, lo=0.0, lo_open=True)


def non_negative(x: Any, name: str) -> float:
    """A finite number >= 0."""
    return real(x, name, lo=0.0)


def probability(x: Any, name: str) -> float:
    """A finite number in [0, 1]."""
    return real(x, name, lo=0.0, hi=1.0)


def learning_rate(x: Any, name: str = "learning_rate") -> float:
    """A positive finite learning rate."""
    return positive(x, name)


def integer(x: Any, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """A whole number in ``[lo, hi]``: ints, or floats with no fractional part; never a bool."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]  # the NumPy scalar (a bool stays a bool)
    if _is_bool(x):
        raise TypeError(f"{name} must be an integer, got the bool {x}")
    if isinstance(x, (numbers.Integral, np.integer)):
        v = int(x)
    elif isinstance(x, (numbers.Real, np.floating)) and not np.iscomplexobj(x):
        f = float(x)
        if not math.isfinite(f):
            raise ValueError(f"{name} must be a finite integer, got {f}")
        if f != int(f):
            raise ValueError(f"{name} must be a whole number, got {f}")
        v = int(f)
    else:
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r:.60}")
    if lo is not None and v < lo:
        want = "non-negative" if lo == 0 else "positive" if lo == 1 else f">= {lo}"
        raise ValueError(f"{name} must be {want}, got {_brief(v)}")
    if hi is not None and v > hi:
        raise ValueError(f"{name} must be <= {hi}, got {_brief(v)}")
    return v


def count(x: Any, name: str, *, lo: int = 0, hi: int | None = None) -> int:
    """A count: a whole number >= ``lo`` (default 0), at most ``hi`` (default 2**62, so that
    it fits NumPy's int64)."""
    return integer(x, name, lo=lo, hi=2**62 if hi is None else hi)


def seed(
    x: Any, name: str = "seed", *, allow_none: bool = False, hi: int | None = None
) -> int | None:
    """A random seed: a non-negative int (or None where allowed), at most ``hi`` (e.g.
    ``2**32 - 1`` for libraries that keep a 32-bit seed)."""
    if x is None and allow_none:
        return None
    return integer(x, name, lo=0, hi=hi)


def work(size: int, name: str, limit: int, what: str = "steps") -> int:
    """Bound the work one call may be asked to do: ``size`` (already an int) at most ``limit``,
    else a ValueError that says how much was asked for, so that nothing hangs."""
    if size > limit:
        raise ValueError(f"{name} asks for {_brief(size)} {what}; at most {limit} in one call")
    return size


def rng_or_seed(x: Any, name: str = "seed") -> int | np.random.Generator:
    """A seed (non-negative int) or a ``numpy.random.Generator``."""
    if isinstance(x, np.random.Generator):
        return x
    return integer(x, name, lo=0)


def boolean(x: Any, name: str) -> bool:
    """A bool (numpy bools too)."""
    if not _is_bool(x):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__} {x!r:.60}")
    return bool(x)


def string(x: Any, name: str) -> str:
    """A str."""
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a string, got {type(x).__name__} {x!r:.60}")
    return x


def choice(x: Any, name: str, options: Iterable[Any]) -> Any:
    """One of ``options`` (a bool only matches a bool option)."""
    options = tuple(options)
    try:
        ok = x in options
    except TypeError:  # unhashable or incomparable
        ok = False
    if ok and _is_bool(x):
        ok = any(o is x for o in options)
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {x!r:.60}")
    return x


def callable_(x: Any, name: str) -> Any:
    """Something callable."""
    if not callable(x):
        raise TypeError(f"{name} must be callable, got {type(x).__name__}")
    return x


# --------------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------------


def _as_numeric(x: Any, name: str) -> np.ndarray:
    """``x`` as an ndarray, refusing None, strings, objects and complex values (before a cast)."""
    if x is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string")
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name} is not a regular array of numbers ({exc})") from None
    if a.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex values")
    if a.dtype.kind == "O":
        try:
            a = a.astype(float)
        except (ValueError, TypeError):
            raise TypeError(f"{name} must hold numbers only") from None
        except OverflowError:
            raise ValueError(f"{name} holds numbers too large for floats") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {a.dtype}")
    return a


def _shape(a: np.ndarray, name: str, ndim: int | Sequence[int] | None, shape, min_size: int):
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if shape is not None:
        if len(shape) != a.ndim or any(
            s is not None and s != t for s, t in zip(shape, a.shape, strict=True)
        ):
            want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if a.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} values, got {a.size}")


def finite_array(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    min_size: int = 0,
    dtype: Any = float,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    """A real array (complex refused before the cast) with no NaN or inf, optionally in range.

    ``shape`` may use None for "any length". ``lo``/``hi`` bound every entry (NaN never slips
    through: the finiteness check comes first).
    """
    a = _as_numeric(x, name)
    _shape(a, name, ndim, shape, min_size)
    a = a.astype(dtype, copy=False)
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has NaN or infinite entries")
    if lo is not None and a.size and not np.all(a >= lo):
        raise ValueError(f"{name} must be >= {lo} everywhere, got a minimum of {a.min()}")
    if hi is not None and a.size and not np.all(a <= hi):
        raise ValueError(f"{name} must be <= {hi} everywhere, got a maximum of {a.max()}")
    return a


def complex_array(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    min_size: int = 0,
) -> np.ndarray:
    """A real or complex array with finite entries (as complex128)."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    a = np.asarray(x)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"{name} must hold numbers, got dtype {a.dtype}")
    _shape(a, name, ndim, None, min_size)
    a = a.astype(complex)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has NaN or infinite entries")
    return a


def square_matrix(
    x: Any, name: str, *, symmetric: bool = False, n: int | None = None, atol: float = 1e-9
) -> np.ndarray:
    """A finite real square 2-D matrix (float64), optionally symmetric and of size ``n``."""
    a = finite_array(x, name, ndim=2)
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be square, got shape {a.shape}")
    if n is not None and a.shape[0] != n:
        raise ValueError(f"{name} must be {n}x{n}, got shape {a.shape}")
    if symmetric and not np.allclose(a, a.T, atol=atol, rtol=0):
        raise ValueError(f"{name} must be symmetric")
    return a


def distance_matrix(x: Any, name: str = "D", *, min_nodes: int = 1) -> np.ndarray:
    """A finite square matrix of non-negative distances with at least ``min_nodes`` rows."""
    D = square_matrix(x, name)
    if D.shape[0] < min_nodes:
        raise ValueError(f"{name} needs at least {min_nodes} nodes, got {D.shape[0]}")
    if np.any(D < 0):
        raise ValueError(f"{name} has negative distances")
    return D


def probabilities(x: Any, name: str, *, ndim: int = 1, normalised: bool = False) -> np.ndarray:
    """Non-negative finite weights (complex refused) with a positive total."""
    p = finite_array(x, name, ndim=ndim, min_size=1, lo=0.0)
    total = float(p.sum())
    if total <= 0:
        raise ValueError(f"{name} must have a positive total, got {total}")
    if normalised and not math.isclose(total, 1.0, rel_tol=1e-6, abs_tol=1e-6):
        raise ValueError(f"{name} must sum to 1, got {total}")
    return p


def bits(
    x: Any,
    name: str,
    *,
    n: int | None = None,
    ndim: int | Sequence[int] = 1,
) -> np.ndarray:
    """A 0/1 bitstring (or rows of them) as int8; length ``n`` if given."""
    a = _as_numeric(x, name)
    _shape(a, name, ndim, None, 0)
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has NaN or infinite entries")
    if not np.all((a == 0) | (a == 1)):
        raise ValueError(f"{name} must be binary (only 0 and 1)")
    if n is not None and (a.ndim == 0 or a.shape[-1] != n):
        raise ValueError(f"{name} must have length {n} (one bit per variable), got shape {a.shape}")
    return a.astype(np.int8)


def int_array(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    lo: int | None = None,
    hi: int | None = None,
    min_size: int = 0,
) -> np.ndarray:
    """Whole numbers (ints, or floats with no fractional part) in ``[lo, hi]`` as int64."""
    a = _as_numeric(x, name)
    _shape(a, name, ndim, None, min_size)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} has NaN or infinite entries")
        if not np.all(a == np.round(a)):
            raise ValueError(f"{name} must hold whole numbers")
        if a.size and np.abs(a).max() > 2**62:
            raise ValueError(f"{name} holds numbers too large for integers")
    a = a.astype(np.int64)
    if lo is not None and a.size and a.min() < lo:
        raise ValueError(f"{name} must be >= {lo} everywhere, got {a.min()}")
    if hi is not None and a.size and a.max() > hi:
        raise ValueError(f"{name} must be <= {hi} everywhere, got {a.max()}")
    return a


def labels(x: Any, name: str, n_classes: int, *, ndim: int | Sequence[int] = 1) -> np.ndarray:
    """Class labels 0..n_classes-1 as int64."""
    y = int_array(x, name, ndim=ndim)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = int(y[(y < 0) | (y >= n_classes)][0])
        raise ValueError(f"{name}: labels must lie in 0..{n_classes - 1}, got {bad}")
    return y


def same_length(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """``len(a) == len(b)``."""
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} entries but {name_b} has {len(b)}")


def images(
    x: Any, name: str, *, shape: Sequence[int | None], lo: float | None = None, hi=None
) -> np.ndarray:
    """A finite numeric image batch of the given shape (None: any size), dtype kept."""
    a = _as_numeric(x, name)
    _shape(a, name, len(shape), shape, 0)
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has NaN or infinite pixels")
    if lo is not None and a.size and not np.all(a >= lo):
        raise ValueError(f"{name} must be >= {lo} everywhere, got a minimum of {a.min()}")
    if hi is not None and a.size and not np.all(a <= hi):
        raise ValueError(f"{name} must be <= {hi} everywhere, got a maximum of {a.max()}")
    return a


# --------------------------------------------------------------------------------------------
# Routing objects
# --------------------------------------------------------------------------------------------


def tour(
    x: Any,
    name: str,
    n_customers: int,
    *,
    complete: bool = False,
    allow_depot: bool = False,
) -> list[int]:
    """Customers 1..n_customers, each at most once (``complete``: each exactly once), no depot."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of customer numbers, got {type(x).__name__}")
    t = int_array(list(x) if not isinstance(x, np.ndarray) else x, name, ndim=1)
    lo = 0 if allow_depot else 1
    if t.size and (t.min() < lo or t.max() > n_customers):
        bad = [int(v) for v in t if v < lo or v > n_customers][0]
        what = "the depot 0" if bad == 0 else f"{bad}"
        raise ValueError(f"{name} contains {what}; customers are 1..{n_customers}")
    if len(set(t.tolist())) != t.size:
        raise ValueError(f"{name} repeats a customer (each at most once): {t.tolist()}")
    if complete and t.size != n_customers:
        raise ValueError(f"{name} must visit all {n_customers} customers, got {t.size}")
    return [int(v) for v in t]


def routes(x: Any, name: str, n_customers: int) -> list[list[int]]:
    """A list of tours that together visit each customer at most once."""
    if x is None or isinstance(x, (str, bytes)) or not isinstance(x, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of routes, got {type(x).__name__}")
    out = [tour(r, f"{name}[{k}]", n_customers) for k, r in enumerate(x)]
    flat = [c for r in out for c in r]
    if len(set(flat)) != len(flat):
        raise ValueError(f"{name} visits a customer in more than one route")
    return out


def instance(x: Any, name: str = "inst") -> Any:
    """A :class:`qbook.routing.instances.Instance` (the class is looked up by name, so splits keep working)."""
    if type(x).__name__ != "Instance" or not hasattr(x, "D") or not hasattr(x, "demands"):
        raise TypeError(f"{name} must be a qbook Instance, got {type(x).__name__}")
    return x


def qubits(x: Any, name: str = "qubits", *, n: int | None = None, min_n: int = 0) -> list:
    """A sequence of distinct ``cirq.Qid`` (``n`` of them, or at least ``min_n``)."""
    import cirq

    if x is None or isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{name} must be a sequence of cirq qubits, got {type(x).__name__}")
    q = list(x)
    if not all(isinstance(v, cirq.Qid) for v in q):
        raise TypeError(f"{name} must hold cirq qubits only")
    if len(set(q)) != len(q):
        raise ValueError(f"{name} repeats a qubit")
    if n is not None and len(q) != n:
        raise ValueError(f"{name} must be {n} qubits, got {len(q)}")
    if len(q) < min_n:
        raise ValueError(f"{name} must be at least {min_n} qubits, got {len(q)}")
    return q


def circuits(x: Any, name: str = "circuits") -> list:
    """A sequence of ``cirq.Circuit``."""
    import cirq

    if x is None or isinstance(x, (str, bytes, cirq.Circuit)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{name} must be a sequence of cirq circuits, got {type(x).__name__}")
    c = list(x)
    if not all(isinstance(v, cirq.Circuit) for v in c):
        raise TypeError(f"{name} must hold cirq.Circuit objects only")
    return c


def model_inputs(x: Any, n_rows: int, name: str = "x") -> Any:
    """Inputs of a Keras model: a finite numeric array with ``n_rows`` rows, or a TensorFlow
    tensor (e.g. serialised circuits), which is passed through unchecked."""
    if "tensorflow" in type(x).__module__:
        return x
    a = finite_array(x, name, min_size=1)
    if len(a) != n_rows:
        raise ValueError(f"{name} has {len(a)} rows but there are {n_rows} labels")
    return a


def keras_model(x: Any, name: str = "model") -> Any:
    """Something with Keras's ``fit``/``predict``/``layers`` (checked by duck typing)."""
    if not all(hasattr(x, a) for a in ("fit", "predict", "layers")):
        raise TypeError(f"{name} must be a compiled Keras model, got {type(x).__name__}")
    return x


def path_like(x: Any, name: str) -> Any:
    """A str or os.PathLike."""
    import os

    if not isinstance(x, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(x).__name__}")
    return x


def permutation(x: Any, name: str, n: int) -> list[int]:
    """Each of ``1..n`` exactly once, as Python ints: whole numbers only, checked entry by entry
    before any cast (a bool, ``2.5`` or a complex entry is refused, not rounded or coerced)."""
    if x is None or isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{name} must be a sequence of customer numbers, got {type(x).__name__}")
    items = x.tolist() if isinstance(x, np.ndarray) else list(x)
    out = [integer(v, f"{name}[{k}]") for k, v in enumerate(items)]
    if sorted(out) != list(range(1, n + 1)):
        raise ValueError(f"{name} must visit each of the customers 1..{n} exactly once, got {out}")
    return out

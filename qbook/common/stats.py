"""Success rates with honest uncertainty: counts with a 95% Wilson score interval.

Introduced in chapter 11, "The minimal encoding" (and used by every chapter that reports how
often something succeeded): "6 of 10, 31-83%" rather than "60%". The Wilson score interval
(E. B. Wilson, JASA 22, 1927) keeps its coverage near the nominal level for small counts and never leaves
[0, 1], unlike the normal ("Wald") interval, which collapses to a point at 0 or n successes.
"""

from __future__ import annotations

import math

from qbook.common import checks as chk

__all__ = ["wilson_interval", "rate_text"]


def _check_counts(k: int, n: int) -> tuple[int, int]:
    k = chk.count(k, "k")
    n = chk.count(n, "n")
    if n < 1:
        raise ValueError(f"n must be at least 1 (trials), got {n}")
    if k > n:
        raise ValueError(f"k must be in 0..n = 0..{n} (successes), got {k}")
    return k, n


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials (default 95%).

    ``(p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``p = k/n``.
    Introduced in chapter 11, The minimal encoding.
    """
    k, n = _check_counts(k, n)
    z = chk.positive(z, "z")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    return lo, hi


def rate_text(k: int, n: int) -> str:
    """``"6 of 10, 31-83%"``: a count with its 95% Wilson interval in whole percent.

    Introduced in chapter 11, The minimal encoding.
    """
    k, n = _check_counts(k, n)
    lo, hi = wilson_interval(k, n)
    return f"{k} of {n}, {100 * lo:.0f}-{100 * hi:.0f}%"

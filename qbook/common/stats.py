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


# --------------------------------------------------------------------------------------------
# Means over seeds or instances (chapter 13's claims ledger)
# --------------------------------------------------------------------------------------------

__all__ += ["bootstrap_interval"]

#: Resamples of :func:`bootstrap_interval`: its percentiles move by well under 0.01 between
#: generator seeds for the ledger's 3-20 values.
BOOTSTRAP_RESAMPLES = 20_000


def bootstrap_interval(
    values, versus=None, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (default 95%); with ``versus``,
    of the difference ``mean(values) - mean(versus)``, each side resampled on its own.

    The units resampled are the seeds (or instances) the values come from, so the interval
    carries the spread between seeds, and it never leaves the range the values can take: the
    mean of accuracies stays inside [0, 1], unlike a t-interval (the ledger once printed
    "0.346 to 1.4"). With three values the 95% interval is their minimum to maximum; it is
    meant for three or more. Deterministic: a fixed generator ``seed`` and
    ``BOOTSTRAP_RESAMPLES`` resamples. Introduced in chapter 13, Results.
    """
    import numpy as np

    from qbook.common import checks as chk

    a = chk.finite_array(values, "values", ndim=1, min_size=1)
    b = None if versus is None else chk.finite_array(versus, "versus", ndim=1, min_size=1)
    level = chk.real(level, "level", lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    rng = np.random.default_rng(chk.seed(seed, "seed"))

    def means(v):
        if np.all(v == v[0]):  # no spread: every resample has the same mean
            return np.full(BOOTSTRAP_RESAMPLES, float(v[0]))
        return v[rng.integers(0, v.size, size=(BOOTSTRAP_RESAMPLES, v.size))].mean(axis=1)

    stat = means(a) if b is None else means(a) - means(b)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(stat, [tail, 100 - tail])
    return float(lo), float(hi)

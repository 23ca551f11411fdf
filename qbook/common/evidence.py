"""What a verdict of the claims ledger rests on (introduced in chapter 13, Results).

A :class:`~qbook.common.evidence.Lookup` says where a figure is recorded (a chapter's or a benchmark's rows); a
:class:`~qbook.common.evidence.Measurement` is the figure found there: the values per seed or instance (or a count of
successes), the seeds, the data source, the profile and which rows it came from. Its
:meth:`Measurement.interval` respects the range of the quantity: a percentile bootstrap over
the seeds or instances for a mean (inside the range of the values, so an accuracy's interval
stays inside [0, 1]), a Wilson interval for a count. :meth:`Measurement.enough` says whether
there are enough seeds or instances for a verdict at all (``MIN_SEEDS``,
``MIN_INSTANCES``). The verdicts themselves are in :mod:`qbook.common.claims`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qbook.common import checks as chk
from qbook.common.stats import bootstrap_interval, wilson_interval

__all__ = ["Claim", "Lookup", "Measurement", "MIN_SEEDS", "MIN_INSTANCES", "RULES"]

#: The fewest seeds a mean over seeds needs before the ledger says "holds" or "does not hold".
MIN_SEEDS = 3
#: The fewest instances (problems, or trials of a count) a verdict needs otherwise.
MIN_INSTANCES = 10
PICKS = ("max", "min")
RULES = ("at_least", "at_most", "close", "equal", "better")


def _name(value: object, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    text = chk.string(value, f"Lookup.{field}")
    if not text.strip():
        raise ValueError(f"Lookup.{field} must be a non-empty name, got {text!r}")
    return text


@dataclass(frozen=True)
class Lookup:
    """Where a measurement is recorded: rows of one chapter, experiment and metric.

    ``experiment`` and ``metric`` are names, or with ``regex=True`` regular expressions matched
    in full; when several metrics match (say ``p_feasible_p1`` ... ``p_feasible_p3``), the one
    with the highest mean is taken (``pick="max"``) or the lowest (``pick="min"``).
    ``setting`` names a column (say the depth ``p``) whose values are picked from the same way.
    ``count=True`` reads the value as a count of successes out of the row's ``n`` trials.
    ``relative_to`` names a second metric of the same experiment and data source: the
    measurement is then ``value / reference - 1`` per pair (a relative gap). ``per_seed``
    names a column holding one value per seed of the row's ``seeds`` list (a benchmark that
    stores a model's accuracies as a list). ``file`` limits the lookup to one benchmark file;
    ``held_out_only`` to rows marked ``held_out`` (a benchmark that also ran the instances the
    book tuned on). Every field is checked here, and an error names it.
    """

    chapter: str
    experiment: str
    metric: str
    label: str
    pick: str = "max"
    count: bool = False
    relative_to: str | None = None
    file: str | None = None
    regex: bool = False
    per_seed: str | None = None
    setting: str | None = None
    held_out_only: bool = False

    def __post_init__(self) -> None:
        for field in ("chapter", "experiment", "metric", "label"):
            _name(getattr(self, field), field)
        for field in ("relative_to", "file", "per_seed", "setting"):
            _name(getattr(self, field), field, optional=True)
        if self.pick not in PICKS or not isinstance(self.pick, str):
            raise ValueError(f"Lookup.pick must be one of {PICKS}, got {self.pick!r:.60}")
        chk.boolean(self.count, "Lookup.count")
        chk.boolean(self.regex, "Lookup.regex")
        chk.boolean(self.held_out_only, "Lookup.held_out_only")
        if self.file is not None and any(c in self.file for c in "/\\"):
            raise ValueError(f"Lookup.file must be a file name without folders, got {self.file!r}")
        if self.regex:
            for field in ("experiment", "metric"):
                try:
                    re.compile(getattr(self, field))
                except re.error as exc:
                    raise ValueError(
                        f"Lookup.{field} is not a valid regular expression"
                        f" ({getattr(self, field)!r}: {exc})"
                    ) from None
        if self.count and (self.relative_to is not None or self.per_seed is not None):
            raise ValueError("Lookup.count cannot go with relative_to or per_seed")


@dataclass(frozen=True)
class Claim:
    """One quantitative claim of a source, and how the book tests it.

    ``rule`` is one of ``RULES``: ``at_least``/``at_most``/``close`` compare the
    measurement with ``target`` (``slack`` absorbs rounding in the source's figure), ``equal``
    asks for exactly ``target`` (a deterministic count), ``better`` asks that ``measure``
    exceed ``versus``. ``data``, when set, is the data the claim is about (matched in the
    measurement's data source); on other data the verdict is ``not comparable``. ``bench``,
    ``bench_versus`` and ``bench_null`` look the same quantities up in committed benchmark
    results. ``null`` (beside a count) looks up the expected number of successes of the
    claim's null method out of the row's ``n`` trials, such as random search with as many
    tries: a quality claim holds only when its rate is above the null's.
    Every field is checked here, and an error names it.
    """

    key: str
    cite: str
    source: str
    text: str
    rule: str
    measure: Lookup
    target: float | None = None
    slack: float = 0.0
    versus: Lookup | None = None
    bench: Lookup | None = None
    bench_versus: Lookup | None = None
    data: str | None = None
    note: str = ""
    null: Lookup | None = None
    bench_null: Lookup | None = None

    def __post_init__(self) -> None:
        for field in ("key", "cite", "source", "text"):
            if not chk.string(getattr(self, field), f"Claim.{field}").strip():
                raise ValueError(f"Claim.{field} must not be empty")
        if not isinstance(self.rule, str) or self.rule not in RULES:
            raise ValueError(f"Claim.rule must be one of {RULES}, got {self.rule!r:.60}")
        if not isinstance(self.measure, Lookup):
            raise TypeError(f"Claim.measure must be a Lookup, got {type(self.measure).__name__}")
        for field in ("versus", "bench", "bench_versus", "null", "bench_null"):
            v = getattr(self, field)
            if v is not None and not isinstance(v, Lookup):
                raise TypeError(f"Claim.{field} must be a Lookup or None, got {type(v).__name__}")
        if self.target is not None:
            chk.real(self.target, "Claim.target")
        chk.non_negative(self.slack, "Claim.slack")
        if self.data is not None and not chk.string(self.data, "Claim.data").strip():
            raise ValueError("Claim.data must be a data source's name or None")
        chk.string(self.note, "Claim.note")
        key = f"claim {self.key}"
        if self.rule == "better" and self.versus is None:
            raise ValueError(f"{key}: rule 'better' needs a 'versus' lookup (Claim.versus)")
        if self.rule != "better" and self.target is None:
            raise ValueError(f"{key}: rule {self.rule!r} needs a target (Claim.target)")
        if self.bench_versus is not None and self.bench is None:
            raise ValueError(f"{key}: Claim.bench_versus needs Claim.bench")
        if self.rule == "better" and self.bench is not None and self.bench_versus is None:
            raise ValueError(f"{key}: rule 'better' with a bench lookup needs Claim.bench_versus")
        for mine, null in (("measure", "null"), ("bench", "bench_null")):
            lk = getattr(self, null)
            if lk is not None and not getattr(self, mine).count:
                raise ValueError(
                    f"{key}: Claim.{null} is an expected count: {mine} needs count=True"
                )
        if self.bench_null is not None and self.bench is None:
            raise ValueError(f"{key}: Claim.bench_null needs Claim.bench")


@dataclass(frozen=True)
class Measurement:
    """A looked-up figure: mean, sample sd and count of rows (or a count of successes).

    ``values`` are the figures per seed or instance behind the mean (what the bootstrap
    resamples); ``successes``/``trials`` make it a count (a rate with a Wilson interval).
    """

    mean: float
    sd: float
    n: int
    successes: int | None
    trials: int | None
    seeds: tuple[int, ...]
    data_source: str
    profile: str
    held_out: str
    origin: str
    values: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        chk.real(self.mean, "mean")
        if not (math.isnan(self.sd) or (math.isfinite(self.sd) and self.sd >= 0)):
            raise ValueError(f"sd must be a non-negative number or NaN (one run), got {self.sd!r}")
        chk.count(self.n, "n", lo=1)
        if (self.successes is None) != (self.trials is None):
            raise ValueError("successes and trials go together")
        if self.trials is not None:
            chk.count(self.trials, "trials", lo=1)
            chk.count(self.successes, "successes", lo=0, hi=self.trials)
        if self.values or (self.trials is None and self.n > 1):
            vals = chk.finite_array(list(self.values), "values", ndim=1)
            if vals.size != self.n:
                raise ValueError(
                    f"values must hold one figure per row (n={self.n}), got {vals.size}"
                )
            if not math.isclose(float(vals.mean()), self.mean, rel_tol=1e-9, abs_tol=1e-12):
                raise ValueError(f"mean {self.mean!r} is not the mean of values ({vals.mean()!r})")
        for name in ("data_source", "profile", "held_out", "origin"):
            chk.string(getattr(self, name), name)

    @property
    def se(self) -> float:
        """Standard error of the mean over seeds (0 with one seed: no spread to use)."""
        return self.sd / math.sqrt(self.n) if self.n > 1 and math.isfinite(self.sd) else 0.0

    def units(self) -> tuple[int, str]:
        """``(how many, "seeds" | "instances")``: what the figure averages or counts over.

        A count's trials are instances; a mean is over seeds when every row has its own seed,
        else over its rows (instances, each with at most one seed).
        """
        if self.trials is not None:
            return self.trials, "instances"
        if len(set(self.seeds)) == self.n and len(self.seeds) == self.n:
            return self.n, "seeds"
        return self.n, "instances"

    def enough(self) -> bool:
        """At least ``MIN_SEEDS`` seeds, or ``MIN_INSTANCES`` instances."""
        k, kind = self.units()
        return k >= (MIN_SEEDS if kind == "seeds" else MIN_INSTANCES)

    def interval(self) -> tuple[float, float]:
        """The 95% interval: Wilson for a count, else the percentile bootstrap of the mean over
        the values (seeds or instances); one value gives no spread (the value twice)."""
        if self.trials is not None:
            return wilson_interval(self.successes, self.trials)
        if len(self.values) < 2:
            return self.mean, self.mean
        return bootstrap_interval(list(self.values))

    def basis(self) -> str:
        """``"5 seeds"``, ``"10 instances"``: the sample a verdict on this figure rests on."""
        k, kind = self.units()
        return f"{k} {kind[:-1] if k == 1 else kind}"

    def text(self) -> str:
        """``"0.896, 95% 0.858-0.942 (5 seeds 0-4; excitations; small; no tuning split; ...)"``."""
        lo, hi = self.interval()
        if self.trials is not None:
            value = f"{self.successes} of {self.trials}, {100 * lo:.0f}-{100 * hi:.0f}%"
        elif len(self.values) == 2:  # too few for an interval: the two figures themselves
            value = f"{self.mean:.3g} ({self.values[0]:.3g} and {self.values[1]:.3g})"
        elif len(self.values) > 2:
            value = f"{self.mean:.3g}, 95% {lo:.3g} to {hi:.3g}"
        else:
            value = f"{self.mean:.4g}"
        seeds = _seed_text(self.seeds, self.n)
        return (
            f"{value} ({seeds}; {self.data_source}; {self.profile}; {self.held_out}; {self.origin})"
        )


def _seed_text(seeds: Sequence[int], n: int) -> str:
    rows = f"{n} row{'s' if n != 1 else ''}"
    if not seeds:
        return f"{rows}, no seed"
    s = sorted(set(seeds))
    span = f"{s[0]}-{s[-1]}" if len(s) > 2 and s[-1] - s[0] == len(s) - 1 else ",".join(map(str, s))
    label = f"seed{'s' if len(s) != 1 else ''} {span}"
    return f"{len(s)} {label}" if len(s) == n else f"{rows}, {label}"

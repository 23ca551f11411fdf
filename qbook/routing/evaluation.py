"""Held-out evaluation of the TSP routines of Part II, with null baselines.

Introduced in chapter 11, "The minimal encoding", and used by its benchmark: one trial of the
minimal encoding on a TSP, scored three ways (the best of all sampled tours, the most likely
valid tour of the final distribution, and a random-search null baseline that evaluates as many
distinct valid tours as the sampling did), so a success rate can be read against what
enumeration alone would give.
"""

from __future__ import annotations

import itertools

import numpy as np

from qbook.common import checks as chk
from qbook.routing import minimal_solve
from qbook.routing.classical import check_distance_matrix, held_karp, tour_cost
from qbook.routing.vrp_qubo import decode_tour, likely_tour, tsp_qubo

__all__ = ["random_search_probability", "optimal_tour_count", "minimal_tsp_trial"]


#: The most factors :func:`random_search_probability` multiplies in one call (a fraction of a second).
MAX_PRODUCT_TERMS = 10**7


def random_search_probability(n_tours: int, n_optimal: int, n_tried: int) -> float:
    """Chance that ``n_tried`` distinct tours drawn uniformly from ``n_tours`` include one of the
    ``n_optimal`` optimal ones: ``1 - C(n_tours - n_optimal, n_tried) / C(n_tours, n_tried)``.

    The null baseline of a "best of the sampled tours" decoder. Introduced in chapter 11.
    """
    n_tours = chk.count(n_tours, "n_tours", lo=1)
    n_optimal = chk.count(n_optimal, "n_optimal", lo=1, hi=n_tours)
    n_tried = chk.count(n_tried, "n_tried", lo=0, hi=n_tours)
    if n_tried > n_tours - n_optimal:  # too many to miss every optimal tour
        return 1.0
    # C(N - K, t) / C(N, t) = prod_{j<m} (1 - s / (N - j)), m = min(K, t), s = max(K, t):
    # O(min(K, t)) work in logs, accurate near 0 and 1 alike (math.comb is exact but hangs for
    # millions of tours).
    if n_tried == 0:
        return 0.0
    m, s = min(n_optimal, n_tried), max(n_optimal, n_tried)
    chk.work(m, "min(n_optimal, n_tried)", MAX_PRODUCT_TERMS, "factors")
    log_miss = 0.0
    for start in range(0, m, 1 << 20):
        j = np.arange(start, min(m, start + (1 << 20)), dtype=float)
        log_miss += float(np.log1p(-s / (float(n_tours) - j)).sum())
    return float(-np.expm1(log_miss))


def optimal_tour_count(D: np.ndarray) -> tuple[int, int, float]:
    """``(number of tours, number of optimal tours, optimal cost)`` by enumeration (<= 8
    customers). A symmetric instance has at least two optimal tours (one each way round).

    Introduced in chapter 11.
    """
    D = check_distance_matrix(D, symmetric=False)
    n = D.shape[0] - 1
    if n > 8:
        raise ValueError(f"{n} customers is too many to enumerate (max 8)")
    costs = np.array([tour_cost(D, p) for p in itertools.permutations(range(1, n + 1))])
    best = float(costs.min())
    return int(costs.size), int(np.isclose(costs, best).sum()), best


def minimal_tsp_trial(D: np.ndarray, seed: int, likely: bool = False, **options) -> dict:
    """One minimal-encoding run (:func:`qbook.routing.minimal_solve.solve`, ``options`` passed on) on the TSP
    of ``D``, keeping only sampled bitstrings that are tours, scored against the exact optimum.
    ``likely=True`` adds each stage's most likely valid tour (:func:`qbook.routing.vrp_qubo.likely_tour`)
    to the candidates.

    Returns ``optimal`` / ``valid`` (best sampled tour), ``final_optimal`` (the most likely valid
    tour of the final distribution, :func:`qbook.routing.vrp_qubo.likely_tour`: no enumeration),
    ``valid_seen`` (distinct valid tours evaluated), ``null_probability`` (random search with as
    many distinct tours, up to 8 customers; NaN beyond), ``wall_s``. Introduced in chapter 11.
    """
    likely = chk.boolean(likely, "likely")

    D = check_distance_matrix(D, symmetric=False)
    n = D.shape[0] - 1
    if n < 2:
        raise ValueError("a TSP trial needs at least 2 customers")
    Q, off = tsp_qubo(D)
    decoder = (lambda p1: likely_tour(p1, n + 1)) if likely else None
    r = minimal_solve.solve(
        Q,
        off,
        seed=seed,
        accept=lambda x: decode_tour(x, n + 1) is not None,
        decoder=decoder,
        **options,
    )
    best = held_karp(D)[0]
    tour = decode_tour(r.x, n + 1)
    final = decode_tour(likely_tour(r.probabilities, n + 1), n + 1)
    if n <= 8:
        n_tours, n_opt, _ = optimal_tour_count(D)
        null = random_search_probability(n_tours, n_opt, min(r.n_accepted_distinct, n_tours))
    else:
        null = float("nan")
    return dict(
        n_customers=n,
        seed=int(seed),
        optimal=tour is not None and tour_cost(D, tour) <= best + 1e-9,
        valid=tour is not None,
        final_optimal=tour_cost(D, final) <= best + 1e-9,
        valid_seen=int(r.n_accepted_distinct),
        null_probability=float(null),
        gap=(tour_cost(D, tour) / best - 1) if tour is not None else float("nan"),
        wall_s=float(r.wall_time),
    )

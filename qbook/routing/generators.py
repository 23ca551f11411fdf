"""Random TSPs and CVRPs for held-out evaluation (Part II's evaluation protocol).

Settings are chosen on *tuning* seeds and reported on *evaluation* seeds, both named in
:mod:`qbook.common.profile` (section ``heldout``); this module turns a seed into an instance, so a
seed fully names the instance. Introduced in chapter 11, "The minimal encoding" (TSPs) and
chapter 12, "CVRP end to end" (CVRPs).

The CVRPs follow the style of CVRPLIB's sets A and P (Augerat et al.): integer coordinates
uniform on a 0..100 grid, the depot one of the points, integer demands uniform in 1..30,
capacity 100, and ``k`` vehicles, the smallest number that keeps the fleet's tightness
``sum(d) / (k Q)`` at most ``tightness`` (A and P sit between about 0.8 and 0.98) and for which
first-fit decreasing packs the demands into ``k`` vehicles (so ``k`` routes are feasible).
"""

from __future__ import annotations

import math

import numpy as np

from qbook.common import checks as chk
from qbook.routing.instances import Instance, euclidean_rounded

__all__ = ["random_tsp", "random_cvrp"]

GRID = 100


#: The largest instance a generator builds (its distance matrix has (N + 1)**2 entries).
MAX_CUSTOMERS = 5000


def random_tsp(n_customers: int, seed: int) -> np.ndarray:
    """Distance matrix of a random TSP: depot and ``n_customers`` customers on the 0..100 grid.

    Integer coordinates uniform on the grid, CVRPLIB's rounded Euclidean distances; node 0 is
    the depot. Introduced in chapter 11, The minimal encoding.
    """
    n = chk.count(n_customers, "n_customers", lo=1, hi=MAX_CUSTOMERS)
    seed = chk.seed(seed)
    xy = np.random.default_rng(seed).integers(0, GRID + 1, size=(n + 1, 2))
    return euclidean_rounded(xy)


def _first_fit_decreasing(demands: np.ndarray, capacity: int) -> int:
    bins: list[int] = []
    for d in sorted(demands, reverse=True):
        for b, load in enumerate(bins):
            if load + d <= capacity:
                bins[b] += d
                break
        else:
            bins.append(int(d))
    return len(bins)


def random_cvrp(
    n_customers: int,
    seed: int,
    capacity: int = 100,
    max_demand: int = 30,
    tightness: float = 0.9,
) -> Instance:
    """A random CVRP in the style of CVRPLIB's sets A and P (see the module docstring).

    Named ``rand-n{N}-k{k}-s{seed}`` (``N`` nodes, depot included, as CVRPLIB counts). The best
    known cost is None: nobody has solved it; compare with a classical solver instead.
    Introduced in chapter 12, CVRP end to end.
    """
    n = chk.count(n_customers, "n_customers", lo=1, hi=MAX_CUSTOMERS)
    seed = chk.seed(seed)
    capacity = chk.count(capacity, "capacity", lo=1)
    max_demand = chk.count(max_demand, "max_demand", lo=1)
    if max_demand > capacity:
        raise ValueError(f"max_demand {max_demand} exceeds the capacity {capacity}")
    tightness = chk.real(tightness, "tightness", lo=0.0, hi=1.0, lo_open=True)
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, GRID + 1, size=(n + 1, 2)).astype(float)
    demands = np.concatenate([[0], rng.integers(1, max_demand + 1, size=n)]).astype(np.int64)
    total = int(demands.sum())
    if total > n * tightness * capacity:  # more vehicles than customers: no CVRP left
        raise ValueError(
            f"tightness {tightness} asks for more than one vehicle per customer "
            f"(total demand {total}, capacity {capacity}, {n} customers); raise it"
        )
    k = max(1, math.ceil(total / (tightness * capacity)))
    k = max(k, _first_fit_decreasing(demands[1:], capacity))
    return Instance(
        name=f"rand-n{n + 1}-k{k}-s{seed}",
        coords=xy,
        demands=demands,
        capacity=capacity,
        D=euclidean_rounded(xy),
        n_vehicles=k,
        best_cost=None,
    )

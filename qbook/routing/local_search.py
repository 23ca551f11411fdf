"""Quantum local search: improve a long tour by re-solving windows with the constrained QAOA.

Introduced in chapter 12, "CVRP end to end", for routes longer than the constrained QAOA of
chapter 10 simulates exactly. A *window* is ``w`` consecutive positions of the tour; the
customers just before and just after it (or the depot) stay fixed, so re-ordering the window
is a path problem from ``a`` through the window's customers to ``b``. :func:`window_matrix`
writes it as a TSP on ``w`` customers whose node 0 merges the two ends (leaving node 0 costs
``D[a, c]``, returning to it costs ``D[c, b]``): exactly the input of
:func:`qbook.routing.qaoa_constrained.constrained_tsp`, and every shot is an order of the
window, so every intermediate tour is a valid tour.

The classical parts, named plainly:

* the **start tour**: by default (``start_from="2-opt+or-opt"``) the nearest-neighbour tour of
  chapter 8 improved by classical 2-opt and Or-opt until neither finds an improving move
  (:func:`qbook.routing.classical.heuristic_tour`: a local optimum, deterministic and cheap);
  ``start_from="nearest-neighbour"`` takes the nearest-neighbour tour alone (for comparison);
  or the caller gives a tour. A nearest-neighbour tour leaves crossings that windows of
  consecutive positions inside the tour cannot undo; the 2-opt/Or-opt start removes them
  classically, and is often optimal already (on the tuning CVRPs of issue 19, 95 of 97 clusters
  of 9-18 customers), so the window solver works on what is left;
* the **window schedule**: with ``wrap=True`` (the default) the tour is read as the closed cycle
  ``depot, t1, ..., tn`` of ``n + 1`` positions and windows of ``width`` consecutive positions
  start at ``0, stride, 2 stride, ...`` around it, so the windows overlap when
  ``stride < width`` and some contain the depot (re-ordering such a window moves the depot
  within it, i.e. changes which customers open and close the route); with ``wrap=False`` the
  windows lie within ``t1..tn`` (:func:`window_starts`: ``0, stride, ...`` plus one that ends at
  the last position). A *pass* visits the windows in that order, and passes repeat until one
  improves nothing or ``max_passes`` have run;
* **acceptance**: a window's answer replaces the current order only if it is strictly cheaper.

Three window solvers share that start tour and that schedule, so a comparison isolates the
solver: ``"qaoa"`` (the
constrained QAOA at the transferred angles of
:func:`qbook.routing.qaoa_constrained.transferred_angles`, best of ``shots`` shots),
``"null"`` (the best of ``shots`` uniformly random orders of the window: the same budget and
no quantum state) and ``"exact"`` (Held-Karp on the window: what a perfect window solver
gives).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qbook.common import checks as chk
from qbook.routing import classical, qaoa_constrained
from qbook.routing.tour_subspace import MAX_CUSTOMERS

__all__ = [
    "SOLVERS",
    "START_TOURS",
    "LocalSearchResult",
    "best_random_order",
    "local_search",
    "window_matrix",
    "window_starts",
]

SOLVERS = ("qaoa", "null", "exact")
#: Classical start tours: ``"2-opt+or-opt"`` (nearest neighbour, then 2-opt and Or-opt to a local
#: optimum: :func:`qbook.routing.classical.heuristic_tour`) or ``"nearest-neighbour"`` alone.
START_TOURS = ("2-opt+or-opt", "nearest-neighbour")
MAX_SHOTS = 10**6  # per window


def window_matrix(D: np.ndarray, tour: Sequence[int], start: int, width: int) -> np.ndarray:
    """The TSP of one window: ``(width+1) x (width+1)``, node ``k`` the ``k``-th customer of
    ``tour[start:start+width]``, node 0 the two fixed ends merged.

    Row 0 holds ``D[a, c]`` (from the customer before the window, or the depot), column 0
    ``D[c, b]`` (to the customer after it, or the depot), so the cost of a tour of this matrix
    is the cost of the path ``a -> window order -> b``. Usually asymmetric. Chapter 12.
    """
    D = classical.check_distance_matrix(D, symmetric=False)
    tour = chk.tour(tour, "tour", D.shape[0] - 1)
    start = chk.count(start, "start")
    width = chk.count(width, "width", lo=1)
    if start + width > len(tour):
        raise ValueError(
            f"window {start}..{start + width - 1} does not fit a tour of {len(tour)} customers"
        )
    path = [0, *tour, 0]
    a, b = path[start], path[start + width + 1]
    nodes = tour[start : start + width]
    W = np.zeros((width + 1, width + 1))
    W[1:, 1:] = D[np.ix_(nodes, nodes)]
    W[0, 1:] = D[a, nodes]
    W[1:, 0] = D[nodes, b]
    return W


def window_starts(n: int, width: int, stride: int) -> list[int]:
    """First positions of the windows of one pass over a tour of ``n`` customers: ``0, stride,
    ...`` while a window fits, plus one that ends at the last position. Chapter 12."""
    n = chk.count(n, "n", lo=1)
    width = chk.count(width, "width", lo=1)
    stride = chk.count(stride, "stride", lo=1)
    if width > n:
        raise ValueError(f"window of {width} customers is longer than the tour ({n})")
    starts = list(range(0, n - width + 1, stride))
    if starts[-1] != n - width:
        starts.append(n - width)
    return starts


def best_random_order(D: np.ndarray, shots: int, seed: int) -> tuple[float, list[int]]:
    """The null of a sampling solver: the cheapest of ``shots`` uniformly random tours of ``D``
    (customers ``1..n``, depot 0; no quantum state, no local search), drawn with ``seed``.
    Returns ``(cost, tour)``. Chapter 12."""
    D = classical.check_distance_matrix(D, symmetric=False)
    shots = chk.count(shots, "shots", lo=1, hi=10**7)
    seed = chk.seed(seed)
    n = D.shape[0] - 1
    if shots * n > 2 * 10**7:
        raise ValueError(f"{shots} random tours of {n} customers is too much work for one call")
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((shots, n)), axis=1) + 1
    legs = D[0, perms[:, 0]] + D[perms[:, -1], 0]
    if n > 1:
        legs = legs + D[perms[:, :-1], perms[:, 1:]].sum(1)
    k = int(np.argmin(legs))
    return float(legs[k]), [int(c) for c in perms[k]]


@dataclass
class LocalSearchResult:
    """The tour after :func:`local_search`, its cost, the start tour and its cost, and the
    bookkeeping: windows solved, windows improved, passes, shots drawn, seconds."""

    tour: list[int]
    cost: float
    start_tour: list[int]
    start_cost: float
    solver: str
    windows: int
    improved: int
    passes: int
    shots: int
    seconds: float
    history: list[float] = field(default_factory=list, repr=False)  # cost after each window


def _cycle_window(D: np.ndarray, tour: list[int], start: int, width: int):
    """Window ``start .. start+width-1`` of the closed cycle ``[0, *tour]`` (indices mod n+1):
    its TSP matrix as in :func:`window_matrix` (the depot may be one of its nodes) and its nodes."""
    cyc = [0, *tour]
    m = len(cyc)
    nodes = [cyc[(start + k) % m] for k in range(width)]
    a, b = cyc[(start - 1) % m], cyc[(start + width) % m]
    W = np.zeros((width + 1, width + 1))
    W[1:, 1:] = D[np.ix_(nodes, nodes)]
    W[0, 1:] = D[a, nodes]
    W[1:, 0] = D[nodes, b]
    return W, nodes


def _apply_cycle_window(tour: list[int], start: int, nodes: list[int], order) -> list[int]:
    """The tour after writing ``nodes`` in ``order`` back at cycle positions ``start..``,
    rotated so that the depot comes first again."""
    cyc = [0, *tour]
    m = len(cyc)
    for k, o in enumerate(order):
        cyc[(start + k) % m] = nodes[o - 1]
    z = cyc.index(0)
    return [int(c) for c in cyc[z + 1 :] + cyc[:z]]


def _solve_window(W: np.ndarray, solver: str, p: int, shots: int, seed: int, angles):
    if solver == "exact":
        return classical.held_karp(W)
    if solver == "null":
        return best_random_order(W, shots, seed)
    r = qaoa_constrained.constrained_tsp(W, p, shots, seed, optimise=False, start=angles)
    return r.cost, r.tour


def local_search(
    D: np.ndarray,
    tour: Sequence[int] | None = None,
    *,
    solver: str = "qaoa",
    width: int = 8,
    stride: int | None = None,
    max_passes: int = 3,
    p: int = 3,
    shots: int = 2000,
    seed: int = 0,
    angles: np.ndarray | None = None,
    wrap: bool = True,
    start_from: str = "2-opt+or-opt",
) -> LocalSearchResult:
    """Improve a tour of ``D`` (depot 0) by re-solving windows of ``width`` consecutive positions.

    ``tour``: the start tour; when it is ``None``, ``start_from`` names the classical one
    (:data:`START_TOURS`: ``"2-opt+or-opt"``, the default, is
    :func:`qbook.routing.classical.heuristic_tour`, the nearest-neighbour tour improved by 2-opt
    and Or-opt to a local optimum, which assumes a symmetric ``D``; ``"nearest-neighbour"`` is
    :func:`qbook.routing.classical.nearest_neighbour_tour` alone). ``solver``: ``"qaoa"``, ``"null"`` or ``"exact"`` (module docstring);
    ``stride``: the step between windows (default ``width // 2``, so windows overlap); ``wrap``:
    windows run around the closed tour, depot included (module docstring); ``p``, ``shots`` and ``angles`` (``2p`` angles, default
    :func:`qbook.routing.qaoa_constrained.transferred_angles`) for the constrained QAOA, ``shots``
    also for the null. Window ``k`` of the whole search is solved with seed ``seed + k``, so the
    quantum and the null search draw from the same seeds. A tour no longer than ``width`` is
    solved as one window. Chapter 12, CVRP end to end.
    """
    t0 = time.perf_counter()
    D = classical.check_distance_matrix(D, symmetric=False)
    n = D.shape[0] - 1
    solver = chk.choice(solver, "solver", SOLVERS)
    width = chk.count(width, "width", lo=2, hi=MAX_CUSTOMERS)
    stride = width // 2 if stride is None else chk.count(stride, "stride", lo=1, hi=width)
    max_passes = chk.count(max_passes, "max_passes", lo=1, hi=100)
    p = chk.count(p, "p", lo=1, hi=10)
    shots = chk.count(shots, "shots", lo=1, hi=MAX_SHOTS)
    seed = chk.seed(seed)
    wrap = chk.boolean(wrap, "wrap")
    start_from = chk.choice(start_from, "start_from", START_TOURS)
    if tour is None:
        if start_from == "2-opt+or-opt":
            tour = classical.heuristic_tour(D)
        else:
            tour = classical.nearest_neighbour_tour(D)
    tour = chk.tour(tour, "tour", n, complete=True)
    if angles is not None:
        angles = chk.finite_array(angles, "angles", shape=(2 * p,))
    elif solver == "qaoa":
        angles = qaoa_constrained.transferred_angles(p)
    start_tour, start_cost = list(tour), classical.tour_cost(D, tour)
    width = min(width, n)
    cost, windows, improved, passes, history = start_cost, 0, 0, 0, []
    for _ in range(max_passes):
        passes += 1
        better = False
        cyclic = wrap and width < n
        for s in range(0, n + 1, stride) if cyclic else window_starts(n, width, stride):
            if cyclic:
                W, nodes = _cycle_window(D, tour, s, width)
            else:
                W = window_matrix(D, tour, s, width)
            current = classical.tour_cost(W, list(range(1, width + 1)))
            new_cost, order = _solve_window(W, solver, p, shots, seed + windows, angles)
            windows += 1
            if new_cost < current - 1e-9 * max(1.0, abs(current)):
                if cyclic:
                    tour = _apply_cycle_window(tour, s, nodes, order)
                else:
                    seg = tour[s : s + width]
                    tour[s : s + width] = [seg[k - 1] for k in order]
                cost = classical.tour_cost(D, tour)
                improved += 1
                better = True
            history.append(cost)
        if not better or width == n:
            break
    return LocalSearchResult(
        tour=[int(c) for c in tour],
        cost=float(cost),
        start_tour=start_tour,
        start_cost=float(start_cost),
        solver=solver,
        windows=windows,
        improved=improved,
        passes=passes,
        shots=windows * shots if solver != "exact" else 0,
        seconds=time.perf_counter() - t0,
        history=history,
    )

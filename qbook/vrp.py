"""Vehicle routing (chapter 8, "Vehicle routing as Hamiltonians"): one import for the chapters.

The code lives in modules by concern; this module re-exports their public names so that
``from qbook import vrp; vrp.read_instance(...)`` keeps working:

* :mod:`qbook.routing`: CVRPLIB instances, costs, Held-Karp, PyVRP, solution checks, route maps;
* :mod:`qbook.vrp_qubo`: the TSP and CVRP QUBOs (the seminar's eqs. 6-14) and their decoders;
* :mod:`qbook.clustering`: phase one (sweep, MIP, local search) and :func:`two_phase`;
* :mod:`qbook.penalty`: penalty studies.

Conventions: node 0 is the depot, customers are ``1..N-1``; a *tour* is the list of customers
in visiting order (the depot at both ends is implicit); a CVRP solution is a list of tours
(*routes*). Distances are integers as in CVRPLIB (EUC_2D rounded to the nearest integer).
"""

from __future__ import annotations

from qbook.clustering import cluster, improve_clusters, mip_clusters, sweep_clusters, two_phase
from qbook.penalty import penalty_study, smallest_working_penalty
from qbook.routing import (
    HELD_KARP_EXACT_MAX,
    Instance,
    best_cost_from_comment,
    check_distance_matrix,
    check_solution,
    cluster_tour,
    cost_text,
    euclidean_rounded,
    gap_text,
    held_karp,
    heuristic_tour,
    improve_tour,
    instance_names,
    mds_coords,
    nearest_neighbour_tour,
    plot_routes,
    pyvrp_solve,
    read_instance,
    route_cost,
    tour_cost,
    two_opt,
)
from qbook.vrp_qubo import (
    CVRPQubo,
    count_variables,
    cvrp_brute_force,
    cvrp_default_penalty,
    cvrp_qubo,
    decode_tour,
    encode_tour,
    likely_tour,
    max_route_length,
    slack_bits,
    tsp_default_penalty,
    tsp_qubo,
    tsp_valid,
)

__all__ = [
    "HELD_KARP_EXACT_MAX",
    "Instance",
    "read_instance",
    "instance_names",
    "check_distance_matrix",
    "tour_cost",
    "route_cost",
    "tsp_qubo",
    "tsp_default_penalty",
    "decode_tour",
    "encode_tour",
    "likely_tour",
    "tsp_valid",
    "smallest_working_penalty",
    "penalty_study",
    "nearest_neighbour_tour",
    "euclidean_rounded",
    "held_karp",
    "two_opt",
    "improve_tour",
    "heuristic_tour",
    "cluster_tour",
    "best_cost_from_comment",
    "cost_text",
    "gap_text",
    "slack_bits",
    "count_variables",
    "max_route_length",
    "CVRPQubo",
    "cvrp_default_penalty",
    "cvrp_qubo",
    "cvrp_brute_force",
    "sweep_clusters",
    "mip_clusters",
    "cluster",
    "two_phase",
    "improve_clusters",
    "check_solution",
    "pyvrp_solve",
    "mds_coords",
    "plot_routes",
]

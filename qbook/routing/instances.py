"""CVRPLIB instances: reading, checking a solution, PyVRP as the classical reference, route maps.

Introduced in chapter 8, "Vehicle routing as Hamiltonians". Tour costs and the exact and
heuristic TSP tours are in :mod:`qbook.routing.classical`.

Conventions: node 0 is the depot, customers are ``1..N-1``; a *tour* is the list of customers
in visiting order (the depot at both ends is implicit); a CVRP solution is a list of tours
(*routes*). Distances are integers as in CVRPLIB (EUC_2D rounded to the nearest integer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from qbook.common import checks as chk
from qbook.routing.classical import check_distance_matrix, route_cost

__all__ = [
    "Instance",
    "read_instance",
    "instance_names",
    "euclidean_rounded",
    "best_cost_from_comment",
    "check_cvrp",
    "check_solution",
    "pyvrp_solve",
    "cost_text",
    "gap_text",
    "mds_coords",
    "plot_routes",
]


# ---------------------------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------------------------


@dataclass
class Instance:
    """A CVRP instance with node 0 the depot. Introduced in chapter 8."""

    name: str
    coords: np.ndarray | None  # (N, 2) or None for EXPLICIT instances
    demands: np.ndarray  # (N,), demands[0] == 0
    capacity: int
    D: np.ndarray  # (N, N) int distance matrix
    n_vehicles: int | None  # from the name's "-kK"
    best_cost: int | None = None  # the .sol file's cost, else the COMMENT's, else None
    best_routes: list[list[int]] | None = None
    depot: int = 0
    path: str | None = field(default=None, repr=False)
    comment: str = field(default="", repr=False)  # the file's COMMENT line

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def n_nodes(self) -> int:
        return int(self.D.shape[0])

    @property
    def n_customers(self) -> int:
        return self.n_nodes - 1


class _FieldError(ValueError):
    """A bad Instance field; ``index`` is the node (or route) it concerns, where there is one."""

    def __init__(self, field: str, message: str, index: int | None = None) -> None:
        super().__init__(f"Instance.{field}: {message}")
        self.field, self.index = field, index


def _check_fields(inst: Instance) -> None:
    """Check (and normalise) every field of ``inst``: raise :class:`_FieldError` naming it."""
    if not isinstance(inst.name, str):
        raise TypeError(f"Instance.name must be a str, got {type(inst.name).__name__}")
    try:
        D = chk.distance_matrix(inst.D, "Instance.D", min_nodes=1)
    except ValueError as exc:
        raise _FieldError("D", str(exc).removeprefix("Instance.D ")) from None
    n = D.shape[0]
    if np.any(np.diag(D) != 0):
        raise _FieldError("D", "a node's distance to itself must be 0")
    if not np.array_equal(D, D.T):
        i, j = np.argwhere(D != D.T)[0]
        raise _FieldError(
            "D", f"not symmetric: D[{i}, {j}] = {D[i, j]:g}, D[{j}, {i}] = {D[j, i]:g}"
        )
    inst.D = D.astype(np.int64) if np.array_equal(D, np.round(D)) else D
    capacity = inst.capacity
    try:
        inst.capacity = chk.count(capacity, "capacity", lo=1)
    except ValueError as exc:
        raise _FieldError("capacity", f"must be a positive whole number ({exc})") from None
    try:
        demands = chk.int_array(inst.demands, "demands", ndim=1)
    except ValueError as exc:
        raise _FieldError("demands", str(exc)) from None
    if demands.shape != (n,):
        raise _FieldError("demands", f"{demands.size} entries for {n} nodes")
    for i, d in enumerate(demands.tolist()):
        if d < 0:
            raise _FieldError("demands", f"node {i} has a negative demand {d}", i)
        if d > inst.capacity:
            raise _FieldError(
                "demands", f"node {i} has demand {d} above the capacity {inst.capacity}", i
            )
    if n and demands[0] != 0:
        raise _FieldError("demands", f"the depot (node 0) has demand {demands[0]}, not 0", 0)
    inst.demands = demands
    if inst.coords is not None:
        try:
            inst.coords = chk.finite_array(inst.coords, "coords", shape=(n, 2))
        except ValueError as exc:
            raise _FieldError("coords", str(exc)) from None
    if inst.n_vehicles is not None:
        inst.n_vehicles = chk.count(inst.n_vehicles, "Instance.n_vehicles", lo=1)
    if inst.best_cost is not None:
        inst.best_cost = chk.real(inst.best_cost, "Instance.best_cost", lo=0.0)
        if inst.best_cost == int(inst.best_cost):
            inst.best_cost = int(inst.best_cost)
    if chk.integer(inst.depot, "Instance.depot") != 0:
        raise _FieldError("depot", f"only node 0 can be the depot, got {inst.depot}")
    if inst.best_routes is not None:
        inst.best_routes = _check_routes(inst, inst.best_routes, "best_routes")


def _check_routes(inst: Instance, routes, field: str) -> list[list[int]]:
    """``routes`` as a CVRP solution of ``inst`` (every customer once, loads within capacity,
    fleet respected), else :class:`_FieldError` naming the route."""
    if routes is None or isinstance(routes, (str, bytes)) or not hasattr(routes, "__iter__"):
        raise TypeError(f"{field} must be a list of routes, got {type(routes).__name__}")
    out = []
    for k, r in enumerate(routes):
        try:
            out.append(chk.tour(r, f"route {k + 1}", inst.n_customers))
        except ValueError as exc:
            raise _FieldError(field, str(exc), k) from None
    flat = [c for r in out for c in r]
    if len(set(flat)) != len(flat):
        raise _FieldError(field, "a customer is visited by more than one route")
    used = [r for r in out if r]
    if inst.n_vehicles is not None and len(used) > inst.n_vehicles:
        raise _FieldError(
            field, f"{len(used)} routes, but the fleet has only {inst.n_vehicles} vehicles"
        )
    if sorted(flat) != list(range(1, inst.n_nodes)):
        raise _FieldError(field, "the routes do not visit every customer exactly once")
    for k, r in enumerate(out):
        load = int(inst.demands[r].sum())
        if load > inst.capacity:
            raise _FieldError(field, f"route {r} carries {load} > capacity {inst.capacity}", k)
    return out


def instance_names() -> list[str]:
    """Names of the CVRPLIB instances shipped in ``qbook/instances``. Introduced in chapter 8."""
    folder = resources.files("qbook.routing") / "cvrplib"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".vrp"))


def _resolve(path_or_name: str | Path) -> Path:
    chk.path_like(path_or_name, "path_or_name")
    p = Path(path_or_name)
    if p.suffix == ".vrp" or p.exists():
        if not p.exists():
            raise ValueError(f"instance file {str(p)!r} does not exist")
        return p
    name = str(path_or_name)
    folder = resources.files("qbook.routing") / "cvrplib"
    cand = folder / f"{name}.vrp"
    if not cand.is_file():
        raise ValueError(f"unknown instance {name!r}; shipped: {', '.join(instance_names())}")
    return Path(str(cand))


def euclidean_rounded(coords: np.ndarray) -> np.ndarray:
    """CVRPLIB's EUC_2D distances: Euclidean, rounded to the nearest integer (nint).

    Introduced in chapter 8.
    """
    coords = chk.finite_array(coords, "coords", ndim=2)
    if coords.shape[1] != 2:
        raise ValueError(f"coords must be (N, 2), got shape {coords.shape}")
    if coords.size and np.abs(coords).max() > 1e150:
        raise ValueError("coords are too large for squared distances")
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.sqrt((diff**2).sum(-1)) + 0.5).astype(np.int64)


_BEST_RE = re.compile(
    r"(?:optimal|best(?:\s+known)?)\s+(?:value|cost|solution)\s*[:=]?\s*(\d+(?:\.\d+)?)", re.I
)


def best_cost_from_comment(comment: str) -> int | float | None:
    """The best-known cost a CVRPLIB COMMENT states ("Optimal value: 211", "Best value: 1073").

    Exactly as stated: an int for a whole number ("211" -> 211), a float where the comment has
    decimals ("Best value: 5623.47" -> 5623.47). None when the comment states none. Introduced
    in chapter 8.
    """
    if not isinstance(comment, str):
        raise TypeError(f"comment must be a str, got {type(comment).__name__}")
    m = _BEST_RE.search(comment)
    if m is None:
        return None
    text = m.group(1)
    return float(text) if "." in text else int(text)


def _scan(text: str) -> tuple[dict[str, int], dict[str, list[tuple[int, list[str]]]]]:
    """Line numbers of a CVRPLIB file's ``KEY : value`` entries and sections, and each
    section's data rows as ``(line number, tokens)``."""
    keys: dict[str, int] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        head = stripped.split(":")[0].strip().upper()
        if head.endswith("_SECTION") or head == "EOF" or ":" in stripped:
            keys.setdefault(head, lineno)
            current = sections.setdefault(head, []) if head.endswith("_SECTION") else None
        elif current is not None:
            current.append((lineno, stripped.split()))
    return keys, sections


def _check_node_ids(where: str, sections: dict, n: int) -> None:
    """Each data row of the node sections names a node 1..n, each once."""
    for sec in ("NODE_COORD_SECTION", "DEMAND_SECTION"):
        seen: dict[str, int] = {}
        for lineno, tokens in sections.get(sec, []):
            node = tokens[0]
            if not node.isdigit() or not 1 <= int(node) <= n:
                raise ValueError(f"{where}:{lineno}: {sec}: node id {node!r} is not in 1..{n}")
            if node in seen:
                raise ValueError(
                    f"{where}:{lineno}: {sec}: node id {node} repeated (first on line {seen[node]})"
                )
            seen[node] = lineno


def _field_line(exc: _FieldError, keys: dict, sections: dict) -> int | None:
    """The line of a .vrp file that a bad field came from, where it can be told."""
    if exc.field == "demands" and exc.index is not None:
        rows = sections.get("DEMAND_SECTION", [])
        return rows[exc.index][0] if exc.index < len(rows) else keys.get("DEMAND_SECTION")
    if exc.field == "D" and "EDGE_WEIGHT_SECTION" in keys:
        for lineno, tokens in sections["EDGE_WEIGHT_SECTION"]:
            if "negative" in str(exc) and any(t.startswith("-") for t in tokens):
                return lineno
        return keys["EDGE_WEIGHT_SECTION"]
    section = {"capacity": "CAPACITY", "D": "NODE_COORD_SECTION", "coords": "NODE_COORD_SECTION"}
    return keys.get(section.get(exc.field, ""), keys.get("DEMAND_SECTION"))


def read_instance(path_or_name: str | Path) -> Instance:
    """Read a CVRPLIB ``.vrp`` file (and its ``.sol`` beside it, if any) with ``vrplib``.

    The best-known cost comes from the ``.sol`` file when there is one, else from the COMMENT
    line (:func:`best_cost_from_comment`), else it is None (print it with :func:`cost_text`).

    ``path_or_name`` is a path or a bare name such as ``"E-n13-k4"`` for a shipped copy.
    EUC_2D distances are rounded to the nearest integer as CVRPLIB does (vrplib 2.x returns
    them unrounded); EXPLICIT instances give the matrix directly. A malformed file, or values
    that cannot be right (a negative demand, one above the capacity, a capacity of 0, a depot
    demand, repeated node ids, negative or asymmetric weights, a ``.sol`` naming a customer the
    instance lacks or breaking a capacity), raise ValueError naming the file, line and field.
    Introduced in chapter 8.
    """
    import vrplib

    path = _resolve(path_or_name)
    try:
        text = path.read_text()
        raw = vrplib.read_instance(str(path))
    except Exception as exc:  # vrplib raises many kinds of errors on bad text
        raise ValueError(f"malformed CVRPLIB file {path}: {exc}") from exc
    keys, sections = _scan(text)
    for key in ("dimension", "capacity", "demand"):
        if key not in raw:
            raise ValueError(f"malformed CVRPLIB file {path}: no {key.upper()} entry")
    try:
        n = chk.count(raw["dimension"], "DIMENSION", lo=1, hi=10**5)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}:{keys.get('DIMENSION')}: {exc}") from None
    _check_node_ids(str(path), sections, n)
    demands = np.asarray(raw["demand"])
    if demands.shape != (n,):
        raise ValueError(f"{path}: DEMAND_SECTION has {demands.size} entries, expected {n}")
    depot = np.atleast_1d(raw.get("depot", [0]))
    if depot.size != 1 or int(depot[0]) != 0:
        raise ValueError(
            f"{path}:{keys.get('DEPOT_SECTION')}: only one depot, the first node, is supported"
        )
    coords = None
    ewt = str(raw.get("edge_weight_type", "")).upper()
    if ewt == "EUC_2D":
        if "node_coord" not in raw:
            raise ValueError(f"{path}: EUC_2D without NODE_COORD_SECTION")
        coords = np.asarray(raw["node_coord"], dtype=float)
        if coords.shape != (n, 2):
            raise ValueError(f"{path}: coordinates have shape {coords.shape}, expected ({n}, 2)")
        try:
            D = euclidean_rounded(coords)
        except ValueError as exc:
            raise ValueError(f"{path}:{keys.get('NODE_COORD_SECTION')}: {exc}") from None
    elif ewt == "EXPLICIT":
        if "edge_weight" not in raw:
            raise ValueError(f"{path}: EXPLICIT without EDGE_WEIGHT_SECTION")
        D = np.asarray(raw["edge_weight"], dtype=float)
        if D.shape != (n, n) or not np.allclose(D, np.round(D)):
            raise ValueError(
                f"{path}:{keys.get('EDGE_WEIGHT_SECTION')}: explicit weights are not an "
                f"integer {n}x{n} matrix"
            )
        if "node_coord" in raw:
            coords = np.asarray(raw["node_coord"], dtype=float)
    else:
        raise ValueError(f"{path}: unsupported EDGE_WEIGHT_TYPE {ewt!r}")
    name = str(raw.get("name", path.stem))
    m = re.search(r"-k(\d+)", name)
    try:
        inst = Instance(
            name=name,
            coords=coords,
            demands=demands,
            capacity=raw["capacity"],
            D=D,
            n_vehicles=int(m.group(1)) if m and int(m.group(1)) > 0 else None,
            path=str(path),
        )
    except _FieldError as exc:
        raise ValueError(f"{path}:{_field_line(exc, keys, sections)}: {exc}") from None
    except TypeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    inst.comment = str(raw.get("comment", ""))
    inst.best_cost = best_cost_from_comment(inst.comment)
    sol = path.with_suffix(".sol")
    if sol.exists():
        _read_solution(inst, sol)
    return inst


def _read_solution(inst: Instance, sol: Path) -> None:
    """Set ``inst.best_routes`` and ``inst.best_cost`` from a CVRPLIB ``.sol`` file, checked."""
    import vrplib

    try:
        s = vrplib.read_solution(str(sol))
        routes = [list(map(int, r)) for r in s["routes"]]
        cost = chk.real(s["cost"], "cost", lo=0.0)
    except Exception as exc:  # vrplib raises many kinds of errors on bad text
        raise ValueError(f"malformed solution file {sol}: {exc}") from exc
    route_lines = [
        k
        for k, line in enumerate(sol.read_text(errors="replace").splitlines(), start=1)
        if line.strip().lower().startswith("route")
    ]
    try:
        inst.best_routes = _check_routes(inst, routes, "best_routes")
    except (_FieldError, TypeError) as exc:
        k = getattr(exc, "index", None)
        line = route_lines[k] if k is not None and k < len(route_lines) else None
        raise ValueError(f"{sol}:{line}: {exc}") from None
    actual = route_cost(inst.D, inst.best_routes)
    if abs(actual - cost) > 1e-6 * max(1.0, cost):
        raise ValueError(f"{sol}: the file states cost {cost:g}, its routes cost {actual:g}")
    inst.best_cost = int(cost) if cost == int(cost) else cost


def check_cvrp(D, demands, capacity, n_vehicles) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Check a CVRP's parts and return them as ``(D, integer demands, capacity, n_vehicles)``:
    a distance matrix, one non-negative integer demand per node with 0 at the depot, none above
    the capacity. Chapter 8."""
    D = check_distance_matrix(D)
    demands = chk.finite_array(demands, "demands", ndim=1)
    if demands.shape != (D.shape[0],):
        raise ValueError(
            f"demands must have one entry per node ({D.shape[0]}, depot first), got {demands.shape}"
        )
    if not np.allclose(demands, np.round(demands)) or np.any(demands < 0):
        raise ValueError("demands must be non-negative integers")
    demands = np.round(demands).astype(np.int64)
    if demands[0] != 0:
        raise ValueError("the depot (node 0) must have demand 0")
    capacity = chk.count(capacity, "capacity", lo=1)
    if np.any(demands > capacity):
        i = int(np.argmax(demands > capacity))
        raise ValueError(f"customer {i} has demand {demands[i]} above the capacity {capacity}")
    n_vehicles = chk.count(n_vehicles, "n_vehicles", lo=1)
    return D, demands, capacity, n_vehicles


def check_solution(inst: Instance, routes: Sequence[Sequence[int]]) -> None:
    """Raise ValueError unless every customer is served once, every load fits and there are at
    most ``inst.n_vehicles`` non-empty routes (the fleet). Chapter 8."""
    if not isinstance(inst, Instance):
        raise TypeError("check_solution needs an Instance (see read_instance)")
    _check_fields(inst)  # fields may have been changed since it was built (capacity = nan)
    routes = chk.routes(routes, "routes", inst.n_customers)
    try:
        _check_routes(inst, routes, "routes")
    except _FieldError as exc:
        raise ValueError(str(exc).removeprefix("Instance.routes: ")) from None


# ---------------------------------------------------------------------------------------------
# Classical reference: PyVRP
# ---------------------------------------------------------------------------------------------


def pyvrp_solve(inst: Instance, iterations: int, seed: int = 0) -> tuple[list[list[int]], float]:
    """Solve with PyVRP for ``iterations``; return ``(routes, cost)``.

    PyVRP's solver (``Model.solve``) is an iterated local search in the releases qbook
    installs (0.14: ``pyvrp.solve`` runs ``IteratedLocalSearch``); PyVRP began as an
    implementation of Vidal's hybrid genetic search, which older releases ran.

    The budget is a count of PyVRP iterations (``pyvrp.stop.MaxIterations``), not seconds, so the
    same instance, budget and seed give the same routes on an idle or a busy machine and on a
    fast or a slow one. The model is built from the instance's own integer matrix ``inst.D``
    (CVRPLIB's rounded distances), its demands and capacity, and a fleet of ``inst.n_vehicles``
    vehicles (``num_available=k``; one per customer only when the instance names no fleet), so
    the answer never uses more routes than the instance allows. The cost is recomputed with
    ``inst.D`` as a check. Introduced in chapter 8.
    """
    from pyvrp import Model
    from pyvrp.stop import MaxIterations

    if not isinstance(inst, Instance):
        raise TypeError("pyvrp_solve needs an Instance (see read_instance)")
    iterations = chk.count(iterations, "iterations", lo=1, hi=10**9)
    seed = chk.seed(seed, hi=2**32 - 1)  # PyVRP keeps a 32-bit seed
    k = inst.n_vehicles if inst.n_vehicles is not None else inst.n_customers
    m = Model()
    m.add_vehicle_type(num_available=int(k), capacity=[int(inst.capacity)])
    xy = inst.coords if inst.coords is not None else np.zeros((inst.n_nodes, 2))
    locs = [m.add_location(x=float(xy[i, 0]), y=float(xy[i, 1])) for i in range(inst.n_nodes)]
    m.add_depot(locs[0])
    for i in range(1, inst.n_nodes):
        m.add_client(locs[i], delivery=[int(inst.demands[i])])
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                m.add_edge(a, b, distance=int(inst.D[i, j]))
    res = m.solve(stop=MaxIterations(iterations), seed=int(seed), display=False)
    if not res.best.is_feasible():
        raise ValueError(
            f"PyVRP found no feasible solution for {inst.name} with {k} vehicles in {iterations} "
            "iterations"
        )
    nd = 1  # one depot: client indices follow it, in the order they were added (node 1, 2, ...)
    routes = [[int(a.idx) + nd for a in r.schedule() if a.is_client()] for r in res.best.routes()]
    cost = route_cost(inst.D, routes)
    if abs(cost - res.cost()) > 1e-6:
        raise ValueError(f"PyVRP cost {res.cost()} differs from our {cost}")
    check_solution(inst, routes)
    return routes, cost


def cost_text(value: float | None, fmt: str = "g") -> str:
    """A cost for printing, ``"n/a"`` when it is unknown (None). Introduced in chapter 8."""
    if value is None:
        return "n/a"
    value = chk.real(value, "value")
    fmt = chk.string(fmt, "fmt")
    return format(value, fmt)


def gap_text(cost: float, best: float | None, fmt: str = "+.1%") -> str:
    """``cost / best - 1`` for printing, ``"n/a"`` when the best-known cost is unknown.

    Introduced in chapter 8.
    """
    if best is None or cost is None:
        return "n/a"
    cost, best = chk.real(cost, "cost"), chk.real(best, "best")
    fmt = chk.string(fmt, "fmt")
    if not (np.isfinite(cost) and np.isfinite(best)) or best <= 0:
        raise ValueError(f"need a finite cost and a positive best-known cost, got {cost}, {best}")
    return format(cost / best - 1, fmt)


# ---------------------------------------------------------------------------------------------
# Route maps
# ---------------------------------------------------------------------------------------------


def mds_coords(D: np.ndarray) -> np.ndarray:
    """2-D positions whose distances approximate ``D`` (classical MDS), for drawing EXPLICIT
    instances that come without coordinates. Chapter 8."""
    D = chk.distance_matrix(D, "D", min_nodes=1)
    if np.abs(D).max(initial=0) > 1e150:
        raise ValueError("D is too large for squared distances")
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    w, v = np.linalg.eigh(B)
    top = np.argsort(w)[::-1][:2]
    return v[:, top] * np.sqrt(np.maximum(w[top], 0))


def plot_routes(inst: Instance, routes: Sequence[Sequence[int]], ax=None, title: str | None = None):
    """Route map: depot as a black square, one colour per route, customers labelled. Chapter 8."""
    import matplotlib.pyplot as plt

    if not isinstance(inst, Instance):
        raise TypeError(
            f"plot_routes needs an Instance (see read_instance), got {type(inst).__name__}"
        )
    routes = chk.routes(routes, "routes", inst.n_customers)
    if title is not None:
        title = chk.string(title, "title")
    xy = inst.coords if inst.coords is not None else mds_coords(inst.D)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    colours = plt.get_cmap("tab10")
    for k, r in enumerate(routes):
        path = [0, *r, 0]
        ax.plot(xy[path, 0], xy[path, 1], "-o", ms=4, lw=1.5, color=colours(k % 10))
    ax.plot(*xy[0], "ks", ms=10, label="depot")
    for i in range(1, len(xy)):
        ax.annotate(str(i), xy[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    cost = route_cost(inst.D, routes)
    ax.set_title(title or f"{inst.name}: {len(routes)} routes, cost {cost:g}", fontsize=9)
    ax.set_aspect("equal", adjustable="datalim")
    if inst.coords is None:
        ax.set_xlabel("positions from distances (MDS)", fontsize=8)
    return ax

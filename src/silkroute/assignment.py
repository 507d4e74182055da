"""Demand assignment with congestion: flows choose routes that respond to the queues they cause.

A *demand* (``data/demand.csv`` or any file like it) is a list of flows: origin, destination, a
quantity (trains a day or a year, TEU a year, FEU a day) and optionally the corridor it runs on.
:func:`assign` routes every flow and loads the links that have a capacity (``capacity.csv``: border
crossings, breaks of gauge, ferries, lines). The time at such a link is its base dwell plus the
queueing wait of :mod:`silkroute.queueing` at its utilisation ``ρ = flow / capacity`` (per
direction), so a crossing that fills up becomes slower and part of the flow moves to another one.

The equilibrium (Wardrop's: no flow can shorten its expected door-to-door time by changing route)
is found with the Frank–Wolfe algorithm: all-or-nothing assignments on the current times, a line
search on the Beckmann objective (bisection on its derivative), until the relative gap
``(Σ flow × time − Σ demand × shortest time) / Σ flow × time`` is below the tolerance. Path flows
are kept, so each flow's split over routes (and crossings) is reported.

Units: flows and capacities in FEU a day (1 FEU = 2 TEU; a train = 55 FEU; ``data/economics.toml``),
times in hours.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np

from silkroute import catalog as _catalog
from silkroute import corridors as _corridors
from silkroute import routing, schema
from silkroute._engine import Compiled
from silkroute._errors import CatalogError, InputError, NoRouteError
from silkroute.costs import load_economics
from silkroute.queueing import QueueModel, calibrate, service_h
from silkroute.routing import Route

__all__ = ["Assignment", "Capacity", "Flow", "LinkLoad", "assign", "capacities", "load_demand", "queue_model"]

Triple = tuple[float, float, float]
#: The time component a capacity's queue replaces (its base dwell), by link kind.
QUEUED_COMPONENT = {
    schema.CROSSING: schema.BORDER,
    schema.GAUGE_CHANGE: schema.GAUGE_CHANGE,
    schema.FERRY: schema.FERRY_WAIT,
}


def _container(cat: _catalog.Catalog) -> dict[str, float]:
    c = load_economics(cat).get("container", {})
    return {
        "feu_per_train": float(c.get("feu_per_train_mode", 55.0)),
        "teu_per_feu": float(c.get("teu_per_feu", 2.0)),
        "payload_t": float(c.get("payload_t_per_feu", 20.0)),
    }


def _to_feu_per_day(value: float, unit: str, k: Mapping[str, float]) -> float:
    factor = {
        "trains_per_day": k["feu_per_train"],
        "train_pairs_per_day": k["feu_per_train"],  # a pair is one train each way: per direction
        "trains_per_year": k["feu_per_train"] / 365.0,
        "feu_per_day": 1.0,
        "teu_per_day": 1.0 / k["teu_per_feu"],
        "teu_per_year": 1.0 / k["teu_per_feu"] / 365.0,
        "mt_per_year": 1e6 / k["payload_t"] / 365.0,
    }[unit]
    return value * factor


@dataclass(frozen=True)
class Capacity:
    """The capacity of one link in one direction (``forward`` = as the catalog lists it), FEU a day."""

    ref: str
    direction: str
    feu_per_day: Triple
    base_h: Triple | None = None
    row: str = ""
    source: str = ""


def capacities(cat: _catalog.Catalog | None = None) -> list[Capacity]:
    """Return the capacities of ``capacity.csv`` in FEU a day, one per link and direction.

    Parameters
    ----------
    cat
        A loaded catalog; the embedded one by default.

    Returns
    -------
    list of Capacity
        Empty when the catalog has no ``capacity.csv``.
    """
    cat = cat or _catalog.load()
    if cat.capacity is None:
        return []
    k = _container(cat)
    out = []
    base_cols = ("base_low_h", "base_mode_h", "base_high_h")
    for row in cat.capacity.to_dict("records"):
        feu = tuple(_to_feu_per_day(v, str(row["unit"]), k) for v in schema.CAPACITY.read(row))
        base = tuple(float(row[c]) for c in base_cols) if all(row.get(c) is not None for c in base_cols) else None
        for ref in row["link"]:
            for direction in ("forward", "reverse") if row["direction"] == "both" else (str(row["direction"]),):
                out.append(Capacity(ref, direction, feu, base, str(row["id"]), str(row["source"])))  # type: ignore[arg-type]
    return out


def queue_model(cat: _catalog.Catalog | None = None) -> QueueModel:
    """Return the queue model calibrated as ``economics.toml`` says (see :mod:`silkroute.queueing`).

    Parameters
    ----------
    cat
        A loaded catalog; the embedded one by default.

    Returns
    -------
    QueueModel
        Its variability is calibrated on the ``[queue]`` observation.
    """
    cat = cat or _catalog.load()
    cfg = load_economics(cat)
    q = cfg.get("queue", {})
    k = _container(cat)
    try:
        rho = float(q["calibration_trains_per_day"]) / float(q["calibration_capacity_trains_per_day"])
        service = service_h(float(q["calibration_capacity_trains_per_day"]) * k["feu_per_train"], k["feu_per_train"])
        v = calibrate(float(q["calibration_wait_h"]), rho, service)
    except (KeyError, ValueError) as exc:
        msg = f"{cat.directory / 'economics.toml'}, table [queue]: the calibration needs wait, trains and capacity ({exc})"
        raise InputError(msg) from None
    return QueueModel(v, k["feu_per_train"], float(q.get("rho_max", 0.98)), str(q.get("calibration_source", "")))


@dataclass(frozen=True)
class Flow:
    """One row of a demand file, in FEU a day."""

    id: str
    origin: str
    destination: str
    feu_per_day: float
    corridor: str | None = None
    quantity: float = 0.0
    unit: str = ""
    source: str = ""


def load_demand(path: str | os.PathLike[str] | None = None, cat: _catalog.Catalog | None = None) -> list[Flow]:
    """Read a demand file (``data/demand.csv`` by default) and convert its quantities to FEU a day.

    Parameters
    ----------
    path
        A CSV file (see :func:`silkroute.catalog.load_demand` for its columns).
    cat
        The catalog; the embedded one by default.

    Returns
    -------
    list of Flow
        One per row.

    Raises
    ------
    silkroute.CatalogError
        Naming the file, row and column of a bad cell, an unknown place or an unknown corridor.
    """
    cat = cat or _catalog.load()
    table = _catalog.load_demand(path, cat)
    k = _container(cat)
    defs = _corridors.load()
    out = []
    for i, row in enumerate(table.to_dict("records"), start=2):
        corridor = row.get("corridor")
        if corridor is not None and corridor not in defs:
            file = path if path is not None else cat.directory / "demand.csv"
            msg = f"{file}, row {i}, column 'corridor': unknown corridor {corridor!r}; use one of {', '.join(defs)} or leave it empty"
            raise CatalogError(msg)
        quantity = float(row["quantity"])
        out.append(
            Flow(
                str(row["id"]),
                str(row["origin"]),
                str(row["destination"]),
                _to_feu_per_day(quantity, str(row["unit"]), k),
                corridor,
                quantity,
                str(row["unit"]),
                str(row.get("source") or ""),
            )
        )
    return out


@dataclass
class LinkLoad:
    """A capacitated link in one direction at the equilibrium."""

    ref: str
    direction: str
    name: str
    capacity_feu_per_day: float
    flow_feu_per_day: float
    base_h: float
    wait_h: float
    feu_per_train: float
    row: str = ""

    @property
    def utilisation(self) -> float:
        """Flow / capacity."""
        return self.flow_feu_per_day / self.capacity_feu_per_day

    @property
    def dwell_h(self) -> float:
        """Base dwell plus the queueing wait, hours."""
        return self.base_h + self.wait_h

    def to_dict(self) -> dict[str, Any]:
        """Return the load as a JSON-ready dict.

        Returns
        -------
        dict
            Link, direction, FEU and trains a day, capacity, utilisation, base, wait and dwell hours.
        """
        return {
            "ref": self.ref,
            "direction": self.direction,
            "name": self.name,
            "capacity_row": self.row,
            "capacity_feu_per_day": round(self.capacity_feu_per_day, 1),
            "capacity_trains_per_day": round(self.capacity_feu_per_day / self.feu_per_train, 2),
            "flow_feu_per_day": round(self.flow_feu_per_day, 1),
            "flow_trains_per_day": round(self.flow_feu_per_day / self.feu_per_train, 2),
            "utilisation": round(self.utilisation, 4),
            "over_capacity": self.utilisation >= 1.0,
            "base_h": round(self.base_h, 2),
            "wait_h": round(self.wait_h, 2),
            "dwell_h": round(self.dwell_h, 2),
            "dwell_days": round(self.dwell_h / 24.0, 2),
        }


@dataclass
class FlowResult:
    """A flow at the equilibrium: its routes with their shares and congested times."""

    flow: Flow
    paths: list[tuple[Route, float, float]]  # route, share of the flow, congested hours
    time_h: float  # the shortest congested time (equal for every used route at equilibrium)
    free_time_h: float  # the uncongested time of the route the flow would take alone

    def crossings(self) -> dict[str, float]:
        """Share of the flow through each border crossing it uses."""
        out: dict[str, float] = {}
        for r, share, _h in self.paths:
            for ref in r.links(schema.CROSSING):
                out[ref] = out.get(ref, 0.0) + share
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the flow's result as a JSON-ready dict.

        Returns
        -------
        dict
            The flow, its FEU a day, congested days and the split over routes and crossings.
        """
        f = self.flow
        return {
            "id": f.id,
            "origin": f.origin,
            "destination": f.destination,
            "corridor": f.corridor,
            "quantity": f.quantity,
            "unit": f.unit,
            "feu_per_day": round(f.feu_per_day, 1),
            "time_h": round(self.time_h, 1),
            "time_days": round(self.time_h / 24.0, 2),
            "free_time_days": round(self.free_time_h / 24.0, 2),
            "crossings": {k: round(v, 4) for k, v in sorted(self.crossings().items(), key=lambda kv: -kv[1])},
            "routes": [
                {
                    "share": round(share, 4),
                    "time_days": round(hours / 24.0, 2),
                    "countries": r.countries,
                    "crossings": [c["id"] for c in r.crossings],
                }
                for r, share, hours in self.paths
            ],
        }


@dataclass
class Assignment:
    """The equilibrium of a demand on one scenario network."""

    scenario: str
    links: list[LinkLoad]
    flows: list[FlowResult]
    iterations: int
    relative_gap: float
    converged: bool
    tolerance: float
    queue: QueueModel
    volumes: dict[str, float] = field(default_factory=dict)  # link reference -> FEU a day, both directions

    def to_dict(self) -> dict[str, Any]:
        """Return the assignment as a JSON-ready dict (the ``assign`` CLI contract).

        Returns
        -------
        dict
            Convergence, the queue parameters, one entry per capacitated link and direction, one per flow.
        """
        return {
            "scenario": self.scenario,
            "method": "frank-wolfe",
            "iterations": self.iterations,
            "relative_gap": self.relative_gap,
            "converged": self.converged,
            "tolerance": self.tolerance,
            "queue": {
                "formula": "dwell = base + v * rho / (1 - rho) * t_s, t_s = FEU per train / capacity",
                "variability": round(self.queue.variability, 4),
                "feu_per_train": self.queue.feu_per_train,
                "rho_max": self.queue.rho_max,
                "calibration": self.queue.source,
            },
            "links": [link.to_dict() for link in self.links],
            "flows": [f.to_dict() for f in self.flows],
        }

    def to_records(self) -> list[dict[str, Any]]:
        """Return one flat row per capacitated link and direction.

        Returns
        -------
        list of dict
            The rows of :meth:`LinkLoad.to_dict`, with the scenario.
        """
        return [{"scenario": self.scenario, **link.to_dict()} for link in self.links]


class _Problem:
    """Edges with queues: base times, groups of edges that share a queue, and the flows' routing requests."""

    def __init__(self, net: Compiled, caps: Sequence[Capacity], queue: QueueModel) -> None:
        self.net, self.queue = net, queue
        m = len(net.edge_keys)
        self.base = net.weights["time"].astype(float).copy()  # seconds
        self.edge_group = np.full(m, -1, dtype=np.int64)
        self.edge_share = np.zeros(m)
        self.groups: list[tuple[Capacity, np.ndarray, float]] = []  # capacity, edges, base hours
        self.capacity: list[float] = []
        for cap in caps:
            ix = net.ref_edges.get(cap.ref)
            if ix is None:
                continue
            kind = schema.split_ref(cap.ref)[0]
            data = [net.view.edges[net.edge_keys[i]] for i in ix]
            edges = np.array(
                [i for i, d in zip(ix, data, strict=True) if bool(d.get("reversed")) == (cap.direction == "reverse")]
            )
            if len(edges) == 0:
                continue
            capacity = expected_of(cap.feu_per_day, net)
            base_h = 0.0
            if kind in QUEUED_COMPONENT:
                attr = schema.component_attr(QUEUED_COMPONENT[kind])
                catalog_h = [float(net.view.edges[net.edge_keys[i]].get(attr, 0.0)) for i in edges]
                if cap.base_h is not None:  # the catalog dwell is itself the queue: use the uncongested base
                    base_h = expected_of(cap.base_h, net)
                    self.base[edges] += (base_h - np.array(catalog_h)) * 3600.0
                else:
                    base_h = float(np.mean(catalog_h))
                self._add(cap, edges, np.ones(len(edges)), float(capacity), base_h)
            else:  # a line: each section queues for its share of the line's length
                lengths = np.array([float(net.view.edges[net.edge_keys[i]].get(schema.LENGTH, 0.0)) for i in edges])
                total = float(lengths.sum()) or 1.0
                for e, length in zip(edges, lengths, strict=True):
                    self._add(cap, np.array([e]), np.array([length / total]), float(capacity), 0.0)

    def _add(self, cap: Capacity, edges: np.ndarray, shares: np.ndarray, capacity: float, base_h: float) -> None:
        g = len(self.groups)
        self.groups.append((cap, edges, base_h))
        self.capacity.append(capacity)
        self.edge_group[edges] = g
        self.edge_share[edges] = shares

    def group_flows(self, x: np.ndarray) -> np.ndarray:
        mask = self.edge_group >= 0
        return np.bincount(self.edge_group[mask], weights=x[mask], minlength=len(self.groups))

    def waits_h(self, x: np.ndarray) -> np.ndarray:
        flows = self.group_flows(x)
        return np.array([self.queue.wait_h(f, c) for f, c in zip(flows, self.capacity, strict=True)])

    def times(self, x: np.ndarray) -> np.ndarray:
        """Edge times in seconds at edge flows ``x`` (FEU a day)."""
        t = self.base.copy()
        mask = self.edge_group >= 0
        if mask.any():
            t[mask] += self.edge_share[mask] * self.waits_h(x)[self.edge_group[mask]] * 3600.0
        return t


def expected_of(triple: Triple, net: Compiled) -> float:
    """The expected value of a triple under the network's time model."""
    model = net.G.graph.get("time_model")
    low, mode, high = triple
    return float(model.mean((low, mode, high))) if model is not None else (low + 4 * mode + high) / 6.0


def _route(net: Compiled, flow: Flow, defs: _corridors.Corridors, times: np.ndarray) -> list[int]:
    w = replace(net, weights={**net.weights, "time": times})
    if flow.corridor:
        r = _corridors.corridor_routes(w, defs[flow.corridor], flow.origin, flow.destination, explain=False)[0]
    else:
        r = routing.route(w, flow.origin, flow.destination, explain=False)[0]
    index = _edge_index(net)
    return [index[e] for e in r.edges]


_INDEX_CACHE: dict[int, dict[tuple[Any, Any, Any], int]] = {}


def _edge_index(net: Compiled) -> dict[tuple[Any, Any, Any], int]:
    key = id(net.edge_keys)
    if key not in _INDEX_CACHE:
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = {e: i for i, e in enumerate(net.edge_keys)}
    return _INDEX_CACHE[key]


def assign(
    G: nx.MultiDiGraph | Compiled,
    demand: Sequence[Flow] | None = None,
    *,
    capacity: Sequence[Capacity] | None = None,
    queue: QueueModel | None = None,
    corridors: _corridors.Corridors | None = None,
    tolerance: float = 1e-3,
    max_iterations: int = 500,
) -> Assignment:
    """Route a demand to the congested equilibrium (Frank–Wolfe) and report the load of every capacitated link.

    Parameters
    ----------
    G
        A scenario network with travel times, or its compiled form.
    demand
        The flows; ``data/demand.csv`` by default.
    capacity
        The capacities; ``capacity.csv`` of the network's catalog by default.
    queue
        The queue model; calibrated from ``economics.toml`` by default.
    corridors
        The corridor definitions flows may name; the embedded ones by default.
    tolerance
        Stop when the relative gap is below this.
    max_iterations
        Stop after this many iterations (``converged`` is then ``False``).

    Returns
    -------
    Assignment
        Link loads, flows with their routes, iterations and the relative gap.

    Raises
    ------
    NoRouteError
        If a flow has no route (the message names it).
    InputError
        If the tolerance or the iteration limit is out of range.
    """
    if not (math.isfinite(tolerance) and 0 < tolerance < 1):
        msg = f"the tolerance must be a number between 0 and 1, not {tolerance!r}"
        raise InputError(msg)
    if max_iterations < 1:
        msg = f"max_iterations must be at least 1, not {max_iterations!r}"
        raise InputError(msg)
    net = routing.compile(G)
    cat = _catalog.load(net.G.graph.get("catalog")) if net.G.graph.get("catalog") else _catalog.load()
    flows = list(demand) if demand is not None else load_demand(cat=cat)
    caps = list(capacity) if capacity is not None else capacities(cat)
    queue = queue or queue_model(cat)
    defs = corridors or _corridors.load()
    problem = _Problem(net, caps, queue)
    d = np.array([f.feu_per_day for f in flows])

    def aon(times: np.ndarray) -> list[list[int]]:
        out = []
        for f in flows:
            try:
                out.append(_route(net, f, defs, times))
            except NoRouteError as exc:
                msg = f"demand {f.id} ({f.origin} > {f.destination}) has no route: {exc}"
                raise NoRouteError(msg) from None
        return out

    def load(paths: list[list[int]]) -> np.ndarray:
        x = np.zeros(len(net.edge_keys))
        for p, q in zip(paths, d, strict=True):
            np.add.at(x, p, q)
        return x

    free = aon(problem.base)
    path_flows: list[dict[tuple[int, ...], float]] = [{tuple(p): 1.0} for p in free]
    x = load(free)
    gap, it = math.inf, 0
    for it in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        t = problem.times(x)
        y_paths = aon(t)
        y = load(y_paths)
        total = float(x @ t)
        gap = (total - float(y @ t)) / total if total > 0 else 0.0
        if gap < tolerance:
            break
        direction = y - x
        lo, hi = 0.0, 1.0
        if float(direction @ problem.times(x + direction)) <= 0:
            step = 1.0
        else:
            for _ in range(40):
                mid = (lo + hi) / 2.0
                if float(direction @ problem.times(x + mid * direction)) > 0:
                    hi = mid
                else:
                    lo = mid
            step = (lo + hi) / 2.0
        x = x + step * direction
        for k, p in enumerate(y_paths):
            shares = {q: s * (1.0 - step) for q, s in path_flows[k].items()}
            shares[tuple(p)] = shares.get(tuple(p), 0.0) + step
            path_flows[k] = {q: s for q, s in shares.items() if s > 1e-9}
    t = problem.times(x)
    converged = gap < tolerance
    waits = problem.waits_h(x)
    flows_g = problem.group_flows(x)
    links: dict[tuple[str, str], LinkLoad] = {}
    for g, (cap, edges, base_h) in enumerate(problem.groups):
        d0 = net.view.edges[net.edge_keys[int(edges[0])]]
        key = (cap.ref, cap.direction)
        share = float(problem.edge_share[edges[0]])
        if key in links:  # a line: its sections' waits add up, the busiest section's flow is shown
            link = links[key]
            link.wait_h += share * float(waits[g])
            link.flow_feu_per_day = max(link.flow_feu_per_day, float(flows_g[g]))
            continue
        links[key] = LinkLoad(
            cap.ref,
            cap.direction,
            str(d0.get("name") or cap.ref),
            problem.capacity[g],
            float(flows_g[g]),
            base_h,
            share * float(waits[g]),
            queue.feu_per_train,
            cap.row,
        )
    view = net.view
    results = []
    for k, f in enumerate(flows):
        paths = []
        for path, share in sorted(path_flows[k].items(), key=lambda kv: -kv[1]):
            r = Route(view, net.edge_ids(path), "time")
            paths.append((r, share, float(t[list(path)].sum()) / 3600.0))
        best = min(float(t[list(p)].sum()) for p in path_flows[k]) / 3600.0
        results.append(FlowResult(f, paths, best, float(problem.base[free[k]].sum()) / 3600.0))
    volumes: dict[str, float] = {}
    reversed_ = np.array([bool(net.view.edges[e].get("reversed")) for e in net.edge_keys])
    for ref, ix in net.ref_edges.items():
        if schema.split_ref(ref)[0] == "line":  # sections in series: the busiest section, per direction
            v = sum(float(x[ix[reversed_[ix] == r]].max(initial=0.0)) for r in (False, True))
        else:  # parallel edges (gauge layers, rail and road on a ferry): their sum
            v = float(x[ix].sum())
        if v > 0:
            volumes[ref] = v
    return Assignment(
        str(net.G.graph.get("scenario", "")),
        sorted(links.values(), key=lambda link: -link.utilisation),
        results,
        it,
        float(gap),
        converged,
        tolerance,
        queue,
        volumes,
    )

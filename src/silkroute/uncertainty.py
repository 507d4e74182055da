"""Monte Carlo door-to-door times: corridor times as distributions, not single numbers.

Every uncertain value of the time model (dwell per crossing, transshipment per
break of gauge, ferry sailing and wait, pace per speed class, truck rest) is a
low/mode/high triple. Each draw samples every value once (Beta-PERT or
triangular, as ``data/timing.toml`` says), so a crossing used by two corridors
has the same dwell in both within a draw and the corridors' difference is
correlated as it should be. Every draw is routed exactly: an edge's hours are
linear in the sampled values (a sparse edges × parameters matrix, built once),
so a batch of draws is one matrix product, and each corridor's constraints
(waypoints, avoided countries, no ferries, mode) stay masks and stages of the
array engine, searched for all draws of a batch at once (:mod:`silkroute._draws`).
A corridor's ``candidates`` are the distinct best routes the draws found.

Closures and timetables add a wait that depends on when the consignment
arrives: a closure's closed days a year ``D`` are sampled, then the link is
closed on arrival with probability ``D / 365`` and, if so, reopens after a
uniform share of a sampled closure length; a timetable's headway is sampled,
then the wait is a uniform share of it. Both keep the expected wait of the
time model (``D / 365 × mean length / 2``, half the mean headway).

On networks with costs and CO₂e (:mod:`silkroute.costs`, :mod:`silkroute.emissions`)
each draw also samples every cost row and emission factor and electrified
share once, and reports the cost and CO₂e per FEU of the route the corridor
takes in that draw.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from silkroute import _draws, routing
from silkroute import corridors as _corridors
from silkroute import costs as _costs
from silkroute import emissions as _emissions
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import InputError, NoRouteError
from silkroute._progress import progress
from silkroute.routing import Route
from silkroute.timing import TimeModel, edge_parameters, rest_factor

__all__ = ["CorridorDistribution", "UncertaintyResult", "parameter_matrix", "sample_triples", "simulate", "simulate_on"]

_REST = ("rest", "road")


def sample_triples(triples: np.ndarray, draws: int, rng: np.random.Generator, distribution: str = "pert") -> np.ndarray:
    """Sample each low/mode/high row ``draws`` times.

    Parameters
    ----------
    triples
        Array of shape (n, 3) with low <= mode <= high.
    draws
        Number of draws.
    rng
        The random generator (reproducible with a seed).
    distribution
        ``"pert"`` (Beta-PERT, shape 4) or ``"triangular"``.

    Returns
    -------
    numpy.ndarray
        Shape (n, draws). Degenerate rows (low == high) are constant.
    """
    t = np.asarray(triples, dtype=float).reshape(-1, 3)
    low, mode, high = t[:, 0:1], t[:, 1:2], t[:, 2:3]
    span = high - low
    u = rng.random((len(t), draws))
    if distribution == "triangular":
        c = np.divide(mode - low, span, out=np.zeros_like(span), where=span > 0)
        # inverse CDF of the triangular distribution on [0, 1] with mode c
        x = np.where(u < c, np.sqrt(u * c), 1.0 - np.sqrt((1.0 - u) * (1.0 - c)))
    elif distribution == "pert":
        safe = np.where(span > 0, span, 1.0)
        alpha = 1.0 + 4.0 * (mode - low) / safe
        beta = 1.0 + 4.0 * (high - mode) / safe
        x = rng.beta(np.broadcast_to(alpha, u.shape), np.broadcast_to(beta, u.shape))
    else:
        msg = f"unknown distribution {distribution!r}; use pert or triangular"
        raise InputError(msg)
    return np.asarray(low + span * x)


@dataclass
class CorridorDistribution:
    """Simulated door-to-door days of one corridor."""

    corridor: str
    feasible: bool
    reason: str = ""
    days: np.ndarray | None = field(default=None, repr=False)
    candidates: list[Route] = field(default_factory=list, repr=False)  # the distinct best routes of the draws
    expected_days: float | None = None  # deterministic time of the best route
    cost_usd: np.ndarray | None = field(default=None, repr=False)  # per draw, of the path taken
    co2_kg: np.ndarray | None = field(default=None, repr=False)
    shares: list[float] = field(default_factory=list, repr=False)  # share of draws each candidate was best in

    def quantiles(self) -> dict[str, float | None]:
        """Return P10, P50, P90 and the mean in days, and of the cost (USD) and CO₂e (kg) per FEU.

        Returns
        -------
        dict
            ``p10_days``, ``p50_days``, ``p90_days``, ``mean_days``, then ``*_cost_usd`` and ``*_co2_kg``
            (``None`` when not feasible or the network has no costs or CO₂e).
        """
        out = _quantiles(self.days, "days", 2)
        out.update(_quantiles(self.cost_usd, "cost_usd", 0))
        out.update(_quantiles(self.co2_kg, "co2_kg", 0))
        return out


def _quantiles(values: np.ndarray | None, unit: str, digits: int) -> dict[str, float | None]:
    names = [f"{q}_{unit}" for q in ("p10", "p50", "p90", "mean")]
    if values is None:
        return dict.fromkeys(names)
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return dict(zip(names, (round(float(v), digits) for v in (p10, p50, p90, values.mean())), strict=True))


@dataclass
class UncertaintyResult:
    """The simulation of all corridors for one origin, destination and scenario."""

    origin: str
    destination: str
    scenario: str
    draws: int
    seed: int | None
    distribution: str
    corridors: list[CorridorDistribution]
    reference: str = ""
    #: The sampled value of every parameter in every draw: (kind, id) → one value per draw.
    parameters: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)

    def difference(self, a: str, b: str, by_days: Sequence[float] = (7.0, 10.0)) -> dict[str, Any] | None:
        """Return the distribution of the gain of corridor ``a`` over corridor ``b`` (days ``b − a``).

        Parameters
        ----------
        a, b
            Corridor names.
        by_days
            Gains whose probability is reported (``p_a_faster_by``); 7 and 10 days are also
            always reported as ``p_a_faster_by_7d`` and ``p_a_faster_by_10d``.

        Returns
        -------
        dict or None
            Median and mean of ``a − b``, P(``a`` faster), P(faster by at least each of ``by_days``
            and by 7 and 10 days); ``None`` if either is not feasible.
        """
        da, db = self._days(a), self._days(b)
        if da is None or db is None:
            return None
        gain = db - da
        return {
            "a": a,
            "b": b,
            "p50_days": round(float(np.median(da - db)), 2),
            "mean_days": round(float((da - db).mean()), 2),
            "p_a_faster": round(float((gain > 0).mean()), 4),
            "p_a_faster_by_7d": round(float((gain >= 7.0).mean()), 4),
            "p_a_faster_by_10d": round(float((gain >= 10.0).mean()), 4),
            "p_a_faster_by": {f"{d:g}": round(float((gain >= d).mean()), 4) for d in by_days},
        }

    def _days(self, name: str) -> np.ndarray | None:
        return next((c.days for c in self.corridors if c.corridor == name), None)

    def differences(self) -> list[dict[str, Any]]:
        """Return :meth:`difference` for every ordered pair of feasible corridors.

        Returns
        -------
        list of dict
            One per ordered pair.
        """
        names = [c.corridor for c in self.corridors if c.feasible]
        out = [self.difference(a, b) for a, b in itertools.permutations(names, 2)]
        return [d for d in out if d is not None]

    def to_dict(self) -> dict[str, Any]:
        """Return the simulation as a JSON-ready dict (the ``uncertainty`` CLI contract).

        Returns
        -------
        dict
            The request, one entry per corridor with its quantiles, and every pairwise difference.
        """
        return {
            "origin": self.origin,
            "destination": self.destination,
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed,
            "distribution": self.distribution,
            "reference": self.reference,
            "corridors": [
                {
                    "corridor": c.corridor,
                    "feasible": c.feasible,
                    "reason": c.reason or None,
                    "expected_days": None if c.expected_days is None else round(c.expected_days, 2),
                    "expected_cost_usd": _round(c.candidates[0].cost_usd if c.candidates else None, 0),
                    "expected_co2_kg": _round(c.candidates[0].co2_kg if c.candidates else None, 0),
                    "candidates": len(c.candidates),
                    **c.quantiles(),
                }
                for c in self.corridors
            ],
            "differences": self.differences(),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _phase(keys: list[tuple[str, str]], values: np.ndarray, model: TimeModel, rng: np.random.Generator) -> np.ndarray:
    """Where in a closure or a headway each draw arrives: scale the sampled closed days and headways in place.

    A closure's row holds its closed days a year ``D``; the time model adds ``D × L̄ × 24 / 730`` hours,
    ``L̄`` the mean closure length. In a draw the link is closed on arrival with probability ``D / 365``,
    and then reopens after ``U × L`` days (``U`` uniform, ``L`` a sampled length), so the row becomes
    ``D × B × 2U × (L / L̄) / (D / 365)``. A headway row becomes ``h × 2U``.
    """
    draws = values.shape[1]
    for i, (kind, ref) in enumerate(keys):
        if kind == "headway":
            values[i] *= 2.0 * rng.random(draws)
        elif kind == "closure" and ref in model.closures:
            closure = model.closures[ref]
            p = values[i] / 365.0
            lengths = sample_triples(np.array([closure.event_days]), draws, rng, model.distribution)[0]
            mean_length = model.mean(closure.event_days)
            closed = rng.random(draws) < p
            factor = np.divide(2.0 * rng.random(draws) * lengths / mean_length, p, out=np.zeros(draws), where=p > 0)
            values[i] *= np.where(closed, factor, 0.0)
    return values


class _Money:
    """Cost and CO₂e per FEU of candidate paths, sampled draw by draw (see the module docstring)."""

    def __init__(self, G: nx.MultiDiGraph, routes: list[Route], draws: int, rng: np.random.Generator) -> None:
        self.cost_model = G.graph.get("cost_model")
        self.emission_model = G.graph.get("emission_model")
        self.cost_values: dict[str, np.ndarray] = {}
        self.co2_values: dict[str, np.ndarray] = {}
        cost_keys: set[str] = set()
        share_keys: set[str] = set()
        factor_keys: set[str] = set()
        for r in routes:
            for (u, v, _k), d in zip(r.edges, r.edge_data, strict=True):
                if isinstance(self.cost_model, _costs.CostModel):
                    cost_keys |= {
                        rid for _c, rid, _x in _costs.edge_terms(r.G.nodes[u], r.G.nodes[v], d, self.cost_model)
                    }
                if isinstance(self.emission_model, _emissions.EmissionModel):
                    for _c, share, _p, factor, _t in _emissions.edge_terms(r.G.nodes[u], d, self.emission_model):
                        factor_keys.add(factor)
                        if share is not None:
                            share_keys.add(share)
        if isinstance(self.cost_model, _costs.CostModel) and cost_keys:
            order = sorted(cost_keys)
            triples = np.array([self.cost_model.rate(k).triple for k in order])
            sampled = sample_triples(triples, draws, rng, self.cost_model.distribution)
            self.cost_values = dict(zip(order, sampled, strict=True))
        if isinstance(self.emission_model, _emissions.EmissionModel):
            em = self.emission_model
            for keys, table in ((sorted(share_keys), em.shares), (sorted(factor_keys), em.factors)):
                if keys:
                    sampled = sample_triples(np.array([table[k] for k in keys]), draws, rng, em.distribution)
                    self.co2_values.update(zip(keys, sampled, strict=True))

    def cost(self, r: Route) -> np.ndarray | None:
        """Return the USD per FEU of one path in every draw (``None`` without costs)."""
        if not isinstance(self.cost_model, _costs.CostModel) or r.cost_usd is None:
            return None
        draws = len(next(iter(self.cost_values.values()))) if self.cost_values else 1
        total = np.zeros(draws)
        for (u, v, _k), d in zip(r.edges, r.edge_data, strict=True):
            for _c, rid, coef in _costs.edge_terms(r.G.nodes[u], r.G.nodes[v], d, self.cost_model):
                total = total + coef * self.cost_values[rid]
        return total

    def co2(self, r: Route) -> np.ndarray | None:
        """Return the kg CO₂e per FEU of one path in every draw (``None`` without emission factors)."""
        if not isinstance(self.emission_model, _emissions.EmissionModel) or r.co2_kg is None:
            return None
        draws = len(next(iter(self.co2_values.values()))) if self.co2_values else 1
        total = np.zeros(draws)
        for (u, _v, _k), d in zip(r.edges, r.edge_data, strict=True):
            for _c, share, part, factor, tkm in _emissions.edge_terms(r.G.nodes[u], d, self.emission_model):
                weight: float | np.ndarray = 1.0
                if part is not None:
                    s = self.co2_values[share] if share is not None else np.zeros(draws)
                    weight = s if part == "electric" else 1.0 - s
                total = total + tkm * weight * self.co2_values[factor] / 1000.0
        return total


def parameter_matrix(
    net: Compiled, model: TimeModel
) -> tuple[list[tuple[str, str]], sp.csr_array, sp.csr_array, np.ndarray]:
    """Return the parameters of a network's edge times and the edges × parameters coefficients.

    An edge's hours in a draw are ``A @ x + rest × (R @ x)``, where ``x`` holds the
    sampled value of every parameter and ``rest`` the truck rest factor (its own
    parameter ``("rest", "road")``): ``R`` holds the running terms of road edges.

    Parameters
    ----------
    net
        A compiled network with travel times.
    model
        The time model (speeds by class, truck driving hours).

    Returns
    -------
    (keys, A, R, triples)
        Parameter keys (sorted, with the rest factor), the two sparse matrices
        (one row per edge) and the low/mode/high of each parameter (shape ``(len(keys), 3)``).
    """
    found: dict[tuple[str, str], tuple[float, float, float]] = {_REST: rest_factor(model.drive_hours)}
    rows: list[int] = []
    cols: list[tuple[str, str]] = []
    coefs: list[float] = []
    road: list[bool] = []
    applied = net.source if isinstance(net.source, _scenario.AppliedTables) else None
    # a network compiled from tables: the terms of each group's 1 km representative, scaled by length
    items = (
        enumerate(applied.reps)
        if applied is not None
        else ((i, net.view.edges[k]) for i, k in enumerate(net.edge_keys))
    )
    for i, d in items:
        is_road = d.get("mode") == "road"
        for _component, pkey, triple, coef in edge_parameters(d, model):
            found[pkey] = triple
            rows.append(i)
            cols.append(pkey)
            coefs.append(coef)
            road.append(is_road and pkey[0] == "pace")
    keys = sorted(found)
    index = {k: j for j, k in enumerate(keys)}
    r = np.asarray(rows, dtype=np.int64)
    c = np.fromiter((index[k] for k in cols), dtype=np.int64, count=len(cols))
    w = np.asarray(coefs, dtype=float)
    if applied is not None:  # expand group terms to the edges of each group
        per_km = applied.track[applied.group] & (applied.length != 0)
        scale = np.where(per_km, applied.length / 1000.0, 1.0)
        order = np.argsort(applied.group, kind="stable")
        bounds = np.searchsorted(applied.group[order], np.arange(len(applied.reps) + 1))
        counts = np.diff(bounds)[r]
        edges = np.concatenate([order[bounds[g] : bounds[g + 1]] for g in r.tolist()]) if len(r) else r
        c, w, road = np.repeat(c, counts), np.repeat(w, counts) * scale[edges], list(np.repeat(road, counts))
        r = edges
    on_road = np.asarray(road, dtype=bool)
    shape = (len(net.edge_keys), len(keys))
    A = sp.csr_array((w, (r, c)), shape=shape)
    R = sp.csr_array((w[on_road], (r[on_road], c[on_road])), shape=shape)
    return keys, A, R, np.array([found[k] for k in keys], dtype=float)


def _bounds(A: sp.csr_array, R: sp.csr_array, values: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every edge's least and greatest hours over the draws (each term a non-negative coefficient × value)."""
    lo, hi = values.min(axis=1), values.max(axis=1)
    return A @ lo + float(rest.min()) * (R @ lo), A @ hi + float(rest.max()) * (R @ hi)


def _reference(A: sp.csr_array, allowed: np.ndarray, triples: np.ndarray, rest_index: int) -> int | None:
    """The parameter that weighs most on the allowed edges and is never 0 (the pace of the main speed class)."""
    share = np.asarray(A[np.flatnonzero(allowed)].sum(axis=0)).reshape(-1) * triples[:, 1]
    share[rest_index] = 0.0
    share[triples[:, 0] <= 0] = 0.0
    return int(np.argmax(share)) if share.max(initial=0.0) > 0 else None


def _simulate_corridor(
    net: Compiled,
    p: routing.Plan,
    A: sp.csr_array,
    R: sp.csr_array,
    values: np.ndarray,
    triples: np.ndarray,
    rest_index: int,
    advance: Callable[[float], None],
) -> tuple[np.ndarray, list[Route], list[float], np.ndarray]:
    """Route one corridor exactly in every draw: hours, the distinct best routes, their shares, each draw's route.

    A best route does not change when all of a draw's hours are multiplied by
    one factor, so each draw may be divided by its value of a reference
    parameter (the pace of the corridor's main speed class): when that
    parameter drives the spread, the draws' hours lie in much narrower bounds
    and the exact pruning of :mod:`silkroute._draws` keeps far fewer edges
    (with one speed class, only the best route). The pruning with and without
    this scaling is computed and the smaller graph searched; hours are scaled back.
    ``advance`` is told one unit per corridor, in parts per batch of draws.
    """
    draws = values.shape[1]
    allowed = net.mask(p.request)
    rest = values[rest_index]
    ref = _reference(A, allowed, triples, rest_index)
    factor = np.ones(draws)
    lay = _draws.layered(net, allowed, p.stages, *_bounds(A, R, values, rest))
    if ref is not None and lay is not None:
        factor = triples[ref, 1] / values[ref]
        scaled = values * factor
        scaled[rest_index] = rest
        other = _draws.layered(net, allowed, p.stages, *_bounds(A, R, scaled, rest))
        if other is not None and len(other.tail) < len(lay.tail):
            lay, values = other, scaled
        else:
            factor = np.ones(draws)
    if lay is None:  # pragma: no cover - the caller checked that the corridor has a route
        msg = "the corridor has no route under its constraints"
        raise NoRouteError(msg)
    small, chains = _draws.contract(lay)
    need = lay.edges
    rows = [j for j, chain in enumerate(chains) for e in lay.edge[chain].tolist() if e >= 0]
    cols = np.searchsorted(need, [e for chain in chains for e in lay.edge[chain].tolist() if e >= 0])
    C = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(chains), len(need)))
    A_c, R_c = (C @ A[need]).tocsr(), (C @ R[need]).tocsr()
    chain_edges = [lay.edge[chain][lay.edge[chain] >= 0] for chain in chains]
    over = _draws.overlay(small, A_c, R_c)
    small, A_c, R_c = over.graph, over.A, over.R
    walk_edges = _Expanded(over, chain_edges)
    batch = max(16, min(draws, int(2e7 // max(1, len(small.tail), small.n))))  # about 160 MB per array
    hours = np.empty(draws)
    found: dict[tuple[int, ...], int] = {}  # walk (edge rows) → its number in order of discovery
    route_of = np.zeros(draws, dtype=np.int64)
    for b in range(0, draws, batch):
        x = values[:, b : b + batch]
        w = A_c @ x + rest[b : b + batch] * (R_c @ x)
        costs, walks, which = _draws.relax(small, np.asarray(w))
        hours[b : b + batch] = costs / factor[b : b + batch]
        ids = np.array(
            [
                found.setdefault(tuple(int(e) for j in walk.tolist() for e in walk_edges[j]), len(found))
                for walk in walks
            ],
            dtype=np.int64,
        )
        route_of[b : b + batch] = np.where(which >= 0, ids[np.maximum(which, 0)] if len(ids) else 0, 0)
        advance(min(batch, draws - b) / draws)
    counts = np.bincount(route_of, minlength=len(found))
    order = np.argsort(-counts, kind="stable")  # most frequent first
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    walks_found = list(found)
    routes = [Route(net.view, net.edge_ids(list(walks_found[i])), "time") for i in order.tolist()]
    return hours, routes, [int(counts[i]) / draws for i in order.tolist()], rank[route_of]


class _Expanded:
    """The network edges of each overlay edge (looked up when a draw's best walk uses it)."""

    def __init__(self, over: _draws.Overlay, chain_edges: list[np.ndarray]) -> None:
        self.over, self.chain_edges = over, chain_edges
        self._done: dict[int, list[int]] = {}

    def __getitem__(self, e: int) -> list[int]:
        if e not in self._done:
            self._done[e] = [int(x) for j in self.over.expand(e) for x in self.chain_edges[j].tolist()]
        return self._done[e]


def simulate_on(
    G: nx.MultiDiGraph | Compiled,
    origin: str,
    destination: str,
    *,
    draws: int = 10_000,
    seed: int | None = None,
    model: TimeModel | None = None,
    corridors: _corridors.Corridors | None = None,
) -> UncertaintyResult:
    """Simulate every corridor on one scenario network, routing every draw exactly.

    Parameters
    ----------
    G
        A network with travel times, or its compiled form.
    origin, destination
        Place names, aliases or ids.
    draws
        Number of draws.
    seed
        Seed for reproducible results.
    model
        The time model (the network's by default).
    corridors
        The definitions; the embedded ones by default.

    Returns
    -------
    UncertaintyResult
        See :func:`simulate`; each corridor's ``candidates`` are the distinct best
        routes of its draws (most frequent first, ``shares`` says how often).
    """
    if draws < 1:
        msg = f"draws must be at least 1, got {draws}"
        raise InputError(msg)
    net = routing.compile(G)
    graph = net.view.graph
    model = model or graph.get("time_model") or TimeModel.from_catalog()
    corridors = corridors or _corridors.load()
    o, t = routing.resolve_pair(net, origin, destination)
    results: list[CorridorDistribution] = []
    plans: dict[str, routing.Plan] = {}
    for c in corridors.values():
        try:
            best = _corridors.corridor_routes(net, c, o, t)[0]
            plans[c.name] = _corridors.corridor_plan(net, c, o, t)
        except NoRouteError as exc:
            results.append(CorridorDistribution(c.name, False, str(exc)))
            continue
        results.append(CorridorDistribution(c.name, True, expected_days=best.time_days))
    keys, A, R, triples = parameter_matrix(net, model)
    rng = np.random.default_rng(seed)
    values = _phase(keys, sample_triples(triples, draws, rng, model.distribution), model, rng)
    rest_index = keys.index(_REST)
    feasible = [c for c in results if c.feasible]
    taken: dict[str, np.ndarray] = {}
    with progress("Simulating corridors", total=len(feasible)) as advance:
        for dist in feasible:
            hours, dist.candidates, dist.shares, taken[dist.corridor] = _simulate_corridor(
                net, plans[dist.corridor], A, R, values, triples, rest_index, advance
            )
            dist.days = hours / 24.0
    money = _Money(net.view, [r for c in feasible for r in c.candidates], draws, rng)
    for dist in feasible:
        for attr, per_path in (("cost_usd", money.cost), ("co2_kg", money.co2)):
            sampled = [per_path(r) for r in dist.candidates]
            if sampled and all(x is not None for x in sampled):
                stack = np.vstack([np.broadcast_to(x, (draws,)) for x in sampled if x is not None])
                setattr(dist, attr, stack[taken[dist.corridor], np.arange(draws)])
    reference = corridors.reference_for(net.places[o].country, net.places[t].country)
    return UncertaintyResult(
        o,
        t,
        str(graph.get("scenario", "")),
        draws,
        seed,
        model.distribution,
        results,
        reference,
        parameters={k: values[i] for i, k in enumerate(keys)},
    )


def simulate(
    origin: str,
    destination: str,
    scenario: str = "baseline",
    *,
    draws: int = 10_000,
    seed: int | None = None,
    distribution: str | None = None,
) -> UncertaintyResult:
    """Monte Carlo door-to-door days of every named corridor.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids.
    scenario
        Embedded scenario name or TOML file.
    draws
        Number of draws.
    seed
        Seed for reproducible results.
    distribution
        ``"pert"`` or ``"triangular"``; ``data/timing.toml`` by default.

    Returns
    -------
    UncertaintyResult
        P10/P50/P90/mean days per corridor and the distribution of every
        pairwise difference, e.g. ``P(cku faster than northern by >= 7 days)``.
    """
    G = _scenario.network(scenario)
    model: TimeModel = G.graph["time_model"]
    if distribution:
        model = model.with_distribution(distribution)
    return simulate_on(G, origin, destination, draws=draws, seed=seed, model=model)

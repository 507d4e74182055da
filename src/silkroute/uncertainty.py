"""Monte Carlo door-to-door times: corridor times as distributions, not single numbers.

Every uncertain value of the time model (dwell per crossing, transshipment per
break of gauge, ferry sailing and wait, pace per speed class, truck rest) is a
low/mode/high triple. Each draw samples every value once (Beta-PERT or
triangular, as ``data/timing.toml`` says), so a crossing used by two corridors
has the same dwell in both within a draw and the corridors' difference is
correlated as it should be. Within each draw a corridor takes the fastest of
its candidate paths (its best routes that differ in a crossing, ferry or break
of gauge). Times are linear in the sampled values, so the whole simulation is
one matrix product per corridor.

Closures and timetables add a wait that depends on when the consignment
arrives: a closure's closed days a year ``D`` are sampled, then the link is
closed on arrival with probability ``D / 365`` and, if so, reopens after a
uniform share of a sampled closure length; a timetable's headway is sampled,
then the wait is a uniform share of it. Both keep the expected wait of the
time model (``D / 365 × mean length / 2``, half the mean headway).

On networks with costs and CO₂e (:mod:`silkroute.costs`, :mod:`silkroute.emissions`)
each draw also samples every cost row and emission factor and electrified
share once, and reports the cost and CO₂e per FEU of the path the corridor
takes in that draw (its fastest candidate).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from silkroute import corridors as _corridors
from silkroute import costs as _costs
from silkroute import emissions as _emissions
from silkroute import routing
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import InputError, NoRouteError
from silkroute.routing import Route
from silkroute.timing import TimeModel, edge_parameters, rest_factor

__all__ = ["CorridorDistribution", "UncertaintyResult", "sample_triples", "simulate", "simulate_on"]

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
    candidates: list[Route] = field(default_factory=list, repr=False)
    expected_days: float | None = None  # deterministic time of the best route
    cost_usd: np.ndarray | None = field(default=None, repr=False)  # per draw, of the path taken
    co2_kg: np.ndarray | None = field(default=None, repr=False)

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


def _path_terms(r: Route, model: TimeModel) -> dict[tuple[str, str], float]:
    """Coefficient of each parameter in the path's time (hours = Σ coef × value, rest separately)."""
    terms: dict[tuple[str, str], float] = {}
    for d in r.edge_data:
        for _component, key, _triple, coef in edge_parameters(d, model):
            terms[key] = terms.get(key, 0.0) + coef
            if d.get("mode") == "road" and key[0] == "pace":
                road_key = ("road_pace", key[1])
                terms[road_key] = terms.get(road_key, 0.0) + coef
    return terms


def _triples_of(routes: list[Route], model: TimeModel) -> dict[tuple[str, str], tuple[float, float, float]]:
    out: dict[tuple[str, str], tuple[float, float, float]] = {}
    for r in routes:
        for d in r.edge_data:
            for _component, key, triple, _coef in edge_parameters(d, model):
                out[key] = triple
    out[_REST] = rest_factor(model.drive_hours)
    return out


def simulate_on(
    G: nx.MultiDiGraph | Compiled,
    origin: str,
    destination: str,
    *,
    draws: int = 10_000,
    seed: int | None = None,
    candidates: int = 4,
    model: TimeModel | None = None,
    corridors: _corridors.Corridors | None = None,
) -> UncertaintyResult:
    """Simulate every corridor on one scenario network.

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
    candidates
        Alternative paths per corridor; each draw takes the fastest.
    model
        The time model (the network's by default).
    corridors
        The definitions; the embedded ones by default.

    Returns
    -------
    UncertaintyResult
        See :func:`simulate`.
    """
    if draws < 1:
        msg = f"draws must be at least 1, got {draws}"
        raise InputError(msg)
    net = routing.compile(G)
    G = net.G
    model = model or G.graph.get("time_model") or TimeModel.from_catalog()
    corridors = corridors or _corridors.load()
    o, t = routing.resolve_pair(net, origin, destination)
    results: list[CorridorDistribution] = []
    for c in corridors.values():
        try:
            routes = _corridors.corridor_routes(net, c, o, t, k=candidates)
        except NoRouteError as exc:
            results.append(CorridorDistribution(c.name, False, str(exc)))
            continue
        results.append(CorridorDistribution(c.name, True, candidates=routes, expected_days=routes[0].time_days))
    feasible = [c for c in results if c.feasible]
    triples = _triples_of([r for c in feasible for r in c.candidates], model)
    keys = sorted(triples)
    index = {k: i for i, k in enumerate(keys)}
    rng = np.random.default_rng(seed)
    values = (
        sample_triples(np.array([triples[k] for k in keys]), draws, rng, model.distribution)
        if keys
        else np.zeros((0, draws))
    )
    values = _phase(keys, values, model, rng)
    money = _Money(G, [r for c in feasible for r in c.candidates], draws, rng)
    rest = values[index[_REST]]
    for dist in feasible:
        coef = np.zeros((len(dist.candidates), len(keys)))
        road = np.zeros((len(dist.candidates), len(keys)))
        for i, r in enumerate(dist.candidates):
            for key, value in _path_terms(r, model).items():
                if key[0] == "road_pace":
                    road[i, index[("pace", key[1])]] += value
                else:
                    coef[i, index[key]] += value
        hours = coef @ values + (road @ values) * rest
        taken = hours.argmin(axis=0)
        dist.days = hours[taken, np.arange(draws)] / 24.0
        for attr, per_path in (("cost_usd", money.cost), ("co2_kg", money.co2)):
            sampled = [per_path(r) for r in dist.candidates]
            if all(x is not None for x in sampled):
                stack = np.vstack([np.broadcast_to(x, (draws,)) for x in sampled if x is not None])
                setattr(dist, attr, stack[taken, np.arange(draws)])
    reference = corridors.reference_for(net.places[o].country, net.places[t].country)
    return UncertaintyResult(
        o, t, str(G.graph.get("scenario", "")), draws, seed, model.distribution, results, reference
    )


def simulate(
    origin: str,
    destination: str,
    scenario: str = "baseline",
    *,
    draws: int = 10_000,
    seed: int | None = None,
    candidates: int = 4,
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
    candidates
        Alternative paths per corridor; each draw takes the fastest.
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
    return simulate_on(G, origin, destination, draws=draws, seed=seed, candidates=candidates, model=model)

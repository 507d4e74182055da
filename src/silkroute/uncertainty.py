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
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from silkroute import corridors as _corridors
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

    def quantiles(self) -> dict[str, float | None]:
        """Return P10, P50, P90 and the mean in days.

        Returns
        -------
        dict
            ``p10_days``, ``p50_days``, ``p90_days``, ``mean_days`` (``None`` when not feasible).
        """
        if self.days is None:
            return {"p10_days": None, "p50_days": None, "p90_days": None, "mean_days": None}
        p10, p50, p90 = np.percentile(self.days, [10, 50, 90])
        return {
            "p10_days": round(float(p10), 2),
            "p50_days": round(float(p50), 2),
            "p90_days": round(float(p90), 2),
            "mean_days": round(float(self.days.mean()), 2),
        }


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
                    "candidates": len(c.candidates),
                    **c.quantiles(),
                }
                for c in self.corridors
            ],
            "differences": self.differences(),
        }


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
        dist.days = hours.min(axis=0) / 24.0
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

"""The time model: what "estimated door-to-door time" means, edge by edge.

Door-to-door freight time along a path is the sum over its edges of

``running``        length × pace (hours per km) of the line's speed class (``speeds.csv``);
``rest``           for trucks, the hours not driven: running × (24 / drive_hours − 1);
``border``         dwell at a border crossing (customs, inspection, locomotive change);
``gauge_change``   transshipment or bogie exchange at a break of gauge;
``ferry_sailing``  sailing time of a ferry;
``ferry_wait``     waiting for a ferry departure (ships leave when full);
``transfer``       road ↔ rail transfer at an intermodal terminal.

Each uncertain value is a low/mode/high triple. Routing uses its expected value
under the model's distribution (Beta-PERT by default, or triangular, see
``data/timing.toml``); :mod:`silkroute.uncertainty` samples the same triples.
Speeds are published as km/day; the uncertain quantity is their reciprocal,
the pace in hours per km, so that every term is linear and the expected time
of a path is exactly the mean of its simulated times.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute._errors import CatalogError

__all__ = [
    "COMPONENTS",
    "TimeModel",
    "assign_travel_times",
    "edge_hours",
    "edge_parameters",
    "expected",
    "pace",
    "rest_factor",
]

COMPONENTS = ("running", "rest", "border", "gauge_change", "ferry_sailing", "ferry_wait", "transfer")
DISTRIBUTIONS = ("pert", "triangular")
Triple = tuple[float, float, float]


def expected(low: float, mode: float, high: float, distribution: str = "pert") -> float:
    """Return the mean of a three-point estimate.

    Examples
    --------
    >>> expected(1, 4, 13, "triangular")
    6.0
    >>> expected(1, 4, 13, "pert")
    5.0
    """
    if distribution == "pert":
        return (low + 4.0 * mode + high) / 6.0
    if distribution == "triangular":
        return (low + mode + high) / 3.0
    msg = f"unknown distribution {distribution!r}; use one of {', '.join(DISTRIBUTIONS)}"
    raise ValueError(msg)


@dataclass(frozen=True)
class TimeModel:
    """Speeds by class, truck driving hours and the distribution of three-point values."""

    speeds_kph: dict[str, Triple]
    drive_hours: Triple = (9.0, 9.0, 10.0)
    distribution: str = "pert"
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, cat: _catalog.Catalog | None = None) -> TimeModel:
        """Read ``speeds.csv`` and ``timing.toml`` of a catalog (the embedded one by default)."""
        cat = cat or _catalog.load()
        speeds = {
            str(c): (float(r.speed_low_kph), float(r.speed_mode_kph), float(r.speed_high_kph))
            for c, r in cat.speeds.iterrows()
        }
        path = Path(cat.directory) / "timing.toml"
        try:
            cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: cannot read the time model ({exc})"
            raise CatalogError(msg) from exc
        dist = cfg.get("distribution", "pert")
        if dist not in DISTRIBUTIONS:
            msg = f"{path}, key 'distribution': {dist!r} is not one of {', '.join(DISTRIBUTIONS)}"
            raise CatalogError(msg)
        road = cfg.get("road", {})
        try:
            drive = (float(road["drive_hours_low"]), float(road["drive_hours_mode"]), float(road["drive_hours_high"]))
        except KeyError as exc:
            msg = f"{path}, table [road]: missing key {exc.args[0]}"
            raise CatalogError(msg) from None
        if not 0 < drive[0] <= drive[1] <= drive[2] <= 24:
            msg = f"{path}, table [road]: drive hours must satisfy 0 < low <= mode <= high <= 24, got {drive}"
            raise CatalogError(msg)
        return cls(speeds, drive, dist, {"road": str(road.get("source", ""))})

    def with_distribution(self, distribution: str) -> TimeModel:
        """Return a copy that uses another distribution."""
        expected(0, 0, 0, distribution)  # validates
        return replace(self, distribution=distribution)

    def mean(self, triple: Iterable[float]) -> float:
        """Return the expected value of a low/mode/high triple under this model."""
        low, mode, high = triple
        return expected(low, mode, high, self.distribution)


def _triple(d: dict[str, Any], pattern: str) -> Triple:
    return (float(d[pattern.format("low")]), float(d[pattern.format("mode")]), float(d[pattern.format("high")]))


def pace(speed_kph: Triple) -> Triple:
    """Hours per km of a low/mode/high speed: (1/high, 1/mode, 1/low)."""
    low, mode, high = speed_kph
    return (1.0 / high, 1.0 / mode, 1.0 / low)


def rest_factor(drive_hours: Triple) -> Triple:
    """Hours not driven per hour driven, for a daily driving limit (low/mode/high)."""
    low, mode, high = drive_hours
    return (24.0 / high - 1.0, 24.0 / mode - 1.0, 24.0 / low - 1.0)


def edge_parameters(d: dict[str, Any], model: TimeModel) -> list[tuple[str, tuple[str, str], Triple, float]]:
    """Return the uncertain terms of one edge's time.

    Each term is ``(component, parameter key, triple, coefficient)`` and adds
    ``coefficient × value`` hours. Running time is km × pace, where pace
    (hours per km) is the reciprocal of the speed class's low/mode/high: the
    uncertain quantity is the pace, so times add up along a path and their
    expected value equals the mean of simulated times. The parameter key
    identifies a value shared by every edge that uses it (one crossing's
    dwell, one speed class), so samples stay consistent along a path.
    Truck rest is not listed here: it is ``running × rest_factor``.
    """
    kind = d.get("kind")
    scale = float(d.get("time_scale", 1.0))
    if kind in ("line", "snap"):
        cls = d.get("speed_class")
        if cls not in model.speeds_kph:
            msg = f"edge {d.get('line_id') or d.get('name')!r} has unknown speed class {cls!r}; known: {', '.join(model.speeds_kph)}"
            raise KeyError(msg)
        km = float(d["length"]) / 1000.0 / float(d.get("speed_scale", 1.0))
        return [("running", ("pace", str(cls)), pace(model.speeds_kph[str(cls)]), km)]
    if kind == "crossing":
        return [("border", ("dwell", str(d["crossing"])), _triple(d, "dwell_{}_h"), scale)]
    if kind == "gauge_change":
        return [("gauge_change", ("transship", str(d["gauge_change"])), _triple(d, "transship_{}_h"), scale)]
    if kind == "ferry":
        return [
            ("ferry_sailing", ("sailing", str(d["ferry"])), _triple(d, "sailing_{}_h"), 1.0),
            ("ferry_wait", ("wait", str(d["ferry"])), _triple(d, "wait_{}_h"), float(d.get("wait_scale", 1.0))),
        ]
    if kind == "transfer":
        return [("transfer", ("transfer", str(d["terminal"])), _triple(d, "transfer_{}_h"), scale)]
    return []


def edge_hours(d: dict[str, Any], model: TimeModel) -> dict[str, float]:
    """Return the expected hours of each time component of one edge."""
    hours = dict.fromkeys(COMPONENTS, 0.0)
    for component, _key, triple, coef in edge_parameters(d, model):
        hours[component] += coef * model.mean(triple)
    if d.get("mode") == "road" and d.get("kind") in ("line", "snap"):
        hours["rest"] = hours["running"] * model.mean(rest_factor(model.drive_hours))
    return hours


def assign_travel_times(G: nx.MultiDiGraph, model: TimeModel | None = None) -> nx.MultiDiGraph:
    """Set ``travel_time`` (s), ``speed_kph`` and ``<component>_h`` on every edge, in place.

    Parameters
    ----------
    G
        A silkroute network.
    model
        The time model; the embedded catalog's by default.

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself, for chaining.
    """
    model = model or TimeModel.from_catalog()
    for _u, _v, d in G.edges(data=True):
        hours = edge_hours(d, model)
        for component, h in hours.items():
            d[f"{component}_h"] = h
        total = sum(hours.values())
        d["travel_time"] = total * 3600.0
        if d.get("kind") in ("line", "snap") and hours["running"] > 0:
            d["speed_kph"] = float(d["length"]) / 1000.0 / hours["running"]
    G.graph["time_model"] = model
    return G

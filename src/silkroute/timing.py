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

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute._errors import CatalogError, InputError, NetworkError

__all__ = [
    "COMPONENTS",
    "DISTRIBUTIONS",
    "Closure",
    "Schedule",
    "TimeModel",
    "assign_travel_times",
    "edge_hours",
    "edge_parameters",
    "expected",
    "pace",
    "rest_factor",
    "set_edge_times",
]

COMPONENTS = schema.COMPONENTS
DISTRIBUTIONS = ("pert", "triangular")
Triple = tuple[float, float, float]


def expected(low: float, mode: float, high: float, distribution: str = "pert") -> float:
    """Return the mean of a three-point estimate.

    Parameters
    ----------
    low, mode, high
        The three points, ``low <= mode <= high``.
    distribution
        ``"pert"`` (Beta-PERT, weight 4 on the mode) or ``"triangular"``.

    Returns
    -------
    float
        The mean.

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
    raise InputError(msg)


@dataclass(frozen=True)
class Closure:
    """A link closed ``days`` a year (low/mode/high) in closures of ``event_days`` days each."""

    days: Triple
    event_days: Triple
    source: str = ""

    def expected_wait_h(self, model: TimeModel) -> float:
        """Return the expected wait in hours: P(closed) × mean remaining closure.

        Parameters
        ----------
        model
            The time model (its distribution gives the expected values).

        Returns
        -------
        float
            ``mean(days) / 365 × mean(event_days) / 2 × 24``.

        Examples
        --------
        >>> Closure((10, 10, 10), (4, 4, 4)).expected_wait_h(TimeModel({}))  # 10/365 × 2 d
        1.3150684931506849
        """
        return model.mean(self.days) / 365.0 * model.mean(self.event_days) / 2.0 * 24.0


@dataclass(frozen=True)
class Schedule:
    """Departures a week in one direction (low/mode/high) of a timetabled service on a link."""

    departures: Triple
    source: str = ""

    @property
    def headway_h(self) -> Triple:
        """Hours between departures, low first: ``(168 / high, 168 / mode, 168 / low)``."""
        low, mode, high = self.departures
        return (168.0 / high, 168.0 / mode, 168.0 / low)


@dataclass(frozen=True)
class TimeModel:
    """Speeds by class, truck driving hours, the distribution of three-point values, closures and timetables."""

    speeds_kph: dict[str, Triple]
    drive_hours: Triple = (9.0, 9.0, 10.0)
    distribution: str = "pert"
    sources: dict[str, str] = field(default_factory=dict)
    closures: dict[str, Closure] = field(default_factory=dict)  # link reference -> closure
    schedules: dict[str, Schedule] = field(default_factory=dict)  # link reference -> timetable

    @classmethod
    def from_catalog(cls, cat: _catalog.Catalog | None = None) -> TimeModel:
        """Read ``speeds.csv`` and ``timing.toml`` of a catalog.

        Parameters
        ----------
        cat
            A loaded catalog; the embedded one by default.

        Returns
        -------
        TimeModel
            The model.

        Raises
        ------
        silkroute.CatalogError
            If ``timing.toml`` is unreadable or out of range.
        """
        cat = cat or _catalog.load()
        speeds = {str(c): schema.SPEED.read(r) for c, r in cat.speeds.to_dict("index").items()}
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
        closures = {}
        if cat.closures is not None:
            for row in cat.closures.to_dict("records"):
                closures[str(row["link"])] = Closure(
                    schema.CLOSED_DAYS.read(row), schema.EVENT_DAYS.read(row), str(row["source"])
                )
        return cls(speeds, drive, dist, {"road": str(road.get("source", ""))}, closures)

    def with_closures(self, closures: Mapping[str, Closure]) -> TimeModel:
        """Return a copy with closures added or replaced (by link reference).

        Parameters
        ----------
        closures
            Link reference (``crossing:ID`` …) → closure.

        Returns
        -------
        TimeModel
            The copy.
        """
        return replace(self, closures={**self.closures, **closures})

    def with_schedules(self, schedules: Mapping[str, Schedule]) -> TimeModel:
        """Return a copy with timetables added or replaced (by link reference).

        Parameters
        ----------
        schedules
            Link reference → timetable.

        Returns
        -------
        TimeModel
            The copy.
        """
        return replace(self, schedules={**self.schedules, **schedules})

    def with_distribution(self, distribution: str) -> TimeModel:
        """Return a copy that uses another distribution.

        Parameters
        ----------
        distribution
            ``"pert"`` or ``"triangular"``.

        Returns
        -------
        TimeModel
            The copy.
        """
        expected(0, 0, 0, distribution)  # validates
        return replace(self, distribution=distribution)

    def with_speeds(self, overrides: Mapping[str, Mapping[str, float]]) -> TimeModel:
        """Return a copy with some speed classes' low/mode/high replaced.

        Parameters
        ----------
        overrides
            Class → ``{"speed_low_kph": …, "speed_mode_kph": …, "speed_high_kph": …}`` (any subset).

        Returns
        -------
        TimeModel
            The copy.
        """
        speeds = dict(self.speeds_kph)
        for cls, values in overrides.items():
            old = dict(zip(schema.SPEED.columns, speeds[cls], strict=True))
            low, mode, high = (float(values.get(c, old[c])) for c in schema.SPEED.columns)
            speeds[cls] = (low, mode, high)
        return replace(self, speeds_kph=speeds)

    def mean(self, triple: Iterable[float]) -> float:
        """Return the expected value of a low/mode/high triple under this model.

        Parameters
        ----------
        triple
            ``(low, mode, high)``.

        Returns
        -------
        float
            The mean.
        """
        low, mode, high = triple
        return expected(low, mode, high, self.distribution)


def pace(speed_kph: Triple) -> Triple:
    """Return the hours per km of a low/mode/high speed: ``(1/high, 1/mode, 1/low)``.

    Parameters
    ----------
    speed_kph
        Speeds in km/h, low first.

    Returns
    -------
    tuple of float
        Paces in h/km, low first.
    """
    low, mode, high = speed_kph
    return (1.0 / high, 1.0 / mode, 1.0 / low)


def rest_factor(drive_hours: Triple) -> Triple:
    """Return the hours not driven per hour driven, for a daily driving limit (low/mode/high).

    Parameters
    ----------
    drive_hours
        Hours a truck drives per day, low first.

    Returns
    -------
    tuple of float
        Rest hours per driving hour, low first.
    """
    low, mode, high = drive_hours
    return (24.0 / high - 1.0, 24.0 / mode - 1.0, 24.0 / low - 1.0)


def edge_parameters(d: Mapping[str, Any], model: TimeModel) -> list[tuple[str, tuple[str, str], Triple, float]]:
    """Return the uncertain terms of one edge's time.

    Each term is ``(component, parameter key, triple, coefficient)`` and adds
    ``coefficient × value`` hours. A closure's parameter (``("closure", ref)``) is its
    closed days a year and a timetable's (``("headway", ref)``) its headway in hours;
    :mod:`silkroute.uncertainty` samples, on top, where in a closure or a headway a
    consignment arrives. Running time is km × pace, where pace
    (hours per km) is the reciprocal of the speed class's low/mode/high: the
    uncertain quantity is the pace, so times add up along a path and their
    expected value equals the mean of simulated times. The parameter key
    identifies a value shared by every edge that uses it (one crossing's
    dwell, one speed class), so samples stay consistent along a path.
    Truck rest is not listed here: it is ``running × rest_factor``.

    Parameters
    ----------
    d
        Edge attributes.
    model
        The time model.

    Returns
    -------
    list of tuple
        The terms; empty for an edge that takes no time.

    Raises
    ------
    silkroute.NetworkError
        If a line edge's speed class is not in the model.
    """
    kind = d.get("kind")
    if kind in schema.TRACK_KINDS:
        cls = d.get("speed_class")
        if cls not in model.speeds_kph:
            msg = (
                f"edge {d.get('line_id') or d.get('name')!r} has unknown speed class {cls!r}; "
                f"use one of {', '.join(model.speeds_kph)} (speeds.csv of the catalog)"
            )
            raise NetworkError(msg)
        km = float(d[schema.LENGTH]) / 1000.0 / float(d.get(schema.SPEED_SCALE, 1.0))
        return [(schema.RUNNING, ("pace", str(cls)), pace(model.speeds_kph[str(cls)]), km)]
    terms = schema.KIND_TERMS.get(str(kind), ())
    ident = str(d.get(schema.REF_ATTRIBUTE.get(str(kind), ""), ""))
    if d.get("direction"):  # a crossing whose dwell differs by direction: two parameters
        ident = f"{ident}:{d['direction']}"
    out = [(component, (triple.name, ident), triple.read(d), 1.0) for component, triple in terms]
    if not (model.closures or model.schedules) or kind not in (schema.CROSSING, schema.FERRY, schema.GAUGE_CHANGE):
        return out
    ref = schema.link_ref(str(kind), str(d.get(schema.REF_ATTRIBUTE[str(kind)], "")))
    closure = model.closures.get(ref)
    if closure is not None:  # hours = days × (mean event days × 24 / 730)
        out.append((schema.CLOSURE, ("closure", ref), closure.days, model.mean(closure.event_days) * 24.0 / 730.0))
    timetable = model.schedules.get(ref)
    if timetable is not None:  # half the headway; a ferry's timetable replaces its wait for a departure
        if kind == schema.FERRY:
            out = [t for t in out if t[0] != schema.FERRY_WAIT]
        out.append((schema.SCHEDULE, ("headway", ref), timetable.headway_h, 0.5))
    return out


def edge_hours(d: Mapping[str, Any], model: TimeModel) -> dict[str, float]:
    """Return the expected hours of each time component of one edge.

    Parameters
    ----------
    d
        Edge attributes.
    model
        The time model.

    Returns
    -------
    dict
        Component → hours, every component present.
    """
    hours = dict.fromkeys(COMPONENTS, 0.0)
    for component, _key, triple, coef in edge_parameters(d, model):
        hours[component] += coef * model.mean(triple)
    if d.get("mode") == "road" and d.get("kind") in schema.TRACK_KINDS:
        hours[schema.REST] = hours[schema.RUNNING] * model.mean(rest_factor(model.drive_hours))
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
        set_edge_times(d, model)
    G.graph["time_model"] = model
    return G


def set_edge_times(d: dict[str, Any], model: TimeModel) -> None:
    """Set ``travel_time`` (s), ``speed_kph`` and ``<component>_h`` on one edge's attributes, in place.

    Parameters
    ----------
    d
        Edge attributes.
    model
        The time model.
    """
    hours = edge_hours(d, model)
    for component, h in hours.items():
        d[schema.component_attr(component)] = h
    total = math.fsum(hours.values())
    d[schema.TRAVEL_TIME] = total * 3600.0
    if d.get("kind") in schema.TRACK_KINDS and hours[schema.RUNNING] > 0:
        d["speed_kph"] = float(d[schema.LENGTH]) / 1000.0 / hours[schema.RUNNING]

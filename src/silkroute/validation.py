"""The model against published runs: modelled km and days next to what operators and railways reported.

``data/validation.csv`` lists published end-to-end runs and legs, each with the
route it took (origin, destination, waypoints, countries avoided), the scenario
that matches its time and the published km and day range (a point value is
given a ±10 % range, and the file says so). :func:`validate` routes each run by
rail on the embedded network and compares. Only rows with role ``score`` count
in the summary: measured or reported transit times of services (an index, a
logistics operator, a reported run, official delivery times, an operator's
timetable). Rows with role ``tail`` (a peak year, a bad month), ``claim`` (an
improvement or promotion statement: "cut from 45 to 15 days", "shortened to
30 hours") and ``doubtful`` (a source that contradicts itself) are shown and
not scored: a tail is not the mode, and promotional claims are not typical
performance.
"""

from __future__ import annotations

import csv
import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import routing
from silkroute import scenario as _scenario
from silkroute._errors import CatalogError, InputError, NoRouteError, UnknownPlaceError
from silkroute.routing import Route

__all__ = ["DAYS_SHARE", "KM_TOLERANCE", "ROLES", "Run", "RunResult", "Validation", "load_runs", "validate"]

#: Roles of a published run; only ``score`` counts in the summary.
ROLES = ("score", "tail", "claim", "doubtful")

#: The largest median |km error| the model may have on the set (a test enforces it).
KM_TOLERANCE = 0.05
#: The smallest share of published day ranges the model must meet (a test enforces it).
DAYS_SHARE = 0.80
_COLUMNS = (
    "id", "role", "description", "origin", "destination", "via", "avoid", "scenario",
    "published_km_low", "published_km_high", "published_days_low", "published_days_high",
    "range", "source_title", "source_url", "source_date", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class Run:
    """One published run or leg and the route it took."""

    id: str
    role: str
    description: str
    origin: str
    destination: str
    via: tuple[tuple[str, ...], ...]
    avoid: tuple[str, ...]
    scenario: str
    km: tuple[float, float] | None
    days: tuple[float, float] | None
    range: str
    source: str
    notes: str = ""
    where: str = ""  # "file, row N", for messages

    @property
    def scored(self) -> bool:
        """Whether the run counts in the summary (role ``score``)."""
        return self.role == "score"


@dataclass
class RunResult:
    """The model's route for one run and how it compares."""

    run: Run
    route: Route | None
    reason: str = ""

    @property
    def km(self) -> float | None:
        """Modelled length (km)."""
        return None if self.route is None else self.route.length_km

    @property
    def days(self) -> float | None:
        """Modelled expected door-to-door days."""
        return None if self.route is None else self.route.time_days

    @property
    def km_error(self) -> float | None:
        """Relative distance of the modelled km to the published range (0 inside it; signed)."""
        if self.run.km is None:
            return None
        if self.km is None:
            return math.inf
        return _relative(self.km, self.run.km)

    @property
    def days_met(self) -> bool | None:
        """Whether the modelled days fall inside the published range (``None`` if none was published)."""
        if self.run.days is None:
            return None
        return self.days is not None and self.run.days[0] <= self.days <= self.run.days[1]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-ready dict.

        Returns
        -------
        dict
            The run, the published and modelled km and days, the errors, the route's countries and crossings.
        """
        r = self.route
        err = self.km_error
        return {
            "id": self.run.id,
            "role": self.run.role,
            "description": self.run.description,
            "origin": self.run.origin,
            "destination": self.run.destination,
            "scenario": self.run.scenario,
            "published_km": list(self.run.km) if self.run.km else None,
            "model_km": None if r is None else round(r.length_km, 1),
            "km_error": None if err is None or not math.isfinite(err) else round(err, 4),
            "published_days": list(self.run.days) if self.run.days else None,
            "model_days": None if r is None else round(r.time_days, 2),
            "days_met": self.days_met,
            "reason": self.reason or None,
            "countries": r.countries if r else [],
            "crossings": [c["id"] for c in r.crossings] if r else [],
            "breakdown_h": {k: round(v, 1) for k, v in r.breakdown.items()} if r else None,
            "source": self.run.source,
        }


def _relative(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    if value < low:
        return (value - low) / low
    if value > high:
        return (value - high) / high
    return 0.0


@dataclass
class Validation:
    """All runs compared, and the catalog's crossings that use a regional default dwell."""

    results: list[RunResult]
    regional_default: dict[str, str] = field(default_factory=dict)  # crossing id -> name, on any validation route
    catalog_regional: dict[str, str] = field(default_factory=dict)  # every crossing of the network on it

    def summary(self) -> dict[str, Any]:
        """Return the summary: km errors, day ranges met, crossings on the regional default.

        Returns
        -------
        dict
            ``runs``, ``scored``, ``km_runs``, ``median_abs_km_error``, ``max_abs_km_error``,
            ``day_ranges``, ``day_ranges_met``, ``share_day_ranges_met``, ``regional_default_crossings``
            (on the runs' routes) and ``catalog_regional_default_crossings`` (anywhere in the network).
        """
        scored = [r for r in self.results if r.run.scored]
        errors = [abs(e) for r in scored if (e := r.km_error) is not None]
        met = [bool(r.days_met) for r in scored if r.days_met is not None]
        finite = [e for e in errors if math.isfinite(e)]
        return {
            "runs": len(self.results),
            "scored": len(scored),
            "km_runs": len(errors),
            "median_abs_km_error": round(statistics.median(errors), 4) if errors else None,
            "max_abs_km_error": (round(max(finite), 4) if len(finite) == len(errors) else None) if errors else None,
            "day_ranges": len(met),
            "day_ranges_met": sum(met),
            "share_day_ranges_met": round(sum(met) / len(met), 4) if met else None,
            "regional_default_crossings": sorted(self.regional_default),
            "catalog_regional_default_crossings": sorted(self.catalog_regional),
        }

    def summary_lines(self) -> list[str]:
        """Return the summary as four sentences.

        Returns
        -------
        list of str
            km errors, day ranges, crossings on the regional default on the runs' routes and in the network.
        """
        s = self.summary()
        med = "n/a" if s["median_abs_km_error"] is None else f"{100 * s['median_abs_km_error']:.1f} %"
        top = "n/a (a run is not feasible)" if s["max_abs_km_error"] is None else f"{100 * s['max_abs_km_error']:.1f} %"
        share = "n/a" if s["share_day_ranges_met"] is None else f"{100 * s['share_day_ranges_met']:.0f} %"
        names = ", ".join(f"{self.regional_default[c]} ({c})" for c in s["regional_default_crossings"]) or "none"
        return [
            f"km: median |error| {med}, max {top} over {s['km_runs']} runs with a published length",
            f"days: {s['day_ranges_met']} of {s['day_ranges']} published day ranges met ({share})",
            f"crossings on the routes that still use the regional default dwell: {names}",
            f"crossings of the network on the regional default: {len(self.catalog_regional)} "
            f"({', '.join(sorted(self.catalog_regional.values())) or 'none'})",
        ]

    def to_dict(self) -> dict[str, Any]:
        """Return every run and the summary as a JSON-ready dict (the ``validate --format json`` contract).

        Returns
        -------
        dict
            ``runs`` and ``summary``.
        """
        return {"runs": [r.to_dict() for r in self.results], "summary": self.summary()}

    def to_records(self) -> list[dict[str, Any]]:
        """Return one flat row per run (for CSV).

        Returns
        -------
        list of dict
            The run's comparison with lists ``;``-joined.
        """
        rows = []
        for r in self.results:
            d = r.to_dict()
            d.pop("breakdown_h")
            for k in ("published_km", "published_days"):
                d[f"{k}_low"], d[f"{k}_high"] = d[k] if d[k] else (None, None)
                d.pop(k)
            rows.append(d)
        return rows


def _pair(row: Mapping[str, str], low: str, high: str) -> tuple[float, float] | None:
    a, b = row[low].strip(), row[high].strip()
    if not a and not b:
        return None
    return (float(a or b), float(b or a))


def load_runs(path: str | os.PathLike[str] | None = None) -> list[Run]:
    """Read the published runs (``data/validation.csv`` by default).

    Parameters
    ----------
    path
        A CSV with the columns of ``data/validation.csv``.

    Returns
    -------
    list of Run
        In file order.

    Raises
    ------
    silkroute.CatalogError
        A column is missing or a number does not parse (file, row and column named).
    """
    file = Path(path) if path is not None else _catalog.data_dir() / "validation.csv"
    try:
        with file.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        msg = f"{file}: cannot be read ({exc.strerror})"
        raise CatalogError(msg) from None
    missing = [c for c in _COLUMNS if rows and c not in rows[0]]
    if missing:
        msg = f"{file}, row 1, column '{missing[0]}': missing; the header must include {', '.join(_COLUMNS)}"
        raise CatalogError(msg)
    out = []
    for i, row in enumerate(rows, start=2):
        try:
            km = _pair(row, "published_km_low", "published_km_high")
            days = _pair(row, "published_days_low", "published_days_high")
        except ValueError as exc:
            msg = f"{file}, row {i}: a published km or day value is not a number ({exc})"
            raise CatalogError(msg) from None
        if row["role"] not in ROLES:
            msg = f"{file}, row {i}, column 'role': {row['role']!r} is not one of {', '.join(ROLES)}"
            raise CatalogError(msg)
        out.append(
            Run(
                id=row["id"],
                role=row["role"],
                description=row["description"],
                origin=row["origin"],
                destination=row["destination"],
                via=tuple(tuple(g.split("|")) for g in row["via"].split(";") if g),
                avoid=tuple(c for c in row["avoid"].split(";") if c),
                scenario=row["scenario"] or "baseline",
                km=km,
                days=days,
                range=row["range"],
                source=f"{row['source_title']}, {row['source_url']} ({row['source_date']})",
                notes=row["notes"],
                where=f"{file}, row {i}",
            )
        )
    return out


def validate(runs: Sequence[Run] | None = None, *, networks: Mapping[str, nx.MultiDiGraph] | None = None) -> Validation:
    """Route every run by rail and compare with its published km and days.

    Parameters
    ----------
    runs
        The runs; :func:`load_runs` by default.
    networks
        Scenario name → network with travel times, for the scenarios the runs name
        (the embedded network under each by default).

    Returns
    -------
    Validation
        One result per run and the summary.
    """
    runs = list(runs) if runs is not None else load_runs()
    compiled = {}
    for name in dict.fromkeys(r.scenario for r in runs):
        G = networks[name] if networks is not None and name in networks else _scenario.network(name)
        compiled[name] = routing.compile(G)
    results = []
    regional: dict[str, str] = {}
    for run in runs:
        net = compiled[run.scenario]
        try:
            r = routing.route(net, run.origin, run.destination, via=run.via, avoid_countries=run.avoid, mode="rail")[0]
        except NoRouteError as exc:
            results.append(RunResult(run, None, str(exc)))
            continue
        except (InputError, UnknownPlaceError) as exc:  # an unknown place, link or country in the file
            msg = f"{run.where or 'run ' + run.id} (run {run.id}): {exc}"
            raise CatalogError(msg) from None
        results.append(RunResult(run, r))
        for d in r.edge_data:
            if d.get("kind") == "crossing" and d.get("dwell_basis") == "regional":
                regional[str(d["crossing"])] = str(d.get("name"))
    catalog_regional = {
        str(d["crossing"]): str(d.get("name"))
        for net in compiled.values()
        for d in net.view.edges.values()
        if d.get("kind") == "crossing" and d.get("dwell_basis") == "regional"
    }
    return Validation(results, regional, catalog_regional)

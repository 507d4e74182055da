"""Named corridors (``data/corridors.toml``) and :func:`compare`.

A corridor is a set of routing constraints (waypoints, countries not used for
transit, ferries or not), so the same definition serves any origin and
destination. :func:`compare` routes each corridor under one or more scenarios
and reports length, time, the time breakdown and the difference to the
northern corridor, or why a corridor is not feasible.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import routing
from silkroute import scenario as _scenario
from silkroute._errors import CatalogError, NoRouteError
from silkroute.routing import Route

__all__ = ["Corridor", "CorridorResult", "compare", "compare_on", "corridor_routes", "load"]

REFERENCE = "northern"


@dataclass(frozen=True)
class Corridor:
    """One named corridor's constraints."""

    name: str
    title: str
    description: str
    via: tuple[tuple[str, ...], ...]
    avoid: tuple[str, ...] = ()
    avoid_places: tuple[str, ...] = ()
    no_ferries: bool = False
    mode: str = "rail"
    serves: frozenset[str] = frozenset()

    def transit_avoid(self, origin_country: str, destination_country: str) -> list[str]:
        """Countries avoided for transit: the origin's and destination's countries stay allowed."""
        return [c for c in self.avoid if c not in (origin_country, destination_country)]


@dataclass
class CorridorResult:
    """The outcome of one corridor under one scenario."""

    corridor: str
    scenario: str
    feasible: bool
    reason: str = ""
    route: Route | None = None
    delta_vs_northern_h: float | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``compare`` CLI contract)."""
        r = self.route
        return {
            "corridor": self.corridor,
            "title": self.title,
            "feasible": self.feasible,
            "reason": self.reason or None,
            "length_km": round(r.length_km, 1) if r else None,
            "time_h": round(r.time_h, 1) if r else None,
            "time_days": round(r.time_days, 2) if r else None,
            "breakdown": {k: round(v, 2) for k, v in r.breakdown.items()} if r else None,
            "countries": r.countries if r else [],
            "crossings": r.crossings if r else [],
            "gauge_breaks": r.gauge_breaks if r else [],
            "ferries": r.ferries if r else [],
            "delta_vs_northern_h": None if self.delta_vs_northern_h is None else round(self.delta_vs_northern_h, 1),
        }


def load(path: str | Path | None = None) -> dict[str, Corridor]:
    """Load corridor definitions (the embedded ``corridors.toml`` by default).

    Raises
    ------
    CatalogError
        A definition names an unknown key, place or mode.
    """
    path = Path(path) if path else _catalog.data_dir() / "corridors.toml"
    try:
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read corridor definitions ({exc})"
        raise CatalogError(msg) from exc
    groups = {k: set(v) for k, v in cfg.get("groups", {}).items()}
    allowed = {"title", "description", "via", "avoid", "avoid_places", "no_ferries", "mode", "serves"}
    places = _catalog.load(path.parent if path.parent != _catalog.data_dir() else None).places.index
    out = {}
    for name, d in cfg.get("corridors", {}).items():
        unknown = set(d) - allowed
        if unknown:
            msg = f"{path}, corridors.{name}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
            raise CatalogError(msg)
        for group in d.get("via", []):
            for p in group:
                if p not in places:
                    msg = f"{path}, corridors.{name}.via: unknown place {p!r}"
                    raise CatalogError(msg)
        serves: set[str] = set()
        for s in d.get("serves", []):
            serves |= groups.get(s, {s})
        out[name] = Corridor(
            name=name,
            title=str(d.get("title", name)),
            description=str(d.get("description", "")),
            via=tuple(tuple(g) for g in d.get("via", [])),
            avoid=tuple(d.get("avoid", [])),
            avoid_places=tuple(d.get("avoid_places", [])),
            no_ferries=bool(d.get("no_ferries", False)),
            mode=str(d.get("mode", "rail")),
            serves=frozenset(serves),
        )
    return out


def corridor_routes(
    G: nx.MultiDiGraph,
    c: Corridor,
    origin: str,
    destination: str,
    *,
    k: int = 1,
    avoid_links: tuple[str, ...] = (),
    explain: bool = True,
) -> list[Route]:
    """The fastest route(s) of one corridor; alternatives differ in a crossing, ferry or gauge change.

    Raises
    ------
    NoRouteError
        The corridor does not serve the destination or has no route in this network.
    """
    o, t = routing.resolve(G, origin), routing.resolve(G, destination)
    country = {p["id"]: p["country"] for p in routing.find_places(G)}
    missing = [p for group in c.via for p in group if p not in country]
    if any(all(p in missing for p in group) for group in c.via):
        msg = f"this network has none of the {c.name} corridor's waypoints {', '.join(missing)}"
        raise NoRouteError(msg)
    if c.serves and country[t] not in c.serves:
        msg = f"the {c.name} corridor does not serve destinations in {country[t]}"
        raise NoRouteError(msg)
    return routing.route(
        G,
        o,
        t,
        optimize="time",
        via=[[p for p in group if p in country] for group in c.via],
        avoid_countries=c.transit_avoid(country[o], country[t]),
        avoid_places=c.avoid_places,
        avoid_kinds=("ferry",) if c.no_ferries else (),
        avoid_links=avoid_links,
        mode=c.mode,
        k=k,
        explain=explain,
    )


def compare_on(
    G: nx.MultiDiGraph, origin: str, destination: str, corridors: dict[str, Corridor] | None = None
) -> list[CorridorResult]:
    """Compare corridors on one scenario network (see :func:`compare`)."""
    corridors = corridors or load()
    o, t = routing.resolve(G, origin), routing.resolve(G, destination)
    name = str(G.graph.get("scenario", ""))
    results = []
    for c in corridors.values():
        try:
            r = corridor_routes(G, c, o, t)[0]
        except NoRouteError as exc:
            results.append(CorridorResult(c.name, name, False, str(exc), title=c.title))
            continue
        results.append(CorridorResult(c.name, name, True, route=r, title=c.title))
    ref = next((res for res in results if res.corridor == REFERENCE and res.route is not None), None)
    for res in results:
        if ref is not None and res.route is not None and ref.route is not None:
            res.delta_vs_northern_h = res.route.time_h - ref.route.time_h
    return results


def compare(origin: str, destination: str, scenarios: list[str] | None = None) -> dict[str, list[CorridorResult]]:
    """Route every named corridor from ``origin`` to ``destination`` under each scenario.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids.
    scenarios
        Embedded scenario names or TOML paths; ``["baseline"]`` by default.

    Returns
    -------
    dict
        Scenario name → one :class:`CorridorResult` per corridor, with
        ``delta_vs_northern_h`` (negative = faster than the northern corridor).
    """
    out = {}
    corridors = load()
    for s in scenarios or ["baseline"]:
        G = _scenario.network(s)
        out[str(G.graph["scenario"])] = compare_on(G, origin, destination, corridors)
    return out

"""Chokepoints: which single link, if it closed, would cost the corridors most.

Every border crossing, break-of-gauge station, ferry and line section used by
any corridor's fastest route is closed in turn; all corridors are re-routed
and the links are ranked by the days they add (or the corridors they cut).
With the link volumes of a demand assignment (:mod:`silkroute.assignment`)
the ranking weighs each link's delay by the FEU a day that use it: the
FEU-days lost per day of closure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely

from silkroute import corridors as _corridors
from silkroute import routing
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import NoRouteError

__all__ = ["Chokepoint", "criticality", "criticality_on", "to_gdf"]

_KIND_NAMES = {
    "crossing": "border crossing",
    "gauge_change": "break of gauge",
    "ferry": "ferry",
    "line": "line section",
}


@dataclass
class Chokepoint:
    """One link and what closing it does to each corridor."""

    ref: str  # "crossing:ID", "gauge_change:PLACE", "ferry:ID", "line:ID"
    name: str
    used_by: list[str]
    added_h: dict[str, float | None] = field(default_factory=dict)  # corridor -> hours added, None = infeasible
    volume_feu_per_day: float | None = None  # assigned demand through the link (both directions)

    @property
    def weighted_feu_days(self) -> float | None:
        """FEU-days of delay per day of closure: assigned volume × the largest delay (``None`` without volumes)."""
        if self.volume_feu_per_day is None:
            return None
        return self.volume_feu_per_day * self.max_added_days

    @property
    def kind(self) -> str:
        """crossing, gauge_change, ferry or line."""
        return self.ref.split(":", 1)[0]

    @property
    def cut(self) -> list[str]:
        """Corridors that become infeasible."""
        return [c for c, h in self.added_h.items() if h is None]

    @property
    def max_added_days(self) -> float:
        """Largest delay among corridors that stay feasible (days)."""
        return max((h for h in self.added_h.values() if h is not None), default=0.0) / 24.0

    def to_dict(self) -> dict[str, Any]:
        """Return the chokepoint as a JSON-ready dict (the ``criticality`` CLI contract).

        Returns
        -------
        dict
            ``ref``, ``kind``, ``name``, ``used_by``, ``cuts``, ``max_added_days``, ``added_days``.
        """
        return {
            "ref": self.ref,
            "kind": self.kind,
            "name": self.name,
            "used_by": self.used_by,
            "cuts": self.cut,
            "max_added_days": round(self.max_added_days, 2),
            "added_days": {c: None if h is None else round(h / 24.0, 2) for c, h in self.added_h.items()},
            "volume_feu_per_day": None if self.volume_feu_per_day is None else round(self.volume_feu_per_day, 1),
            "weighted_feu_days": None if self.weighted_feu_days is None else round(self.weighted_feu_days, 1),
        }


def _label(G: nx.MultiDiGraph, ref: str, d: dict[str, Any]) -> str:
    kind = ref.split(":", 1)[0]
    return f"{_KIND_NAMES[kind]}: {d.get('name') or ref.split(':', 1)[1]}"


def criticality_on(
    G: nx.MultiDiGraph | Compiled, origin: str, destination: str, *, volumes: Mapping[str, float] | None = None
) -> list[Chokepoint]:
    """Rank the links of every corridor's fastest route on one scenario network (see :func:`criticality`).

    Parameters
    ----------
    G
        A network with travel times, or its compiled form.
    origin, destination
        Place names, aliases or ids.
    volumes
        FEU a day through each link reference (:attr:`silkroute.assignment.Assignment.volumes`): rank by
        volume × delay instead.

    Returns
    -------
    list of Chokepoint
        Links that cut a corridor first, then by the largest added days; with ``volumes``, by the FEU-days
        lost per day of closure (volume × the largest delay of a corridor that stays feasible; a corridor
        that is cut is listed in ``cuts`` but its delay is not counted), then by volume.
    """
    defs = _corridors.load()
    net = routing.compile(G)
    G = net.G
    o, t = routing.resolve_pair(net, origin, destination)
    base: dict[str, float] = {}
    used: dict[str, Chokepoint] = {}
    for c in defs.values():
        try:
            r = _corridors.corridor_routes(net, c, o, t)[0]
        except NoRouteError:
            continue
        base[c.name] = r.time_h
        for d in r.edge_data:
            for ref in sorted(routing.link_refs(d)):
                point = used.setdefault(ref, Chokepoint(ref, _label(G, ref, d), []))
                if c.name not in point.used_by:
                    point.used_by.append(c.name)
    for point in used.values():
        for name in point.used_by:
            try:
                r = _corridors.corridor_routes(net, defs[name], o, t, avoid_links=(point.ref,), explain=False)[0]
                point.added_h[name] = r.time_h - base[name]
            except NoRouteError:
                point.added_h[name] = None
    if volumes is None:
        return sorted(used.values(), key=lambda p: (-len(p.cut), -p.max_added_days, p.ref))
    for point in used.values():
        point.volume_feu_per_day = float(volumes.get(point.ref, 0.0))
    return sorted(
        used.values(),
        key=lambda p: (-(p.weighted_feu_days or 0.0), -(p.volume_feu_per_day or 0.0), -len(p.cut), p.ref),
    )


def criticality(origin: str, destination: str, scenario: str = "baseline") -> list[Chokepoint]:
    """Close each link used by a corridor in turn and rank the links by the delay they cause.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids.
    scenario
        Embedded scenario name or TOML file.

    Returns
    -------
    list of Chokepoint
        Links that cut a corridor first, then by the largest added days.
    """
    return criticality_on(_scenario.network(scenario), origin, destination)


def to_gdf(G: nx.MultiDiGraph, points: list[Chokepoint]) -> gpd.GeoDataFrame:
    """Return the chokepoints as a layer: the geometry of each link with its ranking (EPSG:4326).

    Parameters
    ----------
    G
        The network the ranking was made on.
    points
        The ranking of :func:`criticality_on`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per link, in rank order; a break of gauge is its station's point.
    """
    geoms: dict[str, list[Any]] = {p.ref: [] for p in points}
    for _u, _v, d in G.edges(data=True):
        if d.get("reversed"):
            continue
        for ref in routing.link_refs(d) & set(geoms):
            geoms[ref].append(d["geometry"])
    rows = []
    for rank, p in enumerate(points, start=1):
        parts = [g for g in geoms[p.ref] if shapely.length(g) > 0]
        if parts:
            g = shapely.line_merge(shapely.MultiLineString(parts))
        else:  # a break of gauge: the transfer edge has no length, show the station
            g = shapely.Point(shapely.get_coordinates(geoms[p.ref][0])[0]) if geoms[p.ref] else None
        row = p.to_dict()
        rows.append(
            {
                "rank": rank,
                "ref": p.ref,
                "kind": p.kind,
                "name": p.name,
                "used_by": ";".join(p.used_by),
                "cuts": ";".join(p.cut),
                "max_added_days": row["max_added_days"],
                "volume_feu_per_day": row["volume_feu_per_day"],
                "weighted_feu_days": row["weighted_feu_days"],
                "geometry": g,
                **{f"added_days_{c}": v for c, v in row["added_days"].items()},
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")

"""Reach: which places and which part of the network lie within N days of a place."""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from silkroute import routing, schema
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import InputError
from silkroute.network import place_nodes

__all__ = ["reach", "reach_on"]


def reach_on(
    G: nx.MultiDiGraph | Compiled, origin: str, days: Sequence[float], *, mode: str = "rail"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the places and network edges within each number of days, on one scenario network.

    Parameters
    ----------
    G
        A network with travel times, or its compiled form.
    origin
        Place name, alias or id.
    days
        Thresholds in days; each place gets the smallest threshold it meets (``within_days``).
    mode
        ``rail``, ``road`` or ``any``.

    Returns
    -------
    (places, edges)
        Two GeoDataFrames (EPSG:4326) with ``time_h``, ``time_days`` and ``within_days``.
    """
    if not days or any(not (isinstance(d, int | float) and math.isfinite(d) and d > 0) for d in days):
        msg = f"days must be finite numbers > 0, such as 5, 10, 15; got {list(days)}"
        raise InputError(msg)
    net = routing.compile(G)
    G = net.G
    o = net.places.resolve(origin, role="origin")
    hours = routing.costs_from(net, o, optimize="time", mode=mode)
    nodes_of = place_nodes(G)
    limits = sorted(float(d) for d in days)
    best: dict[str, float] = {}
    for n, h in hours.items():
        pid = G.nodes[n].get("place")
        if pid and h < best.get(pid, float("inf")):
            best[pid] = h

    def band(h: float) -> float | None:
        return next((d for d in limits if h <= d * 24.0 + 1e-9), None)

    place_rows = []
    for pid, h in sorted(best.items(), key=lambda kv: kv[1]):
        if band(h) is None:
            continue
        n = nodes_of[pid][0]
        d = G.nodes[n]
        place_rows.append(
            {
                "id": pid,
                "name": d.get("name"),
                "country": d.get("country"),
                "kind": d.get("kind"),
                "time_h": round(h, 2),
                "time_days": round(h / 24.0, 2),
                "within_days": band(h),
                "geometry": shapely.Point(d["x"], d["y"]),
            }
        )
    edge_rows = []
    for u, v, d in G.edges(data=True):
        if (
            d.get("reversed")
            or u not in hours
            or v not in hours
            or d.get("kind") not in (*schema.TRACK_KINDS, schema.FERRY, schema.CROSSING)
        ):
            continue
        h = max(hours[u], hours[v])
        if band(h) is not None:
            edge_rows.append(
                {
                    "kind": d.get("kind"),
                    "mode": d.get("mode"),
                    "name": d.get("name"),
                    "line_id": d.get("line_id"),
                    "time_h": round(h, 2),
                    "within_days": band(h),
                    "geometry": d["geometry"],
                }
            )
    columns = ["id", "name", "country", "kind", "time_h", "time_days", "within_days", "geometry"]
    places = gpd.GeoDataFrame(pd.DataFrame(place_rows, columns=columns), geometry="geometry", crs="EPSG:4326")
    edges = gpd.GeoDataFrame(
        pd.DataFrame(edge_rows, columns=["kind", "mode", "name", "line_id", "time_h", "within_days", "geometry"]),
        geometry="geometry",
        crs="EPSG:4326",
    )
    return places, edges


def reach(
    origin: str, days: Sequence[float] = (5, 10, 15), scenario: str = "baseline", *, mode: str = "rail"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Places and network sections reachable from ``origin`` within each number of days.

    Parameters
    ----------
    origin
        Place name, alias or id.
    days
        Thresholds in days; each place gets the smallest threshold it meets (``within_days``).
    scenario
        Embedded scenario name or TOML file.
    mode
        ``rail``, ``road`` or ``any``.

    Returns
    -------
    (places, edges)
        Two GeoDataFrames (EPSG:4326) with ``time_h``, ``time_days`` and ``within_days``.
    """
    return reach_on(_scenario.network(scenario), origin, days, mode=mode)

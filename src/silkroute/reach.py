"""Reach: which places and which part of the network lie within N days of a place.

:func:`reach_on` lists the places and network edges; :func:`areas_on` turns the reachable track
into polygons, one per band of days (what a map shades): the part of every line reachable within
each number of days (a line reached from both ends is cut where the two times meet), buffered by
:data:`BUFFER_KM` in an equidistant conic projection centred on the origin, dissolved per
band, and brought back to WGS84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.ops import substring

from silkroute import routing, schema
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import InputError
from silkroute.network import place_nodes

__all__ = ["areas", "areas_on", "reach", "reach_on"]

#: Half-width of the reach polygons around the reachable track (km), and their simplification (m).
BUFFER_KM = 60.0
SIMPLIFY_M = 2000.0
_GEOD = pyproj.Geod(ellps="WGS84")


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
    _check_days(days)
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


def _check_days(days: Sequence[float]) -> None:
    if not days or any(not (isinstance(d, int | float) and math.isfinite(d) and d > 0) for d in days):
        msg = f"days must be finite numbers > 0, such as 5, 10, 15; got {list(days)}"
        raise InputError(msg)


def _reachable_part(geom: shapely.LineString, hu: float, hv: float, t: float, limit: float) -> list[shapely.LineString]:
    """Return the pieces of an edge reachable within ``limit`` hours (from ``u`` at ``hu``, from ``v`` at ``hv``)."""
    if t <= 0:
        return [geom] if min(hu, hv) <= limit else []
    fu = min(1.0, max(0.0, (limit - hu) / t)) if hu <= limit else 0.0
    fv = min(1.0, max(0.0, (limit - hv) / t)) if hv <= limit else 0.0
    if fu + fv >= 1.0:
        return [geom]
    pieces = []
    if fu > 0:
        pieces.append(substring(geom, 0.0, fu, normalized=True))
    if fv > 0:
        pieces.append(substring(geom, 1.0 - fv, 1.0, normalized=True))
    return [p for p in pieces if p.geom_type == "LineString" and p.length > 0]


def areas_on(
    G: nx.MultiDiGraph | Compiled,
    origin: str,
    days: Sequence[float],
    *,
    mode: str = "rail",
    buffer_km: float = BUFFER_KM,
) -> gpd.GeoDataFrame:
    """Return the area within each band of days of travel from a place, as polygons.

    Parameters
    ----------
    G
        A network with travel times, or its compiled form.
    origin
        Place name, alias or id.
    days
        Thresholds in days (e.g. 5, 10, 15): the bands are up to the first, from the first to
        the second, and so on.
    mode
        ``rail``, ``road`` or ``any``.
    buffer_km
        Half-width of the area around the reachable track, in km.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band, nearest first (EPSG:4326; polygons do not overlap, a band's polygon
        excludes the nearer bands): ``id`` (``within_<days>d``), ``origin`` (place id),
        ``from_days`` and ``within_days`` (the band's bounds, days), ``label``, ``track_km``
        (track reachable within the band's upper bound, km), ``area_km2`` (geodesic area of
        the band, km²) and a MultiPolygon (empty when nothing is reached in the band).
    """
    _check_days(days)
    if not (math.isfinite(buffer_km) and buffer_km > 0):
        msg = f"buffer_km must be a finite number > 0, got {buffer_km}"
        raise InputError(msg)
    net = routing.compile(G)
    G = net.G
    o = net.places.resolve(origin, role="origin")
    hours = routing.costs_from(net, o, optimize="time", mode=mode)
    limits = sorted({float(d) for d in days})
    modes = {"rail": ("rail",), "road": ("road",), "any": ("rail", "road")}[mode]
    lon0 = float(np.mean([G.nodes[n]["x"] for n in place_nodes(G)[o]]))
    crs = pyproj.CRS.from_proj4(
        f"+proj=eqdc +lat_0=40 +lon_0={lon0:.3f} +lat_1=30 +lat_2=55 +datum=WGS84 +units=m +no_defs"
    )
    to_plane = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inf = float("inf")
    edges = []
    for u, v, d in G.edges(data=True):
        if d.get("reversed") or d.get("kind") not in schema.TRACK_KINDS or d.get("mode") not in modes:
            continue
        hu, hv = hours.get(u, inf), hours.get(v, inf)
        if min(hu, hv) > limits[-1] * 24.0:
            continue
        edges.append((d["geometry"], hu, hv, float(d.get(schema.TRAVEL_TIME, 0.0)) / 3600.0))
    rows = []
    previous = shapely.Polygon()
    lower = 0.0
    for limit in limits:
        pieces = [p for g, hu, hv, t in edges for p in _reachable_part(g, hu, hv, t, limit * 24.0)]
        km = sum(_GEOD.geometry_length(p) for p in pieces) / 1000.0
        if pieces:
            lines = shapely.transform(shapely.MultiLineString(pieces), to_plane.transform, interleaved=False)
            lines = shapely.simplify(lines, SIMPLIFY_M)  # the track's detail is lost in the buffer anyway
            buffered = shapely.simplify(shapely.buffer(lines, buffer_km * 1000.0, quad_segs=6), SIMPLIFY_M)
            cumulative = shapely.set_precision(buffered, 1.0)  # a 1 m grid: bands that do not overlap
        else:
            cumulative = shapely.Polygon()
        band = shapely.difference(cumulative, previous, grid_size=1.0) if not previous.is_empty else cumulative
        previous = shapely.union(previous, cumulative, grid_size=1.0) if not previous.is_empty else cumulative
        geom = _to_wgs84(band, to_plane)
        rows.append(
            {
                "id": f"within_{limit:g}d",
                "origin": o,
                "from_days": lower,
                "within_days": limit,
                "label": f"≤ {limit:g} days" if lower == 0 else f"{lower:g}–{limit:g} days",
                "track_km": round(km, 1),
                "area_km2": round(abs(_GEOD.geometry_area_perimeter(geom)[0]) / 1e6, 1),
                "geometry": geom,
            }
        )
        lower = limit
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _to_wgs84(geom: shapely.Geometry, to_plane: pyproj.Transformer) -> shapely.MultiPolygon:
    """Bring a projected (multi)polygon back to lon/lat, as a MultiPolygon with counterclockwise exteriors."""
    dense = shapely.segmentize(geom, 5000.0)  # a long straight edge is not straight in lon/lat
    back = shapely.transform(dense, lambda x, y: to_plane.transform(x, y, direction="INVERSE"), interleaved=False)
    flat = shapely.get_parts(shapely.get_parts(shapely.make_valid(back)))  # a collection may hold multipolygons
    parts = [p for p in flat if p.geom_type == "Polygon" and p.area > 0]
    multi = shapely.MultiPolygon(parts)
    return shapely.orient_polygons(multi, exterior_cw=False)


def areas(
    origin: str,
    days: Sequence[float] = (5, 10, 15),
    scenario: str = "baseline",
    *,
    mode: str = "rail",
    buffer_km: float = BUFFER_KM,
) -> gpd.GeoDataFrame:
    """The area within each band of days of travel from ``origin``, as polygons (see :func:`areas_on`).

    Parameters
    ----------
    origin
        Place name, alias or id.
    days
        Thresholds in days.
    scenario
        Embedded scenario name or TOML file.
    mode
        ``rail``, ``road`` or ``any``.
    buffer_km
        Half-width of the area around the reachable track, in km.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band, nearest first (EPSG:4326).
    """
    return areas_on(_scenario.network(scenario), origin, days, mode=mode, buffer_km=buffer_km)


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

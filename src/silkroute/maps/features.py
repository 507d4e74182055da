"""Geometry for display: simplified GeoJSON features of the network and the Natural Earth country outline."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely

from silkroute import schema
from silkroute._errors import AssetError
from silkroute.maps.style import (
    _LAYER_ORDER,
    DECIMALS,
    EXTENT,
    LINE_TOLERANCE,
    OUTLINE_TOLERANCE,
    STATUS_LABEL,
    _line_style,
    _network_group,
)

if TYPE_CHECKING:
    pass


__all__: list[str] = ["network_features"]

log = logging.getLogger(__name__)


def _display(geom: Any, tolerance: float) -> dict[str, Any]:
    """Return ``geom`` simplified and rounded to :data:`DECIMALS` as a GeoJSON geometry."""
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda c: np.round(c, DECIMALS))
    out: dict[str, Any] = json.loads(shapely.to_geojson(rounded))
    return out


def _feature(geom: Any, properties: Mapping[str, Any], tolerance: float = LINE_TOLERANCE) -> dict[str, Any]:
    return {"type": "Feature", "properties": dict(properties), "geometry": _display(geom, tolerance)}


def _collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _topojson_features(topology: dict[str, Any], name: str) -> list[tuple[dict[str, Any], Any]]:
    """Decode one object of a (quantised) TopoJSON topology into (properties, shapely geometry)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=float)
        if transform:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)

    def ring(indices: list[int]) -> np.ndarray:
        pieces = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])])

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    out = []
    for g in topology["objects"][name]["geometries"]:
        if g.get("type") == "Polygon":
            geom = polygon(g["arcs"])
        elif g.get("type") == "MultiPolygon":
            geom = shapely.MultiPolygon([polygon(p) for p in g["arcs"]])
        else:
            continue
        out.append(({"name": g.get("properties", {}).get("name", ""), "id": g.get("id")}, geom))
    return out


@lru_cache(maxsize=1)
def _country_outlines() -> str:
    """Return the Natural Earth 1:50m countries, clipped to :data:`EXTENT`, as GeoJSON text.

    Empty (with a warning in the log) when the npm package ``world-atlas`` is missing.
    """
    from silkroute.maps.offline import package_file

    try:
        topology = json.loads(package_file("world-atlas", "countries-50m.json").read_text("utf-8"))
    except AssetError as exc:
        log.warning("country outlines not drawn: %s", exc)
        return ""
    features = []
    for props, geom in _topojson_features(topology, "countries"):
        clipped = shapely.clip_by_rect(shapely.make_valid(geom), *EXTENT)
        shown = shapely.simplify(clipped, OUTLINE_TOLERANCE, preserve_topology=True)
        if shown.is_empty or shown.area < OUTLINE_TOLERANCE**2:
            continue
        features.append(_feature(shown, {"name": props["name"]}, OUTLINE_TOLERANCE))
    return json.dumps(_collection(features), separators=(",", ":"))


def network_features(G: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """Group the network's drawable edges into display features, by layer name.

    One feature per line (``line_id``, else name, mode, gauge and status) with
    the union of its undirected line and snap edges (``reversed == False``), and
    one per ferry (``ferry`` id).  Crossing, gauge-change and transfer edges are
    shown as markers instead.

    Parameters
    ----------
    G
        A network from :func:`silkroute.network.build_network` (or any graph
        with the same edge attributes).

    Returns
    -------
    dict
        Layer name → GeoJSON features with ``name``, ``line_id``, ``gauge``,
        ``status``, ``length_km`` and a ``style`` (Leaflet path options).
    """
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for _u, _v, d in G.edges(data=True):
        if d.get("reversed"):
            continue
        if d.get("kind") in schema.TRACK_KINDS:
            ident = d.get("line_id") or d.get("name")
            key = ("line", ident, d.get("mode"), d.get("gauge"), d.get("status", "operational"))
        elif d.get("kind") == schema.FERRY:
            key = ("ferry", d.get("ferry"), "ferry", None, d.get("status", "operational"))
        else:
            continue
        groups[key].append(d)
    layers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, ident, mode, gauge, status), edges in groups.items():
        geom = shapely.line_merge(shapely.MultiLineString([e["geometry"] for e in edges]))
        length_km = sum(float(e.get("length", 0.0)) for e in edges) / 1000.0
        if kind == "ferry":
            layer, length_km = "Ferries", max(float(e.get("length", 0.0)) for e in edges) / 1000.0
        else:
            layer = _network_group(edges[0])
        props = {
            "name": edges[0].get("name") or ident,
            "line_id": ident,
            "mode": mode,
            "gauge": f"{gauge} mm" if gauge else "",
            "status": STATUS_LABEL.get(status, status),
            "length_km": round(length_km, 1),
            "style": _line_style(mode, gauge, status),
        }
        layers[layer].append(_feature(geom, props))
    return dict(sorted(layers.items(), key=lambda kv: _LAYER_ORDER.index(kv[0]) if kv[0] in _LAYER_ORDER else 99))

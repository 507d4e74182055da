"""Geometry for display: simplified GeoJSON features of the network and of results."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely

from silkroute import schema
from silkroute.maps.style import (
    _LAYER_ORDER,
    DECIMALS,
    LINE_TOLERANCE,
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

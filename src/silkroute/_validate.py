"""Checks of networks that come from a file or a caller, before they are routed or written.

Each check raises :class:`~silkroute.NetworkError` with one sentence naming
what is missing, an example and how to fix it (osmnx keeps its graph checks in
one ``_validate`` module the same way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import networkx as nx

from silkroute._errors import NetworkError

__all__ = ["validate_network"]

_HOW = {
    "travel_time": "pass the network through silkroute.scenario.apply() (or timing.assign_travel_times()) first",
    "length": "lengths are metres on the ellipsoid; build the network with silkroute.build or osmnx",
}


def _bad_number(value: Any) -> bool:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(x) or x < 0


def validate_network(G: Any, *, weights: Iterable[str] = ("length",), source: str = "network") -> None:
    """Check that a graph can be routed: node positions, edge lengths and the weights asked for.

    Parameters
    ----------
    G
        The graph.
    weights
        Edge attributes that must be finite numbers >= 0 on every edge
        (``length``, ``travel_time``).
    source
        How to name the graph in messages (a file name, "network").

    Raises
    ------
    silkroute.NetworkError
        If ``G`` is not a networkx multigraph, has no nodes, a node lacks a
        finite ``x``/``y``, the CRS is not EPSG:4326, or an edge lacks a weight.
    """
    if not isinstance(G, nx.MultiDiGraph | nx.MultiGraph):
        msg = f"{source} is a {type(G).__name__}, not a networkx MultiDiGraph; build one with silkroute.build or osmnx"
        raise NetworkError(msg)
    if G.number_of_nodes() == 0:
        msg = f"{source} has no nodes; build it from line geometry that is not empty"
        raise NetworkError(msg)
    crs = G.graph.get("crs")
    if crs is not None and str(crs).upper().replace("EPSG:", "") not in ("4326", "WGS84", "OGC:CRS84"):
        msg = f"{source} is in CRS {crs}; silkroute networks are EPSG:4326 (reproject the lines before building)"
        raise NetworkError(msg)
    for n, d in G.nodes(data=True):
        x, y = d.get("x"), d.get("y")
        if _bad_coordinate(x, -180, 180) or _bad_coordinate(y, -90, 90):
            msg = f"{source}: node {n!r} has no valid lon/lat (x={x!r}, y={y!r}); every node needs x and y in degrees"
            raise NetworkError(msg)
    for attr in weights:
        bad = [(u, v, k) for u, v, k, w in G.edges(keys=True, data=attr) if _bad_number(w)]
        if bad:
            u, v, k = bad[0]
            how = _HOW.get(attr, f"set '{attr}' on every edge")
            msg = (
                f"{source}: {len(bad):,} of {G.number_of_edges():,} edges have no valid '{attr}' "
                f"(finite, >= 0; e.g. edge {u!r} -> {v!r} key {k!r}); {how}"
            )
            raise NetworkError(msg)


def _bad_coordinate(value: Any, lo: float, hi: float) -> bool:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return True
    return not (math.isfinite(x) and lo <= x <= hi)

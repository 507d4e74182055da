"""The corridor network: the catalog's lines built into a graph, plus transfer edges.

Rail and road sections come from :func:`silkroute.build.graph_from_lines`; this
module adds the edges that move a consignment between networks, each an
explicit edge ``kind`` carrying the catalog's low/mode/high hours:

``crossing``
    a border crossing between two places (``dwell_*_h``), per gauge or road;
``gauge_change``
    transshipment or bogie exchange between the 1435/1520/1668 mm layers of
    one station (``transship_*_h``);
``ferry``
    a sea or lake ferry between two ports, for rail wagons and/or trucks
    (``sailing_*_h`` and ``wait_*_h``);
``transfer``
    road ↔ rail at an intermodal terminal (``transfer_*_h``).

Every node that stands for a place has ``place``, ``name``, ``country`` and
``kind``; ``place_nodes`` finds them.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np
import shapely

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute import sections as _sections
from silkroute._errors import CatalogError
from silkroute._validate import validate_network
from silkroute.build import GEOD, NodeIndex, graph_from_lines

__all__ = [
    "build_network",
    "clean_copy",
    "default_network",
    "place_nodes",
    "rail_layers",
    "validate_network",
]

log = logging.getLogger(__name__)
LINE_ATTRIBUTES = ("line_id", "seq", "name", "mode", "gauge", "status", "speed_class", "country", "length_source")


def rail_layers(G: nx.MultiDiGraph, place: str) -> list[str]:
    """Return the rail layers (``rail1435``, …) in which a place has a node.

    Parameters
    ----------
    G
        A network.
    place
        A place id.

    Returns
    -------
    list of str
        Layer keys, sorted.
    """
    return sorted(G.nodes[n]["layer"] for n in place_nodes(G).get(place, []) if G.nodes[n]["mode"] == "rail")


def place_nodes(G: nx.MultiDiGraph) -> dict[str, list[Any]]:
    """Map each place id to its nodes (one per layer).

    Parameters
    ----------
    G
        A network.

    Returns
    -------
    dict
        Place id → node ids.
    """
    out: dict[str, list[Any]] = defaultdict(list)
    for n, place in G.nodes(data="place"):
        if place:
            out[place].append(n)
    return dict(out)


def clean_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return an independent copy of a network: new attribute dicts and a deep copy of the graph attributes.

    Parameters
    ----------
    G
        A network.

    Returns
    -------
    networkx.MultiDiGraph
        The copy; changing it never changes ``G``.
    """
    H = G.copy()
    H.graph = copy.deepcopy(G.graph)
    return H


@functools.lru_cache(maxsize=4)
def _default(directory: str | None, fingerprint: tuple[Any, ...]) -> nx.MultiDiGraph:
    return build_network(_catalog.load(directory))


def default_network(directory: str | os.PathLike[str] | None = None) -> nx.MultiDiGraph:
    """Return a copy of the network of the embedded catalog (or of another catalog directory).

    The network is built once per catalog content (the cache key includes
    every catalog file's size and modification time); each call returns a
    copy the caller may change.

    Parameters
    ----------
    directory
        A catalog directory; the embedded catalog by default.

    Returns
    -------
    networkx.MultiDiGraph
        The network without travel times (see :func:`silkroute.scenario.apply`).
    """
    key = None if directory is None else str(directory)
    return clean_copy(_default(key, _catalog.fingerprint(directory)))


def build_network(cat: _catalog.Catalog) -> nx.MultiDiGraph:
    """Build the full multimodal network of a catalog.

    Parameters
    ----------
    cat
        A loaded catalog.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-style graph; ``graph["build_report"]`` says what the builder did.
    """
    lines = _sections.sections(cat)
    # each section's edges are scaled to its length (published, OSM track or circuity estimate)
    drawn = lines.geometry.map(GEOD.geometry_length)
    lines["length_scale"] = (lines["length_km"] * 1000.0 / drawn.where(drawn > 0, np.nan)).fillna(1.0)
    places = cat.places.reset_index(drop=True)
    stops = {s for row in cat.lines["stops"] for s in row}
    G = graph_from_lines(
        lines,
        places[places["id"].isin(stops)],
        snap_m=1.0,
        attach_m=50.0,
        separate_by="country",
        node_shared_vertices=False,
        attributes=(*LINE_ATTRIBUTES, "length_scale"),
        name="silkroute corridor catalog",
    )
    for _u, _v, d in G.edges(data=True):
        d[schema.LENGTH] *= float(d.pop("length_scale", 1.0))
    records = cat.places.to_dict("index")
    nodes = NodeIndex(G)
    _add_crossings(G, nodes, cat, records)
    _add_gauge_changes(G, nodes, cat, records)
    _add_ferries(G, cat)
    _add_terminals(G, cat)
    G.graph["catalog"] = str(cat.directory)
    return G


def _node(nodes: NodeIndex, record: dict[str, Any], layer: str) -> int:
    return nodes.add(layer, float(record["lon"]), float(record["lat"]), record)


def _link(G: nx.MultiDiGraph, u: int, v: int, attrs: dict[str, Any], back: dict[str, Any] | None = None) -> None:
    """Add both directions of a transfer edge with a straight geometry and geodesic length.

    ``back`` replaces attributes of the ``v → u`` direction (a dwell that differs by direction).
    """
    a, b = G.nodes[u], G.nodes[v]
    geom = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    length = float(GEOD.inv(a["x"], a["y"], b["x"], b["y"])[2])
    common = {schema.LENGTH: length, "oneway": False, **attrs}
    G.add_edge(u, v, **common, geometry=geom, reversed=False)
    G.add_edge(v, u, **{**common, **(back or {})}, geometry=shapely.reverse(geom), reversed=True)


def _triples(row: dict[str, Any], *triples: schema.Triple) -> dict[str, float]:
    return {c: float(row[c]) for t in triples for c in t.columns}


def _present(row: dict[str, Any], triple: schema.Triple) -> bool:
    return all(row.get(c) is not None and row.get(c) == row.get(c) for c in triple.columns)


def _directional_dwell(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The crossing's dwell from → to, and the other direction's where the catalog gives one."""
    forward = _triples(row, schema.DWELL)
    if not _present(row, schema.DWELL_REVERSE):
        return forward, None
    back = dict(zip(schema.DWELL.columns, schema.DWELL_REVERSE.read(row), strict=True))
    return {**forward, "direction": "forward"}, {**back, "direction": "reverse"}


def _add_crossings(G: nx.MultiDiGraph, nodes: NodeIndex, cat: _catalog.Catalog, records: dict[str, Any]) -> None:
    for row in cat.crossings.to_dict("records"):
        layers = [schema.layer_name("rail", g) for g in row["gauge"]] if row["mode"] == "rail" else ["road"]
        for layer in layers:
            u, v = _node(nodes, records[row["from"]], layer), _node(nodes, records[row["to"]], layer)
            attrs = {
                "kind": schema.CROSSING,
                "mode": row["mode"],
                "gauge": schema.layer_gauge(layer),
                "crossing": row["id"],
                "name": row["name"],
                "customs": bool(row["customs"]),
                "status": row["status"],
                "border": f"{records[row['from']]['country']}-{records[row['to']]['country']}",
                "dwell_basis": row.get("dwell_basis"),
            }
            forward, back = _directional_dwell(row)
            _link(G, u, v, {**attrs, **forward}, back)


def _add_gauge_changes(G: nx.MultiDiGraph, nodes: NodeIndex, cat: _catalog.Catalog, records: dict[str, Any]) -> None:
    for i, row in enumerate(cat.gauge_changes.to_dict("records"), start=2):
        layers = [schema.layer_name("rail", g) for g in row["gauges"]]
        ends = [_node(nodes, records[row["place"]], layer) for layer in layers]
        if all(G.degree(n) == 0 for n in ends):
            msg = (
                f"{cat.directory / 'gauge_changes.csv'}, row {i}, column 'place': {row['place']} is on no line or "
                f"crossing of gauge {', '.join(map(str, row['gauges']))}; add it to a line's stops or remove the row"
            )
            raise CatalogError(msg)
        attrs = {
            "kind": schema.GAUGE_CHANGE,
            "mode": "rail",
            "gauge_change": row["place"],
            "status": "operational",
            "name": f"break of gauge {'/'.join(map(str, row['gauges']))} at {records[row['place']]['name']}",
            **_triples(row, schema.TRANSSHIP),
        }
        for k, u in enumerate(ends):
            for v in ends[k + 1 :]:
                _link(G, u, v, attrs)


def _add_ferries(G: nx.MultiDiGraph, cat: _catalog.Catalog) -> None:
    """Link the two ports of each ferry within each layer both ports have (a wagon keeps its gauge on board).

    Where the ports' gauges differ (Poti 1520 mm, Constanța 1435 mm) the break of
    gauge is a ``gauge_changes.csv`` row at the port, priced once like any other.
    """
    by_place = place_nodes(G)
    for i, row in enumerate(cat.ferries.to_dict("records"), start=2):
        clearance = (
            _triples(row, schema.DWELL) if _present(row, schema.DWELL) else dict.fromkeys(schema.DWELL.columns, 0.0)
        )
        for carried in row["carries"]:
            layers = [
                {G.nodes[n]["layer"]: n for n in by_place.get(p, []) if G.nodes[n]["mode"] == carried}
                for p in (row["from"], row["to"])
            ]
            common = sorted(set(layers[0]) & set(layers[1]))
            if not common:
                ports = ", ".join(
                    f"{p} ({'/'.join(sorted(layer)) or 'none'})"
                    for p, layer in zip((row["from"], row["to"]), layers, strict=True)
                )
                _skip(
                    G,
                    f"ferries.csv row {i}: {row['id']} carries {carried}, but its ports share no {carried} layer: {ports}",
                )
                continue
            attrs = {
                "kind": schema.FERRY,
                "mode": "ferry",
                "carries": carried,
                "ferry": row["id"],
                "name": row["name"],
                "status": row["status"],
                "customs": bool(row.get("customs") or False),
                **_triples(row, schema.SAILING, schema.WAIT),
                **clearance,
            }
            for layer in common:
                _link(G, layers[0][layer], layers[1][layer], attrs)


def _skip(G: nx.MultiDiGraph, note: str) -> None:
    """Record a transfer the catalog lists but the network cannot use (see ``build_report.skipped``)."""
    G.graph["build_report"].skipped.append(note)
    log.info("skipped: %s", note)


def _add_terminals(G: nx.MultiDiGraph, cat: _catalog.Catalog) -> None:
    by_place = place_nodes(G)
    for i, row in enumerate(cat.terminals.to_dict("records"), start=2):
        found = by_place.get(row["place"], [])
        roads = [n for n in found if G.nodes[n]["mode"] == "road"]
        rails = [n for n in found if G.nodes[n]["mode"] == "rail"]
        if not roads or not rails:
            missing = "road" if not roads else "rail"
            _skip(G, f"terminals.csv row {i}: no {missing} line reaches {row['place']}, so no road-rail transfer there")
            continue
        attrs = {
            "kind": schema.TRANSFER,
            "mode": "transfer",
            "terminal": row["place"],
            "status": "operational",
            "name": f"road-rail transfer at {cat.place_name(row['place'])}",
            **_triples(row, schema.TRANSFER_TIME),
        }
        for u in roads:
            for v in rails:
                _link(G, u, v, attrs)

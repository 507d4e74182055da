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

import functools
import logging
from collections import defaultdict
from typing import Any

import networkx as nx
import shapely

from silkroute import catalog as _catalog
from silkroute._errors import CatalogError
from silkroute.build import GEOD, add_node, graph_from_lines, layer_name

__all__ = ["build_network", "clean_copy", "default_network", "place_nodes", "rail_layers"]

log = logging.getLogger(__name__)
LINE_ATTRIBUTES = ("line_id", "name", "mode", "gauge", "status", "speed_class", "country")


def rail_layers(G: nx.MultiDiGraph, place: str) -> list[str]:
    """Return the rail layers (``rail1435``, …) in which ``place`` has a node."""
    return sorted(G.nodes[n]["layer"] for n in place_nodes(G).get(place, []) if G.nodes[n]["mode"] == "rail")


def place_nodes(G: nx.MultiDiGraph) -> dict[str, list[int]]:
    """Map each place id to its nodes (one per layer)."""
    cached = G.graph.get("_place_nodes")
    if cached is not None and cached[0] == G.number_of_nodes():
        return cached[1]
    out: dict[str, list[int]] = defaultdict(list)
    for n, place in G.nodes(data="place"):
        if place:
            out[place].append(n)
    result = dict(out)
    G.graph["_place_nodes"] = (G.number_of_nodes(), result)
    return result


@functools.lru_cache(maxsize=2)
def _default(directory: str | None) -> nx.MultiDiGraph:
    return build_network(_catalog.load(directory))


def clean_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Copy a network without the look-up caches kept in ``G.graph`` (keys starting with ``_``)."""
    H = G.copy()
    for key in [k for k in H.graph if k.startswith("_")]:
        del H.graph[key]
    return H


def default_network(directory: str | None = None) -> nx.MultiDiGraph:
    """Return (a copy of) the network of the embedded catalog, built once per process."""
    return clean_copy(_default(directory))


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
    lines = cat.lines.rename(columns={"id": "line_id"}).reset_index(drop=True)
    places = cat.places.reset_index(drop=True)
    stops = {s for row in cat.lines["stops"] for s in row}
    G = graph_from_lines(
        lines,
        places[places["id"].isin(stops)],
        snap_m=1.0,
        attach_m=50.0,
        separate_by="country",
        attributes=LINE_ATTRIBUTES,
        name="silkroute corridor catalog",
    )
    records = cat.places.to_dict("index")
    _add_crossings(G, cat, records)
    _add_gauge_changes(G, cat)
    _add_ferries(G, cat, records)
    _add_terminals(G, cat)
    G.graph["catalog"] = str(cat.directory)
    G.graph.pop("_place_nodes", None)
    return G


def _node(G: nx.MultiDiGraph, record: dict[str, Any], layer: str) -> int:
    return add_node(G, layer, float(record["lon"]), float(record["lat"]), record)


def _link(G: nx.MultiDiGraph, u: int, v: int, attrs: dict[str, Any]) -> None:
    """Add both directions of a transfer edge with a straight geometry and geodesic length."""
    a, b = G.nodes[u], G.nodes[v]
    geom = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    length = float(GEOD.inv(a["x"], a["y"], b["x"], b["y"])[2])
    common = {"length": length, "oneway": False, **attrs}
    G.add_edge(u, v, **common, geometry=geom, reversed=False)
    G.add_edge(v, u, **common, geometry=shapely.reverse(geom), reversed=True)


def _triples(row: dict[str, Any], *patterns: str) -> dict[str, float]:
    return {p.format(part): float(row[p.format(part)]) for p in patterns for part in ("low", "mode", "high")}


def _add_crossings(G: nx.MultiDiGraph, cat: _catalog.Catalog, records: dict[str, dict[str, Any]]) -> None:
    for row in cat.crossings.to_dict("records"):
        layers = [layer_name("rail", g) for g in row["gauge"]] if row["mode"] == "rail" else ["road"]
        for layer in layers:
            u, v = _node(G, records[row["from"]], layer), _node(G, records[row["to"]], layer)
            attrs = {
                "kind": "crossing",
                "mode": row["mode"],
                "gauge": int(layer[4:]) if layer.startswith("rail") else None,
                "crossing": row["id"],
                "name": row["name"],
                "customs": bool(row["customs"]),
                "status": row["status"],
                "border": f"{records[row['from']]['country']}-{records[row['to']]['country']}",
                **_triples(row, "dwell_{}_h"),
            }
            _link(G, u, v, attrs)


def _add_gauge_changes(G: nx.MultiDiGraph, cat: _catalog.Catalog) -> None:
    records = cat.places.to_dict("index")
    for i, row in enumerate(cat.gauge_changes.to_dict("records"), start=2):
        layers = [layer_name("rail", g) for g in row["gauges"]]
        nodes = [_node(G, records[row["place"]], layer) for layer in layers]
        if all(G.degree(n) == 0 for n in nodes):
            msg = f"{cat.directory / 'gauge_changes.csv'}, row {i}, column 'place': {row['place']} is on no line or crossing of gauge {', '.join(map(str, row['gauges']))}"
            raise CatalogError(msg)
        attrs = {
            "kind": "gauge_change",
            "mode": "rail",
            "gauge_change": row["place"],
            "status": "operational",
            "name": f"break of gauge {'/'.join(map(str, row['gauges']))} at {records[row['place']]['name']}",
            **_triples(row, "transship_{}_h"),
        }
        for k, u in enumerate(nodes):
            for v in nodes[k + 1 :]:
                _link(G, u, v, attrs)


def _add_ferries(G: nx.MultiDiGraph, cat: _catalog.Catalog, records: dict[str, dict[str, Any]]) -> None:
    by_place = place_nodes(G)
    for i, row in enumerate(cat.ferries.to_dict("records"), start=2):
        for carried in row["carries"]:
            ends = []
            for port in (row["from"], row["to"]):
                nodes = [n for n in by_place.get(port, []) if G.nodes[n]["mode"] == carried]
                if not nodes:
                    _skip(
                        G, f"ferries.csv row {i}: {row['id']} carries {carried}, but no {carried} line reaches {port}"
                    )
                    break
                ends.append(nodes)
            if len(ends) < 2:
                continue
            attrs = {
                "kind": "ferry",
                "mode": "ferry",
                "carries": carried,
                "ferry": row["id"],
                "name": row["name"],
                "status": row["status"],
                **_triples(row, "sailing_{}_h", "wait_{}_h"),
            }
            for u in ends[0]:
                for v in ends[1]:
                    _link(G, u, v, attrs)


def _skip(G: nx.MultiDiGraph, note: str) -> None:
    """Record a transfer the catalog lists but the network cannot use (see ``build_report.skipped``)."""
    G.graph["build_report"].skipped.append(note)
    log.info("skipped: %s", note)


def _add_terminals(G: nx.MultiDiGraph, cat: _catalog.Catalog) -> None:
    by_place = place_nodes(G)
    for i, row in enumerate(cat.terminals.to_dict("records"), start=2):
        nodes = by_place.get(row["place"], [])
        roads = [n for n in nodes if G.nodes[n]["mode"] == "road"]
        rails = [n for n in nodes if G.nodes[n]["mode"] == "rail"]
        if not roads or not rails:
            missing = "road" if not roads else "rail"
            _skip(G, f"terminals.csv row {i}: no {missing} line reaches {row['place']}, so no road-rail transfer there")
            continue
        attrs = {
            "kind": "transfer",
            "mode": "transfer",
            "terminal": row["place"],
            "status": "operational",
            "name": f"road-rail transfer at {cat.place_name(row['place'])}",
            **_triples(row, "transfer_{}_h"),
        }
        for u in roads:
            for v in rails:
                _link(G, u, v, attrs)

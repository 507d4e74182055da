"""The catalog's transfer edges: border crossings, breaks of gauge, ferries and road–rail terminals.

One implementation for both networks that carry them: the catalog's own
network (:func:`silkroute.network.build_network`) and an imported network
stitched to the catalog (:func:`silkroute.build.stitch_catalog`). Each transfer
is an explicit edge ``kind`` (see :mod:`silkroute.schema`) with the catalog's
low/mode/high hours:

``crossing``
    a border crossing between two places (``dwell_*_h``, and ``dwell_rev_*_h``
    for the other direction where the catalog gives it; ``dwell_basis``), per
    gauge or road;
``gauge_change``
    transshipment or bogie exchange between the gauge layers of one station;
``ferry``
    a ferry between two ports within each layer both ports have (sailing,
    wait, and port and border clearance as ``dwell_*_h`` with ``customs``);
``transfer``
    road ↔ rail at an intermodal terminal.

With ``strict=True`` (the catalog network) every place of a crossing or break
of gauge gets a node where the catalog puts it, and a break of gauge on no
line is a :class:`~silkroute.CatalogError`. With ``strict=False`` (an imported
network) a place gets nodes only in the layers of a mode it is attached to
(at its attached position); transfers whose places are not on the network are
skipped and listed in ``graph["build_report"].skipped``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import networkx as nx
import shapely

from silkroute import schema
from silkroute._errors import CatalogError
from silkroute.build.graph import GEOD, NodeIndex

if TYPE_CHECKING:
    from silkroute.catalog import Catalog

__all__ = ["add_transfers", "place_nodes", "rail_layers"]

log = logging.getLogger(__name__)


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


def add_transfers(G: nx.MultiDiGraph, cat: Catalog, *, strict: bool = True) -> dict[str, int]:
    """Add the catalog's crossings, breaks of gauge, ferries and terminals to a network, in place.

    Parameters
    ----------
    G
        A network whose place nodes carry catalog place ids (``place``) and a
        ``graph["build_report"]`` (skipped transfers are listed there).
    cat
        The catalog.
    strict
        ``True``: place every crossing and break-of-gauge place at its catalog
        position and fail on a break of gauge that is on no line (the catalog
        network). ``False``: use only places attached to the network, skip and
        report the rest (an imported network).

    Returns
    -------
    dict
        How many links of each kind were added (one per pair of places and
        layer; both directions count once), ``crossing``, ``gauge_change``,
        ``ferry``, ``transfer``.

    Raises
    ------
    silkroute.CatalogError
        With ``strict=True``, if a break of gauge is on no line or crossing of its gauges.
    """
    records = cat.places.to_dict("index")
    nodes = NodeIndex(G)
    if strict:

        def position(place: str, mode: str) -> tuple[float, float] | None:
            return float(records[place]["lon"]), float(records[place]["lat"])

    else:
        attached: dict[tuple[str, str], tuple[float, float]] = {}
        for _n, d in G.nodes(data=True):
            if d.get("place") in records:
                attached.setdefault((str(d["place"]), str(d["mode"])), (float(d["x"]), float(d["y"])))

        def position(place: str, mode: str) -> tuple[float, float] | None:
            return attached.get((place, mode))

    added = {
        schema.CROSSING: _add_crossings(G, nodes, cat, records, position),
        schema.GAUGE_CHANGE: _add_gauge_changes(G, nodes, cat, records, position, strict),
        schema.FERRY: _add_ferries(G, cat),
        schema.TRANSFER: _add_terminals(G, cat),
    }
    log.info("added transfers: %s", added)
    return added


Position = Callable[[str, str], "tuple[float, float] | None"]


def _node(nodes: NodeIndex, record: dict[str, Any], layer: str, xy: tuple[float, float]) -> int:
    return nodes.add(layer, xy[0], xy[1], record)


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


def _skip(G: nx.MultiDiGraph, note: str) -> None:
    """Record a transfer the catalog lists but the network cannot use (see ``build_report.skipped``)."""
    G.graph["build_report"].skipped.append(note)
    log.info("skipped: %s", note)


def _add_crossings(
    G: nx.MultiDiGraph, nodes: NodeIndex, cat: Catalog, records: dict[str, Any], position: Position
) -> int:
    count = 0
    for i, row in enumerate(cat.crossings.to_dict("records"), start=2):
        ends = [position(row["from"], row["mode"]), position(row["to"], row["mode"])]
        if None in ends:
            missing = [p for p, xy in zip((row["from"], row["to"]), ends, strict=True) if xy is None]
            _skip(G, f"crossings.csv row {i}: {row['id']}: {' and '.join(missing)} on no {row['mode']} line")
            continue
        a, b = ends
        assert a is not None and b is not None
        layers = [schema.layer_name("rail", g) for g in row["gauge"]] if row["mode"] == "rail" else ["road"]
        for layer in layers:
            u, v = _node(nodes, records[row["from"]], layer, a), _node(nodes, records[row["to"]], layer, b)
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
            count += 1
    return count


def _add_gauge_changes(
    G: nx.MultiDiGraph, nodes: NodeIndex, cat: Catalog, records: dict[str, Any], position: Position, strict: bool
) -> int:
    count = 0
    for i, row in enumerate(cat.gauge_changes.to_dict("records"), start=2):
        xy = position(row["place"], "rail")
        if xy is None:
            _skip(G, f"gauge_changes.csv row {i}: {row['place']} on no rail line, so no break of gauge there")
            continue
        layers = [schema.layer_name("rail", g) for g in row["gauges"]]
        ends = [_node(nodes, records[row["place"]], layer, xy) for layer in layers]
        if all(G.degree(n) == 0 for n in ends):
            if strict:
                msg = (
                    f"{cat.directory / 'gauge_changes.csv'}, row {i}, column 'place': {row['place']} is on no line or "
                    f"crossing of gauge {', '.join(map(str, row['gauges']))}; add it to a line's stops or remove the row"
                )
                raise CatalogError(msg)
            for n in ends:
                nodes.ids.pop(G.nodes[n]["key"], None)
            G.remove_nodes_from(ends)
            _skip(G, f"gauge_changes.csv row {i}: {row['place']} is on no line or crossing of its gauges")
            continue
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
                count += 1
    return count


def _add_ferries(G: nx.MultiDiGraph, cat: Catalog) -> int:
    """Link the two ports of each ferry within each layer both ports have (a wagon keeps its gauge on board).

    Where the ports' gauges differ (Poti 1520 mm, Constanța 1435 mm) the break of
    gauge is a ``gauge_changes.csv`` row at the port, priced once like any other.
    """
    by_place = place_nodes(G)
    count = 0
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
                count += 1
    return count


def _add_terminals(G: nx.MultiDiGraph, cat: Catalog) -> int:
    by_place = place_nodes(G)
    count = 0
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
                count += 1
    return count

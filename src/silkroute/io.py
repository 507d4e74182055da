"""Read and write networks and analysis layers as GeoPackage and GeoJSON files.

Two kinds of files:

* :func:`save_network` / :func:`load_network` store a routable network as a
  GeoPackage with a ``nodes`` (Point) and an ``edges`` (LineString) layer that
  round-trips every node, edge and graph attribute exactly (types, integer node
  ids, edge keys, absent vs ``None`` attributes), so ``silkroute build -o
  NETWORK.gpkg`` and ``--network NETWORK.gpkg`` work with any network.
* :func:`export_layers` writes analyst-facing layers (network, places,
  crossings, corridors, routes) as RFC 7946 GeoJSON files or GeoPackage tables
  for QGIS and reports.

Every file is written atomically (:func:`silkroute._files.atomic_path`): to a
temporary file in the target directory, then renamed over the target, so an
interrupted or failed write never leaves a truncated file and an existing file
is only replaced by a complete one. A GeoJSON export (one file per layer) is
replaced as a set (:func:`silkroute._files.atomic_dir`). This module draws
results: it never builds networks or runs comparisons.
"""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from silkroute import schema
from silkroute._errors import InputError, NetworkError
from silkroute._files import atomic_dir, atomic_path
from silkroute._validate import validate_network

if TYPE_CHECKING:
    from silkroute.catalog import Catalog
    from silkroute.corridors import Comparison

__all__ = [
    "FORMATS",
    "LAYERS",
    "atomic_path",
    "export_layers",
    "load_network",
    "network_frame",
    "save_network",
    "write_geojson",
]

log = logging.getLogger(__name__)

#: Name of the GeoPackage layer metadata item holding the network schema.
_META_KEY = "silkroute_network"
#: Column listing, per row, the attributes explicitly set to ``None`` (";"-joined).
_NONE_COL = "none_attrs"
_NETWORK_FORMAT = 1


# --------------------------------------------------------------------------- network GeoPackage


_PLAIN = frozenset((str, int, float, bool))


def _python(value: Any) -> Any:
    """Return a numpy scalar as the equivalent Python scalar."""
    if type(value) in _PLAIN:  # the common case, without the attribute look-up
        return value
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str | bytes) else value


def _type_of(values: list[Any]) -> str:
    """Return the storage type of one attribute column: bool, int, float, str or json."""
    return _kind_of({type(v) for v in values})


def _kind_of(kinds: set[type]) -> str:
    """The storage type of a column whose values have these Python types."""
    for name, types in (("bool", {bool}), ("int", {int}), ("float", {float}), ("str", {str})):
        if kinds <= types:
            return name
    return "json"


def _encode(value: Any, kind: str) -> Any:
    return json.dumps(value, ensure_ascii=False) if kind == "json" else value


def _decode(value: Any, kind: str) -> Any:
    if kind == "json":
        return json.loads(value)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _attribute_table(
    records: list[dict[str, Any]], reserved: tuple[str, ...]
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Turn attribute dicts into encoded columns plus a ``column -> type`` schema.

    Attributes absent from a record stay null; attributes present with the value
    ``None`` are listed in the record's :data:`_NONE_COL` cell.
    """
    n = len(records)
    skip = {*reserved, "geometry"}
    cells: dict[str, list[Any]] = {}  # one pass over the records, columns in the order names first appear
    kinds: dict[str, set[type]] = {}
    nones: list[str | None] = [None] * n
    for i, rec in enumerate(records):
        listed = None
        for k, v in rec.items():
            if v is None:
                if k not in reserved:
                    listed = k if listed is None else f"{listed};{k}"
                if k not in skip and k not in cells:
                    cells[k], kinds[k] = [None] * n, set()
                continue
            if k in skip:
                continue
            column = cells.get(k)
            if column is None:
                column = cells[k] = [None] * n
                kinds[k] = set()
            value = v if type(v) in _PLAIN else _python(v)
            column[i] = value
            kinds[k].add(type(value))
        nones[i] = listed
    schema: dict[str, str] = {}
    columns: dict[str, list[Any]] = {}
    for name, column in cells.items():
        kind = _kind_of(kinds[name]) if kinds[name] else "str"
        schema[name] = kind
        columns[name] = column if kind != "json" else [None if v is None else _encode(v, kind) for v in column]
    columns[_NONE_COL] = nones
    return columns, schema


def _attributes(row: dict[str, Any], schema: dict[str, str]) -> dict[str, Any]:
    """Decode one stored row back into the attribute dict it was made from."""
    attrs = {name: _decode(row[name], kind) for name, kind in schema.items() if name in row and not _is_null(row[name])}
    none = row.get(_NONE_COL)
    if not _is_null(none):
        attrs.update(dict.fromkeys(str(none).split(";")))
    return attrs


def _graph_attributes(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Return the JSON-serialisable graph attributes (not the ``_*`` caches nor objects)."""
    out: dict[str, Any] = {}
    for key, value in G.graph.items():
        if key.startswith("_"):
            continue
        try:
            json.dumps(value)
        except TypeError:
            log.debug("graph attribute %r (%s) is not saved", key, type(value).__name__)
            continue
        out[key] = value
    return out


def save_network(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write a network to a GeoPackage with ``nodes`` and ``edges`` layers.

    Parameters
    ----------
    G
        An osmnx-style network (node ``x``/``y``, edge ``geometry``), e.g. from
        :func:`silkroute.network.build_network` or :func:`silkroute.scenario.apply`.
    path
        The ``.gpkg`` file; replaced atomically if it exists.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    ``nodes`` has one Point per node with its integer id in ``node`` and every
    node attribute as a column (``key`` is the stable string key).  ``edges``
    has one LineString per directed edge with ``u``, ``v``, ``key`` (the
    multi-edge key), ``u_key``/``v_key`` (the stable node keys) and every edge
    attribute; an edge without ``geometry`` is stored (and loaded) with the
    straight line between its nodes.  Attribute types, attributes explicitly set to ``None`` (column
    ``none_attrs``) and the JSON-serialisable graph attributes (``crs``,
    ``name``, ...) are kept in the layers' metadata, so :func:`load_network`
    returns an equal graph.  Values that are not bool, int, float or str are
    stored as JSON text.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    node_ids = list(G.nodes)
    node_records = [dict(G.nodes[n]) for n in node_ids]
    node_cols, node_schema = _attribute_table(node_records, ("node",))
    id_kind = _type_of([_python(n) for n in node_ids])
    key_kind = _type_of([_python(k) for _, _, k in G.edges(keys=True)])
    nodes = gpd.GeoDataFrame(
        {"node": [_encode(_python(n), id_kind) for n in node_ids], **node_cols},
        geometry=shapely.points([[d["x"], d["y"]] for d in node_records]) if node_ids else [],
        crs="EPSG:4326",
    )
    keys = {n: d.get("key") for n, d in zip(node_ids, node_records, strict=True)}
    edge_list = list(G.edges(keys=True, data=True))
    edge_records = [d for *_, d in edge_list]
    edge_cols, edge_schema = _attribute_table(edge_records, ("u", "v", "key", "u_key", "v_key"))
    geoms = [
        g
        if (g := d.get("geometry")) is not None and not g.is_empty
        else shapely.LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        for u, v, _, d in edge_list
    ]
    edges = gpd.GeoDataFrame(
        {
            "u": [_encode(_python(u), id_kind) for u, *_ in edge_list],
            "v": [_encode(_python(v), id_kind) for _, v, *_ in edge_list],
            "key": [_encode(_python(k), key_kind) for _, _, k, _ in edge_list],
            "u_key": [keys[u] for u, *_ in edge_list],
            "v_key": [keys[v] for _, v, *_ in edge_list],
            **edge_cols,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    meta = {
        "format": _NETWORK_FORMAT,
        "graph": _graph_attributes(G),
        "node_schema": node_schema,
        "edge_schema": edge_schema,
        "node_id": id_kind,
        "edge_key": key_kind,
    }
    with atomic_path(path) as tmp:
        for name, frame in (("nodes", nodes), ("edges", edges)):
            frame.to_file(
                tmp,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                layer_metadata={_META_KEY: json.dumps(meta, ensure_ascii=False)},
            )
    log.info("saved %d nodes, %d edges to %s", len(nodes), len(edges), path)
    return path


def load_network(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a network written by :func:`save_network`.

    Parameters
    ----------
    path
        A GeoPackage with ``nodes`` and ``edges`` layers.

    Returns
    -------
    networkx.MultiDiGraph
        The saved graph: same node ids, edge keys, attributes (with their
        Python types) and graph attributes; edge ``geometry`` is a shapely
        LineString.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    silkroute.NetworkError
        If the file is not a silkroute network GeoPackage or its nodes lack
        valid positions (the message says how to make one).
    """
    import pyogrio

    path = Path(path)
    if not path.is_file():
        msg = f"network file not found: {path} (write one with silkroute build -o {path.name})"
        raise FileNotFoundError(msg)
    try:
        with warnings.catch_warnings():  # GDAL warns about a damaged header before it fails; the error says it
            warnings.simplefilter("ignore")
            layers = {name for name, _ in pyogrio.list_layers(path)}
            meta = json.loads(pyogrio.read_info(path, layer="edges")["layer_metadata"][_META_KEY])
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        KeyError,
        TypeError,
    ) as exc:
        msg = (
            f"{path} is not a silkroute network GeoPackage (needs 'nodes' and 'edges' layers "
            f"written by silkroute.io.save_network): {exc}"
        )
        raise NetworkError(msg) from None
    if not {"nodes", "edges"} <= layers:
        msg = f"{path} lacks a 'nodes' or 'edges' layer (found {sorted(layers)})"
        raise NetworkError(msg)
    G = nx.MultiDiGraph(**meta["graph"])
    id_kind, key_kind = meta["node_id"], meta["edge_key"]
    nodes = pyogrio.read_dataframe(path, layer="nodes")
    for row in nodes.drop(columns="geometry").to_dict("records"):
        G.add_node(_decode(row["node"], id_kind), **_attributes(row, meta["node_schema"]))
    edges = pyogrio.read_dataframe(path, layer="edges")
    for row, geom in zip(edges.drop(columns="geometry").to_dict("records"), edges.geometry, strict=True):
        attrs = _attributes(row, meta["edge_schema"])
        if geom is not None:
            attrs["geometry"] = geom
        u, v = _decode(row["u"], id_kind), _decode(row["v"], id_kind)
        G.add_edge(u, v, key=_decode(row["key"], key_kind), **attrs)
    validate_network(G, weights=(), source=str(path))
    return G


# --------------------------------------------------------------------------- analysis layers

#: Layers :func:`export_layers` can write, in this order.
LAYERS = ("network", "places", "crossings", "corridors", "routes")
FORMATS = ("geojson", "gpkg")
#: File name of the GeoPackage written by :func:`export_layers` with ``fmt="gpkg"``.
GPKG_NAME = "silkroute.gpkg"

_NETWORK_COLUMNS = (
    "id", "from_node", "to_node", "from_place", "to_place", "kind", "mode", "layer", "gauge", "status",
    "line_id", "name", "country", "speed_class", "crossing", "border", "customs", "ferry", "carries",
    "gauge_change", "terminal", "length_km", "time_h", "usable", "blocked_by",
)  # fmt: skip
_TRIPLES = tuple(t for _kind, terms in schema.KIND_TERMS.items() for _c, t in terms)
_TRIPLE_COLUMNS = {c: (i, j) for i, t in enumerate(_TRIPLES) for j, c in enumerate(t.columns)}


def _joined(values: Iterable[Any]) -> str:
    """Return list values as one ``;``-joined string (the export's list convention)."""
    return ";".join(str(v) for v in values)


def _typed(frame: Any) -> Any:
    """Give object columns holding only bools or ints (and nulls) a nullable dtype."""
    import pandas as pd

    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        values = [v for v in frame[column] if v is not None and not _is_null(v)]
        if values and all(isinstance(v, bool) for v in values):
            frame[column] = pd.array([None if _is_null(v) else v for v in frame[column]], dtype="boolean")
        elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[column] = pd.array([None if _is_null(v) else v for v in frame[column]], dtype="Int64")
    return frame


def _frame(rows: list[dict[str, Any]], columns: Sequence[str], geometry: list[Any]) -> Any:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        [{c: row.get(c) for c in columns} for row in rows], columns=list(columns), geometry=geometry, crs="EPSG:4326"
    )
    return _typed(frame)


def network_frame(G: nx.MultiDiGraph) -> Any:
    """Return the network as a GeoDataFrame with one row per undirected edge.

    Both directions of an edge are in the graph; the row is the one with
    ``reversed == False``.  Node references are the stable node keys
    (``from_node``/``to_node``), never the integer node ids.

    Parameters
    ----------
    G
        A network, with or without travel times.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of the ``network`` layer (see :func:`export_layers`).
    """
    rows, geoms = [], []
    triple_cols: dict[str, None] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("reversed"):
            continue
        a, b = G.nodes[u], G.nodes[v]
        row = {c: d.get(c) for c in _NETWORK_COLUMNS}
        row.update(
            id=f"{a['key']}~{b['key']}" + (f"#{k}" if k else ""),
            from_node=a["key"],
            to_node=b["key"],
            from_place=a.get("place"),
            to_place=b.get("place"),
            length_km=float(d.get(schema.LENGTH, 0.0)) / 1000.0,
            time_h=float(d[schema.TRAVEL_TIME]) / 3600.0 if schema.TRAVEL_TIME in d else None,
        )
        for name, value in d.items():
            if name in _TRIPLE_COLUMNS:
                row[name] = value
                triple_cols[name] = None
        rows.append(row)
        geoms.append(d.get("geometry"))
    columns = [*_NETWORK_COLUMNS, *sorted(triple_cols, key=_TRIPLE_COLUMNS.__getitem__)]
    return _frame(rows, columns, geoms)


def _places_frame(cat: Any) -> Any:
    import shapely

    rows = [{"id": pid, **p, "aliases": _joined(p["aliases"])} for pid, p in cat.places.to_dict("index").items()]
    columns = ("id", "name", "aliases", "country", "kind", "lon", "lat", "source")
    return _frame(rows, columns, [shapely.Point(r["lon"], r["lat"]) for r in rows])


def _crossings_frame(cat: Any) -> Any:
    import shapely

    places = cat.places
    rows, geoms = [], []
    for cid, c in cat.crossings.to_dict("index").items():
        a, b = places.loc[c["from"]], places.loc[c["to"]]
        rows.append({
            "id": cid, **c, "from_place": c["from"], "to_place": c["to"],
            "border": f"{a['country']}-{b['country']}",
            "gauge": _joined(c["gauge"]) if c["mode"] == "rail" else None,
            "customs": bool(c["customs"]),
        })  # fmt: skip
        geoms.append(shapely.LineString([(a["lon"], a["lat"]), (b["lon"], b["lat"])]))
    columns = (
        "id", "name", "from_place", "to_place", "border", "mode", "gauge", "customs", "status",
        "dwell_low_h", "dwell_mode_h", "dwell_high_h", "source",
    )  # fmt: skip
    return _frame(rows, columns, geoms)


def _corridor_frames(comparisons: Sequence[Comparison]) -> tuple[Any, Any]:
    """Return the ``corridors`` and ``routes`` layers of corridor comparisons."""
    import geopandas as gpd
    import pandas as pd

    rows, geoms, segments = [], [], []
    for comp in comparisons:
        for scenario, rs in comp.results.items():
            for res in rs:
                r = res.route
                common = {
                    "origin": comp.origin,
                    "destination": comp.destination,
                    "scenario": scenario,
                    "corridor": res.corridor,
                }
                record = res.to_record()
                rows.append(
                    {
                        "id": f"{comp.origin}>{comp.destination}|{scenario}|{res.corridor}",
                        **common,
                        **{k: v for k, v in record.items() if k not in common},
                        "reference": comp.reference,
                        "delta_vs_northern_h": res.delta_vs_reference_h,
                    }
                )
                geoms.append(r.geometry if r else None)
                if r is not None:
                    seg = r.to_gdf()
                    seg.insert(0, "id", [f"{rows[-1]['id']}|{i}" for i in seg["seq"]])
                    for i, (name, value) in enumerate(common.items(), start=1):
                        seg.insert(i, name, value)
                    segments.append(seg)
    columns = [*rows[0]] if rows else ["id"]
    corridors = _frame(rows, columns, geoms)
    routes = (
        _typed(gpd.GeoDataFrame(pd.concat(segments, ignore_index=True), crs="EPSG:4326"))
        if segments
        else _frame([], ["id"], [])
    )
    return corridors, routes


def export_layers(
    directory: str | os.PathLike[str],
    layers: Sequence[str] = LAYERS,
    *,
    network: nx.MultiDiGraph | None = None,
    catalog: Catalog | None = None,
    comparisons: Sequence[Comparison] = (),
    fmt: str = "geojson",
) -> list[Path]:
    """Write analysis layers as RFC 7946 GeoJSON files or GeoPackage tables.

    Parameters
    ----------
    directory
        Output directory (created if needed).
    layers
        Any of :data:`LAYERS`: ``network``, ``places``, ``crossings``,
        ``corridors``, ``routes``.
    network
        The network of the ``network`` layer (e.g. ``scenario.network("baseline")``).
    catalog
        The catalog of the ``places`` and ``crossings`` layers.
    comparisons
        Results of :func:`silkroute.corridors.compare_networks` for the
        ``corridors`` and ``routes`` layers.
    fmt
        ``"geojson"``: one ``<layer>.geojson`` file per layer;
        ``"gpkg"``: one table per layer in ``silkroute.gpkg``.

    Returns
    -------
    list of pathlib.Path
        The files written. The set is written to a temporary directory and
        swapped in: an interrupted export leaves the directory as it was.

    Raises
    ------
    silkroute.InputError
        For an unknown or empty list of layers, an unknown format, or a layer
        whose input was not given.

    Notes
    -----
    GeoJSON files follow RFC 7946: WGS84 longitude/latitude, no ``crs``
    member, the feature ``id`` at the top level.  List values (aliases,
    countries, crossings passed, ...) are ``;``-joined strings.  Node
    references are stable node keys (``KZ-DOSTYK@rail1520``) and place ids.
    Units are in the property names (``length_km``, ``time_h``).
    """
    names = list(dict.fromkeys(layers))
    if not names:
        msg = f"no layer to export: choose from {', '.join(LAYERS)}"
        raise InputError(msg)
    unknown = [name for name in names if name not in LAYERS]
    if unknown:
        msg = f"unknown layer(s) {', '.join(unknown)}: choose from {', '.join(LAYERS)}"
        raise InputError(msg)
    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r}: choose geojson or gpkg"
        raise InputError(msg)
    if "network" in names and network is None:
        msg = "the network layer needs a network (network=...)"
        raise InputError(msg)
    if {"places", "crossings"} & set(names) and catalog is None:
        msg = "the places and crossings layers need the catalog (catalog=...)"
        raise InputError(msg)
    wants_routes = {"corridors", "routes"} & set(names)
    if wants_routes and not comparisons:
        msg = f"the {' and '.join(sorted(wants_routes))} layer(s) need an origin and a destination (--from/--to)"
        raise InputError(msg)
    frames: dict[str, Any] = {}
    for name in names:
        if name == "network":
            frames[name] = network_frame(network)
        elif name == "places":
            frames[name] = _places_frame(catalog)
        elif name == "crossings":
            frames[name] = _crossings_frame(catalog)
        elif name not in frames:
            frames["corridors"], frames["routes"] = _corridor_frames(comparisons)
    return _write_frames(Path(directory), {name: frames[name] for name in names}, fmt)


def _write_frames(directory: Path, frames: Mapping[str, Any], fmt: str) -> list[Path]:
    if fmt == "gpkg":
        path = directory / GPKG_NAME
        with atomic_path(path) as tmp:
            for name, frame in frames.items():
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        return [path]
    with atomic_dir(directory) as tmp:
        for name, frame in frames.items():
            _write_geojson_file(frame, tmp / f"{name}.geojson")
    log.info("wrote %d layer(s) to %s", len(frames), directory)
    return [directory / f"{name}.geojson" for name in frames]


def _geojson_ready(frame: Any) -> Any:
    frame = frame.copy()
    for column in frame.columns:
        if column != frame.geometry.name and frame[column].map(lambda v: isinstance(v, list | tuple)).any():
            frame[column] = frame[column].map(lambda v: _joined(v) if isinstance(v, list | tuple) else v)
    return frame


def _write_geojson_file(frame: Any, path: Path) -> None:
    """Write one frame as RFC 7946 GeoJSON to a new file (``path`` is unlinked first)."""
    frame = _geojson_ready(frame)
    id_field = {"ID_FIELD": "id"} if "id" in frame.columns else {}
    path.unlink(missing_ok=True)
    frame.to_file(path, layer=path.stem, driver="GeoJSON", engine="pyogrio", RFC7946="YES", **id_field)


def write_geojson(frame: Any, path: str | os.PathLike[str]) -> Path:
    """Write one GeoDataFrame as RFC 7946 GeoJSON, atomically; list values ``;``-joined.

    Parameters
    ----------
    frame
        A GeoDataFrame in EPSG:4326.
    path
        The ``.geojson`` file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_geojson_file(frame, tmp)
    return path

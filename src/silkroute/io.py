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
import numpy as np

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
    "NetworkTables",
    "atomic_path",
    "export_layers",
    "load_network",
    "network_cache",
    "network_frame",
    "read_network_tables",
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


def _network_tables(
    G: nx.MultiDiGraph,
) -> tuple[dict[str, list[Any]], list[Any], dict[str, list[Any]], list[Any], dict[str, Any]]:
    """Encode a network as node and edge columns, their geometries and the schema metadata."""
    import shapely

    node_ids = list(G.nodes)
    node_records = [G.nodes[n] for n in node_ids]
    node_cols, node_schema = _attribute_table(node_records, ("node",))
    id_kind = _type_of([_python(n) for n in node_ids])
    key_kind = _type_of([_python(k) for _, _, k in G.edges(keys=True)])
    node_geoms = list(shapely.points([[d["x"], d["y"]] for d in node_records])) if node_ids else []
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
    nodes = {"node": [_encode(_python(n), id_kind) for n in node_ids], **node_cols}
    edges = {
        "u": [_encode(_python(u), id_kind) for u, *_ in edge_list],
        "v": [_encode(_python(v), id_kind) for _, v, *_ in edge_list],
        "key": [_encode(_python(k), key_kind) for _, _, k, _ in edge_list],
        "u_key": [keys[u] for u, *_ in edge_list],
        "v_key": [keys[v] for _, v, *_ in edge_list],
        **edge_cols,
    }
    meta = {
        "format": _NETWORK_FORMAT,
        "graph": _graph_attributes(G),
        "node_schema": node_schema,
        "edge_schema": edge_schema,
        "node_id": id_kind,
        "edge_key": key_kind,
    }
    return nodes, node_geoms, edges, geoms, meta


def save_network(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write a network to a GeoPackage with ``nodes`` and ``edges`` layers (and its fast-loading cache).

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

    The GeoPackage is the interchange format. Beside it, ``PATH.parquet/``
    holds the same tables as Parquet (:func:`network_cache`), stamped with the
    GeoPackage's size and modification time: :func:`load_network` reads it
    instead while the stamp matches, and rewrites it when it does not.
    """
    import geopandas as gpd

    path = Path(path)
    nodes, node_geoms, edges, geoms, meta = _network_tables(G)
    frames = {
        "nodes": gpd.GeoDataFrame(nodes, geometry=node_geoms, crs="EPSG:4326"),
        "edges": gpd.GeoDataFrame(edges, geometry=geoms, crs="EPSG:4326"),
    }
    with atomic_path(path) as tmp:
        for name, frame in frames.items():
            frame.to_file(
                tmp,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                layer_metadata={_META_KEY: json.dumps(meta, ensure_ascii=False)},
            )
    log.info("saved %d nodes, %d edges to %s", len(nodes["node"]), len(edges["u"]), path)
    _write_cache(path, (nodes, node_geoms, edges, geoms, meta))
    return path


# --------------------------------------------------------------------------- the Parquet cache beside a GeoPackage

#: Version of the cache layout; a cache of another version is rewritten.
_CACHE_FORMAT = 1
_ARROW_TYPES = {"bool": "bool_", "int": "int64", "float": "float64", "str": "string", "json": "string"}


def network_cache(path: str | os.PathLike[str]) -> Path:
    """Return the directory of the Parquet cache of a network GeoPackage (``NET.gpkg.parquet``).

    Parameters
    ----------
    path
        The GeoPackage.

    Returns
    -------
    pathlib.Path
        ``nodes.parquet``, ``edges.parquet`` (geometry as WKB) and ``meta.json`` live here.
    """
    path = Path(path)
    return path.with_name(path.name + ".parquet")


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _arrow_table(columns: Mapping[str, list[Any]], kinds: Mapping[str, str], geoms: list[Any]) -> Any:
    import pyarrow as pa
    import shapely

    arrays = {
        name: pa.array(values, type=getattr(pa, _ARROW_TYPES[kinds.get(name, "str")])())
        for name, values in columns.items()
    }
    arrays["geometry"] = pa.array(
        list(shapely.to_wkb(np.asarray(geoms, dtype=object))) if geoms else [], type=pa.binary()
    )
    return pa.table(arrays)


def _write_cache(path: Path, tables: tuple[Any, ...]) -> None:
    """Write the Parquet cache of ``path``; a failure (read-only directory) only costs speed next time."""
    import pyarrow.parquet as pq

    nodes, node_geoms, edges, geoms, meta = tables
    node_kinds = {"node": meta["node_id"], **meta["node_schema"]}
    edge_kinds = {"u": meta["node_id"], "v": meta["node_id"], "key": meta["edge_key"], **meta["edge_schema"]}
    try:
        with atomic_dir(network_cache(path)) as tmp:
            for name, cols, kinds, g in (("nodes", nodes, node_kinds, node_geoms), ("edges", edges, edge_kinds, geoms)):
                (tmp / f"{name}.parquet").unlink(missing_ok=True)
                pq.write_table(_arrow_table(cols, kinds, g), tmp / f"{name}.parquet", compression="lz4")
            stamp = {"cache_format": _CACHE_FORMAT, "gpkg": _stamp(path), "meta": meta}
            (tmp / "meta.json").unlink(missing_ok=True)
            (tmp / "meta.json").write_text(json.dumps(stamp, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        log.warning(
            "could not write the network cache %s (%s); loading %s stays slower", network_cache(path), exc, path
        )


class NetworkTables:
    """A network file's node and edge tables (its Parquet cache), for reading without building a graph.

    Column values come back as Python lists (``None`` where an attribute is
    absent); :meth:`edge` and :meth:`node` decode one row into the attribute
    dict :func:`load_network` would give it, and :meth:`to_graph` builds the
    whole graph.

    Parameters
    ----------
    nodes, edges
        The ``pyarrow`` tables of the cache.
    meta
        The network schema (types of the columns, graph attributes).
    source
        The GeoPackage, for messages.
    """

    def __init__(self, nodes: Any, edges: Any, meta: dict[str, Any], source: str) -> None:
        self.nodes_table, self.edges_table, self.meta, self.source = nodes, edges, meta, source
        self.graph: dict[str, Any] = dict(meta["graph"])
        self._columns: dict[tuple[str, str], list[Any]] = {}
        self._kinds = {
            "nodes": {"node": meta["node_id"], **meta["node_schema"]},
            "edges": {"u": meta["node_id"], "v": meta["node_id"], "key": meta["edge_key"], **meta["edge_schema"]},
        }

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.nodes_table.num_rows)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.edges_table.num_rows)

    def has(self, table: str, name: str) -> bool:
        """Tell whether a table has an attribute column.

        Parameters
        ----------
        table
            ``"nodes"`` or ``"edges"``.
        name
            The attribute.

        Returns
        -------
        bool
            ``True`` if the column exists.
        """
        t = self.nodes_table if table == "nodes" else self.edges_table
        return name in t.column_names

    def column(self, table: str, name: str) -> list[Any]:
        """Return one column as Python values (``None`` where absent), decoded and cached.

        Parameters
        ----------
        table
            ``"nodes"`` or ``"edges"``.
        name
            A column (``node``, ``u``, ``v``, ``key`` or an attribute).

        Returns
        -------
        list
            One value per row; all ``None`` for a column the table lacks.
        """
        key = (table, name)
        if key not in self._columns:
            t = self.nodes_table if table == "nodes" else self.edges_table
            if name not in t.column_names:
                self._columns[key] = [None] * t.num_rows
            else:
                values = t.column(name).to_pylist()
                kind = self._kinds[table].get(name, "str")
                self._columns[key] = (
                    [None if v is None else json.loads(v) for v in values] if kind == "json" else values
                )
        return self._columns[key]

    def codes(self, table: str, name: str) -> Any:
        """Return one column as integer codes: equal values get equal codes, absent values their own.

        Parameters
        ----------
        table
            ``"nodes"`` or ``"edges"``.
        name
            A column; all codes are 0 for a column the table lacks.

        Returns
        -------
        numpy.ndarray
            ``int64`` codes ``0..k`` (Arrow's dictionary encoding, without decoding to Python values).
        """
        import numpy as np

        t = self.nodes_table if table == "nodes" else self.edges_table
        if name not in t.column_names:
            return np.zeros(t.num_rows, dtype=np.int64)
        encoded = t.column(name).dictionary_encode().combine_chunks()
        return np.asarray(encoded.indices.fill_null(-1), dtype=np.int64) + 1

    def end_rows(self) -> tuple[Any, Any]:
        """Return the node row of every edge's tail and head (``-1`` for an end that is not a node).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            ``u`` and ``v`` rows, ``int64``.
        """
        import numpy as np
        import pyarrow.compute as pc

        nodes = self.nodes_table.column("node")
        return tuple(  # type: ignore[return-value]
            np.asarray(pc.index_in(self.edges_table.column(end), value_set=nodes).fill_null(-1), dtype=np.int64)
            for end in ("u", "v")
        )

    def rows(self, table: str, indices: Sequence[int], *, geometry: bool = True) -> list[dict[str, Any]]:
        """Return the attributes of several rows at once (one Arrow ``take``).

        Parameters
        ----------
        table
            ``"nodes"`` or ``"edges"``.
        indices
            Row numbers.
        geometry
            Decode the edges' shapely ``geometry`` (``False`` leaves it out).

        Returns
        -------
        list of dict
            As :meth:`node` and :meth:`edge` return them, in the order of ``indices``.
        """
        import pyarrow as pa

        t = self.nodes_table if table == "nodes" else self.edges_table
        schema = self.meta["node_schema" if table == "nodes" else "edge_schema"]
        out = []
        picked = t.slice(indices[0], 1) if len(indices) == 1 else t.take(pa.array(indices, type=pa.int64()))
        for row in picked.to_pylist():  # one row: a slice (a take costs milliseconds on a large table)
            attrs = {
                n: (json.loads(row[n]) if kind == "json" else row[n])
                for n, kind in schema.items()
                if row.get(n) is not None
            }
            if row.get(_NONE_COL):
                attrs.update(dict.fromkeys(str(row[_NONE_COL]).split(";")))
            out.append(attrs)
        if geometry and table == "edges" and "geometry" in picked.column_names:
            import shapely

            wkb = picked.column("geometry").to_pylist()
            for attrs, g in zip(out, shapely.from_wkb(wkb), strict=True):  # one decoding call for all rows
                if g is not None:
                    attrs["geometry"] = g
        return out

    def node(self, i: int) -> dict[str, Any]:
        """Return the attributes of the node in row ``i``.

        Parameters
        ----------
        i
            Row number.

        Returns
        -------
        dict
            As in the graph of :func:`load_network`.
        """
        return self.rows("nodes", [i])[0]

    def edge(self, i: int) -> dict[str, Any]:
        """Return the attributes of the edge in row ``i`` (with its shapely ``geometry``).

        Parameters
        ----------
        i
            Row number.

        Returns
        -------
        dict
            As in the graph of :func:`load_network`.
        """
        return self.rows("edges", [i])[0]

    def to_graph(self) -> nx.MultiDiGraph:
        """Build the networkx graph.

        Returns
        -------
        networkx.MultiDiGraph
            Equal to what :func:`load_network` returns.
        """
        import shapely

        G = nx.MultiDiGraph(**self.graph)
        G.add_nodes_from(
            zip(self.column("nodes", "node"), _records(self.nodes_table, self.meta["node_schema"]), strict=True)
        )
        records = _records(self.edges_table, self.meta["edge_schema"])
        geoms = shapely.from_wkb(np.asarray(self.edges_table.column("geometry").to_pylist(), dtype=object))
        # the adjacency is filled directly: add_edge checks every call, which costs seconds at 10^5 edges
        succ, pred = G._succ, G._pred
        us, vs, ks = (self.column("edges", c) for c in ("u", "v", "key"))
        for u, v, k, d, g in zip(us, vs, ks, records, geoms.tolist(), strict=True):
            if g is not None:
                d["geometry"] = g
            keydict = succ[u].get(v)
            if keydict is None:
                keydict = succ[u][v] = pred[v][u] = {}
            keydict[k] = d
        return G


def _read_cache(path: Path) -> NetworkTables | None:
    """The tables of the cache of ``path`` if the cache matches the GeoPackage, else ``None``."""
    import pyarrow.parquet as pq

    cache = network_cache(path)
    try:
        stamp = json.loads((cache / "meta.json").read_text(encoding="utf-8"))
        if stamp.get("cache_format") != _CACHE_FORMAT or stamp.get("gpkg") != _stamp(path):
            return None
        nodes = pq.read_table(cache / "nodes.parquet")
        edges = pq.read_table(cache / "edges.parquet")
    except (OSError, ValueError, KeyError):
        return None
    return NetworkTables(nodes, edges, stamp["meta"], str(path))


def _records(table: Any, schema: Mapping[str, str]) -> list[dict[str, Any]]:
    """Attribute dicts of a cache table: nulls are absent, ``none_attrs`` lists the explicit ``None`` values."""
    names = [n for n in schema if n in table.column_names]
    columns = []
    for n in names:
        values = table.column(n).to_pylist()
        columns.append([None if v is None else json.loads(v) for v in values] if schema[n] == "json" else values)
    if names:
        out = [{k: v for k, v in zip(names, row, strict=True) if v is not None} for row in zip(*columns, strict=True)]
    else:
        out = [{} for _ in range(table.num_rows)]
    if _NONE_COL in table.column_names:
        for d, none in zip(out, table.column(_NONE_COL).to_pylist(), strict=True):
            if none:
                d.update(dict.fromkeys(str(none).split(";")))
    return out


def read_network_tables(path: str | os.PathLike[str]) -> NetworkTables:
    """Read a network file's tables from its Parquet cache (written first if missing or stale).

    Parameters
    ----------
    path
        A GeoPackage written by :func:`save_network` (or ``silkroute build``).

    Returns
    -------
    NetworkTables
        The node and edge tables.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    silkroute.NetworkError
        If the file is not a silkroute network GeoPackage.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"network file not found: {path} (write one with silkroute build -o {path.name})"
        raise FileNotFoundError(msg)
    tables = _read_cache(path)
    if tables is None:
        G = _read_gpkg(path)
        validate_network(G, weights=(), source=str(path))
        _write_cache(path, _network_tables(G))
        tables = _read_cache(path)
        if tables is None:  # the directory is not writable: tables straight from the graph
            nodes, node_geoms, edges, geoms, meta = _network_tables(G)
            kinds = {"node": meta["node_id"], **meta["node_schema"]}
            edge_kinds = {"u": meta["node_id"], "v": meta["node_id"], "key": meta["edge_key"], **meta["edge_schema"]}
            tables = NetworkTables(
                _arrow_table(nodes, kinds, node_geoms),
                _arrow_table(edges, edge_kinds, geoms),
                meta,
                str(path),
            )
    return tables


def load_network(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a network written by :func:`save_network`.

    The Parquet cache beside the file (:func:`network_cache`) is used while it
    matches the GeoPackage; otherwise the GeoPackage is read and the cache is
    written anew (if the directory is writable).

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
    G = read_network_tables(path).to_graph()
    validate_network(G, weights=(), source=str(path))
    return G


def _read_gpkg(path: Path) -> nx.MultiDiGraph:
    import pyogrio

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
    "gauge_change", "terminal", "length_km", "length_source", "dwell_basis", "time_h", "usable", "blocked_by",
    *schema.money_attrs(),
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
        "dwell_low_h", "dwell_mode_h", "dwell_high_h", "dwell_rev_low_h", "dwell_rev_mode_h", "dwell_rev_high_h",
        "dwell_basis", "source",
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

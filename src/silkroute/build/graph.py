"""Line geometry → routable network.

:func:`graph_from_lines` turns any GeoDataFrame of (Multi)LineStrings into a
``networkx.MultiDiGraph`` that follows osmnx conventions: ``graph["crs"]``,
node ``x``/``y``, edge ``length`` in metres (geodesic, on the WGS84 ellipsoid)
and ``geometry`` oriented from ``u`` to ``v``. ``osmnx.convert.graph_to_gdfs``
and ``osmnx.routing.shortest_path`` work on the result unchanged.

Noding rules: lines are joined where they share a vertex or where one ends on
another; lines that merely cross are not joined (a bridge is not a junction)
unless ``join_crossings=True``. Dangling ends within ``snap_m`` of another line
are connected by a short ``snap`` edge. Lines are only joined within one
*layer* (same mode and gauge): a 1435 mm track never joins a 1520 mm one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from silkroute.schema import layer_name

__all__ = [
    "BuildReport",
    "NodeIndex",
    "geodesic_lengths",
    "graph_from_lines",
    "layer_name",
    "node_index",
    "node_key",
    "recount_components",
    "segment_lengths",
]

log = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
_Q = 1e7  # vertex identity: coordinates equal to 1e-7 degree (~1 cm)
_M_PER_DEG = 111_320.0


@dataclass
class BuildReport:
    """What the builder did: read, dropped, snapped, attached, and what stays disconnected.

    ``places_attached`` maps each attached place to its layers and
    ``attach_distance_m`` to the distance (m) from the place to the point of
    each layer's line where it attached; ``places_unattached`` lists the others
    with the distance to the nearest line, farthest first in :meth:`summary`,
    and ``unattached_reason`` says why a place within reach still did not attach.
    """

    lines_read: int = 0
    parts: int = 0
    dropped: list[tuple[Any, str]] = field(default_factory=list)
    joined_t_junctions: int = 0
    snapped: list[dict[str, Any]] = field(default_factory=list)
    crossings_joined: int = 0
    attach_m: float = 0.0
    places_attached: dict[str, list[str]] = field(default_factory=dict)
    attach_distance_m: dict[str, dict[str, float]] = field(default_factory=dict)
    places_unattached: list[tuple[str, float]] = field(default_factory=list)
    unattached_reason: dict[str, str] = field(default_factory=dict)
    components: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """Return a short multi-line, human-readable report.

        Returns
        -------
        str
            Counts of what was read, dropped, joined, snapped and attached, every place's
            attachment distance, every unattached place with its distance, and the components per layer.
        """
        lines = [
            f"lines read: {self.lines_read} ({self.parts} parts), dropped: {len(self.dropped)}",
            f"T-junctions joined: {self.joined_t_junctions}, dangling ends snapped: {len(self.snapped)}"
            + (f", crossings joined: {self.crossings_joined}" if self.crossings_joined else ""),
            f"places attached: {len(self.places_attached)} (within {self.attach_m / 1000:g} km), "
            f"unattached: {len(self.places_unattached)}",
        ]
        if self.attach_distance_m:
            items = sorted(((min(d.values()), pid) for pid, d in self.attach_distance_m.items()), reverse=True)
            lines.append("  attached at (km from the place, farthest first):")
            text = [f"{pid} {m / 1000:.1f}" for m, pid in items]
            lines += ["    " + ", ".join(text[k : k + 8]) for k in range(0, len(text), 8)]
        for pid, dist in sorted(self.places_unattached, key=lambda t: (-t[1], t[0])):
            why = self.unattached_reason.get(pid)
            where = f"nearest line {dist / 1000:.1f} km away" if np.isfinite(dist) else "no line"
            lines.append(f"  unattached place {pid}: {where}" + (f" ({why})" if why else ""))
        for layer, sizes in sorted(self.components.items()):
            small = sizes[1:]
            lines.append(
                f"layer {layer}: {len(sizes)} component(s), largest {sizes[0] if sizes else 0} nodes"
                + (f", others {small[:10]}{'…' if len(small) > 10 else ''}" if small else "")
            )
        lines += [f"  skipped: {note}" for note in self.skipped]
        for idx, reason in self.dropped[:10]:
            lines.append(f"  dropped line {idx}: {reason}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (the ``build --format json`` contract).

        Returns
        -------
        dict
            Counts, ``places_attached`` (id → layer → metres from the place), ``places_unattached``
            (id, metres to the nearest line, reason), components per layer, skipped transfers.
        """
        return {
            "lines_read": self.lines_read,
            "parts": self.parts,
            "dropped": [{"line": str(i), "reason": r} for i, r in self.dropped],
            "t_junctions_joined": self.joined_t_junctions,
            "ends_snapped": len(self.snapped),
            "crossings_joined": self.crossings_joined,
            "attach_m": self.attach_m,
            "places_attached": {pid: dict(d) for pid, d in self.attach_distance_m.items()},
            "places_unattached": [
                {
                    "id": pid,
                    "nearest_line_m": round(d, 1) if np.isfinite(d) else None,
                    "reason": self.unattached_reason.get(pid),
                }
                for pid, d in sorted(self.places_unattached, key=lambda t: (-t[1], t[0]))
            ],
            "components": {
                layer: {"count": len(s), "largest": s[0] if s else 0} for layer, s in self.components.items()
            },
            "skipped": list(self.skipped),
            "seconds": round(self.seconds, 3),
        }


def node_key(layer: str, x: float, y: float, place: str | None = None) -> str:
    """Return the stable key of a node: ``PLACE@layer`` or ``layer:lon,lat``.

    Node ids are integers (as in osmnx); the key is the node's ``key`` attribute.

    Parameters
    ----------
    layer
        The node's layer (``rail1520``, ``road``).
    x, y
        Longitude and latitude.
    place
        The place id, for a place node.

    Returns
    -------
    str
        The key.
    """
    if place:
        return f"{place}@{layer}"
    return f"{layer}:{x:.7f},{y:.7f}"


def node_index(G: nx.MultiDiGraph) -> dict[str, int]:
    """Map node keys to node ids.

    Parameters
    ----------
    G
        A network.

    Returns
    -------
    dict
        ``key`` attribute → node id.
    """
    return {d["key"]: n for n, d in G.nodes(data=True)}


class NodeIndex:
    """The nodes of a network being built, by key; adds a node the first time its key is asked for.

    Parameters
    ----------
    G
        The graph to add nodes to (its existing nodes are indexed).
    """

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.G = G
        self.ids = node_index(G)
        self._next = max((int(n) for n in G.nodes), default=-1) + 1

    def add(self, layer: str, x: float, y: float, place: dict[str, Any] | None = None) -> int:
        """Return the id of the node at ``(x, y)`` in ``layer`` (or of ``place`` there), adding it if new.

        Parameters
        ----------
        layer
            The layer; a ``|group`` suffix used while noding is dropped.
        x, y
            Longitude and latitude.
        place
            The place record (``id``, ``name``, ``country``, ``kind``, ``aliases``) for a place node.

        Returns
        -------
        int
            The node id.
        """
        plain = _plain(layer)
        key = node_key(plain if place else layer, x, y, place["id"] if place else None)
        if key not in self.ids:
            n = self._next
            self._next += 1
            self.G.add_node(n, key=key, x=x, y=y, layer=plain, mode=plain.rstrip("0123456789"), **_place_attrs(place))
            self.ids[key] = n
        return self.ids[key]


def _vertex_codes(layer: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """Dense integer code per vertex: equal (layer, quantised x, quantised y), equal code.

    Quantised coordinates (1e-7 degree) fit in 32 bits each, so a vertex is one
    uint64 and hashing (``pandas.factorize``) replaces sorting.
    """
    xy = ((qx.astype(np.int64) + 2**31).astype(np.uint64) << np.uint64(32)) | (qy.astype(np.int64) + 2**31).astype(
        np.uint64
    )
    codes = pd.factorize(xy)[0]
    layer = np.asarray(layer, dtype=np.int64)
    if len(layer) and layer.max() > layer.min():
        layer = layer - layer.min()
        codes = pd.factorize(codes.astype(np.int64) * (int(layer.max()) + 1) + layer)[0]
    return np.asarray(codes)


def _parts_per_vertex(vcode: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """How many distinct parts touch each vertex code."""
    n = int(owner.max()) + 1
    pairs = pd.unique(vcode.astype(np.int64) * n + owner)
    return np.bincount(pairs // n, minlength=int(vcode.max()) + 1)


def _hashable(values: pd.Series) -> list[Any]:
    """Values usable as dict keys: NaN and other missing values become ``None``."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()]


def _plain(layer: str) -> str:
    """The layer without the ``|group`` suffix used to keep groups apart while noding."""
    return layer.split("|", 1)[0]


def _deg_tolerance(metres: float, lat: np.ndarray | float) -> np.ndarray | float:
    """A degree distance certainly larger than ``metres`` at latitude ``lat``."""
    return metres / (_M_PER_DEG * np.maximum(np.cos(np.radians(np.minimum(np.abs(lat), 85.0))), 0.05))


def graph_from_lines(
    lines: gpd.GeoDataFrame,
    places: pd.DataFrame | None = None,
    *,
    mode: str = "rail",
    snap_m: float = 50.0,
    attach_m: float = 2000.0,
    join_crossings: bool = False,
    join_t_junctions: bool = True,
    node_shared_vertices: bool = True,
    separate_by: str | None = None,
    attributes: Sequence[str] | None = None,
    name: str = "silkroute network",
) -> nx.MultiDiGraph:
    """Build a routable network from line geometry.

    Parameters
    ----------
    lines
        LineStrings/MultiLineStrings in any CRS (converted to EPSG:4326). Optional
        columns ``mode`` (default ``mode``) and ``gauge`` separate layers; the
        columns named in ``attributes`` (default: all scalar columns) are copied
        to the edges.
    places
        Optional table with ``id``, ``lon``, ``lat`` (and any of ``name``,
        ``country``, ``kind``): each place becomes a node in every layer that
        passes within ``attach_m``; lines are split there.
    mode
        Mode of lines that have no ``mode`` column/value.
    snap_m
        Dangling line ends within this many metres of another line are
        connected to it.
    attach_m
        How far a place may lie from a line and still attach to it.
    join_crossings
        Also join lines where they cross without a shared vertex.
    join_t_junctions
        Join a line end that lies on another line (within 1 m) without a
        shared vertex. Off for OSM, whose topology is explicit in shared nodes.
    node_shared_vertices
        Join lines at every vertex they share. ``False`` joins them only at
        their ends (and at attached places): the catalog's sections meet at
        their stops only, even where their track geometry shares a vertex.
    separate_by
        A column whose values never join each other (the catalog's ``country``:
        lines of two countries meet only through a border crossing, even where
        they share a coordinate). Places with that column attach only to lines
        of the same value.
    attributes
        Line columns to copy onto edges.
    name
        ``graph["name"]``.

    Returns
    -------
    networkx.MultiDiGraph
        Both directions of every line section; ``graph["build_report"]`` is a
        :class:`BuildReport`.
    """
    import time

    t0 = time.perf_counter()
    report = BuildReport(lines_read=len(lines), attach_m=float(attach_m))
    gdf = lines.to_crs("EPSG:4326") if lines.crs is not None and not lines.crs.equals("EPSG:4326") else lines
    gdf = gdf.copy()
    if "mode" not in gdf.columns:
        gdf["mode"] = mode
    gdf["mode"] = gdf["mode"].fillna(mode)
    if "gauge" not in gdf.columns:
        gdf["gauge"] = None
    gdf["_source_index"] = gdf.index
    arr = np.asarray(gdf.geometry.values)
    valid = pd.Series(~shapely.is_missing(arr) & ~shapely.is_empty(arr), index=gdf.index)
    valid &= gdf.geometry.geom_type.isin(["LineString", "MultiLineString"])
    for idx, geom in gdf.geometry[~valid].items():
        report.dropped.append(
            (idx, "empty geometry" if geom is None or geom.is_empty else f"not a line ({geom.geom_type})")
        )
    parts = gdf[valid].explode(index_parts=False, ignore_index=True)
    parts = parts[shapely.get_num_coordinates(parts.geometry.values) >= 2].reset_index(drop=True)
    report.parts = len(parts)
    # layer of each part, kept beside the frame (a string column would be converted to Arrow and back)
    names = {
        (m, g): layer_name(m, g) for m, g in set(zip(parts["mode"].tolist(), _hashable(parts["gauge"]), strict=True))
    }
    layers = np.array(
        [names[(m, g)] for m, g in zip(parts["mode"].tolist(), _hashable(parts["gauge"]), strict=True)], dtype=object
    )
    if separate_by is not None:
        layers = np.array(
            [f"{layer}|{group}" for layer, group in zip(layers, parts[separate_by].astype(str), strict=True)],
            dtype=object,
        )
    if attributes is None:
        attributes = [c for c in gdf.columns if c not in (gdf.geometry.name, "_source_index") and not c.startswith("_")]

    geoms = np.asarray(parts.geometry.values)
    inserts: dict[int, list[tuple[float, float, float]]] = defaultdict(list)  # part -> (dist along, x, y)
    extra_edges: list[tuple[str, float, float, float, float, dict[str, Any]]] = []
    forced: set[tuple[str, int, int]] = set()  # vertices that must become nodes
    joins: list[tuple[int, int]] = []  # parts joined by a T-junction or a snap

    if join_crossings:
        report.crossings_joined = _join_crossings(geoms, layers, inserts)
    if join_t_junctions or snap_m > 0:
        _snap_dangling_ends(geoms, layers, parts, snap_m, inserts, extra_edges, forced, report, joins)
    attached: dict[tuple[str, int, int], dict[str, Any]] = {}
    if places is not None:
        piece_km = _piece_km(geoms, layers, joins, node_shared_vertices)
        attached = _attach_places(geoms, layers, places, attach_m, inserts, report, separate_by, piece_km)

    scale = parts["_length_scale"].to_numpy(dtype=float) if "_length_scale" in parts.columns else None
    G, us, vs = _assemble(
        parts,
        geoms,
        layers,
        inserts,
        set(attached) | forced,
        attached,
        attributes,
        name,
        node_shared_vertices,
        scale,
    )
    nodes = NodeIndex(G)
    extra_u, extra_v = [], []
    cols = [c for c in attributes if c != "geometry"]
    for layer, x1, y1, x2, y2, extra in extra_edges:
        u = nodes.add(layer, x1, y1, attached.get((layer, round(x1 * _Q), round(y1 * _Q))))
        v = nodes.add(layer, x2, y2, attached.get((layer, round(x2 * _Q), round(y2 * _Q))))
        geom = shapely.LineString([(x1, y1), (x2, y2)])
        attrs = {c: _scalar(parts.at[extra["_part"], c]) for c in cols}
        attrs.update(kind="snap", layer=_plain(layer), length=float(GEOD.line_length([x1, x2], [y1, y2])))
        _add_both(G, u, v, attrs, geom)
        extra_u.append(u)
        extra_v.append(v)
    node_layers = [layer for _n, layer in G.nodes(data="layer")]
    report.components = _component_sizes(
        node_layers, np.r_[us, np.asarray(extra_u, dtype=np.int64)], np.r_[vs, np.asarray(extra_v, dtype=np.int64)]
    )
    report.seconds = time.perf_counter() - t0
    G.graph["build_report"] = report
    log.info("built %s nodes, %s edges in %.2f s", len(node_layers), 2 * (len(us) + len(extra_u)), report.seconds)
    return G


#: Segments shorter than this (m) are measured with the ellipsoid's radii of curvature at their mid-latitude
#: (within 1.4e-7 of the geodesic, 0.3 mm at most); longer ones with pyproj's geodesic.
SHORT_SEGMENT_M = 2000.0
_A = 6378137.0  # WGS84 semi-major axis (m)
_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)  # WGS84 first eccentricity squared


def segment_lengths(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """Return the length (m) on the WGS84 ellipsoid of each segment between two lon/lat points.

    A segment shorter than :data:`SHORT_SEGMENT_M` is measured with the meridional and
    prime-vertical radii of curvature at its mid-latitude: within 1.4e-7 of its geodesic length
    (0.3 mm), seven times faster than ``pyproj.Geod.inv``, which measures the longer ones
    (Karney's geodesic). Line files are dense in short segments, so lengths are geodesic at a
    fraction of the cost.

    Parameters
    ----------
    x1, y1, x2, y2
        Longitudes and latitudes of the ends, degrees.

    Returns
    -------
    numpy.ndarray
        Metres.
    """
    x1, y1, x2, y2 = (np.asarray(v, dtype=float) for v in (x1, y1, x2, y2))
    p1, p2 = np.radians(y1), np.radians(y2)
    mid = 0.5 * (p1 + p2)
    s = np.sin(mid)
    w = 1.0 - _E2 * s * s
    east = _A / np.sqrt(w) * np.cos(mid) * np.radians((x2 - x1 + 180.0) % 360.0 - 180.0)
    north = _A * (1.0 - _E2) / (w * np.sqrt(w)) * (p2 - p1)
    out: np.ndarray = np.asarray(np.hypot(east, north), dtype=float)
    long = np.flatnonzero(~(out < SHORT_SEGMENT_M))
    if len(long):
        out[long] = GEOD.inv(x1[long], y1[long], x2[long], y2[long])[2]
    return out


def geodesic_lengths(geoms: Any) -> np.ndarray:
    """Return the geodesic length (m, WGS84 ellipsoid) of each line or multi-line, in one vectorised pass.

    Parameters
    ----------
    geoms
        An array of (Multi)LineStrings in EPSG:4326.

    Returns
    -------
    numpy.ndarray
        Metres, 0 for empty or missing geometry.
    """
    arr = np.asarray(geoms, dtype=object)
    coords, owner = shapely.get_coordinates(shapely.get_parts(arr), return_index=True)
    parts_owner = shapely.get_parts(arr, return_index=True)[1]
    out = np.zeros(len(arr))
    if len(coords) < 2:
        return out
    same = owner[1:] == owner[:-1]
    d = segment_lengths(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    per_part = np.bincount(owner[1:][same], weights=d[same], minlength=len(parts_owner))
    return np.bincount(parts_owner, weights=per_part, minlength=len(arr))


def recount_components(G: nx.MultiDiGraph) -> dict[str, list[int]]:
    """Recount the connected components of each layer into ``graph["build_report"]`` (after edges changed).

    Parameters
    ----------
    G
        A network with a ``build_report``.

    Returns
    -------
    dict
        Layer → component sizes, largest first (also stored in the report).
    """
    pos = {n: i for i, n in enumerate(G.nodes)}
    layers = [str(layer) for _n, layer in G.nodes(data="layer")]
    uv = np.array([(pos[u], pos[v]) for u, v in G.edges()], dtype=np.int64).reshape(-1, 2)
    sizes = _component_sizes(layers, uv[:, 0], uv[:, 1])
    report = G.graph.get("build_report")
    if report is not None:
        report.components = sizes
    return sizes


def _component_sizes(layers: Sequence[str], us: np.ndarray, vs: np.ndarray) -> dict[str, list[int]]:
    """Sizes of the connected components of each layer, largest first (nodes ``0..n-1``, edges ``us → vs``)."""
    names = np.asarray(layers, dtype=object)
    n = len(names)
    if n == 0:
        return {}
    codes = pd.factorize(names)[0]
    keep = codes[us] == codes[vs]
    labels = _components(n, us[keep], vs[keep])
    out: dict[str, list[int]] = {}
    for layer in np.unique(names):
        counts = np.bincount(labels[names == layer])
        out[str(layer)] = sorted((int(c) for c in counts if c), reverse=True)
    return out


def _components(n: int, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
    """Connected-component label (its smallest node) of nodes ``0..n-1``: union-find by hooking and pointer jumping.

    Vectorised (no per-edge Python), O(log n) rounds on the long chains of a rail network; saves
    importing ``scipy.sparse.csgraph`` on the command line's path.
    """
    parent = np.arange(n)
    us, vs = np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)
    while True:
        pu, pv = parent[us], parent[vs]
        differ = pu != pv
        if not differ.any():
            return parent
        lo, hi = np.minimum(pu[differ], pv[differ]), np.maximum(pu[differ], pv[differ])
        np.minimum.at(parent, hi, lo)  # hook each root onto the smaller root it touches
        while True:  # jump to the roots
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def _graph_from_lists(
    G: nx.MultiDiGraph, nodes: list[dict[str, Any]], edges: list[tuple[int, int, dict[str, Any]]]
) -> None:
    """Fill an empty ``MultiDiGraph`` with nodes ``0..n-1`` and edges, as ``add_nodes_from``/``add_edges_from`` would.

    The adjacency dicts are written directly (keys ``0, 1, …`` per node pair, one
    key dict shared by ``_succ`` and ``_pred``, as networkx does), which is
    several times faster than ``add_edges_from`` on 10⁵ edges.
    """
    node, succ, pred = G._node, G._succ, G._pred
    for n, attrs in enumerate(nodes):
        node[n] = attrs
        succ[n] = {}
        pred[n] = {}
    for u, v, d in edges:
        nbrs = succ[u]
        keydict = nbrs.get(v)
        if keydict is None:
            keydict = nbrs[v] = {}
            pred[v][u] = keydict
        keydict[len(keydict)] = d
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


def _place_attrs(place: dict[str, Any] | None) -> dict[str, Any]:
    if not place:
        return {}
    attrs: dict[str, Any] = {k: place[k] for k in ("name", "country", "kind") if k in place and place[k] is not None}
    if place.get("aliases"):
        aliases = place["aliases"]
        attrs["aliases"] = ";".join(aliases) if isinstance(aliases, list | tuple) else str(aliases)
    if place.get("_attach_m") is not None:
        attrs["attach_m"] = float(place["_attach_m"])
    return attrs | {"place": str(place["id"])}


def _add_both(G: nx.MultiDiGraph, u: int, v: int, attrs: dict[str, Any], geom: shapely.LineString) -> None:
    G.add_edge(u, v, **attrs, geometry=geom, reversed=False, oneway=False)
    G.add_edge(v, u, **attrs, geometry=shapely.reverse(geom), reversed=True, oneway=False)


def _locate_many(
    geoms: np.ndarray, px: np.ndarray, py: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest point on each line to each point: (distance along in degrees, x, y, geodesic metres)."""
    pts = shapely.points(px, py)
    along = shapely.line_locate_point(geoms, pts)
    proj = shapely.line_interpolate_point(geoms, along)
    qx, qy = shapely.get_x(proj), shapely.get_y(proj)
    dist = GEOD.inv(px, py, qx, qy)[2] if len(px) else np.zeros(0)
    return along, qx, qy, np.asarray(dist, dtype=float)


def _first_per(keys: np.ndarray, *order: np.ndarray) -> np.ndarray:
    """Positions of the best row per key: sorted by ``order`` (first array most significant), ties by position."""
    sort = np.lexsort((np.arange(len(keys)), *reversed(order), keys))
    first = np.r_[True, keys[sort][1:] != keys[sort][:-1]] if len(keys) else np.zeros(0, dtype=bool)
    return np.asarray(sort[first])


def _geodesic(x1: float, y1: float, x2: float, y2: float) -> float:
    return float(GEOD.inv(x1, y1, x2, y2)[2])


def _join_crossings(geoms: np.ndarray, layers: np.ndarray, inserts: dict[int, list[tuple[float, float, float]]]) -> int:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="crosses")
    count = 0
    for i, j in zip(left, right, strict=True):
        if i >= j or layers[i] != layers[j]:
            continue
        for pt in shapely.get_parts(shapely.intersection(geoms[i], geoms[j])):
            if pt.geom_type != "Point":
                continue
            for k in (i, j):
                inserts[k].append((float(shapely.line_locate_point(geoms[k], pt)), pt.x, pt.y))
            count += 1
    return count


def _snap_dangling_ends(
    geoms: np.ndarray,
    layers: np.ndarray,
    parts: gpd.GeoDataFrame,
    snap_m: float,
    inserts: dict[int, list[tuple[float, float, float]]],
    extra_edges: list[tuple[str, float, float, float, float, dict[str, Any]]],
    forced: set[tuple[str, int, int]],
    report: BuildReport,
    joins: list[tuple[int, int]] | None = None,
) -> None:
    """Join line ends that lie on another line (T-junctions) and snap ends near one (vectorised search)."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) == 0:
        return
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    ends = np.r_[starts[1:] - 1, len(owner) - 1]
    end_pos = np.r_[starts, ends]
    q = np.round(coords * _Q).astype(np.int64)
    # how many distinct parts touch each vertex (per layer)
    layer_codes = pd.factorize(layers)[0]
    vcode = _vertex_codes(layer_codes[owner], q[:, 0], q[:, 1])
    parts_per_vertex = _parts_per_vertex(vcode, owner)
    dangling = end_pos[parts_per_vertex[vcode[end_pos]] == 1]
    if len(dangling) == 0:
        return
    px, py = coords[dangling, 0], coords[dangling, 1]
    tol = _deg_tolerance(max(snap_m, 1.0), py)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(shapely.points(px, py), predicate="dwithin", distance=float(np.max(tol)))
    own = owner[dangling[left]]
    ok = (right != own) & (layer_codes[right] == layer_codes[own])
    left, right = left[ok], right[ok]
    along, qx, qy, dist = _locate_many(geoms[right], px[left], py[left])
    near = dist <= snap_m
    left, right, along, qx, qy, dist = left[near], right[near], along[near], qx[near], qy[near], dist[near]
    best = _first_per(left, dist)  # ascending end index: the order the ends are read
    seen_pairs: set[tuple[Any, ...]] = set()
    for k in best.tolist():
        i, j, d_along, bx, by, d = (
            int(left[k]),
            int(right[k]),
            float(along[k]),
            float(qx[k]),
            float(qy[k]),
            float(dist[k]),
        )
        own_part = int(owner[dangling[i]])
        x, y = float(px[i]), float(py[i])
        if joins is not None:
            joins.append((own_part, j))
        if d < 1.0:
            inserts[j].append((d_along, x, y))  # the end lies on line j: a T-junction
            report.joined_t_junctions += 1
            continue
        target = _nearest_vertex_within(geoms[j], bx, by, 1.0)
        tx, ty = target if target else (bx, by)
        if target is None:
            inserts[j].append((d_along, tx, ty))
        forced.add((str(layers[j]), round(tx * _Q), round(ty * _Q)))
        pair = tuple(sorted([(round(x * _Q), round(y * _Q)), (round(tx * _Q), round(ty * _Q))]))
        if pair in seen_pairs:
            continue
        seen_pairs.add(pair)
        extra_edges.append((str(layers[own_part]), x, y, tx, ty, {"_part": own_part}))
        report.snapped.append(
            {
                "line": parts.at[own_part, "_source_index"],
                "to_line": parts.at[j, "_source_index"],
                "distance_m": round(d, 1),
            }
        )


def _nearest_vertex_within(geom: shapely.LineString, x: float, y: float, metres: float) -> tuple[float, float] | None:
    c = shapely.get_coordinates(geom)
    k = int(np.argmin((c[:, 0] - x) ** 2 + (c[:, 1] - y) ** 2))
    if _geodesic(x, y, c[k, 0], c[k, 1]) <= metres:
        return float(c[k, 0]), float(c[k, 1])
    return None


#: A place attaches to a line of a connected piece of at least this much track (km) when one is within
#: reach, rather than to a nearer yard fragment or isolated bit.
MIN_PIECE_KM = 20.0


def _piece_km(
    geoms: np.ndarray, layers: np.ndarray, joins: list[tuple[int, int]], node_shared_vertices: bool
) -> np.ndarray:
    """Track km of the connected piece (lines joined at shared vertices, T-junctions and snaps) of each line."""
    n = len(geoms)
    if n == 0:
        return np.zeros(0)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    q = np.round(coords * _Q).astype(np.int64)
    vcode = _vertex_codes(pd.factorize(layers)[0][owner], q[:, 0], q[:, 1])
    if not node_shared_vertices:
        ends = np.r_[True, owner[1:] != owner[:-1]] | np.r_[owner[1:] != owner[:-1], True]
        vcode, owner = vcode[ends], owner[ends]
    extra = np.asarray(joins, dtype=np.int64).reshape(-1, 2)
    rows = np.r_[owner, extra[:, 0]]
    cols = np.r_[n + vcode, extra[:, 1]]
    label = _components(n + int(vcode.max()) + 1, rows, cols)
    km = geodesic_lengths(geoms) / 1000.0
    per_piece = np.bincount(label[:n], weights=km)
    return np.asarray(per_piece[label[:n]])


#: A place this close (m) to an existing vertex of a line attaches there (a station already on the line)
#: instead of at its projection: ``attach_m`` × 5 %, at least 1 m and at most this.
_VERTEX_SNAP_MAX_M = 100.0


def _attach_places(
    geoms: np.ndarray,
    layers: np.ndarray,
    places: pd.DataFrame,
    attach_m: float,
    inserts: dict[int, list[tuple[float, float, float]]],
    report: BuildReport,
    separate_by: str | None = None,
    piece_km: np.ndarray | None = None,
) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Split lines at places; return vertex key -> place record for every attachment.

    Each place attaches, in every layer with a line within ``attach_m``, at the
    nearest point of the nearest line (at an existing vertex within a few metres
    of the place, see :data:`_VERTEX_SNAP_MAX_M`), preferring lines of a
    connected piece of at least :data:`MIN_PIECE_KM` of track (``piece_km``
    per line) to yard fragments and other isolated bits. Two places that would share
    a point: the nearer one gets it and the other attaches at its own projection,
    or stays unattached (with the reason) if that is the same point.
    """
    attached: dict[tuple[str, int, int], dict[str, Any]] = {}
    records = places.reset_index(drop=True).to_dict("records")
    if not records:
        return attached
    px = np.array([float(r["lon"]) for r in records])
    py = np.array([float(r["lat"]) for r in records])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(
        shapely.points(px, py), predicate="dwithin", distance=float(np.max(_deg_tolerance(attach_m, py)))
    )
    groups = np.array([str(r[separate_by]) if separate_by and separate_by in r else "" for r in records], dtype=object)
    if separate_by:
        line_group = np.array([str(layer).split("|", 1)[-1] for layer in layers], dtype=object)
        ok = (groups[left] == "") | (line_group[right] == groups[left])
        left, right = left[ok], right[ok]
    along, qx, qy, dist = _locate_many(geoms[right], px[left], py[left])
    nearest_any = np.full(len(records), np.inf)
    np.minimum.at(nearest_any, left, dist)
    # prefer an existing vertex close to the place (a station already on the line)
    vertex_m = min(max(attach_m * 0.05, 1.0), _VERTEX_SNAP_MAX_M)
    within = dist <= attach_m
    vx, vy, valong = qx.copy(), qy.copy(), along.copy()
    for k in np.flatnonzero(within).tolist():
        vertex = _nearest_vertex_within(geoms[right[k]], float(px[left[k]]), float(py[left[k]]), vertex_m)
        if vertex is not None:
            vx[k], vy[k] = vertex
            valong[k] = float(shapely.line_locate_point(geoms[right[k]], shapely.Point(*vertex)))
    vdist = np.asarray(GEOD.inv(px[left], py[left], vx, vy)[2], dtype=float) if len(left) else np.zeros(0)
    layer_codes, layer_names = pd.factorize(layers)
    key = left.astype(np.int64) * (len(layer_names) + 1) + layer_codes[right]
    sel = np.flatnonzero(within)
    small = (piece_km[right] < MIN_PIECE_KM).astype(np.int8) if piece_km is not None else np.zeros(len(right), np.int8)
    best = sel[_first_per(key[sel], small[sel], vdist[sel])] if len(sel) else sel
    # the nearer place first, so that it keeps a point two places would share
    best = best[np.lexsort((left[best], vdist[best]))]
    lost: dict[str, str] = {}
    for k in best.tolist():
        i, j = int(left[k]), int(right[k])
        layer = str(layers[j])
        pid = str(records[i]["id"])
        choice = [(float(valong[k]), float(vx[k]), float(vy[k]), float(vdist[k]))]
        if (vx[k], vy[k]) != (qx[k], qy[k]):
            choice.append((float(along[k]), float(qx[k]), float(qy[k]), float(dist[k])))
        free = [c for c in choice if (layer, round(c[1] * _Q), round(c[2] * _Q)) not in attached]
        if not free:
            other = attached[(layer, round(choice[0][1] * _Q), round(choice[0][2] * _Q))]["id"]
            lost.setdefault(pid, f"shares the nearest point of layer {_plain(layer)} with {other}")
            log.warning("place %s shares a node with %s in layer %s", pid, other, _plain(layer))
            continue
        d_along, x, y, d = free[0]
        vkey = (layer, round(x * _Q), round(y * _Q))
        inserts[j].append((d_along, x, y))
        attached[vkey] = {**records[i], "_attach_m": d}
        report.places_attached.setdefault(pid, []).append(_plain(layer))
        report.attach_distance_m.setdefault(pid, {})[_plain(layer)] = round(d, 1)
    missing = [i for i, rec in enumerate(records) if str(rec["id"]) not in report.places_attached]
    far = [i for i in missing if not np.isfinite(nearest_any[i])]
    if far and len(geoms):
        pts = shapely.points(px[far], py[far])
        _, j = tree.query_nearest(pts, all_matches=False)
        nearest_any[far] = _locate_many(geoms[j], px[far], py[far])[3]
    for i in missing:
        pid = str(records[i]["id"])
        report.places_unattached.append((pid, float(nearest_any[i])))
        if pid in lost:
            report.unattached_reason[pid] = lost[pid]
    return attached


def _assemble(
    parts: gpd.GeoDataFrame,
    geoms: np.ndarray,
    layers: np.ndarray,
    inserts: dict[int, list[tuple[float, float, float]]],
    node_keys: set[tuple[str, int, int]],
    attached: dict[tuple[str, int, int], dict[str, Any]],
    attributes: Sequence[str],
    name: str,
    node_shared_vertices: bool = True,
    scale: np.ndarray | None = None,
) -> tuple[nx.MultiDiGraph, np.ndarray, np.ndarray]:
    """Split every part at its nodes and add both directions of each piece; also return the edges' ends.

    ``scale`` multiplies the geodesic lengths of each part's edges (a measured length per line).
    """
    if inserts:
        geoms = geoms.copy()
        for j, pts in inserts.items():
            geoms[j] = _insert_vertices(geoms[j], pts)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    # drop consecutive duplicate vertices within a part
    keep = np.r_[True, (np.diff(owner) != 0) | np.any(np.diff(coords, axis=0) != 0, axis=1)]
    coords, owner = coords[keep], owner[keep]
    q = np.round(coords * _Q).astype(np.int64)
    layer_codes, layer_names = pd.factorize(layers)
    vcode = _vertex_codes(layer_codes[owner], q[:, 0], q[:, 1])
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    ends = np.r_[starts[1:] - 1, len(owner) - 1]
    is_end = np.zeros(len(owner), bool)
    is_end[starts] = is_end[ends] = True
    if node_shared_vertices:
        per_vertex_parts = _parts_per_vertex(vcode, owner)
        per_vertex_count = np.bincount(vcode)
        is_node = is_end | (per_vertex_parts[vcode] > 1) | (per_vertex_count[vcode] > 1)
    else:
        is_node = is_end
    if node_keys:
        layer_index = {str(n): i for i, n in enumerate(layer_names)}
        keys = np.array([(layer_index.get(k[0], -1), k[1], k[2]) for k in node_keys], dtype=np.int64)
        n = len(vcode)
        codes = _vertex_codes(
            np.r_[layer_codes[owner], keys[:, 0]], np.r_[q[:, 0], keys[:, 1]], np.r_[q[:, 1], keys[:, 2]]
        )
        is_node |= np.isin(codes[:n], codes[n:])

    # geodesic length of every segment, cumulative per part
    seg = np.zeros(len(coords))
    same = owner[1:] == owner[:-1]
    d = segment_lengths(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    seg[1:] = np.where(same, d, 0.0)
    cum = np.cumsum(seg)

    node_pos = np.flatnonzero(is_node)
    a, b = node_pos[:-1], node_pos[1:]
    valid = owner[a] == owner[b]
    a, b = a[valid], b[valid]
    lengths = (cum[b] - cum[a] if scale is None else (cum[b] - cum[a]) * scale[owner[a]]).tolist()
    sizes = b - a + 1
    offset = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    piece = np.repeat(np.arange(len(a)), sizes)
    edge_geoms = shapely.linestrings(coords[np.repeat(a, sizes) + offset], indices=piece)
    reversed_geoms = shapely.linestrings(coords[np.repeat(b, sizes) - offset], indices=piece)

    # nodes, numbered in the order they first appear (as NodeIndex.add would number them)
    node_codes, first = np.unique(vcode[node_pos], return_index=True)
    order = np.argsort(first, kind="stable")
    node_of_code = np.full(int(vcode.max()) + 1 if len(vcode) else 0, -1, dtype=np.int64)
    node_of_code[node_codes[order]] = np.arange(len(order))
    at = node_pos[first[order]]
    plain_of = {str(n): _plain(str(n)) for n in layer_names}
    node_attrs = []
    for layer, x, y, qx, qy in zip(
        layers[owner[at]].tolist(),
        coords[at, 0].tolist(),
        coords[at, 1].tolist(),
        q[at, 0].tolist(),
        q[at, 1].tolist(),
        strict=True,
    ):
        place = attached.get((layer, qx, qy))
        plain = plain_of[layer]
        node_attrs.append(
            {
                "key": node_key(plain if place else layer, x, y, str(place["id"]) if place else None),
                "x": x,
                "y": y,
                "layer": plain,
                "mode": plain.rstrip("0123456789"),
                **_place_attrs(place),
            }
        )

    cols = [c for c in attributes if c != "geometry"]
    columns = [_clean(parts[c].tolist()) for c in cols]
    plain_layers = [plain_of[str(layer)] for layer in layers.tolist()]
    part_attrs = [  # cleaned once per part, shared by its edges
        {**dict(zip(cols, values, strict=True)), "kind": "line", "layer": layer}
        for values, layer in zip(zip(*columns, strict=True) if cols else ([()] * len(parts)), plain_layers, strict=True)
    ]
    us = node_of_code[vcode[a]]
    vs = node_of_code[vcode[b]]
    edges: list[tuple[int, int, dict[str, Any]]] = []
    append = edges.append
    for u, v, p, length, geom, back in zip(
        us.tolist(), vs.tolist(), owner[a].tolist(), lengths, edge_geoms, reversed_geoms, strict=True
    ):
        base = part_attrs[p]
        append((u, v, {**base, "length": length, "geometry": geom, "reversed": False, "oneway": False}))
        append((v, u, {**base, "length": length, "geometry": back, "reversed": True, "oneway": False}))
    G = nx.MultiDiGraph(crs="EPSG:4326", name=name)
    _graph_from_lists(G, node_attrs, edges)
    return G, us, vs


def _clean(values: list[Any]) -> list[Any]:
    """:func:`_scalar` of every value of a column, fast for the common types."""
    out = []
    for value in values:
        kind = type(value)
        if value is None or kind is str or kind is int or kind is bool:
            out.append(value)
        elif kind is float:
            out.append(None if value != value else value)
        else:
            out.append(_scalar(value))
    return out


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _insert_vertices(geom: shapely.LineString, pts: list[tuple[float, float, float]]) -> shapely.LineString:
    """Insert points (distance along, x, y) into a line, in order."""
    c = shapely.get_coordinates(geom)
    seg = np.r_[0.0, np.cumsum(np.hypot(np.diff(c[:, 0]), np.diff(c[:, 1])))]
    out = [tuple(p) for p in c]
    # positions to insert, from the end so indices stay valid
    for d, x, y in sorted(pts, key=lambda t: t[0], reverse=True):
        k = int(np.searchsorted(seg, d, side="right"))
        k = min(max(k, 1), len(c) - 1) if len(c) > 1 else 1
        if any(abs(px - x) < 1 / _Q and abs(py - y) < 1 / _Q for px, py in out):
            continue
        out.insert(k, (x, y))
    return shapely.LineString(out)

"""OpenStreetMap files → one row per rail or road way (and the station nodes on them).

Two engines read a local file:

``"pyosmium"`` (default)
    libosmium through PyPI ``osmium``: reads ``.osm``, ``.osm.gz``,
    ``.osm.bz2`` and ``.osm.pbf`` (Geofabrik's format) and keeps only the ways
    that pass the filter, with their node locations.
``"osmnx"``
    ``osmnx.graph_from_xml`` (XML only) with the tags in :data:`TAGS` kept,
    filtered and simplified by osmnx; kept for fidelity comparisons.

The ways are turned into a network by :func:`silkroute.build.from_osm`.
Gauge tags (``gauge=1435;1520``) are kept as they are; :mod:`silkroute.build`
parses them.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from silkroute._errors import InputError
from silkroute.ingest.filters import WayFilter, keep_ways

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = [
    "ENGINES",
    "OSM_SUFFIXES",
    "STATION_VALUES",
    "TAGS",
    "is_osm_file",
    "osmnx_tags",
    "read_osm",
    "ways_from_osmnx",
]

log = logging.getLogger(__name__)

#: Way tags kept on the edges (osmnx drops them unless told otherwise).
TAGS = ("railway", "gauge", "electrified", "maxspeed", "usage", "service", "name", "highway", "ref")
#: File name endings read as OSM data.
OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
ENGINES = ("pyosmium", "osmnx")
#: Node ``railway=*`` values that are stations (never merged across; they become place nodes).
STATION_VALUES = ("station", "halt")


def is_osm_file(path: str | os.PathLike[str]) -> bool:
    """Tell whether a file name ends like an OSM file (``.osm``, ``.osm.gz``, ``.osm.pbf``, …).

    Parameters
    ----------
    path
        A file name.

    Returns
    -------
    bool
        ``True`` for an OSM file name.
    """
    name = Path(path).name.lower()
    return name.endswith(OSM_SUFFIXES)


def _check_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.is_file():
        msg = (
            f"OSM file not found: {path} (download an extract, e.g. from https://download.geofabrik.de, "
            f"or pass online=True / --online to query Overpass)"
        )
        raise FileNotFoundError(msg)
    if not is_osm_file(path):
        msg = f"{path} is not an OSM file: expected a name ending in {', '.join(OSM_SUFFIXES)}"
        raise InputError(msg)
    return path


def read_osm(
    path: str | os.PathLike[str],
    *,
    keep: WayFilter | None = None,
    engine: str = "pyosmium",
) -> gpd.GeoDataFrame:
    """Read the rail or road ways of an OSM file, one row per way.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.
    keep
        Which ways to keep (:class:`~silkroute.ingest.WayFilter`); rail through lines by default.
    engine
        ``"pyosmium"`` (fast, every format) or ``"osmnx"`` (XML only; its
        ways come back already simplified by ``osmnx.simplify_graph``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id`` (way id; ";"-joined ids when merged by osmnx),
        ``mode``, the :data:`TAGS` present in the file and ``geometry``
        (LineString, EPSG:4326). ``attrs["stations"]`` is a DataFrame of the
        station nodes on kept ways (``id``, ``name``, ``kind``, ``lon``, ``lat``).
    """
    keep = keep or WayFilter()
    if engine not in ENGINES:
        msg = f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}"
        raise InputError(msg)
    path = _check_path(path)
    ways, stations = _read_pyosmium(path, keep) if engine == "pyosmium" else _read_osmnx(path, keep)
    gdf = ways[keep_ways(ways, keep)].reset_index(drop=True)
    gdf["mode"] = keep.mode
    gdf = gdf[["osm_id", "mode", *[t for t in TAGS if t in gdf.columns], "geometry"]]
    gdf.attrs["stations"] = _stations_on(stations, gdf)
    log.info("read %d %s ways (of %d) and %d stations from %s", len(gdf), keep.mode, len(ways), len(stations), path)
    return gdf


def _ways_frame(osm_ids: list[Any], tags: list[Any], geoms: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = pd.DataFrame.from_records(tags, columns=list(TAGS)) if tags else pd.DataFrame(columns=list(TAGS))
    frame = frame.dropna(axis=1, how="all")
    frame.insert(0, "osm_id", osm_ids)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def _stations_on(stations: pd.DataFrame, ways: gpd.GeoDataFrame) -> pd.DataFrame:
    """Station nodes that lie on a kept way (exact vertex)."""
    import shapely

    if stations.empty or ways.empty:
        return stations.iloc[0:0]
    coords = shapely.get_coordinates(ways.geometry.values)
    on = pd.MultiIndex.from_arrays([np.round(coords[:, 0], 7), np.round(coords[:, 1], 7)])
    at = pd.MultiIndex.from_arrays([np.round(stations["lon"], 7), np.round(stations["lat"], 7)])
    return stations[at.isin(on)].reset_index(drop=True)


def _read_pyosmium(path: Path, keep: WayFilter) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Ways with the mode's key and station nodes, their geometry made in C++ (libosmium's WKB factory)."""
    import osmium
    import shapely

    from silkroute._progress import progress

    ids: list[int] = []
    tags: list[list[str | None]] = []
    wkb: list[bytes | str] = []
    stations: list[dict[str, Any]] = []
    factory = osmium.geom.WKBFactory()
    every = osmium.geom.use_nodes.ALL  # keep repeated nodes, as the ways are drawn
    keys = (keep.column, "railway") if keep.column != "railway" else ("railway",)
    processor = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter(*keys))
    try:
        with progress(f"Reading {path.name}") as advance:
            for obj in processor:
                if isinstance(obj, osmium.osm.Way):
                    try:
                        line: bytes | str = factory.create_linestring(obj.nodes, every)
                    except (osmium.InvalidLocationError, RuntimeError):  # a node outside the extract, or one node
                        pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                        if len(pts) < 2:
                            continue
                        line = shapely.LineString(pts).wkb
                    wkb.append(line)
                    ids.append(obj.id)
                    tg = obj.tags
                    tags.append([tg.get(t) for t in TAGS])
                    if len(ids) % 10_000 == 0:
                        advance(10_000)
                elif isinstance(obj, osmium.osm.Node) and obj.tags.get("railway") in STATION_VALUES:
                    tg = obj.tags
                    stations.append(
                        {
                            "id": f"osm:n{obj.id}",
                            "name": tg.get("name:en") or tg.get("name") or f"station {obj.id}",
                            "kind": "station",
                            "lon": obj.location.lon,
                            "lat": obj.location.lat,
                        }
                    )
    except RuntimeError as exc:  # libosmium: corrupt or truncated file
        msg = f"cannot read {path} as OSM data ({exc}); check that the file is complete (re-download it)"
        raise InputError(msg) from exc
    geoms = shapely.from_wkb(wkb) if wkb else np.array([], dtype=object)
    station_frame = pd.DataFrame(stations, columns=["id", "name", "kind", "lon", "lat"])
    return _ways_frame(ids, tags, geoms), station_frame


@contextlib.contextmanager
def osmnx_tags(extra_node_tags: Collection[str] = ("name",)) -> Iterator[Any]:
    """Make osmnx keep :data:`TAGS` on ways; restore its global settings afterwards, even on error.

    Parameters
    ----------
    extra_node_tags
        Node tags to keep as well.

    Yields
    ------
    module
        ``osmnx``.
    """
    import osmnx as ox

    saved_way, saved_node = ox.settings.useful_tags_way, ox.settings.useful_tags_node
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved_way, *TAGS]))
    ox.settings.useful_tags_node = list(dict.fromkeys([*saved_node, *extra_node_tags]))
    try:
        yield ox
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = saved_way, saved_node


@contextlib.contextmanager
def _plain_xml(path: Path) -> Iterator[Path]:
    """Osmnx reads plain or .bz2 XML only: gunzip a .gz to a temporary file."""
    if path.name.lower().endswith(".pbf"):
        msg = f"engine='osmnx' cannot read PBF ({path}); use engine='pyosmium'"
        raise InputError(msg)
    if not path.name.lower().endswith(".gz"):
        yield path
        return
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.name[:-3]
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        yield plain


def _read_osmnx(path: Path, keep: WayFilter) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    with osmnx_tags(), _plain_xml(path) as xml:
        import osmnx as ox

        G = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    return ways_from_osmnx(G, keep)


def ways_from_osmnx(G: nx.MultiDiGraph, keep: WayFilter) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Filter an unsimplified osmnx graph, simplify it like the fast engine, return its edges as ways.

    Parameters
    ----------
    G
        An osmnx graph made with ``simplify=False`` and the :data:`TAGS` kept (:func:`osmnx_tags`).
    keep
        Which ways to keep.

    Returns
    -------
    tuple
        The ways (GeoDataFrame, one row per simplified edge) and the station nodes (DataFrame).
    """
    import osmnx as ox
    import shapely

    edges = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)]
    frame = pd.DataFrame([d for *_, d in edges], columns=list(TAGS)).dropna(axis=1, how="all")
    mask = keep_ways(frame, keep)
    H = G.edge_subgraph([(u, v, k) for (u, v, k, _), m in zip(edges, mask, strict=True) if m]).copy()
    stations = []
    for n, d in H.nodes(data=True):
        if d.get("railway") in STATION_VALUES:
            d["_station"] = True
            stations.append(
                {
                    "id": f"osm:n{n}",
                    "name": d.get("name") or f"station {n}",
                    "kind": "station",
                    "lon": d["x"],
                    "lat": d["y"],
                }
            )
    differ = [t for t in TAGS if t in frame.columns]
    if H.number_of_edges():
        H = ox.simplify_graph(H, edge_attrs_differ=differ, node_attrs_include=["_station"])
    rows, geoms = [], []
    seen: set[tuple[int, int, str]] = set()
    for u, v, d in H.edges(data=True):
        geom = d.get("geometry") or shapely.LineString(
            [(H.nodes[u]["x"], H.nodes[u]["y"]), (H.nodes[v]["x"], H.nodes[v]["y"])]
        )
        ident = (min(u, v), max(u, v), shapely.normalize(geom).wkb_hex)
        if ident in seen:  # the other direction of a two-way edge
            continue
        seen.add(ident)
        osmid = d.get("osmid")
        row = {t: _first(d.get(t)) for t in differ}
        row["osm_id"] = ";".join(map(str, osmid)) if isinstance(osmid, list) else osmid
        rows.append(row)
        geoms.append(geom)
    import geopandas as gpd

    ways = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["osm_id", *differ]), geometry=geoms, crs="EPSG:4326")
    return ways, pd.DataFrame(stations, columns=["id", "name", "kind", "lon", "lat"])


def _first(value: Any) -> Any:
    """Osmnx turns attributes that differ along a simplified edge into lists; we never merge those."""
    return value[0] if isinstance(value, list) else value

"""OpenStreetMap ingestion: rail and road ways from OSM files (or Overpass) into a network.

Two engines read a local file into one row per OSM way:

``"pyosmium"`` (default)
    libosmium through PyPI ``osmium``: reads ``.osm``, ``.osm.gz``,
    ``.osm.bz2`` and ``.osm.pbf`` (Geofabrik's format), keeps only the ways
    that pass the filter, with their node locations. The whole load (read,
    merge, build) is ~5× faster than osmnx's ``graph_from_xml`` +
    ``simplify_graph`` on the 13,684-way Turkmenistan + Azerbaijan extract,
    with 2.5× less peak memory (``benchmarks/bench_osm.py``).
``"osmnx"``
    ``osmnx.graph_from_xml`` (XML only) with the tags in :data:`TAGS` kept,
    filtered and simplified by osmnx; kept for fidelity comparisons.

Either way the ways then go through :func:`silkroute.lines.network_from_lines`:
ways with identical tags are merged end to end where exactly two meet
(simplification), never across a station, a change of gauge or a change of
name; the merged lines are noded at shared OSM nodes by
:func:`silkroute.build.graph_from_lines`. The result has the builder's schema
(integer node ids; ``x``/``y``/``key``/``layer``/``mode`` on nodes; ``length``,
``geometry``, ``kind``, ``mode``, ``gauge``, ``speed_class``, ``osm_id`` and
the OSM tags on edges), so routing, maps and export work on it.

Gauge: the OSM ``gauge`` tag is parsed to millimetres. A dual-gauge track
(``gauge=1435;1520``) is usable by trains of both gauges, so its way is put in
both layers (``rail1435`` and ``rail1520``); ``gauge_osm`` keeps the tag and
``dual_gauge`` flags it.

Downloading from Overpass (:func:`download`) only happens with ``online=True``.
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

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import shapely

__all__ = [
    "DEFAULT_HIGHWAY",
    "DEFAULT_RAILWAY",
    "OSM_SUFFIXES",
    "TAGS",
    "download",
    "graph_from_osm",
    "is_osm_file",
    "keep_ways",
    "read_osm",
]

log = logging.getLogger(__name__)

#: Way tags kept on the edges (osmnx drops them unless told otherwise).
TAGS = ("railway", "gauge", "electrified", "maxspeed", "usage", "service", "name", "highway", "ref")
#: ``railway=*`` values kept by default for ``mode="rail"``.
DEFAULT_RAILWAY = ("rail",)
#: ``highway=*`` values kept by default for ``mode="road"``: the roads trucks use between cities.
DEFAULT_HIGHWAY = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")
#: ``service=*`` values dropped unless asked for (tracks that are not through lines).
SERVICE_TRACKS = ("yard", "siding", "spur", "crossover")
#: File name endings read as OSM data.
OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
ENGINES = ("pyosmium", "osmnx")
#: Node ``railway=*`` values that are stations (never merged across; they become place nodes).
STATION_VALUES = ("station", "halt")


def is_osm_file(path: str | os.PathLike[str]) -> bool:
    """Tell whether a file name ends like an OSM file (``.osm``, ``.osm.gz``, ``.osm.pbf``, …)."""
    name = Path(path).name.lower()
    return name.endswith(OSM_SUFFIXES)


def keep_ways(
    tags: pd.DataFrame,
    *,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
) -> np.ndarray:
    """Return the boolean mask of ways (rows of tag columns) that pass the filter.

    Parameters
    ----------
    tags
        One row per way; columns ``railway``, ``highway``, ``service`` where present.
    mode
        ``"rail"`` keeps ``railway`` in ``railway``; ``"road"`` keeps ``highway`` in ``highway``.
    railway, highway
        Values to keep (defaults :data:`DEFAULT_RAILWAY`, :data:`DEFAULT_HIGHWAY`).
    service
        ``service=*`` values of :data:`SERVICE_TRACKS` to keep as well (yard,
        siding, spur and crossover tracks are dropped by default).

    Returns
    -------
    numpy.ndarray
        ``True`` for the ways to keep.
    """
    if mode not in ("rail", "road"):
        msg = f"mode must be 'rail' or 'road', got {mode!r}"
        raise ValueError(msg)
    column, values = (
        ("railway", railway or DEFAULT_RAILWAY) if mode == "rail" else ("highway", highway or DEFAULT_HIGHWAY)
    )
    if column not in tags.columns:
        return np.zeros(len(tags), dtype=bool)
    keep = tags[column].isin(list(values)).to_numpy().copy()
    if "service" in tags.columns:
        dropped = [s for s in SERVICE_TRACKS if s not in set(service)]
        keep &= ~tags["service"].isin(dropped).to_numpy()
    return np.asarray(keep, dtype=bool)


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
        raise ValueError(msg)
    return path


def read_osm(
    path: str | os.PathLike[str],
    *,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
    engine: str = "pyosmium",
) -> gpd.GeoDataFrame:
    """Read the rail or road ways of an OSM file, one row per way.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.
    mode, railway, highway, service
        Which ways to keep, see :func:`keep_ways`.
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
    path = _check_path(path)
    if engine == "pyosmium":
        ways, stations = _read_pyosmium(path)
    elif engine == "osmnx":
        ways, stations = _read_osmnx(path, mode=mode, railway=railway, highway=highway, service=service)
    else:
        msg = f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}"
        raise ValueError(msg)
    gdf = ways[keep_ways(ways, mode=mode, railway=railway, highway=highway, service=service)].reset_index(drop=True)
    gdf["mode"] = mode
    gdf = gdf[["osm_id", "mode", *[t for t in TAGS if t in gdf.columns], "geometry"]]
    gdf.attrs["stations"] = _stations_on(stations, gdf)
    log.info("read %d %s ways (of %d) and %d stations from %s", len(gdf), mode, len(ways), len(stations), path)
    return gdf


def _ways_frame(osm_ids: list[Any], tags: list[dict[str, str]], geoms: Any) -> gpd.GeoDataFrame:
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


def _read_pyosmium(path: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    import osmium
    import shapely

    ids: list[int] = []
    tags: list[dict[str, str]] = []
    coords: list[tuple[float, float]] = []
    owner: list[int] = []
    stations: list[dict[str, Any]] = []
    wanted = set(TAGS)
    processor = (
        osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("railway", "highway"))
    )
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Way):
                pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if len(pts) < 2:
                    continue
                owner.extend([len(ids)] * len(pts))
                coords.extend(pts)
                ids.append(obj.id)
                tags.append({t.k: t.v for t in obj.tags if t.k in wanted})
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
        msg = f"cannot read {path} as OSM data: {exc}"
        raise ValueError(msg) from exc
    geoms = shapely.linestrings(np.asarray(coords, dtype=float).reshape(-1, 2), indices=np.asarray(owner, dtype=int))
    station_frame = pd.DataFrame(stations, columns=["id", "name", "kind", "lon", "lat"])
    return _ways_frame(ids, tags, geoms), station_frame


@contextlib.contextmanager
def _osmnx_tags(extra_node_tags: Collection[str] = ("name",)) -> Iterator[Any]:
    """Make osmnx keep :data:`TAGS` on ways; restore its global settings afterwards, even on error."""
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
        raise ValueError(msg)
    if not path.name.lower().endswith(".gz"):
        yield path
        return
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.name[:-3]
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        yield plain


def _read_osmnx(
    path: Path,
    *,
    mode: str,
    railway: Collection[str] | None,
    highway: Collection[str] | None,
    service: Collection[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    with _osmnx_tags(), _plain_xml(path) as xml:
        import osmnx as ox

        G = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    return _ways_from_osmnx(G, mode=mode, railway=railway, highway=highway, service=service)


def _ways_from_osmnx(
    G: nx.MultiDiGraph,
    *,
    mode: str,
    railway: Collection[str] | None,
    highway: Collection[str] | None,
    service: Collection[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Filter an unsimplified osmnx graph, simplify it like the fast engine, return its edges as ways."""
    import osmnx as ox
    import shapely

    edges = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)]
    frame = pd.DataFrame([d for *_, d in edges], columns=list(TAGS)).dropna(axis=1, how="all")
    mask = keep_ways(frame, mode=mode, railway=railway, highway=highway, service=service)
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


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
    engine: str = "pyosmium",
    places: pd.DataFrame | None = None,
    speed_class: str | None = None,
    countries: gpd.GeoDataFrame | None = None,
    gauge_by_country: bool = False,
    snap_m: float = 0.0,
) -> nx.MultiDiGraph:
    """Load an OSM file into a routable network.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.
    mode, railway, highway, service
        Which ways to keep (default: ``railway=rail`` through lines), see :func:`keep_ways`.
    engine
        ``"pyosmium"`` or ``"osmnx"``, see :func:`read_osm`.
    places
        Optional places (``id``, ``lon``, ``lat``, …) to attach as named nodes;
        the OSM station nodes on the kept ways are attached too.
    speed_class
        Speed class of every edge for :mod:`silkroute.timing`; by default
        chosen from the country when ``countries`` is given, else ``"rail_ca"``
        (``"road_trunk"`` for roads). See :func:`silkroute.lines.network_from_lines`.
    countries, gauge_by_country
        Country polygons, to set ``country`` (and ``gauge`` where the data has
        none, with ``gauge_by_country``) on each line.
    snap_m
        Close gaps up to this many metres between dangling way ends and other
        ways (OSM ways are joined by shared nodes, so 0 by default).

    Returns
    -------
    networkx.MultiDiGraph
        The builder's schema, see :mod:`silkroute.build`.
    """
    from silkroute import lines as _lines

    ways = read_osm(path, mode=mode, railway=railway, highway=highway, service=service, engine=engine)
    return _lines.network_from_lines(
        ways,
        places,
        mode=mode,
        speed_class=speed_class,
        countries=countries,
        gauge_by_country=gauge_by_country,
        snap_m=snap_m,
        join_t_junctions=False,  # OSM topology is explicit: ways meet at shared nodes
        name=f"OSM {mode} network of {Path(path).name}",
    )


def _overpass_filter(mode: str, railway: Collection[str] | None, highway: Collection[str] | None) -> str:
    key, values = ("railway", railway or DEFAULT_RAILWAY) if mode == "rail" else ("highway", highway or DEFAULT_HIGHWAY)
    return f'["{key}"~"^({"|".join(values)})$"]'


def download(
    query: str | shapely.Polygon | shapely.MultiPolygon,
    *,
    online: bool = False,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
    places: pd.DataFrame | None = None,
    speed_class: str | None = None,
) -> nx.MultiDiGraph:
    """Download rail or road ways from Overpass through osmnx and build a network.

    Never runs unless ``online=True``: silkroute works offline by default.

    Parameters
    ----------
    query
        A place name geocoded by Nominatim (``"Turkmenistan"``) or a polygon in EPSG:4326.
    online
        Must be ``True`` to allow network access.
    mode, railway, highway, service, places, speed_class
        As in :func:`graph_from_osm`.

    Returns
    -------
    networkx.MultiDiGraph
        The builder's schema, see :mod:`silkroute.build`.

    Raises
    ------
    PermissionError
        If ``online`` is not ``True``.
    """
    if online is not True:
        msg = (
            "downloading from Overpass needs network access: pass online=True (CLI: --online), "
            "or download an extract (e.g. https://download.geofabrik.de) and use graph_from_osm"
        )
        raise PermissionError(msg)
    from silkroute import lines as _lines

    custom_filter = _overpass_filter(mode, railway, highway)
    with _osmnx_tags() as ox:
        options = {"custom_filter": custom_filter, "simplify": False, "retain_all": True}
        G = ox.graph_from_place(query, **options) if isinstance(query, str) else ox.graph_from_polygon(query, **options)
    ways, stations = _ways_from_osmnx(G, mode=mode, railway=railway, highway=highway, service=service)
    ways["mode"] = mode
    ways.attrs["stations"] = stations
    return _lines.network_from_lines(
        ways, places, mode=mode, speed_class=speed_class, snap_m=0.0, name=f"OSM {mode} network of {query}"
    )

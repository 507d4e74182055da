"""Any GIS line file → routable network, with gauge and speed class inferred from the country.

:func:`build_from_file` reads GeoPackage, GeoJSON (also ``.geojson.gz``),
Shapefile, GeoParquet or OSM (``.osm``, ``.osm.gz``, ``.osm.pbf``) and returns
a network with the schema of :mod:`silkroute.build`. The steps, each usable on
its own:

1. :func:`read_lines` reads the file and keeps the rail (or road) lines: a
   ``railway``/``highway`` column, or Geofabrik's ``fclass``, is filtered like
   OSM tags (:func:`silkroute.osm.keep_ways`); a file without one is kept whole.
2. :func:`network_from_lines` merges lines with identical attributes end to end
   where exactly two meet (so a file of short OSM ways gives a network with
   nodes at junctions, stations and attribute changes only), parses ``gauge``
   (``"1520"``, ``1435.0``, ``"1435;1520"``), sets ``country`` from country
   polygons, fills a missing gauge from the country when asked
   (:data:`GAUGE_BY_COUNTRY`), picks a ``speed_class`` for the time model and
   hands the lines to :func:`silkroute.build.graph_from_lines`.

Country membership needs polygons, e.g. Natural Earth admin-0 countries: pass
them as ``countries`` (a GeoDataFrame or a file). Without them the gauge of
lines that have none stays unknown (layer ``rail``, which never joins the
``rail1435``/``rail1520`` layers) and every edge gets the default speed class.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from silkroute import osm as _osm
from silkroute.build import graph_from_lines

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = [
    "DEFAULT_SPEED_CLASS",
    "GAUGE_BY_COUNTRY",
    "SPEED_CLASS_BY_COUNTRY",
    "SUFFIXES",
    "assign_countries",
    "build_from_file",
    "network_from_lines",
    "read_lines",
    "read_places",
    "summary",
]

log = logging.getLogger(__name__)

_FORMER_USSR_AND_MONGOLIA = "RUS BLR UKR KAZ KGZ UZB TKM TJK AZE GEO ARM MDA MNG EST LVA LTU"
# Finland's 1524 mm runs 1520 mm wagons (Russian through traffic): same layer.
_STANDARD = (
    "CHN IRN TUR PAK AFG "  # AFG: the Hairatan and Khaf–Herat lines are 1520/1435; see gauge tags where present
    "AUT BEL BGR HRV CZE DNK DEU FRA GRC HUN ITA LUX NLD POL ROU SVK SVN SWE "  # EU members on 1435 mm
    "CHE NOR GBR SRB BIH MNE MKD ALB KOS"
)
#: Track gauge (mm) of a country's main network, by ISO 3166 alpha-3 (Natural Earth ``ADM0_A3``).
GAUGE_BY_COUNTRY: dict[str, int] = {
    **dict.fromkeys(_FORMER_USSR_AND_MONGOLIA.split(), 1520),
    "FIN": 1520,
    **dict.fromkeys(_STANDARD.split(), 1435),
    "ESP": 1668,
    "PRT": 1668,
}
GAUGE_BY_COUNTRY.pop("AFG")  # mixed: never guess
#: Speed class (``speeds.csv`` of the catalog) of a country's rail lines.
SPEED_CLASS_BY_COUNTRY: dict[str, str] = {
    "CHN": "rail_cn_main",
    "KAZ": "rail_kz_main",
    **dict.fromkeys(("UZB", "KGZ", "TKM", "TJK"), "rail_ca"),
    **dict.fromkeys(("AZE", "GEO", "ARM"), "rail_caucasus"),
    "IRN": "rail_ir",
    "TUR": "rail_tr",
    "RUS": "rail_ru_main",
    "BLR": "rail_by",
    **{
        c: "rail_eu" for c, g in GAUGE_BY_COUNTRY.items() if g in (1435, 1668) and c not in ("CHN", "IRN", "TUR", "PAK")
    },
    **dict.fromkeys(("EST", "LVA", "LTU"), "rail_eu"),
}
#: Speed class of lines in no known country, by mode: the Central Asian 1520 mm class for rail
#: (the slowest non-mountain class of the catalog, a conservative choice), 2-lane trunk roads.
DEFAULT_SPEED_CLASS = {"rail": "rail_ca", "road": "road_trunk"}
#: File endings :func:`read_lines` reads (plus the OSM ones of :data:`silkroute.osm.OSM_SUFFIXES`).
SUFFIXES = (
    ".gpkg",
    ".geojson",
    ".json",
    ".geojson.gz",
    ".json.gz",
    ".shp",
    ".shp.zip",
    ".zip",
    ".parquet",
    ".geoparquet",
)
_ID_COLUMNS = ("osm_id", "id", "fid")
_ISO3_COLUMNS = ("adm0_a3", "ADM0_A3", "iso_a3", "ISO_A3", "iso3", "ISO3", "country")


def _missing(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(f"{what} not found: {path} (check the path; relative paths start at {Path.cwd()})")


def read_lines(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
) -> gpd.GeoDataFrame:
    """Read the rail or road lines of a GIS file.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON (``.geojson.gz`` too), Shapefile, GeoParquet or OSM file.
    layer
        Layer of a multi-layer file; default: the first layer of lines.
    mode, railway, highway, service
        Which lines to keep where the file classifies them (a ``railway`` or
        ``highway`` column, or Geofabrik's ``fclass``), see :func:`silkroute.osm.keep_ways`.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept lines, EPSG:4326, with a ``mode`` column.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the format is not supported or the file has no line layer.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.is_file():
        raise _missing(path, "line file")
    if _osm.is_osm_file(path):
        return _osm.read_osm(path, mode=mode, railway=railway, highway=highway, service=service)
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        msg = (
            f"unsupported line file {path}: use GeoPackage (.gpkg), GeoJSON (.geojson, .geojson.gz), "
            f"Shapefile (.shp), GeoParquet (.parquet) or OSM ({', '.join(_osm.OSM_SUFFIXES)}); "
            f"convert other formats with `ogr2ogr out.gpkg {path.name}`"
        )
        raise ValueError(msg)
    if name.endswith((".parquet", ".geoparquet")):
        gdf = gpd.read_parquet(path)
    else:
        source = f"/vsigzip/{path}" if name.endswith(".gz") else str(path)
        gdf = gpd.read_file(source, layer=layer or _line_layer(source, path), engine="pyogrio")
    if gdf.crs is None:
        warnings.warn(f"{path} has no CRS; assuming EPSG:4326 (lon, lat)", UserWarning, stacklevel=2)
        gdf = gdf.set_crs("EPSG:4326")
    gdf = gdf.to_crs("EPSG:4326")
    column = "railway" if mode == "rail" else "highway"
    if column not in gdf.columns and "fclass" in gdf.columns:  # Geofabrik shapefile / GeoPackage schema
        gdf[column] = gdf["fclass"]
    if column in gdf.columns:
        keep = _osm.keep_ways(gdf, mode=mode, railway=railway, highway=highway, service=service)
        log.info("%s: kept %d of %d lines by %s", path, int(keep.sum()), len(gdf), column)
        gdf = gdf[keep].reset_index(drop=True)
    if "mode" not in gdf.columns:
        gdf["mode"] = mode
    return gdf


def _line_layer(source: str, path: Path) -> str | None:
    """The first layer of (multi)lines of a data source."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(source)
    except pyogrio.errors.DataSourceError as exc:
        msg = f"cannot read {path} as a GIS file: {exc}"
        raise ValueError(msg) from None
    lines = [str(n) for n, g in layers if "LineString" in str(g)] or [
        str(n) for n, g in layers if str(g) in ("Unknown", "None")
    ]
    if not lines:
        found = ", ".join(f"{n} ({g})" for n, g in layers)
        msg = f"{path} has no layer of lines (found: {found}); pass the layer name (--layer)"
        raise ValueError(msg)
    if len(layers) > 1:
        log.info("%s: reading layer %r of %d", path, lines[0], len(layers))
    return lines[0]


def read_places(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read places to attach to a network: a CSV with ``id``, ``lon``, ``lat`` or a file of points.

    A point file needs an ``id`` column (or ``osm_id``); ``name``, ``country``
    and ``kind`` are kept where present. The catalog's ``places.csv`` works as is.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.is_file():
        raise _missing(path, "places file")
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype={"id": str}, keep_default_na=False)
    else:
        name = path.name.lower()
        gdf = gpd.read_file(f"/vsigzip/{path}" if name.endswith(".gz") else path).to_crs("EPSG:4326")
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        frame["lon"], frame["lat"] = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
        if "id" not in frame.columns and "osm_id" in frame.columns:
            frame["id"] = frame["osm_id"].astype(str)
    missing = [c for c in ("id", "lon", "lat") if c not in frame.columns]
    if missing:
        msg = (
            f"{path}: places need columns id, lon, lat (missing {', '.join(missing)}); "
            "the catalog's places.csv is an example"
        )
        raise ValueError(msg)
    return frame


def _countries(countries: gpd.GeoDataFrame | str | os.PathLike[str]) -> tuple[gpd.GeoDataFrame, str]:
    import geopandas as gpd

    if not isinstance(countries, gpd.GeoDataFrame):
        path = Path(countries)
        if not path.is_file():
            raise _missing(path, "countries file")
        source = f"/vsigzip/{path}" if path.name.lower().endswith(".gz") else str(path)
        countries = gpd.read_file(source)
    column = next((c for c in _ISO3_COLUMNS if c in countries.columns), None)
    if column is None:
        found = ", ".join(map(str, countries.columns))
        msg = f"countries need an ISO3 column (one of {', '.join(_ISO3_COLUMNS)}); found {found}"
        raise ValueError(msg)
    return countries.to_crs("EPSG:4326"), column


def assign_countries(
    geoms: gpd.GeoSeries | gpd.GeoDataFrame, countries: gpd.GeoDataFrame | str | os.PathLike[str]
) -> pd.Series:
    """Return the ISO3 country of each line (at its midpoint) or point.

    Parameters
    ----------
    geoms
        Lines or points in EPSG:4326 (a GeoDataFrame's geometry is used).
    countries
        Country polygons with an ISO3 column (``ADM0_A3``, ``ISO_A3``, ``iso3``
        or ``country``), or a file of them. A point within 20 km of a country
        but in none (coasts of generalised polygons) gets the nearest one.

    Returns
    -------
    pandas.Series
        ISO3 codes (``None`` outside every polygon), indexed like ``geoms``.
    """
    import geopandas as gpd
    import shapely

    polygons, column = _countries(countries)
    series = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
    arr = np.asarray(series.values)
    is_line = np.isin(shapely.get_type_id(arr), (1, 5))
    points = np.where(is_line, shapely.line_interpolate_point(arr, 0.5, normalized=True), arr)
    tree = shapely.STRtree(polygons.geometry.values)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    codes = polygons[column].astype(str).str.upper().to_numpy()
    out = np.full(len(arr), None, dtype=object)
    out[pt_idx] = codes[poly_idx]
    lost = np.flatnonzero(pd.isna(out) & ~shapely.is_missing(points))
    if len(lost):
        near_pt, near_poly = tree.query_nearest(points[lost], max_distance=0.2, all_matches=False)
        out[lost[near_pt]] = codes[near_poly]
    out[np.isin(out, ("-99", "NONE", "NAN"))] = None
    return pd.Series(out, index=series.index, name="country")


def _parse_gauge(value: Any) -> tuple[int, ...]:
    """Gauges in mm of a tag or number: ``"1520"`` → (1520,), ``"1435;1520"`` → (1435, 1520)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, int | float | np.integer | np.floating):
        return (int(value),) if value > 0 else ()
    out = []
    for item in str(value).replace(",", ";").split(";"):
        text = item.strip().lower()
        if text.isdigit():
            out.append(int(text))
        elif text == "standard":
            out.append(1435)
    return tuple(dict.fromkeys(out))


def _merge_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge lines with identical attributes where exactly two of them meet end to end.

    Lines of different attributes (gauge, name, …) are never merged; a vertex
    that a merged line shares with any other line still becomes a node in the
    builder, so merging never hides a junction.
    """
    import geopandas as gpd
    import shapely

    keys = [c for c in gdf.columns if c != gdf.geometry.name and c not in _ID_COLUMNS]
    ids = next((c for c in _ID_COLUMNS if c in gdf.columns), None)
    if len(gdf) < 2:
        return gdf
    frame = gdf.assign(_g=0) if not keys else gdf
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for values, group in frame.groupby(keys or ["_g"], dropna=False, sort=False):
        parts = np.asarray(group.geometry.values)
        merged = (
            shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.get_parts(parts))))
            if len(group) > 1
            else parts
        )
        base = dict(zip(keys, values if isinstance(values, tuple) else (values,), strict=False)) if keys else {}
        if ids is not None and len(group) > 1:
            probe = shapely.line_interpolate_point(parts, 0.5, normalized=True)  # on the way, inside its merged line
            hit, part = shapely.STRtree(merged).query(probe, predicate="dwithin", distance=1e-9)
            first = np.unique(hit, return_index=True)[1]
            owner = np.full(len(parts), -1)
            owner[hit[first]] = part[first]
            order = np.argsort(owner, kind="stable")
            names = group[ids].astype(str).to_numpy()[order]
            bounds = np.searchsorted(owner[order], np.arange(len(merged) + 1))
            rows.extend({**base, ids: ";".join(names[bounds[k] : bounds[k + 1]])} for k in range(len(merged)))
        elif ids is not None:
            rows.append({**base, ids: str(group[ids].iloc[0])})
        else:
            rows.extend([base] * len(merged))
        geoms.extend(merged)
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=[c for c in gdf.columns if c != gdf.geometry.name]), geometry=geoms, crs=gdf.crs
    )
    out.attrs = dict(gdf.attrs)
    log.info("merged %d lines into %d", len(gdf), len(out))
    return out


def _with_gauges(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Parse ``gauge`` to int mm; a multi-gauge line becomes one row per gauge (``dual_gauge``)."""
    if "gauge" not in gdf.columns:
        gdf["gauge"] = None
        return gdf
    raw = gdf["gauge"]
    parsed = raw.map(_parse_gauge)
    if raw.map(lambda v: isinstance(v, str)).any():
        gdf["gauge_osm"] = raw.where(raw.notna(), None)
    gdf["dual_gauge"] = parsed.map(len) > 1
    gdf["gauge"] = parsed.map(lambda g: list(g) if g else [None])
    out = gdf.explode("gauge", ignore_index=True)
    out["gauge"] = out["gauge"].astype(object).where(out["gauge"].notna(), None)
    return out


def network_from_lines(
    lines: gpd.GeoDataFrame,
    places: pd.DataFrame | None = None,
    *,
    mode: str = "rail",
    merge: bool = True,
    countries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    gauge_by_country: bool = False,
    speed_class: str | None = None,
    snap_m: float = 50.0,
    attach_m: float = 2000.0,
    join_t_junctions: bool = True,
    name: str = "silkroute network",
) -> nx.MultiDiGraph:
    """Build a routable network from lines, with gauge, country and speed class.

    Parameters
    ----------
    lines
        LineStrings with any attribute columns (``gauge`` in mm or as an OSM
        tag; ``osm_id``/``id`` are joined with ";" when lines merge).
        ``lines.attrs["stations"]`` (set by :func:`silkroute.osm.read_osm`)
        are attached as places.
    places
        Places (``id``, ``lon``, ``lat``; optional ``name``, ``country``, ``kind``)
        to attach as named nodes within ``attach_m`` of a line.
    mode
        ``"rail"`` or ``"road"``, for lines without a ``mode``.
    merge
        Merge lines of identical attributes end to end first (simplification).
    countries
        Country polygons (GeoDataFrame or file) to set ``country`` on lines.
    gauge_by_country
        Fill a missing gauge from :data:`GAUGE_BY_COUNTRY` (needs ``countries``;
        without them a warning says the gauge stays unknown).
    speed_class
        Speed class of every edge. Default: :data:`SPEED_CLASS_BY_COUNTRY` of
        the line's country, else :data:`DEFAULT_SPEED_CLASS` (``rail_ca``:
        existing Central Asian 1520 mm lines, 29 km/h mode). The classes are
        those of the catalog's ``speeds.csv``; routing by time needs it.
    snap_m, attach_m
        As in :func:`silkroute.build.graph_from_lines`.
    name
        ``graph["name"]``.
    join_t_junctions
        Join a line end lying on another line without a shared vertex (off for OSM).

    Returns
    -------
    networkx.MultiDiGraph
        The schema of :mod:`silkroute.build`; ``graph["ingest"]`` counts what
        was read, merged and inferred (see :func:`summary`).
    """
    if mode not in ("rail", "road"):
        msg = f"mode must be 'rail' or 'road', got {mode!r}"
        raise ValueError(msg)
    gdf = lines.to_crs("EPSG:4326") if lines.crs is not None else lines.set_crs("EPSG:4326")
    gdf = gdf.copy()
    gdf.attrs = dict(lines.attrs)
    if "mode" not in gdf.columns:
        gdf["mode"] = mode
    ingest: dict[str, Any] = {"lines_read": len(gdf)}
    if merge:
        gdf = _merge_lines(gdf)
    ingest["lines_merged"] = len(gdf)
    gdf = _with_gauges(gdf)
    ingest["dual_gauge_lines"] = int(gdf.loc[gdf["dual_gauge"], "gauge"].count() // 2) if "dual_gauge" in gdf else 0
    has_gauge = gdf["gauge"].notna()
    ingest["gauge_from_data"] = int(has_gauge.sum())
    stations = gdf.attrs.get("stations")
    all_places = [p for p in (places, stations) if p is not None and len(p)]
    place_table = pd.concat(all_places, ignore_index=True) if all_places else None
    if countries is not None:
        gdf["country"] = assign_countries(gdf, countries).to_numpy()
        if place_table is not None and "country" not in place_table.columns:
            place_table["country"] = assign_countries(_points(place_table), countries).to_numpy()
    if gauge_by_country and (gdf["mode"] == "rail").any():
        if countries is None:
            warnings.warn(
                "gauge_by_country needs country polygons (countries=..., CLI --countries FILE): "
                "the gauge of lines without one stays unknown",
                UserWarning,
                stacklevel=2,
            )
        else:
            fill = ~has_gauge & (gdf["mode"] == "rail")
            gdf.loc[fill, "gauge"] = gdf.loc[fill, "country"].map(GAUGE_BY_COUNTRY)
            gdf["gauge"] = gdf["gauge"].astype(object).where(gdf["gauge"].notna(), None)
            gdf["gauge_source"] = np.where(has_gauge, "data", np.where(gdf["gauge"].notna(), "country", "unknown"))
            ingest["gauge_from_country"] = int((fill & gdf["gauge"].notna()).sum())
    gdf.loc[gdf["mode"] != "rail", "gauge"] = None
    ingest["gauge_unknown"] = int(((gdf["mode"] == "rail") & gdf["gauge"].isna()).sum())
    gdf["speed_class"] = _speed_classes(gdf, speed_class)
    G = graph_from_lines(
        gdf, place_table, mode=mode, snap_m=snap_m, attach_m=attach_m, join_t_junctions=join_t_junctions, name=name
    )
    layers = {d["layer"] for _, d in G.nodes(data=True)}
    if "rail" in layers and len([layer for layer in layers if layer.startswith("rail")]) > 1:
        msg = (
            f"{ingest['gauge_unknown']} rail lines have no gauge and form layer 'rail', which never joins "
            f"the gauged layers ({', '.join(sorted(layers - {'rail', 'road'}))}); pass countries with "
            f"gauge_by_country=True (CLI --gauge-by-country --countries FILE) to fill them"
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
    G.graph["ingest"] = ingest
    return G


def _points(table: pd.DataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def _speed_classes(gdf: gpd.GeoDataFrame, speed_class: str | None) -> pd.Series:
    if speed_class is not None:
        return pd.Series(speed_class, index=gdf.index)
    default = gdf["mode"].map(DEFAULT_SPEED_CLASS).fillna(DEFAULT_SPEED_CLASS["rail"])
    if "country" not in gdf.columns:
        return default
    by_country = gdf["country"].map(SPEED_CLASS_BY_COUNTRY).where(gdf["mode"] == "rail")
    return by_country.fillna(default)


def summary(G: nx.MultiDiGraph) -> str:
    """Return the build report of a network made by :func:`build_from_file` (reading, gauges, noding)."""
    ingest = G.graph.get("ingest", {})
    head = []
    if ingest:
        head.append(f"lines in file: {ingest['lines_read']}, after merging: {ingest['lines_merged']}")
        gauge = f"gauge from data: {ingest['gauge_from_data']}"
        if "gauge_from_country" in ingest:
            gauge += f", from country: {ingest['gauge_from_country']}"
        head.append(gauge + f", unknown: {ingest['gauge_unknown']}, dual gauge: {ingest['dual_gauge_lines']}")
    head.append(f"network: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    report = G.graph.get("build_report")
    return "\n".join([*head, report.summary()] if report is not None else head)


def build_from_file(
    path: str | os.PathLike[str],
    *,
    places: pd.DataFrame | str | os.PathLike[str] | None = None,
    mode: str = "rail",
    gauge_by_country: bool = False,
    countries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    snap_m: float | None = None,
    attach_m: float = 2000.0,
    layer: str | None = None,
    speed_class: str | None = None,
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
) -> nx.MultiDiGraph:
    """Read a GIS line file (or OSM file) and return a routable network.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON (``.geojson.gz`` too), Shapefile, GeoParquet or OSM file.
    places
        Places to attach: a DataFrame or a file for :func:`read_places`.
    mode
        ``"rail"`` or ``"road"``.
    gauge_by_country, countries
        Fill missing gauges from the country (:data:`GAUGE_BY_COUNTRY`); see
        :func:`network_from_lines`.
    snap_m
        Dangling ends within this many metres of another line are joined to
        it. Default 0 for OSM files (their ways share nodes) and 50 for others.
    attach_m
        How far a place may lie from a line and still attach to it (m); the
        build report lists the places left unattached with their distance.
    layer
        Layer of a multi-layer file.
    speed_class
        Speed class of every edge; see :func:`network_from_lines`.
    railway, highway, service
        Which lines to keep, see :func:`silkroute.osm.keep_ways`.

    Returns
    -------
    networkx.MultiDiGraph
        The schema of :mod:`silkroute.build`; print :func:`summary` for the report.

    Examples
    --------
    >>> from silkroute import io, lines  # doctest: +SKIP
    >>> G = lines.build_from_file(
    ...     "uzbekistan.gpkg", countries="countries.geojson.gz", gauge_by_country=True
    ... )  # doctest: +SKIP
    >>> io.save_network(G, "uz.gpkg")  # doctest: +SKIP
    """
    gdf = read_lines(path, layer=layer, mode=mode, railway=railway, highway=highway, service=service)
    table = read_places(places) if isinstance(places, str | os.PathLike) else places
    if snap_m is None:
        snap_m = 0.0 if _osm.is_osm_file(path) else 50.0
    return network_from_lines(
        gdf,
        table,
        mode=mode,
        countries=countries,
        gauge_by_country=gauge_by_country,
        speed_class=speed_class,
        snap_m=snap_m,
        attach_m=attach_m,
        name=f"{mode} network of {Path(path).name}",
    )

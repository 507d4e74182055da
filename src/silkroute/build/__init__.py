"""Line geometry → routable network.

:func:`from_file` reads any GIS line file or OSM extract (through
:mod:`silkroute.ingest`), :func:`from_lines` builds from a GeoDataFrame and
:func:`from_overpass` downloads first (only with ``online=True``). All three
take one :class:`BuildOptions` (which lines to keep, snapping, place
attachment, gauges and countries) and return a ``networkx.MultiDiGraph`` with
osmnx conventions (see :mod:`silkroute.build.graph` for the noding rules and
:mod:`silkroute.build.attributes` for countries, gauges and speed classes).
With ``catalog=`` the catalog's places are attached and its crossings, breaks
of gauge, ferries, terminals, countries and speed classes are stitched on
(:func:`stitch_catalog`, :mod:`silkroute.build.stitch`), so the network routes
with the same time components as the catalog's own.

Examples
--------
>>> from silkroute import build, catalog, io  # doctest: +SKIP
>>> G = build.from_file("uzbekistan.gpkg", build.BuildOptions(countries="countries.geojson.gz", gauge_by_country=True))  # doctest: +SKIP
>>> E = build.from_file("eurasia.geojson.gz", build.BuildOptions(attach_m=10_000, length_km="osm_km"), catalog=catalog.load())  # doctest: +SKIP
>>> io.save_network(E, "eurasia.gpkg")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from silkroute._errors import InputError
from silkroute.build.attributes import (
    DEFAULT_SPEED_CLASS,
    GAUGE_BY_COUNTRY,
    SPEED_CLASS_BY_COUNTRY,
    assign_countries,
    merge_lines,
    speed_classes,
    with_gauges,
)
from silkroute.build.graph import (
    GEOD,
    BuildReport,
    NodeIndex,
    geodesic_lengths,
    graph_from_lines,
    node_index,
    node_key,
    recount_components,
)
from silkroute.build.stitch import StitchReport, catalog_places, stitch_catalog
from silkroute.ingest import WayFilter, download_ways, is_osm_file, read_lines, read_places
from silkroute.schema import layer_name

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import shapely

    from silkroute.catalog import Catalog

__all__ = [
    "DEFAULT_SNAP_M",
    "DEFAULT_SPEED_CLASS",
    "GAUGE_BY_COUNTRY",
    "GEOD",
    "SPEED_CLASS_BY_COUNTRY",
    "BuildOptions",
    "BuildReport",
    "NodeIndex",
    "StitchReport",
    "catalog_places",
    "from_file",
    "from_lines",
    "from_overpass",
    "geodesic_lengths",
    "graph_from_lines",
    "layer_name",
    "node_index",
    "node_key",
    "recount_components",
    "report_dict",
    "stitch_catalog",
    "summary",
]

#: Default snapping distance (m) of dangling line ends, by source: OSM ways meet at shared nodes, so 0;
#: other line files are often digitised with small gaps, so 50 m.
DEFAULT_SNAP_M = {"osm": 0.0, "lines": 50.0}
#: Default distance (m) within which a place attaches to a line.
DEFAULT_ATTACH_M = 2000.0


@dataclass(frozen=True)
class BuildOptions:
    """How lines become a network; the same options and defaults for every source.

    Parameters
    ----------
    keep
        Which lines to keep (mode and tag filter).
    snap_m
        Join dangling line ends within this many metres of another line;
        ``None``: :data:`DEFAULT_SNAP_M` for the source (0 for OSM, 50 m otherwise).
    attach_m
        How far (m) a place may lie from a line and still attach to it; the
        build report lists the places left unattached with their distance.
    join_t_junctions
        Join a line end lying on another line without a shared vertex;
        ``None``: off for OSM (its topology is explicit), on otherwise.
    merge
        Merge lines of identical attributes end to end first (simplification).
    countries
        Country polygons (GeoDataFrame or file) to set ``country`` on lines.
    gauge_by_country
        Fill missing gauges from :data:`GAUGE_BY_COUNTRY` (needs ``countries``).
    speed_class
        One speed class for every edge; by default by country (:data:`SPEED_CLASS_BY_COUNTRY`).
    layer
        Layer of a multi-layer file.
    engine
        OSM reader, ``"pyosmium"`` or ``"osmnx"``.
    length_km
        A column with each line's measured length in km (``osm_km`` of a
        skeleton whose edges are drawn straight between junctions): the
        geodesic length of the drawn line is scaled to it, so the pieces of a
        split line share the measured length pro rata. Lines without a value keep
        their geodesic length.
    """

    keep: WayFilter = field(default_factory=WayFilter)
    snap_m: float | None = None
    attach_m: float = DEFAULT_ATTACH_M
    join_t_junctions: bool | None = None
    merge: bool = True
    countries: Any = None
    gauge_by_country: bool = False
    speed_class: str | None = None
    layer: str | None = None
    engine: str = "pyosmium"
    length_km: str | None = None

    def __post_init__(self) -> None:
        for name in ("snap_m", "attach_m"):
            value = getattr(self, name)
            if value is None and name == "snap_m":
                continue
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                msg = f"{name} must be a finite number of metres >= 0, not {value!r}"
                raise InputError(msg)
        if self.gauge_by_country and self.countries is None:
            msg = "gauge_by_country needs country polygons: pass countries=FILE (CLI --countries FILE)"
            raise InputError(msg)

    @property
    def mode(self) -> str:
        """``rail`` or ``road``."""
        return self.keep.mode

    def for_source(self, osm: bool) -> BuildOptions:
        """Return the options with the source-dependent defaults filled in.

        Parameters
        ----------
        osm
            Whether the lines come from OpenStreetMap ways.

        Returns
        -------
        BuildOptions
            ``snap_m`` and ``join_t_junctions`` set.
        """
        kind = "osm" if osm else "lines"
        return replace(
            self,
            snap_m=DEFAULT_SNAP_M[kind] if self.snap_m is None else self.snap_m,
            join_t_junctions=not osm if self.join_t_junctions is None else self.join_t_junctions,
        )


def _points(table: pd.DataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def from_lines(
    lines: gpd.GeoDataFrame,
    places: pd.DataFrame | None = None,
    options: BuildOptions | None = None,
    *,
    osm: bool = False,
    name: str = "silkroute network",
    catalog: Catalog | None = None,
) -> nx.MultiDiGraph:
    """Build a routable network from lines, with gauge, country and speed class.

    Parameters
    ----------
    lines
        LineStrings with any attribute columns (``gauge`` in mm or as an OSM
        tag; ``osm_id``/``id`` are joined with ";" when lines merge).
        ``lines.attrs["stations"]`` (set by :func:`silkroute.ingest.read_osm`)
        are attached as places.
    places
        Places (``id``, ``lon``, ``lat``; optional ``name``, ``country``, ``kind``)
        to attach as named nodes within ``options.attach_m`` of a line.
    options
        How to build; defaults of :class:`BuildOptions`.
    osm
        The lines are OpenStreetMap ways (sets the source defaults).
    name
        ``graph["name"]``.
    catalog
        Stitch this catalog on: attach its places (:func:`catalog_places`) and
        add its countries, gauges, speed classes and transfers (:func:`stitch_catalog`).

    Returns
    -------
    networkx.MultiDiGraph
        The schema of :mod:`silkroute.build.graph`; ``graph["ingest"]`` counts what
        was read, merged and inferred (see :func:`summary`).
    """
    from silkroute._progress import progress

    opts = (options or BuildOptions()).for_source(osm)
    mode = opts.mode
    with progress("Building the network", total=4 if catalog is None else 5) as advance:
        gdf = lines.to_crs("EPSG:4326") if lines.crs is not None else lines.set_crs("EPSG:4326")
        gdf = gdf.copy()
        gdf.attrs = dict(lines.attrs)
        if "mode" not in gdf.columns:
            gdf["mode"] = mode
        ingest: dict[str, Any] = {"lines_read": len(gdf)}
        if opts.length_km is not None:
            gdf = _with_length_scale(gdf, opts.length_km)
        if opts.merge:
            gdf = merge_lines(gdf)
        ingest["lines_merged"] = len(gdf)
        advance(1)
        gdf = with_gauges(gdf)
        ingest["dual_gauge_lines"] = int(gdf.loc[gdf["dual_gauge"], "gauge"].count() // 2) if "dual_gauge" in gdf else 0
        has_gauge = gdf["gauge"].notna()
        ingest["gauge_from_data"] = int(has_gauge.sum())
        stations = gdf.attrs.get("stations")
        extra = catalog_places(catalog, mode) if catalog is not None else None
        all_places = [p for p in (places, extra, stations) if p is not None and len(p)]
        place_table = pd.concat(all_places, ignore_index=True).drop_duplicates("id") if all_places else None
        if opts.countries is not None:
            gdf["country"] = assign_countries(gdf, opts.countries).to_numpy()
            if place_table is not None:
                found = assign_countries(_points(place_table), opts.countries).to_numpy()
                given = (
                    place_table["country"]
                    if "country" in place_table.columns
                    else pd.Series(None, index=place_table.index)
                )
                place_table["country"] = given.where(given.notna() & (given != ""), found)
        if opts.gauge_by_country and (gdf["mode"] == "rail").any():
            fill = ~has_gauge & (gdf["mode"] == "rail")
            gdf.loc[fill, "gauge"] = gdf.loc[fill, "country"].map(GAUGE_BY_COUNTRY)
            gdf["gauge"] = gdf["gauge"].astype(object).where(gdf["gauge"].notna(), None)
            gdf["gauge_source"] = np.where(has_gauge, "data", np.where(gdf["gauge"].notna(), "country", "unknown"))
            ingest["gauge_from_country"] = int((fill & gdf["gauge"].notna()).sum())
        gdf.loc[gdf["mode"] != "rail", "gauge"] = None
        ingest["gauge_unknown"] = int(((gdf["mode"] == "rail") & gdf["gauge"].isna()).sum())
        gdf["speed_class"] = speed_classes(gdf, opts.speed_class)
        advance(1)
        assert opts.snap_m is not None and opts.join_t_junctions is not None
        G = graph_from_lines(
            gdf,
            place_table,
            mode=mode,
            snap_m=float(opts.snap_m),
            attach_m=float(opts.attach_m),
            join_t_junctions=bool(opts.join_t_junctions),
            name=name,
        )
        advance(2)
        G.graph["ingest"] = ingest
        if catalog is not None:
            stitch_catalog(G, catalog, countries=opts.countries, speed_class=opts.speed_class)
            advance(1)
    layers = {d["layer"] for _, d in G.nodes(data=True)}
    if catalog is None and "rail" in layers and len([layer for layer in layers if layer.startswith("rail")]) > 1:
        msg = (
            f"{ingest['gauge_unknown']} rail lines have no gauge and form layer 'rail', which never joins "
            f"the gauged layers ({', '.join(sorted(layers - {'rail', 'road'}))}); stitch the catalog on "
            "(catalog=…, CLI --with-catalog) or pass countries with gauge_by_country=True "
            "(CLI --gauge-by-country --countries FILE) to fill them"
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
    return G


def _with_length_scale(gdf: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """Replace a measured-km column by the factor that scales each line's geodesic length to it."""
    if column not in gdf.columns:
        found = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = f"length_km column {column!r} is not in the lines (columns: {found}); pass one of them (CLI --length-km)"
        raise InputError(msg)
    km = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    drawn = geodesic_lengths(gdf.geometry.values)
    usable = np.isfinite(km) & (km > 0) & (drawn > 0)
    gdf = gdf.drop(columns=[column])
    gdf["_length_scale"] = np.where(usable, km * 1000.0 / np.where(drawn > 0, drawn, 1.0), 1.0)
    return gdf


def from_file(
    path: str | os.PathLike[str],
    options: BuildOptions | None = None,
    *,
    places: pd.DataFrame | str | os.PathLike[str] | None = None,
    catalog: Catalog | None = None,
) -> nx.MultiDiGraph:
    """Read a GIS line file (or OSM file) and return a routable network.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON (``.geojson.gz`` too), Shapefile, GeoParquet or OSM file.
    options
        How to build; defaults of :class:`BuildOptions`.
    places
        Places to attach: a DataFrame or a file for :func:`silkroute.ingest.read_places`.
    catalog
        Stitch this catalog on (see :func:`from_lines`).

    Returns
    -------
    networkx.MultiDiGraph
        The network; print :func:`summary` for the build report.
    """
    from silkroute._progress import progress

    opts = options or BuildOptions()
    table = read_places(places) if isinstance(places, str | os.PathLike) else places
    with progress(f"Reading {Path(path).name}"):
        gdf = read_lines(path, layer=opts.layer, keep=opts.keep)
    osm = is_osm_file(path)
    name = f"{'OSM ' if osm else ''}{opts.mode} network of {Path(path).name}"
    return from_lines(gdf, table, opts, osm=osm, name=name, catalog=catalog)


def from_overpass(
    query: str | shapely.Polygon | shapely.MultiPolygon,
    options: BuildOptions | None = None,
    *,
    online: bool = False,
    places: pd.DataFrame | None = None,
    catalog: Catalog | None = None,
) -> nx.MultiDiGraph:
    """Download a place's rail or road ways from Overpass and build a network (only with ``online=True``).

    Parameters
    ----------
    query
        A place name geocoded by Nominatim (``"Turkmenistan"``) or a polygon in EPSG:4326.
    options
        How to build; defaults of :class:`BuildOptions`.
    online
        Must be ``True`` to allow network access.
    places
        Places to attach.
    catalog
        Stitch this catalog on (see :func:`from_lines`).

    Returns
    -------
    networkx.MultiDiGraph
        The network.
    """
    opts = options or BuildOptions()
    ways = download_ways(query, online=online, keep=opts.keep)
    return from_lines(ways, places, opts, osm=True, name=f"OSM {opts.mode} network of {query}", catalog=catalog)


def summary(G: nx.MultiDiGraph) -> str:
    """Return the build report of a network: reading, gauges, noding, places, components, stitching.

    Parameters
    ----------
    G
        A network made by this module.

    Returns
    -------
    str
        Several lines of text.
    """
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
    stitched = G.graph.get("stitch_report")
    parts = [*head, report.summary()] if report is not None else head
    return "\n".join([*parts, stitched.summary()] if stitched is not None else parts)


def report_dict(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Return the build report of a network as JSON-ready data (the ``build --format json`` contract).

    Parameters
    ----------
    G
        A network made by this module.

    Returns
    -------
    dict
        ``network`` (nodes, edges), ``ingest`` counts, ``build`` (:meth:`BuildReport.to_dict`) and,
        when the catalog was stitched on, ``stitch`` (:meth:`StitchReport.to_dict`).
    """
    report = G.graph.get("build_report")
    stitched = G.graph.get("stitch_report")
    return {
        "network": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "name": G.graph.get("name")},
        "ingest": dict(G.graph.get("ingest", {})),
        "build": report.to_dict() if report is not None else None,
        "stitch": stitched.to_dict() if stitched is not None else None,
    }

"""GIS line files (GeoPackage, GeoJSON, Shapefile, GeoParquet, OSM) → lines; place and country files."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from silkroute._errors import InputError
from silkroute.ingest import osm as _osm
from silkroute.ingest.filters import WayFilter, keep_ways

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ID_COLUMNS", "ISO3_COLUMNS", "SUFFIXES", "read_countries", "read_lines", "read_places"]

log = logging.getLogger(__name__)

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
#: Columns that identify a line (joined with ";" when lines merge).
ID_COLUMNS = ("osm_id", "id", "fid")
#: Columns that name a country by ISO3 code, in the order they are looked for.
ISO3_COLUMNS = ("adm0_a3", "ADM0_A3", "iso_a3", "ISO_A3", "iso3", "ISO3", "country")


def _missing(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(f"{what} not found: {path} (check the path; relative paths start at {Path.cwd()})")


def read_lines(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    keep: WayFilter | None = None,
) -> gpd.GeoDataFrame:
    """Read the rail or road lines of a GIS file.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON (``.geojson.gz`` too), Shapefile, GeoParquet or OSM file.
    layer
        Layer of a multi-layer file; default: the first layer of lines.
    keep
        Which lines to keep where the file classifies them (a ``railway`` or
        ``highway`` column, or Geofabrik's ``fclass``), see :class:`~silkroute.ingest.WayFilter`.

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

    keep = keep or WayFilter()
    path = Path(path)
    if not path.is_file():
        raise _missing(path, "line file")
    if _osm.is_osm_file(path):
        return _osm.read_osm(path, keep=keep)
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        msg = (
            f"unsupported line file {path}: use GeoPackage (.gpkg), GeoJSON (.geojson, .geojson.gz), "
            f"Shapefile (.shp), GeoParquet (.parquet) or OSM ({', '.join(_osm.OSM_SUFFIXES)}); "
            f"convert other formats with `ogr2ogr out.gpkg {path.name}`"
        )
        raise InputError(msg)
    if name.endswith((".parquet", ".geoparquet")):
        gdf = gpd.read_parquet(path)
    else:
        source = f"/vsigzip/{path}" if name.endswith(".gz") else str(path)
        gdf = gpd.read_file(source, layer=layer or _line_layer(source, path), engine="pyogrio")
    if gdf.crs is None:
        warnings.warn(f"{path} has no CRS; assuming EPSG:4326 (lon, lat)", UserWarning, stacklevel=2)
        gdf = gdf.set_crs("EPSG:4326")
    gdf = gdf.to_crs("EPSG:4326")
    column = keep.column
    if column not in gdf.columns and "fclass" in gdf.columns:  # Geofabrik shapefile / GeoPackage schema
        gdf[column] = gdf["fclass"]
    if column in gdf.columns:
        mask = keep_ways(gdf, keep)
        log.info("%s: kept %d of %d lines by %s", path, int(mask.sum()), len(gdf), column)
        gdf = gdf[mask].reset_index(drop=True)
    if "mode" not in gdf.columns:
        gdf["mode"] = keep.mode
    return gdf


def _line_layer(source: str, path: Path) -> str | None:
    """The first layer of (multi)lines of a data source."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(source)
    except pyogrio.errors.DataSourceError as exc:
        msg = f"cannot read {path} as a GIS file: {exc}"
        raise InputError(msg) from None
    lines = [str(n) for n, g in layers if "LineString" in str(g)] or [
        str(n) for n, g in layers if str(g) in ("Unknown", "None")
    ]
    if not lines:
        found = ", ".join(f"{n} ({g})" for n, g in layers)
        msg = f"{path} has no layer of lines (found: {found}); pass the layer name (--layer)"
        raise InputError(msg)
    if len(layers) > 1:
        log.info("%s: reading layer %r of %d", path, lines[0], len(layers))
    return lines[0]


def read_places(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read places to attach to a network: a CSV with ``id``, ``lon``, ``lat`` or a file of points.

    A point file needs an ``id`` column (or ``osm_id``); ``name``, ``country``
    and ``kind`` are kept where present. The catalog's ``places.csv`` works as is.

    Parameters
    ----------
    path
        A CSV or any point file GDAL reads.

    Returns
    -------
    pandas.DataFrame
        At least ``id``, ``lon``, ``lat``.
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
        raise InputError(msg)
    return frame


def read_countries(countries: gpd.GeoDataFrame | str | os.PathLike[str]) -> tuple[gpd.GeoDataFrame, str]:
    """Read country polygons and find their ISO3 column.

    Parameters
    ----------
    countries
        Polygons (GeoDataFrame) or a file of them (``.geojson.gz`` too).

    Returns
    -------
    tuple
        The polygons in EPSG:4326 and the name of the ISO3 column.

    Raises
    ------
    silkroute.InputError
        If no ISO3 column (one of :data:`ISO3_COLUMNS`) exists.
    """
    import geopandas as gpd

    if not isinstance(countries, gpd.GeoDataFrame):
        path = Path(countries)
        if not path.is_file():
            raise _missing(path, "countries file")
        source = f"/vsigzip/{path}" if path.name.lower().endswith(".gz") else str(path)
        countries = gpd.read_file(source)
    column = next((c for c in ISO3_COLUMNS if c in countries.columns), None)
    if column is None:
        found = ", ".join(map(str, countries.columns))
        msg = f"countries need an ISO3 column (one of {', '.join(ISO3_COLUMNS)}); found {found}"
        raise InputError(msg)
    return countries.to_crs("EPSG:4326"), column

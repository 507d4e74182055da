"""GIS line files (GeoPackage, GeoJSON, Shapefile, GeoParquet, OSM) → lines; place and country files."""

from __future__ import annotations

import logging
import os
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
        try:
            gdf = gpd.read_parquet(path)
        except (ValueError, OSError) as exc:
            msg = f"cannot read {path} as GeoParquet: {exc}"
            raise InputError(msg) from None
    else:
        source = f"/vsigzip/{path}" if name.endswith(".gz") else str(path)
        chosen = _line_layer(source, path, layer)
        try:
            gdf = gpd.read_file(source, layer=chosen, engine="pyogrio")
        except Exception as exc:  # pyogrio/GDAL errors on a damaged file
            msg = f"cannot read layer {chosen!r} of {path}: {exc}"
            raise InputError(msg) from None
    gdf = _check_lines(gdf, path)
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


def _line_layer(source: str, path: Path, layer: str | None = None) -> str | None:
    """The layer to read: ``layer`` if the source has it, else its first layer of (multi)lines."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio.errors.DataSourceError and GDAL errors on damaged files
        msg = f"cannot read {path} as a GIS file: {exc}"
        raise InputError(msg) from None
    found = ", ".join(f"{n} ({g})" for n, g in layers) or "none"
    if layer is not None:
        kinds = {str(n): str(g) for n, g in layers}
        if layer not in kinds:
            msg = f"{path} has no layer {layer!r} (its layers: {found}); pass one of them with --layer"
            raise InputError(msg)
        if kinds[layer] in ("None", ""):
            msg = f"layer {layer!r} of {path} has no geometry column (its layers: {found}); pass a layer of lines"
            raise InputError(msg)
        return layer
    lines = [str(n) for n, g in layers if "LineString" in str(g)] or [str(n) for n, g in layers if str(g) == "Unknown"]
    if not lines:
        msg = f"{path} has no layer of lines (found: {found}); pass the layer name (--layer)"
        raise InputError(msg)
    if len(layers) > 1:
        log.info("%s: reading layer %r of %d", path, lines[0], len(layers))
    return lines[0]


#: Geometry types a line file may hold.
_LINE_TYPES = ("LineString", "MultiLineString")


def _check_lines(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Check a read layer: features with line geometry, a CRS, coordinates plausible for it; return it in EPSG:4326."""
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        msg = f"{path} has no geometry column; give a file of lines"
        raise InputError(msg)
    total = len(gdf)
    if total == 0:
        msg = f"{path} has no features; give a file with rail or road lines"
        raise InputError(msg)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(gdf) == 0:
        msg = f"{path} has {total} features but none has a geometry; give a file with rail or road lines"
        raise InputError(msg)
    kinds = gdf.geometry.geom_type
    lines = kinds.isin(_LINE_TYPES)
    if not lines.any():
        other = ", ".join(sorted(set(kinds)))
        msg = f"{path} holds {other} geometries, not lines; give a file of LineString or MultiLineString features"
        raise InputError(msg)
    if not lines.all():
        log.warning(
            "%s: ignored %d features that are not lines (%s)",
            path,
            int((~lines).sum()),
            ", ".join(sorted(set(kinds[~lines]))),
        )
        gdf = gdf[lines]
    xmin, ymin, xmax, ymax = (float(v) for v in gdf.total_bounds)
    lonlat = xmin >= -180.5 and xmax <= 180.5 and ymin >= -90.5 and ymax <= 90.5
    if gdf.crs is None:
        if not lonlat:
            msg = (
                f"{path} declares no CRS and its coordinates ({xmin:,.0f}..{xmax:,.0f}, {ymin:,.0f}..{ymax:,.0f}) "
                "are not longitude/latitude; declare the CRS, e.g. `ogr2ogr -a_srs EPSG:32643 out.gpkg in.gpkg`"
            )
            raise InputError(msg)
        msg = (
            f"{path} declares no CRS; its coordinates look like longitude/latitude but declare it "
            "(e.g. `ogr2ogr -a_srs EPSG:4326 out.gpkg in.gpkg`) so the lengths are right"
        )
        raise InputError(msg)
    if gdf.crs.is_geographic and not lonlat:
        msg = (
            f"{path} says its CRS is {gdf.crs.to_string()} (degrees) but its coordinates reach "
            f"{max(abs(xmin), abs(xmax)):,.0f}, {max(abs(ymin), abs(ymax)):,.0f}: they are probably metres of a "
            "projected CRS mislabelled as geographic; declare the right CRS (ogr2ogr -a_srs EPSG:…)"
        )
        raise InputError(msg)
    return gdf.to_crs("EPSG:4326")


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
    for column, limit in (("lon", 180.0), ("lat", 90.0)):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~values.between(-limit, limit)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            msg = (
                f"{path}, row {i + 2}, column {column!r}: {frame[column].iloc[i]!r} is not a {column} in degrees "
                f"(-{limit:g}..{limit:g}); fix the value"
            )
            raise InputError(msg)
        frame[column] = values.astype(float)
    if frame["id"].astype(str).str.strip().eq("").any():
        i = int(frame["id"].astype(str).str.strip().eq("").to_numpy().nonzero()[0][0])
        msg = f"{path}, row {i + 2}, column 'id': empty; every place needs an id"
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

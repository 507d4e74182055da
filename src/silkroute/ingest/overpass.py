"""Overpass downloads through osmnx: only when the caller asks for network access explicitly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from silkroute._errors import InputError
from silkroute.ingest.filters import WayFilter
from silkroute.ingest.osm import osmnx_tags, ways_from_osmnx

if TYPE_CHECKING:
    import geopandas as gpd
    import shapely

__all__ = ["download_ways"]


def _overpass_filter(keep: WayFilter) -> str:
    return f'["{keep.column}"~"^({"|".join(keep.values)})$"]'


def download_ways(
    query: str | shapely.Polygon | shapely.MultiPolygon, *, online: bool = False, keep: WayFilter | None = None
) -> gpd.GeoDataFrame:
    """Download the rail or road ways of a place or polygon from Overpass.

    Never runs unless ``online=True``: silkroute works offline by default.

    Parameters
    ----------
    query
        A place name geocoded by Nominatim (``"Turkmenistan"``) or a polygon in EPSG:4326.
    online
        Must be ``True`` to allow network access.
    keep
        Which ways to keep; rail through lines by default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per way (like :func:`silkroute.ingest.read_osm`), stations in ``attrs["stations"]``.

    Raises
    ------
    silkroute.InputError
        If ``online`` is not ``True``.
    """
    if online is not True:
        msg = (
            "downloading from Overpass needs network access: pass online=True (CLI: --online), "
            "or download an extract (e.g. https://download.geofabrik.de) and read the file"
        )
        raise InputError(msg)
    keep = keep or WayFilter()
    with osmnx_tags() as ox:
        options = {"custom_filter": _overpass_filter(keep), "simplify": False, "retain_all": True}
        G = ox.graph_from_place(query, **options) if isinstance(query, str) else ox.graph_from_polygon(query, **options)
    ways, stations = ways_from_osmnx(G, keep)
    ways["mode"] = keep.mode
    ways.attrs["stations"] = stations
    return ways

"""Readers: OpenStreetMap files, GIS line files, Overpass (only when asked and online), places and countries.

Readers return lines (GeoDataFrames in EPSG:4326); :mod:`silkroute.build`
turns lines into networks. One :class:`WayFilter` says which lines to keep,
for every source.
"""

from __future__ import annotations

from silkroute.ingest.files import ID_COLUMNS, ISO3_COLUMNS, SUFFIXES, read_countries, read_lines, read_places
from silkroute.ingest.filters import DEFAULT_HIGHWAY, DEFAULT_RAILWAY, SERVICE_TRACKS, WayFilter, keep_ways
from silkroute.ingest.osm import ENGINES, OSM_SUFFIXES, TAGS, is_osm_file, read_osm
from silkroute.ingest.overpass import download_ways

__all__ = [
    "DEFAULT_HIGHWAY",
    "DEFAULT_RAILWAY",
    "ENGINES",
    "ID_COLUMNS",
    "ISO3_COLUMNS",
    "OSM_SUFFIXES",
    "SERVICE_TRACKS",
    "SUFFIXES",
    "TAGS",
    "WayFilter",
    "download_ways",
    "is_osm_file",
    "keep_ways",
    "read_countries",
    "read_lines",
    "read_osm",
    "read_places",
]

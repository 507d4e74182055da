"""Deprecated: use :mod:`silkroute.ingest` (OSM readers, Overpass) and :func:`silkroute.build.from_file`.

Kept for one release so existing scripts keep working; every name here warns
and forwards to its new home.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from silkroute import build as _build
from silkroute import ingest as _ingest
from silkroute.ingest import DEFAULT_HIGHWAY, DEFAULT_RAILWAY, OSM_SUFFIXES, TAGS, is_osm_file

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import numpy as np
    import pandas as pd

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

warnings.warn(
    "silkroute.osm is deprecated: use silkroute.ingest.read_osm / download_ways and silkroute.build.from_file",
    DeprecationWarning,
    stacklevel=2,
)


def _keep(
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
) -> _ingest.WayFilter:
    return _ingest.WayFilter.of(mode, railway, highway, service)


def keep_ways(tags: pd.DataFrame, **kwargs: Any) -> np.ndarray:
    """Deprecated: :func:`silkroute.ingest.keep_ways`.

    Parameters
    ----------
    tags
        One row per way.
    **kwargs
        ``mode``, ``railway``, ``highway``, ``service``.

    Returns
    -------
    numpy.ndarray
        The mask.
    """
    return _ingest.keep_ways(tags, _keep(**kwargs))


def read_osm(path: str | os.PathLike[str], *, engine: str = "pyosmium", **kwargs: Any) -> gpd.GeoDataFrame:
    """Deprecated: :func:`silkroute.ingest.read_osm`.

    Parameters
    ----------
    path, engine
        As in :func:`silkroute.ingest.read_osm`.
    **kwargs
        ``mode``, ``railway``, ``highway``, ``service``.

    Returns
    -------
    geopandas.GeoDataFrame
        The ways.
    """
    return _ingest.read_osm(path, keep=_keep(**kwargs), engine=engine)


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
    places: pd.DataFrame | None = None,
    **kwargs: Any,
) -> nx.MultiDiGraph:
    """Deprecated: :func:`silkroute.build.from_file`.

    Parameters
    ----------
    path, places
        As in :func:`silkroute.build.from_file`.
    mode, railway, highway, service, **kwargs
        Fields of :class:`silkroute.build.BuildOptions`.

    Returns
    -------
    networkx.MultiDiGraph
        The network.
    """
    options = _build.BuildOptions(keep=_keep(mode, railway, highway, service), **kwargs)
    return _build.from_file(path, options, places=places)


def download(
    query: Any, *, online: bool = False, mode: str = "rail", places: Any = None, **kwargs: Any
) -> nx.MultiDiGraph:
    """Deprecated: :func:`silkroute.build.from_overpass`.

    Parameters
    ----------
    query, online, places
        As in :func:`silkroute.build.from_overpass`.
    mode, **kwargs
        ``railway``, ``highway``, ``service`` and :class:`silkroute.build.BuildOptions` fields.

    Returns
    -------
    networkx.MultiDiGraph
        The network.
    """
    tags = {k: kwargs.pop(k) for k in ("railway", "highway", "service") if k in kwargs}
    options = _build.BuildOptions(keep=_keep(mode, **tags), **kwargs)
    return _build.from_overpass(query, options, online=online, places=places)

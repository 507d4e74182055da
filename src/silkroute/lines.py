"""Deprecated: use :mod:`silkroute.ingest` (readers) and :mod:`silkroute.build` (lines → network).

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
from silkroute.build.attributes import DEFAULT_SPEED_CLASS, GAUGE_BY_COUNTRY, SPEED_CLASS_BY_COUNTRY, assign_countries

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pandas as pd

__all__ = [
    "DEFAULT_SPEED_CLASS",
    "GAUGE_BY_COUNTRY",
    "SPEED_CLASS_BY_COUNTRY",
    "assign_countries",
    "build_from_file",
    "network_from_lines",
    "read_lines",
    "read_places",
    "summary",
]

warnings.warn(
    "silkroute.lines is deprecated: use silkroute.ingest.read_lines / read_places and "
    "silkroute.build.from_file / from_lines with build.BuildOptions",
    DeprecationWarning,
    stacklevel=2,
)

read_places = _ingest.read_places
summary = _build.summary


def _options(
    mode: str = "rail",
    railway: Collection[str] | None = None,
    highway: Collection[str] | None = None,
    service: Collection[str] = (),
    **kwargs: Any,
) -> _build.BuildOptions:
    return _build.BuildOptions(keep=_ingest.WayFilter.of(mode, railway, highway, service), **kwargs)


def read_lines(
    path: str | os.PathLike[str], *, layer: str | None = None, mode: str = "rail", **tags: Any
) -> gpd.GeoDataFrame:
    """Deprecated: :func:`silkroute.ingest.read_lines`.

    Parameters
    ----------
    path, layer
        As in :func:`silkroute.ingest.read_lines`.
    mode, **tags
        ``mode``, ``railway``, ``highway``, ``service`` of :class:`silkroute.ingest.WayFilter`.

    Returns
    -------
    geopandas.GeoDataFrame
        The lines.
    """
    return _ingest.read_lines(path, layer=layer, keep=_ingest.WayFilter.of(mode, **tags))


def network_from_lines(
    lines: gpd.GeoDataFrame,
    places: pd.DataFrame | None = None,
    *,
    mode: str = "rail",
    name: str = "silkroute network",
    **kwargs: Any,
) -> nx.MultiDiGraph:
    """Deprecated: :func:`silkroute.build.from_lines`.

    Parameters
    ----------
    lines, places, name
        As in :func:`silkroute.build.from_lines`.
    mode, **kwargs
        Fields of :class:`silkroute.build.BuildOptions`.

    Returns
    -------
    networkx.MultiDiGraph
        The network.
    """
    return _build.from_lines(lines, places, _options(mode, **kwargs), name=name)


def build_from_file(
    path: str | os.PathLike[str], *, places: Any = None, mode: str = "rail", **kwargs: Any
) -> nx.MultiDiGraph:
    """Deprecated: :func:`silkroute.build.from_file`.

    Parameters
    ----------
    path, places
        As in :func:`silkroute.build.from_file`.
    mode, **kwargs
        Fields of :class:`silkroute.build.BuildOptions` (and ``railway``, ``highway``, ``service``).

    Returns
    -------
    networkx.MultiDiGraph
        The network.
    """
    return _build.from_file(path, _options(mode, **kwargs), places=places)

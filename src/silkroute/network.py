"""The corridor network: the catalog's lines built into a graph, plus transfer edges.

Rail and road sections come from :func:`silkroute.build.graph_from_lines`; this
module adds the edges that move a consignment between networks, each an
explicit edge ``kind`` carrying the catalog's low/mode/high hours:

``crossing``
    a border crossing between two places (``dwell_*_h``), per gauge or road;
``gauge_change``
    transshipment or bogie exchange between the 1435/1520/1668 mm layers of
    one station (``transship_*_h``);
``ferry``
    a sea or lake ferry between two ports, for rail wagons and/or trucks
    (``sailing_*_h`` and ``wait_*_h``);
``transfer``
    road ↔ rail at an intermodal terminal (``transfer_*_h``).

Every node that stands for a place has ``place``, ``name``, ``country`` and
``kind``; ``place_nodes`` finds them.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
from typing import Any

import networkx as nx
import numpy as np

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute import sections as _sections
from silkroute._validate import validate_network
from silkroute.build import GEOD, graph_from_lines
from silkroute.build.transfers import add_transfers, place_nodes, rail_layers

__all__ = [
    "build_network",
    "clean_copy",
    "default_network",
    "place_nodes",
    "rail_layers",
    "validate_network",
]

log = logging.getLogger(__name__)
LINE_ATTRIBUTES = ("line_id", "seq", "name", "mode", "gauge", "status", "speed_class", "country", "length_source")


def clean_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return an independent copy of a network: new attribute dicts and a deep copy of the graph attributes.

    Parameters
    ----------
    G
        A network.

    Returns
    -------
    networkx.MultiDiGraph
        The copy; changing it never changes ``G``.
    """
    H = G.copy()
    H.graph = copy.deepcopy(G.graph)
    return H


@functools.lru_cache(maxsize=4)
def _default(directory: str | None, fingerprint: tuple[Any, ...]) -> nx.MultiDiGraph:
    return build_network(_catalog.load(directory))


def default_network(directory: str | os.PathLike[str] | None = None) -> nx.MultiDiGraph:
    """Return a copy of the network of the embedded catalog (or of another catalog directory).

    The network is built once per catalog content (the cache key includes
    every catalog file's size and modification time); each call returns a
    copy the caller may change.

    Parameters
    ----------
    directory
        A catalog directory; the embedded catalog by default.

    Returns
    -------
    networkx.MultiDiGraph
        The network without travel times (see :func:`silkroute.scenario.apply`).
    """
    key = None if directory is None else str(directory)
    return clean_copy(_default(key, _catalog.fingerprint(directory)))


def build_network(cat: _catalog.Catalog) -> nx.MultiDiGraph:
    """Build the full multimodal network of a catalog.

    Parameters
    ----------
    cat
        A loaded catalog.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-style graph; ``graph["build_report"]`` says what the builder did.
    """
    lines = _sections.sections(cat)
    # each section's edges are scaled to its length (published, OSM track or circuity estimate)
    drawn = lines.geometry.map(GEOD.geometry_length)
    lines["length_scale"] = (lines["length_km"] * 1000.0 / drawn.where(drawn > 0, np.nan)).fillna(1.0)
    places = cat.places.reset_index(drop=True)
    stops = {s for row in cat.lines["stops"] for s in row}
    G = graph_from_lines(
        lines,
        places[places["id"].isin(stops)],
        snap_m=1.0,
        attach_m=50.0,
        separate_by="country",
        node_shared_vertices=False,
        attributes=(*LINE_ATTRIBUTES, "length_scale"),
        name="silkroute corridor catalog",
    )
    for _u, _v, d in G.edges(data=True):
        d[schema.LENGTH] *= float(d.pop("length_scale", 1.0))
    add_transfers(G, cat, strict=True)
    G.graph["catalog"] = str(cat.directory)
    return G

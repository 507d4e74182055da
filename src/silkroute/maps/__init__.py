"""HTML maps of the corridor network and of corridor comparisons (folium / Leaflet).

Maps draw results; they never build networks or run comparisons::

    from silkroute import catalog, corridors, maps, scenario
    networks = {s: scenario.network(s) for s in ("baseline", "cku-open")}
    comparison = corridors.compare_networks(networks, "Xi'an", "Duisburg")
    m = maps.corridor_map([comparison], networks["baseline"], catalog.load())
    maps.save(m, "maps/corridors.html")

What a map shows:

* the network: rail coloured by track gauge (1435, 1520, 1668 mm), lines under
  construction dashed and planned lines dotted (each in its own layer, so the
  CKU railway stands out), roads, ferries;
* border crossings and breaks of gauge as markers whose popups give the dwell
  or transshipment hours (low / mode / high) and their source, from the
  catalog; cities and ports;
* with :func:`add_comparison` (or the comparisons of :func:`corridor_map`): one
  pair at a time, chosen in the comparison panel (the numbers of ``silkroute
  compare``), each corridor's route in its own colour, drawn once for the
  scenarios that share it, beside the routes it shares track with, with a
  tooltip (corridor, scenarios, km, days, time breakdown), and the view fitted
  to the pair's routes beside the panel (the legend and the layer control then
  start collapsed);
* :func:`add_reach`: reach as polygons, one per band of days, with a legend;
  :func:`add_chokepoints`: links coloured by the days their closure adds, and
  the links that cut a corridor dashed black;
* labels of cities, of the crossings on the selected pair's routes, of cut
  links, placed in the browser so that no two overlap;
* a legend, a scale bar, a layer control, the data attribution and a basemap
  of Natural Earth land, coastlines, lakes and borders (``data/basemap.geojson``,
  no tiles) that fills the window at every zoom: the view is kept inside it.

Geometry is simplified and rounded for display only (never for measurement).
:func:`save` writes the page atomically and, by default, self-contained: it
renders with no network at all.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from silkroute._files import atomic_path
from silkroute.maps.basemap import _add_basemap
from silkroute.maps.comparison import add_comparison
from silkroute.maps.controls import (
    _attribution,
    _finish,
    _legend_control,
    _macro,
    _network_legend,
    _swatch_line,
    _title,
)
from silkroute.maps.features import _feature, network_features
from silkroute.maps.markers import _add_crossings, _add_gauge_changes, _add_geojson_layer, _add_places
from silkroute.maps.results import add_chokepoints, add_reach
from silkroute.maps.style import _CSS, COMPARISON_TITLE, EXTENT, NETWORK_TITLE

if TYPE_CHECKING:
    import folium

    from silkroute.catalog import Catalog
    from silkroute.corridors import Comparison

__all__ = ["add_chokepoints", "add_comparison", "add_ranked_layer", "add_reach", "corridor_map", "network_map", "save"]

log = logging.getLogger(__name__)


def network_map(
    G: nx.MultiDiGraph,
    cat: Catalog,
    *,
    tiles: str | None = None,
    outline: bool = True,
    title: str | None = NETWORK_TITLE,
) -> folium.Map:
    """Draw the corridor network.

    Parameters
    ----------
    G
        The network to draw (e.g. ``scenario.network("baseline")``).
    cat
        The catalog whose crossings, breaks of gauge, cities and ports are
        marked (the one ``G`` was built from).
    tiles
        A folium tile layer name or URL template (e.g. ``"CartoDB positron"``)
        drawn under the network; it needs the network when the page is viewed.
        ``None`` (the default) draws no basemap.
    outline
        Draw the Natural Earth basemap (land, coastlines, lakes, borders) from
        ``data/basemap.geojson`` and keep the view inside it; without the file
        the map is drawn without basemap and a warning is logged.
    title
        A title shown at the top of the map, or ``None``.

    Returns
    -------
    folium.Map
        With one layer per network category, markers, labels, legend, scale
        bar, layer control and attribution; ``m.silkroute`` (a dict) records
        what was drawn: the layer names and feature counts, the basemap
        polygons (``outline_polygons``), the labels.
    """
    import folium

    m = folium.Map(
        tiles=None, control_scale=True, zoom_start=4, location=(42, 55), zoom_snap=0.25, zoom_delta=0.5, max_zoom=11
    )
    root: Any = m.get_root()
    root.header.add_child(folium.Element(_CSS))
    if tiles:
        folium.TileLayer(tiles, name="Basemap", control=True).add_to(m)
    drawn_outline = _add_basemap(m) if outline else 0
    layers = network_features(G)
    for name, features in layers.items():
        _add_geojson_layer(m, name, features)
    cities, ports = _add_places(m, cat)
    markers = {
        "crossings": _add_crossings(m, cat),
        "gauge_changes": _add_gauge_changes(m, cat),
        "cities": cities,
        "ports": ports,
    }
    legend = _network_legend(layers, markers)
    m.silkroute = {  # type: ignore[attr-defined]
        "layers": {name: len(features) for name, features in layers.items()},
        "markers": markers,
        "outline_polygons": drawn_outline,
        "routes": [],
        "legend": legend,
        "labels": m.__dict__.get("silkroute", {}).get("labels", []),
    }
    _legend_control(m)
    _attribution(drawn_outline > 0).add_to(m)
    if title:
        _title(title).add_to(m)
    fit = _macro("{map}.fitBounds({bounds},{padding:[10,10],animate:false});", bounds=_bounds(G))
    fit._silkroute_fit = True  # replaced by the fit to the selected pair (add_comparison)
    fit.add_to(m)
    return _finish(m)


def _bounds(G: nx.MultiDiGraph) -> list[list[float]]:
    xs = np.array([d["x"] for _, d in G.nodes(data=True)] or [EXTENT[0], EXTENT[2]])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)] or [EXTENT[1], EXTENT[3]])
    return [[float(ys.min()), float(xs.min())], [float(ys.max()), float(xs.max())]]


def corridor_map(
    comparisons: Sequence[Comparison],
    G: nx.MultiDiGraph,
    cat: Catalog,
    *,
    tiles: str | None = None,
    outline: bool = True,
) -> folium.Map:
    """Draw the network and, for each origin–destination comparison, the corridors' routes.

    Parameters
    ----------
    comparisons
        Results of :func:`silkroute.corridors.compare_networks`; none draws the network only.
    G
        The network drawn underneath (e.g. the first scenario's).
    cat
        The catalog whose crossings, breaks of gauge, cities and ports are marked.
    tiles, outline
        As in :func:`network_map`.

    Returns
    -------
    folium.Map
        Showing one pair at a time (a selector in the comparison panel), fitted to its routes
        beside the panel.
    """
    m = network_map(G, cat, tiles=tiles, outline=outline, title=COMPARISON_TITLE if comparisons else NETWORK_TITLE)
    for comparison in comparisons:
        add_comparison(m, comparison)
    return m


def add_ranked_layer(
    m: folium.Map,
    gdf: Any,
    name: str,
    value: str,
    *,
    label: str = "name",
    fields: Sequence[str] = (),
    colours: Sequence[str] = ("#fee391", "#fe9929", "#d95f0e", "#993404"),
) -> folium.Map:
    """Add a layer of lines and points coloured by a numeric column (chokepoints, reach bands).

    Parameters
    ----------
    m
        A map from :func:`network_map`.
    gdf
        A GeoDataFrame in EPSG:4326 (e.g. :func:`silkroute.criticality.to_gdf` or
        the layers of :func:`silkroute.reach.reach_on`).
    name
        Layer name in the layer control and legend.
    value
        Numeric column that sets the colour (quantile classes, light = low); rows
        where it is missing are drawn darkest.  For chokepoints use
        :func:`add_chokepoints` (links that cut a corridor drawn apart) and for
        reach :func:`add_reach` (polygons per band of days).
    label, fields
        Columns shown in the tooltip.
    colours
        Colour ramp, low to high.

    Returns
    -------
    folium.Map
        ``m``, with the layer added, a legend entry, and the layer control last.
    """
    import folium

    values = gdf[value].astype(float)
    finite = values.dropna()
    edges = np.quantile(finite, np.linspace(0, 1, len(colours) + 1)[1:-1]) if len(finite) else np.array([])
    group = folium.FeatureGroup(name=name)
    for row, v in zip(gdf.itertuples(index=False), values, strict=True):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        colour = colours[-1] if np.isnan(v) else colours[int(np.searchsorted(edges, v, side="right"))]
        tip = f"<b>{html.escape(str(getattr(row, label)))}</b>" + "".join(
            f"<br>{html.escape(f)}: {html.escape(str(getattr(row, f)))}" for f in (value, *fields)
        )
        if geom.geom_type == "Point":
            folium.CircleMarker(
                (geom.y, geom.x),
                radius=6,
                color="#333",
                weight=1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95,
                tooltip=folium.Tooltip(tip),
            ).add_to(group)
        else:
            folium.GeoJson(
                _feature(geom, {}),
                style_function=lambda _f, c=colour: {"color": c, "weight": 6, "opacity": 0.95},
                tooltip=folium.Tooltip(tip, sticky=True),
            ).add_to(group)
    group.add_to(m)
    info = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    info["layers"][name] = len(gdf)
    info["legend"].append((_swatch_line({"color": colours[-1], "weight": 6}), f"{name} (darker = larger {value})"))
    _legend_control(m)
    return _finish(m)


def save(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write a map as one HTML file, atomically.

    Parameters
    ----------
    m
        The map.
    path
        The ``.html`` file; its directory is created, an existing file is only
        replaced by a complete one.
    offline
        Inline the pinned JavaScript/CSS libraries (:func:`silkroute.maps.offline.offline_html`)
        so the page renders with no network; ``False`` keeps folium's CDN links
        (a smaller file that needs the network).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        With ``offline=True``, if the npm assets are not installed (the message
        says how to install them).
    """
    from silkroute.maps.offline import offline_html

    page = m.get_root().render()
    if offline:
        page = offline_html(page)
        if any(type(c).__name__ == "TileLayer" for c in m._children.values()):
            log.warning("%s: the basemap tiles still need the network", path)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return path

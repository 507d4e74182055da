"""Map styling: colours by gauge, status and corridor, line styles, layer names and the page CSS."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

__all__: list[str] = ["CORRIDOR_COLOURS", "GAUGE_COLOURS", "GAUGE_NAMES"]

log = logging.getLogger(__name__)


#: Area shown when a graph has no nodes (lon/lat: west, south, east, north).
EXTENT = (-10.0, 20.0, 120.0, 62.0)


#: Display simplification tolerance of the network and routes in degrees (about 0.5 km).
LINE_TOLERANCE = 0.005


#: Decimals kept in drawn coordinates (4 decimals: about 11 m).
DECIMALS = 4


#: Longest "not feasible" reason shown in the comparison panel (the full text is in its tooltip).
REASON_CHARS = 42


#: Label priorities (larger is placed first; a label that would overlap one placed earlier moves
#: to another side of its point or is hidden): the pair's ends, cut links, crossings on the
#: selected pair's routes, then cities by the number of catalog lines through them.
LABEL_PRIORITY = {"end": 1000, "cut": 800, "crossing": 500, "origin": 1000}


GAUGE_COLOURS = {1435: "#1f5fa8", 1520: "#2a8a3e", 1668: "#8e3fa3"}


GAUGE_NAMES = {1435: "standard", 1520: "Russian", 1668: "Iberian"}


OTHER_RAIL = "#5b6470"


ROAD = "#9c8f80"


FERRY = "#138fb0"


STATUS_DASH = {"under_construction": "10 7", "planned": "2 7"}


STATUS_LABEL = {"operational": "operational", "under_construction": "under construction", "planned": "planned"}


CORRIDOR_COLOURS = {
    "northern": "#d7191c",
    "trans-siberian": "#8c510a",
    "trans-mongolian": "#762a83",
    "middle": "#f46d43",
    "southern-iran": "#35978f",
    "cku": "#e7298a",
    "cku-caspian": "#2166ac",
    "cku-iran": "#1a1a1a",
}


_PALETTE = ("#d7191c", "#f46d43", "#e7298a", "#8c510a", "#35978f", "#762a83", "#2166ac", "#1a1a1a")


#: Route lines: width, and the distance between the lines of routes that share track (pixels).
ROUTE_WEIGHT = 4


ROUTE_SPACING = 5


#: Two routes of a pair are drawn side by side where they share more than this (km).
SHARED_KM = 50.0


#: Dash pattern of a route found only under a later scenario (or that differs there).
SCENARIO_DASH = "9 6"


#: Basemap colours: sea, land, coastline and lake shores, country borders; the map's own
#: background shows only where no basemap is drawn (it never should: the tests look for it).
SEA = "#cddfea"


LAND = "#f4f1e9"


COAST = "#8fa9ba"


BORDER = "#b9ab96"


NO_DATA = "#9a8fb5"


#: Reach bands, nearest first (dark red to yellow), and chokepoint impact classes, lowest first (YlOrRd).
BAND_COLOURS = ("#a50f15", "#f16913", "#fdae28", "#ffe866", "#fff7bc")


IMPACT_COLOURS = ("#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")


#: Upper bounds (days) of the impact classes but the last: < 0.5 d, 0.5–1, 1–2, 2–5, ≥ 5 d.
IMPACT_BREAKS = (0.5, 1.0, 2.0, 5.0)


CUT = {"color": "#000000", "weight": 5, "opacity": 1.0, "dashArray": "10 7"}


HALO = {"color": "#ffd23f", "weight": 9, "opacity": 0.55}


CASING = {"color": "#ffffff", "weight": 9, "opacity": 0.75}


CROSSING = "#2b2b2b"


GAUGE_BREAK = "#e08214"


COMPONENT_LABELS = {
    "running": "running",
    "rest": "rest",
    "border": "border",
    "gauge_change": "gauge change",
    "ferry_sailing": "ferry sailing",
    "ferry_wait": "ferry wait",
    "transfer": "transfer",
}


ATTRIBUTION = "Network and times: silkroute catalog, authored from the sources cited in the popups"


NATURAL_EARTH = "Made with Natural Earth"


NETWORK_TITLE = "Eurasian land corridors: rail network by track gauge"


COMPARISON_TITLE = "Eurasian land corridors compared"


_URL_RE = re.compile(r"https?://[^\s;,)]+")


def _rail_colour(gauge: Any) -> str:
    try:
        return GAUGE_COLOURS.get(int(gauge), OTHER_RAIL)
    except (TypeError, ValueError):
        return OTHER_RAIL


def _network_group(d: Mapping[str, Any]) -> str:
    """Return the network layer an edge is drawn in."""
    if d.get("mode") == "road":
        return "Roads"
    if d.get("status", "operational") != "operational":
        return "Rail under construction / planned"
    gauge = d.get("gauge")
    if gauge in GAUGE_COLOURS:
        return f"Rail {gauge} mm ({GAUGE_NAMES[gauge]} gauge)"
    return "Rail, other gauge"


def _line_style(mode: str, gauge: Any, status: str) -> dict[str, Any]:
    if mode == "road":
        style: dict[str, Any] = {"color": ROAD, "weight": 1.6, "opacity": 0.9}
    elif mode == "ferry":
        style = {"color": FERRY, "weight": 2.2, "opacity": 0.95, "dashArray": "6 5"}
    else:
        style = {"color": _rail_colour(gauge), "weight": 2.6, "opacity": 0.95}
    if status in STATUS_DASH:
        style.update(dashArray=STATUS_DASH[status], weight=3.4)
    style["className"] = "sr-net"  # faded while routes are drawn (see _CSS)
    return style


_LAYER_ORDER = [
    "Roads",
    "Rail 1435 mm (standard gauge)",
    "Rail 1520 mm (Russian gauge)",
    "Rail 1668 mm (Iberian gauge)",
    "Rail, other gauge",
    "Rail under construction / planned",
    "Ferries",
]


_CSS = (
    """<style>
.folium-map.leaflet-container{background:"""
    + NO_DATA
    + """;font-family:"DejaVu Sans",Arial,sans-serif}
.sr-panel{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.35);
  font-size:11px;line-height:1.35;color:#222}
.sr-panel h4{margin:0 0 4px;font-size:12px;font-weight:bold}
.sr-panel table{border-collapse:collapse}
.sr-panel td,.sr-panel th{padding:1px 5px;text-align:right;white-space:nowrap;font-weight:normal}
.sr-panel th{color:#555;border-bottom:1px solid #ccc}
.sr-panel td.l,.sr-panel th.l{text-align:left}
.sr-panel .sub{color:#666;font-size:10px}
.sr-legend svg{vertical-align:middle;margin-right:5px}
.sr-panel summary{cursor:pointer;list-style:revert}
.sr-panel summary h4{display:inline;margin:0}
.sr-legend,.sr-compare{max-height:42vh;overflow:auto}
.sr-compare{max-width:min(64vw,580px)}
.sr-compare details.sr-pair{margin-top:3px;border-top:1px solid #ddd;padding-top:2px}
.sr-compare details.sr-pair>summary{font-weight:bold;font-size:11.5px}
.sr-compare.sr-single details.sr-pair{border:none;margin:0;padding:0}
.sr-compare.sr-single details.sr-pair>summary{display:none}
.sr-compare table{margin:2px 0 2px 12px}
.sr-compare tr.sr-lead td{border-top:1px solid #eee}
.sr-compare td.sw{padding-right:0}.sr-compare td.sw svg{display:block}
.sr-compare td.nf{max-width:300px;overflow:hidden;text-overflow:ellipsis}
.sr-compare .note{max-width:400px;white-space:normal;margin-top:3px}
.sr-legend .sr-row{white-space:nowrap;display:flex;align-items:center;height:18px}
.leaflet-control-layers{font-size:11.5px;line-height:1.25}
.leaflet-control-layers label{margin-bottom:0}
.leaflet-container .leaflet-control-attribution{font-size:9.5px;line-height:1.3}
.leaflet-control-scale-line{font-size:10px}
.sr-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;pointer-events:none;
  background:rgba(255,255,255,.9);padding:4px 12px;border-radius:4px;font-size:15px;font-weight:bold;
  box-shadow:0 1px 4px rgba(0,0,0,.3);white-space:nowrap}
.sr-icon{background:none;border:none}
.sr-badge{width:18px;height:18px;border-radius:50%;border:1.5px solid #fff;color:#fff;font-size:9px;
  display:flex;align-items:center;justify-content:center;box-shadow:0 0 2px rgba(0,0,0,.6)}
.sr-lab span{position:absolute;white-space:nowrap;font-size:10px;font-weight:bold;color:#333;line-height:12px;
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 3px #fff;visibility:hidden}
.sr-lab-minor span{font-weight:normal;color:#444}
.sr-lab-crossing span{font-style:italic;font-weight:normal;color:#1f1f1f}
.sr-lab-cut span{font-size:11px;color:#000;background:rgba(255,255,255,.85);padding:0 3px;border:1px dashed #000}
.sr-lab-origin span,.sr-lab-end span{font-size:12.5px;line-height:15px;color:#000}
.sr-routes path.sr-net{stroke-opacity:.4}
.sr-pick{display:block;margin:2px 0 4px}.sr-pick select{font-size:11.5px;max-width:260px}
.sr-popup h4{font-size:13px;margin:0 0 4px}
.sr-popup table{font-size:11px}.sr-popup th{padding-right:8px;color:#555;font-weight:normal;vertical-align:top}
.sr-source{font-size:10px;color:#444;margin-top:4px;max-width:320px;overflow-wrap:anywhere}
</style>"""
)

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


#: Area drawn by default and to which the country outline is clipped (lon/lat).
EXTENT = (-10.0, 20.0, 120.0, 62.0)


#: Display simplification tolerances in degrees (about 0.5 km and 2 km).
LINE_TOLERANCE = 0.005


OUTLINE_TOLERANCE = 0.02


#: Decimals kept in drawn coordinates (4 decimals: about 11 m).
DECIMALS = 4


#: Longest "not feasible" reason shown in the comparison panel (the full text is in its tooltip).
REASON_CHARS = 42


#: Minimum distance between city labels at overview zooms (degrees), and the zoom showing all labels.
LABEL_SPACING = 2.5


LABEL_ZOOM = 6


GAUGE_COLOURS = {1435: "#1f5fa8", 1520: "#2a8a3e", 1668: "#8e3fa3"}


GAUGE_NAMES = {1435: "standard", 1520: "Russian", 1668: "Iberian"}


OTHER_RAIL = "#5b6470"


ROAD = "#9c8f80"


FERRY = "#138fb0"


STATUS_DASH = {"under_construction": "10 7", "planned": "2 7"}


STATUS_LABEL = {"operational": "operational", "under_construction": "under construction", "planned": "planned"}


CORRIDOR_COLOURS = {"northern": "#d7191c", "middle": "#fd8d3c", "cku": "#e7298a", "southern-iran": "#8c510a"}


_PALETTE = ("#d7191c", "#fd8d3c", "#e7298a", "#8c510a", "#01665e", "#5e3c99", "#b2182b", "#1a1a1a")


HALO = {"color": "#ffd23f", "weight": 9, "opacity": 0.55}


CASING = {"color": "#ffffff", "weight": 9, "opacity": 0.75}


OUTLINE = {"color": "#a59d8f", "weight": 0.7, "fillColor": "#f6f3ec", "fillOpacity": 1.0}


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


_CSS = """<style>
.folium-map.leaflet-container{background:#dbe6ee;font-family:"DejaVu Sans",Arial,sans-serif}
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
.leaflet-tooltip.sr-label{background:transparent;border:none;box-shadow:none;padding:0 0 0 2px;font-size:10px;
  font-weight:bold;color:#333;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.leaflet-tooltip.sr-label:before{display:none}
.leaflet-tooltip.sr-minor{display:none}
.sr-zoomed .leaflet-tooltip.sr-minor{display:block}
.sr-popup h4{font-size:13px;margin:0 0 4px}
.sr-popup table{font-size:11px}.sr-popup th{padding-right:8px;color:#555;font-weight:normal;vertical-align:top}
.sr-source{font-size:10px;color:#444;margin-top:4px;max-width:320px;overflow-wrap:anywhere}
</style>"""

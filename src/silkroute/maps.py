"""HTML maps of the corridor network and of corridor comparisons (folium / Leaflet).

>>> from silkroute import maps
>>> m = maps.corridor_map([("Xi'an", "Duisburg")], ["baseline", "cku-open"])  # doctest: +SKIP
>>> maps.save(m, "maps/corridors.html")  # doctest: +SKIP

What a map shows:

* the network: rail coloured by track gauge (1435, 1520, 1668 mm), lines under
  construction dashed and planned lines dotted (each in its own layer, so the
  CKU railway stands out), roads, ferries;
* border crossings and breaks of gauge as markers whose popups give the dwell
  or transshipment hours (low / mode / high) and their source, from the
  catalog; cities and ports;
* with :func:`add_comparison` (or ``pairs`` in :func:`corridor_map`): each
  corridor's route in its own colour and layer (one layer per corridor and
  scenario, shared by all pairs), with a tooltip (pair, km, days, time
  breakdown), one collapsible comparison panel with a section per pair and the
  numbers of ``silkroute compare``, and the view fitted to the routes beside
  the panel (the legend and the layer control then start collapsed);
* a legend, a scale bar, a layer control, the data attribution and a light
  Natural Earth country outline (from the pinned npm package ``world-atlas``),
  so the page is readable without a tile basemap.

Geometry is simplified and rounded for display only (never for measurement).
:func:`save` writes the page atomically and, by default, self-contained: it
renders with no network at all.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely

from silkroute.io import atomic_path

if TYPE_CHECKING:
    import folium

    from silkroute.catalog import Catalog
    from silkroute.corridors import CorridorResult

__all__ = ["add_comparison", "add_ranked_layer", "corridor_map", "network_map", "save"]

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


# --------------------------------------------------------------------------- geometry for display


def _display(geom: Any, tolerance: float) -> dict[str, Any]:
    """Return ``geom`` simplified and rounded to :data:`DECIMALS` as a GeoJSON geometry."""
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda c: np.round(c, DECIMALS))
    return json.loads(shapely.to_geojson(rounded))


def _feature(geom: Any, properties: Mapping[str, Any], tolerance: float = LINE_TOLERANCE) -> dict[str, Any]:
    return {"type": "Feature", "properties": dict(properties), "geometry": _display(geom, tolerance)}


def _collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _topojson_features(topology: dict[str, Any], name: str) -> list[tuple[dict[str, Any], Any]]:
    """Decode one object of a (quantised) TopoJSON topology into (properties, shapely geometry)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=float)
        if transform:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)

    def ring(indices: list[int]) -> np.ndarray:
        pieces = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])])

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    out = []
    for g in topology["objects"][name]["geometries"]:
        if g.get("type") == "Polygon":
            geom = polygon(g["arcs"])
        elif g.get("type") == "MultiPolygon":
            geom = shapely.MultiPolygon([polygon(p) for p in g["arcs"]])
        else:
            continue
        out.append(({"name": g.get("properties", {}).get("name", ""), "id": g.get("id")}, geom))
    return out


@lru_cache(maxsize=1)
def _country_outlines() -> str:
    """Return the Natural Earth 1:50m countries, clipped to :data:`EXTENT`, as GeoJSON text.

    Empty (with a warning in the log) when the npm package ``world-atlas`` is missing.
    """
    from silkroute._offline import package_file

    try:
        topology = json.loads(package_file("world-atlas", "countries-50m.json").read_text("utf-8"))
    except (FileNotFoundError, RuntimeError) as exc:
        log.warning("country outlines not drawn: %s", exc)
        return ""
    features = []
    for props, geom in _topojson_features(topology, "countries"):
        clipped = shapely.clip_by_rect(shapely.make_valid(geom), *EXTENT)
        shown = shapely.simplify(clipped, OUTLINE_TOLERANCE, preserve_topology=True)
        if shown.is_empty or shown.area < OUTLINE_TOLERANCE**2:
            continue
        features.append(_feature(shown, {"name": props["name"]}, OUTLINE_TOLERANCE))
    return json.dumps(_collection(features), separators=(",", ":"))


# --------------------------------------------------------------------------- network layers


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


def network_features(G: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """Group the network's drawable edges into display features, by layer name.

    One feature per line (``line_id``, else name, mode, gauge and status) with
    the union of its undirected line and snap edges (``reversed == False``), and
    one per ferry (``ferry`` id).  Crossing, gauge-change and transfer edges are
    shown as markers instead.

    Parameters
    ----------
    G
        A network from :func:`silkroute.network.build_network` (or any graph
        with the same edge attributes).

    Returns
    -------
    dict
        Layer name → GeoJSON features with ``name``, ``line_id``, ``gauge``,
        ``status``, ``length_km`` and a ``style`` (Leaflet path options).
    """
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for _u, _v, d in G.edges(data=True):
        if d.get("reversed"):
            continue
        if d.get("kind") in ("line", "snap"):
            ident = d.get("line_id") or d.get("name")
            key = ("line", ident, d.get("mode"), d.get("gauge"), d.get("status", "operational"))
        elif d.get("kind") == "ferry":
            key = ("ferry", d.get("ferry"), "ferry", None, d.get("status", "operational"))
        else:
            continue
        groups[key].append(d)
    layers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, ident, mode, gauge, status), edges in groups.items():
        geom = shapely.line_merge(shapely.MultiLineString([e["geometry"] for e in edges]))
        length_km = sum(float(e.get("length", 0.0)) for e in edges) / 1000.0
        if kind == "ferry":
            layer, length_km = "Ferries", max(float(e.get("length", 0.0)) for e in edges) / 1000.0
        else:
            layer = _network_group(edges[0])
        props = {
            "name": edges[0].get("name") or ident,
            "line_id": ident,
            "mode": mode,
            "gauge": f"{gauge} mm" if gauge else "",
            "status": STATUS_LABEL.get(status, status),
            "length_km": round(length_km, 1),
            "style": _line_style(mode, gauge, status),
        }
        layers[layer].append(_feature(geom, props))
    return dict(sorted(layers.items(), key=lambda kv: _LAYER_ORDER.index(kv[0]) if kv[0] in _LAYER_ORDER else 99))


_LAYER_ORDER = [
    "Roads",
    "Rail 1435 mm (standard gauge)",
    "Rail 1520 mm (Russian gauge)",
    "Rail 1668 mm (Iberian gauge)",
    "Rail, other gauge",
    "Rail under construction / planned",
    "Ferries",
]


def _add_geojson_layer(m: folium.Map, name: str, features: list[dict[str, Any]], *, show: bool = True) -> None:
    import folium

    group = folium.FeatureGroup(name=name, show=show)
    unfinished = [f for f in features if "dashArray" in f["properties"]["style"]]
    if unfinished:  # a halo under lines not yet in service makes them stand out at any zoom
        _backdrop(_collection(unfinished), HALO).add_to(group)
    folium.GeoJson(
        _collection(features),
        style_function=lambda f: f["properties"]["style"],
        highlight_function=lambda f: {"weight": f["properties"]["style"]["weight"] + 3},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "gauge", "status", "length_km"],
            aliases=["", "gauge", "status", "km"],
            localize=True,
            sticky=True,
        ),
        smooth_factor=1.0,
    ).add_to(group)
    group.add_to(m)


def _backdrop(data: dict[str, Any], style: dict[str, Any], **options: Any) -> Any:
    """Return a non-interactive GeoJSON layer drawn with one ``style`` (halos, casings, outlines)."""
    import folium

    return folium.GeoJson(data, style_function=lambda _f: style, interactive=False, control=False, **options)


def _link_sources(text: Any) -> str:
    """Escape a source text and turn its URLs into links."""
    escaped = html.escape(str(text or "not given"))
    return _URL_RE.sub(lambda u: f'<a href="{u.group(0)}" target="_blank" rel="noopener">{u.group(0)}</a>', escaped)


def _triple_row(label: str, row: Mapping[str, Any], pattern: str) -> str:
    low, mode, high = (float(row[pattern.format(p)]) for p in ("low", "mode", "high"))
    return f"<tr><th>{label}</th><td>{low:g} / <b>{mode:g}</b> / {high:g} h</td></tr>"


def _popup(title: str, rows: list[str], source: Any) -> str:
    body = "".join(rows)
    return (
        f'<div class="sr-popup"><h4>{html.escape(title)}</h4><table>{body}</table>'
        f'<div class="sr-source"><b>Source:</b> {_link_sources(source)}</div></div>'
    )


def _div_marker(location: tuple[float, float], icon: str, colour: str, tooltip: str, popup: str | None) -> Any:
    import folium

    return folium.Marker(
        location,
        icon=folium.DivIcon(
            html=f'<div class="sr-badge" style="background:{colour}"><i class="fa-solid fa-{icon}"></i></div>',
            icon_size=(18, 18),
            icon_anchor=(9, 9),
            class_name="sr-icon",
        ),
        tooltip=tooltip,
        popup=folium.Popup(popup, max_width=340) if popup else None,
    )


def _add_crossings(m: folium.Map, cat: Catalog) -> int:
    import folium

    group = folium.FeatureGroup(name="Border crossings")
    places = cat.places
    for cid, row in cat.crossings.iterrows():
        a, b = places.loc[row["from"]], places.loc[row["to"]]
        gauges = ", ".join(f"{g} mm" for g in row["gauge"]) if row["mode"] == "rail" else ""
        rows = [
            f"<tr><th>border</th><td>{a['name']} ({a['country']}) – {b['name']} ({b['country']})</td></tr>",
            f"<tr><th>mode</th><td>{row['mode']}{f' ({gauges})' if gauges else ''}</td></tr>",
            f"<tr><th>customs</th><td>{'yes' if row['customs'] else 'no (open border)'}</td></tr>",
            f"<tr><th>status</th><td>{STATUS_LABEL.get(row['status'], row['status'])}</td></tr>",
            _triple_row("dwell low / mode / high", row, "dwell_{}_h"),
        ]
        location = ((a["lat"] + b["lat"]) / 2, (a["lon"] + b["lon"]) / 2)
        icon = "road" if row["mode"] == "road" else "passport"
        colour = CROSSING if row["status"] == "operational" else "#8a8a8a"
        title = f"{row['name']} border crossing"
        _div_marker(location, icon, colour, html.escape(title), _popup(f"{title} [{cid}]", rows, row["source"])).add_to(
            group
        )
    group.add_to(m)
    return len(cat.crossings)


def _add_gauge_changes(m: folium.Map, cat: Catalog) -> int:
    import folium

    group = folium.FeatureGroup(name="Breaks of gauge")
    for row in cat.gauge_changes.to_dict("records"):
        place = cat.places.loc[row["place"]]
        gauges = " ↔ ".join(f"{g} mm" for g in row["gauges"])
        rows = [
            f"<tr><th>gauges</th><td>{gauges}</td></tr>",
            f"<tr><th>country</th><td>{place['country']}</td></tr>",
            _triple_row("transshipment low / mode / high", row, "transship_{}_h"),
        ]
        title = f"Break of gauge at {place['name']}"
        _div_marker(
            (place["lat"], place["lon"]),
            "right-left",
            GAUGE_BREAK,
            html.escape(title),
            _popup(title, rows, row["source"]),
        ).add_to(group)
    group.add_to(m)
    return len(cat.gauge_changes)


def _add_places(m: folium.Map, cat: Catalog) -> tuple[int, int]:
    """Draw cities (circle markers, labelled) and ports (anchor badges); return their counts."""
    import folium

    group = folium.FeatureGroup(name="Cities and ports")
    cities = cat.places[cat.places["kind"] == "city"]
    ports = cat.places[cat.places["kind"] == "port"]
    major = _major_cities(cat, cities)
    for pid, p in cities.iterrows():
        folium.CircleMarker(
            (p["lat"], p["lon"]),
            radius=3.5 if pid in major else 2.5,
            color="#ffffff",
            weight=1.2,
            fill=True,
            fill_color="#222222",
            fill_opacity=1.0,
            tooltip=folium.Tooltip(
                html.escape(str(p["name"])),
                permanent=True,
                direction="right",
                class_name="sr-label" if pid in major else "sr-label sr-minor",
            ),
            popup=folium.Popup(_place_popup(pid, p), max_width=300),
        ).add_to(group)
    for pid, p in ports.iterrows():
        _div_marker(
            (p["lat"], p["lon"]), "anchor", FERRY, html.escape(f"{p['name']} (port)"), _place_popup(pid, p)
        ).add_to(group)
    group.add_to(m)
    return len(cities), len(ports)


def _major_cities(cat: Catalog, cities: Any) -> set[str]:
    """Choose the cities labelled at overview zooms: railway hubs first, no two labels too close.

    A city's weight is the number of catalog lines through it plus the number
    of lines ending there; cities are taken by weight, skipping any within
    :data:`LABEL_SPACING` degrees (east-west distances scaled by the cosine of
    the latitude) of one already taken.  The other labels show from zoom
    :data:`LABEL_ZOOM` on.
    """
    weight: dict[str, int] = defaultdict(int)
    for stops in cat.lines["stops"]:
        for stop in stops:
            weight[stop] += 1
        for end in (stops[0], stops[-1]):
            weight[end] += 1
    order = sorted(cities.index, key=lambda pid: (-weight[pid], str(cities.at[pid, "name"])))
    chosen: list[tuple[float, float]] = []
    out: set[str] = set()
    for pid in order:
        lon, lat = float(cities.at[pid, "lon"]), float(cities.at[pid, "lat"])
        scale = np.cos(np.radians(lat))
        if all(((lon - x) * scale) ** 2 + (lat - y) ** 2 > LABEL_SPACING**2 for x, y in chosen):
            chosen.append((lon, lat))
            out.add(str(pid))
    return out


def _place_popup(pid: Any, p: Mapping[str, Any]) -> str:
    rows = [
        f"<tr><th>id</th><td>{html.escape(str(pid))}</td></tr>",
        f"<tr><th>country</th><td>{p['country']}</td></tr>",
    ]
    return _popup(str(p["name"]), rows, p.get("source"))


def _add_outline(m: folium.Map) -> int:
    """Draw the country outline in a pane under the network; return the number of polygons."""
    import folium

    data = _country_outlines()
    if not data:
        return 0
    outline = json.loads(data)
    folium.map.CustomPane("outline", z_index=250, pointer_events=False).add_to(m)
    _backdrop(outline, OUTLINE, name="Country outlines (Natural Earth)", pane="outline").add_to(m)
    return len(outline["features"])


# --------------------------------------------------------------------------- page furniture


def _macro(script: str, **values: Any) -> Any:
    """Return a folium element whose JavaScript ``script`` runs once the map exists.

    In ``script``, ``{map}`` stands for the map's variable and ``{name}`` for
    ``values[name]`` as a JSON literal (escaped for an inline ``<script>``).
    """
    from branca.element import MacroElement
    from jinja2 import Template

    body = script.replace("{map}", "{{ this._parent.get_name() }}")
    for name in values:
        body = body.replace("{" + name + "}", "{{ this.values[" + json.dumps(name) + "]|tojson }}")

    class _Macro(MacroElement):
        _template = Template("{% macro script(this, kwargs) %}" + body + "{% endmacro %}")

        def __init__(self) -> None:
            super().__init__()
            self.values = values

    return _Macro()


def _control(html_text: str, position: str, css_class: str) -> Any:
    """Return an element adding a Leaflet control holding ``html_text``."""
    return _macro(
        "(function(){var c=L.control({position:{position}});c.onAdd=function(){"
        "var d=L.DomUtil.create('div',{css_class});d.innerHTML={html};"
        "L.DomEvent.disableClickPropagation(d);L.DomEvent.disableScrollPropagation(d);return d;};"
        "c.addTo({map});})();",
        position=position,
        css_class=css_class,
        html=html_text,
    )


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


def _swatch_line(style: Mapping[str, Any], halo: Mapping[str, Any] | None = None, *, width: int = 30) -> str:
    dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
    end = width - 1
    under = (
        f'<line x1="1" y1="6" x2="{end}" y2="6" stroke="{halo["color"]}" stroke-opacity="{halo["opacity"]}"'
        ' stroke-width="9"/>'
        if halo
        else ""
    )
    return (
        f'<svg width="{width}" height="12">{under}<line x1="1" y1="6" x2="{end}" y2="6" stroke="{style["color"]}"'
        f' stroke-width="{min(float(style["weight"]), 6)}"{dash}/></svg>'
    )


def _swatch_badge(icon: str, colour: str) -> str:
    return (
        f'<span class="sr-badge" style="background:{colour};display:inline-flex;width:15px;height:15px;'
        f'margin:0 9px 0 7px;vertical-align:middle"><i class="fa-solid fa-{icon}"></i></span>'
    )


def _legend(entries: list[tuple[str, str]], *, open_: bool = True) -> str:
    rows = "".join(f'<div class="sr-row">{symbol}{html.escape(label)}</div>' for symbol, label in entries)
    return f"<details{' open' if open_ else ''}><summary><h4>Legend</h4></summary>{rows}</details>"


def _network_legend(layers: Mapping[str, list[dict[str, Any]]], markers: Mapping[str, int]) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    gauges = {f["properties"]["gauge"] for fs in layers.values() for f in fs if f["properties"]["mode"] == "rail"}
    statuses = {f["properties"]["status"] for fs in layers.values() for f in fs}
    for gauge in GAUGE_COLOURS:
        if f"{gauge} mm" in gauges:
            entries.append(
                (_swatch_line(_line_style("rail", gauge, "operational")), f"Rail {gauge} mm ({GAUGE_NAMES[gauge]})")
            )
    for status in ("under_construction", "planned"):
        if STATUS_LABEL[status] in statuses:
            style = _line_style("rail", None, status) | {"color": "#444"}
            entries.append((_swatch_line(style, HALO), f"Rail {STATUS_LABEL[status]}"))
    if "Roads" in layers:
        entries.append((_swatch_line(_line_style("road", None, "operational")), "Road"))
    if "Ferries" in layers:
        entries.append((_swatch_line(_line_style("ferry", None, "operational")), "Ferry"))
    symbols = {
        "crossings": (_swatch_badge("passport", CROSSING), "Border crossing"),
        "gauge_changes": (_swatch_badge("right-left", GAUGE_BREAK), "Break of gauge"),
        "cities": (
            '<svg width="30" height="10"><circle cx="15" cy="5" r="3.5" fill="#222" stroke="#fff"/></svg>',
            "City",
        ),
        "ports": (_swatch_badge("anchor", FERRY), "Port"),
    }
    entries += [symbols[k] for k, n in markers.items() if n and k in symbols]
    return entries


def _attribution(outline: bool) -> Any:
    text = ATTRIBUTION + (f" | {NATURAL_EARTH}" if outline else "")
    return _macro("{map}.attributionControl.addAttribution({text});", text=text)


def _title(text: str) -> Any:
    """Return an element showing ``text`` centred at the top of the map."""
    return _macro("L.DomUtil.create('div','sr-title',{map}.getContainer()).textContent={text};", text=text)


def _finish(m: folium.Map) -> folium.Map:
    """Put the layer control after every layer (its script references them)."""
    import folium

    for name, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[name]
    routes = bool(getattr(m, "silkroute", {}).get("routes"))
    folium.LayerControl(collapsed=routes, position="topright").add_to(m)
    return m


# --------------------------------------------------------------------------- public API


def network_map(
    G: nx.MultiDiGraph | None = None,
    *,
    cat: Catalog | None = None,
    tiles: str | None = None,
    outline: bool = True,
    title: str | None = NETWORK_TITLE,
) -> folium.Map:
    """Draw the corridor network.

    Parameters
    ----------
    G
        The network to draw; the embedded catalog's network by default.
    cat
        The catalog whose crossings, breaks of gauge, cities and ports are
        marked; by default the one ``G`` was built from (``G.graph["catalog"]``),
        else the embedded catalog.
    tiles
        A folium tile layer name or URL template (e.g. ``"CartoDB positron"``)
        drawn under the network; it needs the network when the page is viewed.
        ``None`` (the default) draws no basemap.
    outline
        Draw the Natural Earth country outline (needs the npm package
        ``world-atlas``; without it the map is drawn without outline and a
        warning is logged).
    title
        A title shown at the top of the map, or ``None``.

    Returns
    -------
    folium.Map
        With one layer per network category, markers, legend, scale bar,
        layer control and attribution; ``m.silkroute`` (a dict) records what
        was drawn: the layer names and feature counts.
    """
    import folium

    from silkroute import catalog as _catalog
    from silkroute import network as _network

    if G is None:
        G = _network.default_network()
    if cat is None:
        cat = _catalog.load(G.graph.get("catalog"))
    m = folium.Map(tiles=None, control_scale=True, zoom_start=4, location=(42, 55), zoom_snap=0.25, zoom_delta=0.5)
    root: Any = m.get_root()
    root.header.add_child(folium.Element(_CSS))
    if tiles:
        folium.TileLayer(tiles, name="Basemap", control=True).add_to(m)
    drawn_outline = _add_outline(m) if outline else 0
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
    }
    _legend_control(m)
    _attribution(drawn_outline > 0).add_to(m)
    _macro(
        "(function(m){function f(){m.getContainer().classList.toggle('sr-zoomed',m.getZoom()>={zoom});}"
        "m.on('zoomend',f);f();})({map});",
        zoom=LABEL_ZOOM,
    ).add_to(m)
    if title:
        _title(title).add_to(m)
    bounds = _bounds(G)
    m.fit_bounds(bounds, padding=(10, 10))
    return _finish(m)


def _legend_control(m: folium.Map) -> None:
    """(Re)place the legend control with the entries recorded in ``m.silkroute``."""
    for name, child in list(m._children.items()):
        if getattr(child, "_silkroute_legend", False):
            del m._children[name]
    info = m.silkroute  # type: ignore[attr-defined]
    legend = _control(_legend(info["legend"], open_=not info.get("routes")), "bottomright", "sr-panel sr-legend")
    legend._silkroute_legend = True
    legend.add_to(m)


def _bounds(G: nx.MultiDiGraph) -> list[list[float]]:
    xs = np.array([d["x"] for _, d in G.nodes(data=True)] or [EXTENT[0], EXTENT[2]])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)] or [EXTENT[1], EXTENT[3]])
    return [[float(ys.min()), float(xs.min())], [float(ys.max()), float(xs.max())]]


def _route_colour(corridor: str, index: int) -> str:
    return CORRIDOR_COLOURS.get(corridor, _PALETTE[index % len(_PALETTE)])


def _breakdown_text(breakdown: Mapping[str, float], sep: str) -> str:
    return sep.join(f"{COMPONENT_LABELS.get(k, k)} {v:,.1f} h" for k, v in breakdown.items() if v)


def _short_title(title: str) -> str:
    """Return a corridor title's short name: the part before a colon (``"Northern: A – B"`` → ``"Northern"``)."""
    return title.split(":", 1)[0].strip() or title


def _short_reason(reason: str, limit: int = REASON_CHARS) -> str:
    """Shorten why a corridor is not feasible for the comparison panel (the full text goes in a tooltip).

    Drops what the panel already says (the origin and destination, the
    scenario, the corridor's name) and every clause after the first colon or
    semicolon, then cuts the text to ``limit`` characters.
    """
    text = " ".join(str(reason or "no route").split())
    text = re.sub(r"^no route from .+? to .+?(?= via | while | avoiding | in scenario |[:;]|$)", "no route", text)
    text = re.sub(r"^the \S+ corridor ", "", text)
    text = re.sub(r" in scenario [^\s:;,]+", "", text)
    text = re.split(r"[:;]", text, maxsplit=1)[0].strip() or "no route"
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def add_comparison(
    m: folium.Map,
    results: Mapping[str, Sequence[CorridorResult]],
    *,
    origin: str | None = None,
    destination: str | None = None,
) -> folium.Map:
    """Draw the corridor routes of one origin–destination comparison and its panel.

    Call it once per pair: all pairs share one comparison panel (a collapsible
    section per pair, the first one open) and one layer per corridor (and
    scenario), and the map is fitted to all routes drawn, beside the panel.

    Parameters
    ----------
    m
        A map from :func:`network_map` (or any folium map).
    results
        Scenario name → corridor results, as returned by
        :func:`silkroute.corridors.compare` (or ``{name: compare_on(...)}``).
    origin, destination
        Display names for the panel title and the end markers; by default the
        first and last place of the first feasible route.

    Returns
    -------
    folium.Map
        ``m``, with the routes in one layer per corridor (and scenario, when
        there are several) named after the corridor's title and shared by all
        pairs (a route's tooltip names its pair), a start and an end marker,
        and the comparison panel showing, per corridor and scenario, the
        ``silkroute compare`` numbers: km, days, hours and the difference to
        the northern corridor in hours, with the time breakdown in the row's
        tooltip (or, shortened, why the corridor is not feasible).
    """
    import folium

    several = len(results) > 1
    info = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    first = next((r.route for rs in results.values() for r in rs if r.route is not None), None)
    if first is not None and first.places:
        origin = origin or first.places[0]["name"]
        destination = destination or first.places[-1]["name"]
    pair = f"{origin} → {destination}" if origin and destination else "corridor comparison"
    rows: dict[str, list[str]] = {}
    coords = []
    for s_index, (scenario, rs) in enumerate(results.items()):
        for c_index, res in enumerate(rs):
            d = res.to_dict()
            colour = _route_colour(res.corridor, c_index)
            title = res.title or res.corridor
            label = f"{title} · {scenario}" if several else title
            style = {"color": colour, "weight": 5, "dashArray": "9 6" if s_index else None}
            row = _panel_row(d, style, title, scenario if several else None, res.reason, lead=res.corridor not in rows)
            rows.setdefault(res.corridor, []).append(row)
            if res.route is None:
                continue
            _add_route_layer(m, res, d, label, style, pair=pair)
            coords.append(shapely.get_coordinates(res.route.geometry))
            info["routes"].append({"label": label, "corridor": res.corridor, "scenario": scenario, "pair": pair})
            entry = (_swatch_line(style), label)
            if entry not in info["legend"]:
                info["legend"].append(entry)
    if first is not None:
        ends = folium.FeatureGroup(name=f"{pair}: origin and destination", control=False)
        for node, icon, name in ((first.nodes[0], "play", origin), (first.nodes[-1], "flag-checkered", destination)):
            d = first.G.nodes[node]
            _div_marker((d["y"], d["x"]), icon, "#111111", html.escape(f"{name} ({pair})"), None).add_to(ends)
        ends.add_to(m)
    if coords:  # lon/lat of every route drawn so far, as [[south, west], [north, east]]
        if "route_bounds" in info:
            coords.append(np.array(info["route_bounds"])[:, ::-1])
        xy = np.vstack(coords)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        info["route_bounds"] = [[float(lo[1]), float(lo[0])], [float(hi[1]), float(hi[0])]]
    head = (
        '<tr><th class="l" colspan="2">corridor</th>'
        + ('<th class="l">scenario</th>' if several else "")
        + '<th>km</th><th>days</th><th>h</th><th title="hours faster (&lt; 0) or slower than the northern corridor">'
        "Δ h</th></tr>"
    )
    table = f"<table>{head}{''.join(r for rs in rows.values() for r in rs)}</table>"
    info.setdefault("panels", []).append((pair, table))
    _comparison_control(m)
    if info.get("legend"):
        _legend_control(m)
    return _finish(m)


def _comparison_control(m: folium.Map) -> None:
    """(Re)place the one comparison panel, and the fit of the map to the routes beside it.

    The panel is collapsible as a whole and has a collapsible section per
    pair, the first one open.
    """
    for name, child in list(m._children.items()):
        if getattr(child, "_silkroute_comparison", False):
            del m._children[name]
    info = m.silkroute  # type: ignore[attr-defined]
    panels = info["panels"]
    sections = "".join(
        f'<details class="sr-pair"{" open" if i == 0 else ""}><summary>{html.escape(pair)}</summary>{table}</details>'
        for i, (pair, table) in enumerate(panels)
    )
    count = f" ({len(panels)} pairs)" if len(panels) > 1 else f": {html.escape(panels[0][0])}"
    panel = (
        f"<details open><summary><h4>Corridors compared{count}</h4></summary>{sections}"
        '<div class="sub note">Expected door-to-door times of a block train; Δ h: difference to the northern'
        " corridor. Hover a row or a route for the time breakdown.</div></details>"
    )
    control = _control(panel, "bottomleft", "sr-panel sr-compare" + ("" if len(panels) > 1 else " sr-single"))
    control._silkroute_comparison = True
    control.add_to(m)
    if info.get("route_bounds"):  # replaces the fit to the whole network
        for name, child in list(m._children.items()):
            if type(child).__name__ == "FitBounds":
                del m._children[name]
        fit = _macro(_FIT_BESIDE_PANEL, bounds=info["route_bounds"])
        fit._silkroute_comparison = True
        fit.add_to(m)


# Fit the map to the routes in the part of the map left free by the title and the comparison panel:
# above the panel or right of it, whichever allows the larger zoom.
_FIT_BESIDE_PANEL = (
    "(function(m,b){var c=m.getContainer(),k=c.getBoundingClientRect(),"
    "t=c.querySelector('.sr-title'),p=c.querySelector('.sr-compare'),"
    "top=t?t.getBoundingClientRect().bottom-k.top+8:24,o=[[[16,top],[16,16]]];"
    "if(p){var r=p.getBoundingClientRect();o=[[[16,top],[16,k.bottom-r.top+12]],[[r.right-k.left+16,top],[16,16]]];}"
    "var best=o[0],z=-Infinity;o.forEach(function(q){var n=m.getBoundsZoom(b,false,"
    "L.point(q[0][0]+q[1][0],q[0][1]+q[1][1]));if(n>z){z=n;best=q;}});"
    "m.fitBounds(b,{paddingTopLeft:best[0],paddingBottomRight:best[1],animate:false});})({map},{bounds});"
)


def _panel_row(
    d: Mapping[str, Any], style: Mapping[str, Any], title: str, scenario: str | None, reason: str, *, lead: bool
) -> str:
    """Return one row of a pair's table: the first row of a corridor names it, the others only the scenario."""
    name = _short_title(title) if lead else ""
    cells = (
        f'<td class="l sw">{_swatch_line({**style, "weight": 4}, width=22)}</td>'
        f'<td class="l" title="{html.escape(title)}">{html.escape(name)}</td>'
        + (f'<td class="l">{html.escape(scenario)}</td>' if scenario is not None else "")
    )
    row_class = ' class="sr-lead"' if lead else ""
    if not d["feasible"]:
        full = reason or "no route"
        return (
            f'<tr{row_class}>{cells}<td colspan="4" class="l sub nf" title="{html.escape(full)}">'
            f"not feasible: {html.escape(_short_reason(full))}</td></tr>"
        )
    delta = d["delta_vs_northern_h"]
    delta_text = "–" if delta is None else f"{delta:+,.1f}"
    tip = html.escape(_breakdown_text(d["breakdown"], " · "))
    return (
        f'<tr{row_class} title="{tip}">{cells}<td>{d["length_km"]:,.0f}</td>'
        f"<td><b>{d['time_days']:.1f}</b></td><td>{d['time_h']:,.1f}</td><td>{delta_text}</td></tr>"
    )


def _add_route_layer(
    m: folium.Map, res: CorridorResult, d: Mapping[str, Any], label: str, style: Mapping[str, Any], *, pair: str
) -> None:
    """Draw one route in the layer ``label``, shared by every pair drawn on ``m``."""
    import folium

    assert res.route is not None
    groups = m.__dict__.setdefault("_silkroute_route_groups", {})
    group = groups.get(label)
    if group is None:
        group = groups[label] = folium.FeatureGroup(name=label)
        group.add_to(m)
    geom = res.route.geometry
    _backdrop(_feature(geom, {}), CASING).add_to(group)
    line = {"opacity": 0.9, **style}
    delta = d["delta_vs_northern_h"]
    tip = (
        f"<b>{html.escape(pair)}</b><br>{html.escape(label)}<br>"
        f"{d['length_km']:,.0f} km · {d['time_days']:.1f} days ({d['time_h']:,.1f} h)"
        + ("" if delta is None else f"<br>Δ vs northern: {delta:+,.1f} h")
        + "<br>"
        + html.escape(_breakdown_text(d["breakdown"], "\n")).replace("\n", "<br>")
    )
    folium.GeoJson(
        _feature(geom, {"corridor": res.corridor, "scenario": res.scenario, "pair": pair}),
        style_function=lambda _f: line,
        highlight_function=lambda _f: {"weight": 8},
        tooltip=folium.Tooltip(tip, sticky=True),
        control=False,
    ).add_to(group)


def corridor_map(
    pairs: Sequence[tuple[str, str]] = (),
    scenarios: Sequence[str] = ("baseline",),
    *,
    tiles: str | None = None,
    outline: bool = True,
) -> folium.Map:
    """Draw the embedded network and, for each origin–destination pair, the corridor comparison.

    Parameters
    ----------
    pairs
        ``(origin, destination)`` place names, aliases or ids; none draws the
        network only.
    scenarios
        Embedded scenario names or scenario TOML files; the routes of every
        scenario are drawn, each corridor and scenario in its own layer
        (shared by all pairs).
    tiles, outline
        As in :func:`network_map`.

    Returns
    -------
    folium.Map
        Fitted to the routes drawn (beside the comparison panel).

    Raises
    ------
    silkroute.UnknownPlaceError
        If a place name matches no place.
    """
    from silkroute import corridors, scenario

    G = scenario.network(scenarios[0] if scenarios else "baseline")
    m = network_map(G, tiles=tiles, outline=outline, title=COMPARISON_TITLE if pairs else NETWORK_TITLE)
    for origin, destination in pairs:
        add_comparison(m, corridors.compare(origin, destination, list(scenarios)))
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
        where it is missing are drawn darkest (e.g. a link that cuts a corridor).
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
        Inline the pinned JavaScript/CSS libraries (:func:`silkroute._offline.offline_html`)
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
    from silkroute._offline import offline_html

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

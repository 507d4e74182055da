"""Page furniture: Leaflet controls, legends, popups, markers and the small scripts that place them."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from silkroute import schema
from silkroute.maps.style import (
    _URL_RE,
    ATTRIBUTION,
    CROSSING,
    FERRY,
    GAUGE_BREAK,
    GAUGE_COLOURS,
    GAUGE_NAMES,
    HALO,
    NATURAL_EARTH,
    STATUS_LABEL,
    _line_style,
)

if TYPE_CHECKING:
    import folium


__all__: list[str] = []

log = logging.getLogger(__name__)


def _backdrop(data: dict[str, Any], style: dict[str, Any], **options: Any) -> Any:
    """Return a non-interactive GeoJSON layer drawn with one ``style`` (halos, casings, outlines)."""
    import folium

    return folium.GeoJson(data, style_function=lambda _f: style, interactive=False, control=False, **options)


def _link_sources(text: Any) -> str:
    """Escape a source text and turn its URLs into links."""
    escaped = html.escape(str(text or "not given"))
    return _URL_RE.sub(lambda u: f'<a href="{u.group(0)}" target="_blank" rel="noopener">{u.group(0)}</a>', escaped)


def _triple_row(label: str, row: Mapping[str, Any], triple: schema.Triple) -> str:
    low, mode, high = triple.read(row)
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
            super().__init__()  # type: ignore[no-untyped-call]
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
    """Put the scripts that use the layers after every layer: labels, pair selection, layer control."""
    import folium

    from silkroute.maps.comparison import _SELECT_JS
    from silkroute.maps.labels import _labels_script

    for name, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl) or getattr(child, "_silkroute_script", False):
            del m._children[name]
    info = getattr(m, "silkroute", {})
    results = bool(info.get("routes") or info.get("reach") or info.get("chokepoints"))
    scripts = []
    if results:  # fade the network under the results
        scripts.append(_macro("{map}.getContainer().classList.add('sr-routes');"))
    if info.get("labels"):
        scripts.append(_labels_script(info["labels"]))
    if info.get("pairs"):
        pairs = [{k: p[k] for k in ("label", "group", "bounds")} for p in info["pairs"]]
        scripts.append(_macro(_SELECT_JS, pairs=pairs))
    for script in scripts:
        script._silkroute_script = True
        script.add_to(m)
    collapsed = results
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    return m


def _legend_control(m: folium.Map) -> None:
    """(Re)place the legend control with the entries recorded in ``m.silkroute``."""
    for name, child in list(m._children.items()):
        if getattr(child, "_silkroute_legend", False):
            del m._children[name]
    info = m.silkroute  # type: ignore[attr-defined]
    legend = _control(_legend(info["legend"], open_=not info.get("routes")), "bottomright", "sr-panel sr-legend")
    legend._silkroute_legend = True
    legend.add_to(m)

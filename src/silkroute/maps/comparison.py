"""Corridor comparisons on a map: one layer per corridor and scenario, and one comparison panel for all pairs."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from silkroute.maps.controls import _backdrop, _control, _div_marker, _finish, _legend_control, _macro, _swatch_line
from silkroute.maps.features import _feature
from silkroute.maps.style import _PALETTE, CASING, COMPONENT_LABELS, CORRIDOR_COLOURS, REASON_CHARS

if TYPE_CHECKING:
    import folium

    from silkroute.corridors import Comparison, CorridorResult

__all__ = ["add_comparison"]

log = logging.getLogger(__name__)


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


def add_comparison(m: folium.Map, comparison: Comparison) -> folium.Map:
    """Draw the corridor routes of one origin–destination comparison and its panel.

    Call it once per pair: all pairs share one comparison panel (a collapsible
    section per pair, the first one open) and one layer per corridor (and
    scenario), and the map is fitted to all routes drawn, beside the panel.

    Parameters
    ----------
    m
        A map from :func:`network_map` (or any folium map).
    comparison
        One pair's corridors under each scenario (:func:`silkroute.corridors.compare_networks`).

    Returns
    -------
    folium.Map
        ``m``, with the routes in one layer per corridor (and scenario, when
        there are several) named after the corridor's title and shared by all
        pairs (a route's tooltip names its pair), a start and an end marker,
        and the comparison panel showing, per corridor and scenario, the
        ``silkroute compare`` numbers: km, days, hours and the difference to
        the reference corridor in hours, with the time breakdown in the row's
        tooltip (or, shortened, why the corridor is not feasible).
    """
    import folium

    results = comparison.results
    several = len(results) > 1
    info = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    first = next((r.route for rs in results.values() for r in rs if r.route is not None), None)
    origin, destination = comparison.origin_name, comparison.destination_name
    pair = comparison.label
    info["reference"] = comparison.reference
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
        + '<th>km</th><th>days</th><th>h</th><th title="hours faster (&lt; 0) or slower than the '
        + html.escape(comparison.reference)
        + ' corridor">'
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
        '<div class="sub note">Expected door-to-door times of a block train; Δ h: difference to the '
        + html.escape(str(info.get("reference", "reference")))
        + " corridor. Hover a row or a route for the time breakdown.</div></details>"
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
    delta = d["delta_vs_reference_h"]
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
    delta = d["delta_vs_reference_h"]
    tip = (
        f"<b>{html.escape(pair)}</b><br>{html.escape(label)}<br>"
        f"{d['length_km']:,.0f} km · {d['time_days']:.1f} days ({d['time_h']:,.1f} h)"
        + ("" if delta is None else f"<br>Δ vs {html.escape(d['reference'])}: {delta:+,.1f} h")
        + ("" if d.get("cost_usd") is None else f"<br>{d['cost_usd']:,.0f} USD per FEU")
        + ("" if d.get("co2_kg") is None else f" · {d['co2_kg']:,.0f} kg CO₂e per FEU")
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

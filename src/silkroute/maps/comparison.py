"""Corridor comparisons on a map: one pair at a time, chosen in the comparison panel.

Each pair's routes, its origin and destination and the labels of the border crossings its routes
use are one layer, shown while the pair is selected in the panel's selector (the page's address
remembers the choice as ``#pair=N``).  A route found under several scenarios is drawn once (its
tooltip names them); routes that share track are drawn side by side, a few pixels apart at every
zoom (an offset computed in the browser on the projected line), each over a white casing, and
hovering one brings it to the front and fades the others.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from silkroute import schema
from silkroute.maps.controls import _backdrop, _control, _div_marker, _finish, _legend_control, _swatch_line
from silkroute.maps.features import _feature
from silkroute.maps.labels import _add_labels, _label
from silkroute.maps.style import (
    _PALETTE,
    CASING,
    COMPONENT_LABELS,
    CORRIDOR_COLOURS,
    LABEL_PRIORITY,
    REASON_CHARS,
    ROUTE_SPACING,
    ROUTE_WEIGHT,
    SCENARIO_DASH,
    SHARED_KM,
)

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


@dataclass
class _Drawn:
    """One line on the map: a corridor's route, found under one or more scenarios."""

    result: CorridorResult
    scenarios: list[str]
    style: dict[str, Any]
    offset: float = 0.0
    edges: dict[frozenset[Any], float] = field(default_factory=dict)  # undirected node pair -> km

    @property
    def label(self) -> str:
        return f"{self.result.title or self.result.corridor} · {', '.join(self.scenarios)}"


def _edge_km(res: CorridorResult) -> dict[frozenset[Any], float]:
    assert res.route is not None
    out: dict[frozenset[Any], float] = {}
    for (u, v, _k), d in zip(res.route.edges, res.route.edge_data, strict=True):
        km = float(d.get(schema.LENGTH, 0.0)) / 1000.0
        if km > 0 and u != v:
            out[frozenset((u, v))] = km
    return out


def _distinct_routes(comparison: Comparison) -> list[_Drawn]:
    """Return the pair's routes, each once, with its style and its offset from the track.

    A corridor whose route is the same under several scenarios is drawn once; a route that only
    exists (or differs) under a later scenario than the first is dashed.  Routes that share more
    than :data:`SHARED_KM` of track form a bundle whose lines are drawn :data:`ROUTE_SPACING`
    pixels apart, centred on the track.
    """
    first = next(iter(comparison.results), None)
    drawn: dict[tuple[Any, ...], _Drawn] = {}
    order = {
        name: i for i, name in enumerate(dict.fromkeys(r.corridor for rs in comparison.results.values() for r in rs))
    }
    for scenario, rs in comparison.results.items():
        for res in rs:
            if res.route is None:
                continue
            key = (res.corridor, res.route.signature(), round(res.route.time_h, 3), round(res.route.length_km, 1))
            if key in drawn:
                drawn[key].scenarios.append(scenario)
                continue
            colour = _route_colour(res.corridor, order[res.corridor])
            style = {"color": colour, "weight": ROUTE_WEIGHT, "opacity": 1.0, "className": "sr-route"}
            drawn[key] = _Drawn(res, [scenario], style, edges=_edge_km(res))
    routes = sorted(drawn.values(), key=lambda d: (order[d.result.corridor], d.scenarios[0] != first))
    for d in routes:
        if first not in d.scenarios:
            d.style["dashArray"] = SCENARIO_DASH
    # Bundles: connected components of "shares more than SHARED_KM of track".
    parent = list(range(len(routes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(routes):
        for j in range(i + 1, len(routes)):
            b = routes[j]
            shared = sum(km for e, km in a.edges.items() if e in b.edges)
            if shared > SHARED_KM:
                parent[root(j)] = root(i)
    bundles: dict[int, list[int]] = {}
    for i in range(len(routes)):
        bundles.setdefault(root(i), []).append(i)
    for members in bundles.values():
        for slot, i in enumerate(members):
            routes[i].offset = (slot - (len(members) - 1) / 2) * ROUTE_SPACING
    return routes


def add_comparison(m: folium.Map, comparison: Comparison) -> folium.Map:
    """Draw the corridor routes of one origin–destination comparison and its panel.

    Call it once per pair: all pairs share one comparison panel with a selector; one pair is
    shown at a time (the first one drawn, or the one named by the page address ``#pair=N``),
    and the map is fitted to its routes, beside the panel.

    Parameters
    ----------
    m
        A map from :func:`network_map` (or any folium map).
    comparison
        One pair's corridors under each scenario (:func:`silkroute.corridors.compare_networks`).

    Returns
    -------
    folium.Map
        ``m``, with the pair's layer (not in the layer control: the selector shows it): each
        distinct route once, over a white casing and beside the routes it shares track with,
        with a tooltip (corridor, scenarios, km, days, the difference to the reference corridor
        and the time breakdown); a start and an end marker; labels of the border crossings the
        routes use.  The panel shows, per corridor and scenario, the ``silkroute compare``
        numbers: km, days, hours and the difference to the reference corridor in hours, with the
        time breakdown in the row's tooltip (or, shortened, why the corridor is not feasible).
    """
    import folium

    results = comparison.results
    several = len(results) > 1
    info = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    pairs = info.setdefault("pairs", [])
    index = len(pairs)
    pair = comparison.label
    info["reference"] = comparison.reference
    routes = _distinct_routes(comparison)
    group = folium.FeatureGroup(name=pair, control=False, show=False)  # the selection script shows one
    for d in routes:  # casings first: every line stays above every casing
        assert d.result.route is not None
        casing = {**CASING, "weight": ROUTE_WEIGHT + 3, "offset": d.offset, "className": "sr-casing"}
        _backdrop(_feature(_merged(d.result.route.geometry), {}), casing).add_to(group)
    for d in routes:
        _add_route(group, d, pair=pair)
        info["routes"].append(
            {
                "label": d.label,
                "corridor": d.result.corridor,
                "scenario": d.scenarios[0],
                "scenarios": list(d.scenarios),
                "pair": pair,
                "offset": d.offset,
                "style": dict(d.style),
            }
        )
    first = next((d.result.route for d in routes if d.result.route is not None), None)
    ends: list[str] = []
    if first is not None:
        for node, icon, name in (
            (first.nodes[0], "play", comparison.origin_name),
            (first.nodes[-1], "flag-checkered", comparison.destination_name),
        ):
            nd = first.G.nodes[node]
            _div_marker((nd["y"], nd["x"]), icon, "#111111", html.escape(f"{name} ({pair})"), None).add_to(group)
        for place, name, node in (
            (comparison.origin, comparison.origin_name, first.nodes[0]),
            (comparison.destination, comparison.destination_name, first.nodes[-1]),
        ):
            nd = first.G.nodes[node]
            ends.append(place)
            _add_labels(m, [_label(nd["y"], nd["x"], name, LABEL_PRIORITY["end"], kind="end", pair=index, ident=place)])
    _add_labels(m, _crossing_labels(routes, index))
    group.add_to(m)
    coords = [shapely.get_coordinates(d.result.route.geometry) for d in routes if d.result.route is not None]
    bounds = None
    if coords:
        xy = np.vstack(coords)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        bounds = [[float(lo[1]), float(lo[0])], [float(hi[1]), float(hi[0])]]
    pairs.append({"label": pair, "group": group.get_name(), "bounds": bounds, "ends": ends})
    if bounds is not None:  # lon/lat of every route drawn so far, as [[south, west], [north, east]]
        old = info.get("route_bounds")
        if old:
            bounds = [
                [min(old[0][0], bounds[0][0]), min(old[0][1], bounds[0][1])],
                [max(old[1][0], bounds[1][0]), max(old[1][1], bounds[1][1])],
            ]
        info["route_bounds"] = bounds
    styles = {(d.result.corridor, s): d.style for d in routes for s in d.scenarios}
    table = _pair_table(comparison, styles, several=several)
    info.setdefault("panels", []).append((pair, table))
    _comparison_control(m)
    entry = (
        _swatch_line({"color": "#555", "weight": ROUTE_WEIGHT, "dashArray": SCENARIO_DASH}),
        "Route only under a later scenario",
    )
    if several and entry not in info["legend"]:
        info["legend"].append(entry)
    if info.get("legend"):
        _legend_control(m)
    return _finish(m)


def _merged(geom: Any) -> Any:
    """Join a route's edges into as few lines as possible (offset lines need continuous lines)."""
    merged = shapely.line_merge(geom)
    return merged if not merged.is_empty else geom


def _add_route(group: Any, d: _Drawn, *, pair: str) -> None:
    """Draw one distinct route in its pair's layer."""
    import folium

    res = d.result
    assert res.route is not None
    r = res.to_dict()
    delta = r["delta_vs_reference_h"]
    title = res.title or res.corridor
    tip = (
        f"<b>{html.escape(title)}</b><br>{html.escape(pair)} · scenario{'s' if len(d.scenarios) > 1 else ''} "
        f"{html.escape(', '.join(d.scenarios))}<br>"
        f"<b>{r['time_days']:.1f} days</b> ({r['time_h']:,.1f} h) · {r['length_km']:,.0f} km"
        + ("" if delta is None else f"<br>Δ vs {html.escape(r['reference'])}: {delta:+,.1f} h")
        + ("" if r.get("cost_usd") is None else f"<br>{r['cost_usd']:,.0f} USD per FEU")
        + ("" if r.get("co2_kg") is None else f" · {r['co2_kg']:,.0f} kg CO₂e per FEU")
        + "<br>"
        + html.escape(_breakdown_text(r["breakdown"], "\n")).replace("\n", "<br>")
    )
    style = {**d.style, "offset": d.offset}
    props = {"corridor": res.corridor, "scenarios": ", ".join(d.scenarios), "pair": pair, "sr_route": True}
    folium.GeoJson(
        _feature(_merged(res.route.geometry), props),
        style_function=lambda _f, s=style: s,
        highlight_function=lambda _f, w=ROUTE_WEIGHT: {"weight": w + 3, "opacity": 1.0},
        tooltip=folium.Tooltip(tip, sticky=True),
        control=False,
    ).add_to(group)


def _crossing_labels(routes: Sequence[_Drawn], pair: int) -> list[dict[str, Any]]:
    """Label the border crossings the pair's routes use (at the middle of the crossing link)."""
    seen: dict[str, dict[str, Any]] = {}
    for d in routes:
        assert d.result.route is not None
        for e in d.result.route.edge_data:
            if e.get("kind") != schema.CROSSING or not e.get("crossing"):
                continue
            ident = str(e["crossing"])
            if ident in seen:
                seen[ident]["p"] += 1
                continue
            xy = shapely.get_coordinates(e["geometry"]).mean(axis=0)
            name = str(e.get("name") or ident).split(" (", 1)[0]
            seen[ident] = _label(xy[1], xy[0], name, LABEL_PRIORITY["crossing"], kind="crossing", pair=pair)
    return list(seen.values())


def _pair_table(comparison: Comparison, styles: Mapping[tuple[str, str], Mapping[str, Any]], *, several: bool) -> str:
    """Return a pair's table: per corridor, a row per scenario (one row when it is infeasible in all alike)."""
    by_corridor: dict[str, list[CorridorResult]] = {}
    for rs in comparison.results.values():
        for res in rs:
            by_corridor.setdefault(res.corridor, []).append(res)
    rows = []
    for c_index, (corridor, items) in enumerate(by_corridor.items()):
        colour = _route_colour(corridor, c_index)
        reasons = {_short_reason(r.reason) for r in items}
        if several and len(items) > 1 and all(r.route is None for r in items) and len(reasons) == 1:
            res = items[0]
            style = {"color": colour, "weight": 2}
            rows.append(_panel_row(res.to_dict(), style, res.title or corridor, "all", res.reason, lead=True))
            continue
        for i, res in enumerate(items):
            style = dict(styles.get((corridor, res.scenario), {"color": colour, "weight": 2}))
            scenario = res.scenario if several else None
            rows.append(_panel_row(res.to_dict(), style, res.title or corridor, scenario, res.reason, lead=i == 0))
    head = (
        '<tr><th class="l" colspan="2">corridor</th>'
        + ('<th class="l">scenario</th>' if several else "")
        + '<th>km</th><th>days</th><th>h</th><th title="hours faster (&lt; 0) or slower than the '
        + html.escape(comparison.reference)
        + ' corridor">Δ h</th></tr>'
    )
    return (
        f"<table>{head}{''.join(rows)}</table>"
        f'<div class="sub">Δ h: difference to the {html.escape(comparison.reference)} corridor.</div>'
    )


def _comparison_control(m: folium.Map) -> None:
    """(Re)place the one comparison panel: a pair selector (with several pairs) and the selected pair's table."""
    for name, child in list(m._children.items()):
        if getattr(child, "_silkroute_comparison", False):
            del m._children[name]
    info = m.silkroute  # type: ignore[attr-defined]
    panels = info["panels"]
    hidden = ' style="display:none"'
    sections = "".join(
        f'<div class="sr-pair" data-pair="{i}"{"" if i == 0 else hidden}>{table}</div>'
        for i, (_pair, table) in enumerate(panels)
    )
    picker = ""
    if len(panels) > 1:
        options = "".join(f'<option value="{i}">{html.escape(pair)}</option>' for i, (pair, _t) in enumerate(panels))
        picker = f'<label class="sr-pick">Pair <select aria-label="origin and destination">{options}</select></label>'
    count = f" ({len(panels)} pairs)" if len(panels) > 1 else f": {html.escape(panels[0][0])}"
    panel = (
        f"<details open><summary><h4>Corridors compared{count}</h4></summary>{picker}{sections}"
        '<div class="sub note">Expected door-to-door times of a block train. Routes that share track are '
        "drawn side by side. Hover a row or a route for the time breakdown.</div></details>"
    )
    control = _control(panel, "bottomleft", "sr-panel sr-compare")
    control._silkroute_comparison = True
    control.add_to(m)
    for name, child in list(m._children.items()):  # the selection script fits the view to the pair
        if getattr(child, "_silkroute_fit", False) or type(child).__name__ == "FitBounds":
            del m._children[name]


# Lines with an ``offset`` option (pixels, + = left of the direction of travel) are drawn beside
# their geometry: the projected points are simplified (1.5 px), the spikes where a route turns back
# (a spur into a station and out again) dropped, and each point moved along the bisector of its
# two segments (mitre limited to twice the offset).  Show one pair: its layer, its
# table, its labels; fit the map to its routes in the part of the
# map left free by the title and the comparison panel (above the panel or right of it, whichever
# allows the larger zoom).
_SELECT_JS = """(function(m,pairs){
var SR=window.SR=window.SR||{},c=m.getContainer(),sel=c.querySelector('.sr-compare select');
function despike(p){var q=p.slice(),i=1;while(i<q.length-1){var ax=q[i].x-q[i-1].x,ay=q[i].y-q[i-1].y,
bx=q[i+1].x-q[i].x,by=q[i+1].y-q[i].y,la=Math.sqrt(ax*ax+ay*ay),lb=Math.sqrt(bx*bx+by*by);
if(la===0||lb===0||(ax*bx+ay*by)/(la*lb)<-0.8){q.splice(i,1);i=Math.max(1,i-1);}else{i++;}}return q;}
function normal(a,b){var dx=b.x-a.x,dy=b.y-a.y,l=Math.sqrt(dx*dx+dy*dy)||1;return [-dy/l,dx/l];}
function offsetLine(p,d){if(p.length<2){return p;}return p.map(function(b,i){
var n1=i>0?normal(p[i-1],b):null,n2=i<p.length-1?normal(b,p[i+1]):null,nx,ny;
if(n1&&n2){nx=n1[0]+n2[0];ny=n1[1]+n2[1];var l=Math.sqrt(nx*nx+ny*ny);
if(l<1e-6){nx=n1[0];ny=n1[1];}else{nx/=l;ny/=l;var s=1/Math.max(nx*n1[0]+ny*n1[1],0.5);nx*=s;ny*=s;}}
else{var q=n1||n2;nx=q[0];ny=q[1];}return L.point(b.x+nx*d,b.y+ny*d);});}
var proto=L.Polyline.prototype;if(!proto.srOffsetHook){var project=proto._project;proto.srOffsetHook=true;
proto._project=function(){project.call(this);var d=this.options.offset;if(!d||!this._rings){return;}
var b=new L.Bounds();this._rings=this._rings.map(function(r){var o=offsetLine(despike(L.LineUtil.simplify(r,1.5)),d);
o.forEach(function(x){b.extend(x);});return o;});if(b.isValid()){this._rawPxBounds=b;this._updateBounds();}};}
c.classList.add('sr-routes');
function fit(b){if(!b){return;}var k=c.getBoundingClientRect(),t=c.querySelector('.sr-title'),
p=c.querySelector('.sr-compare'),top=t?t.getBoundingClientRect().bottom-k.top+8:24,o=[[[16,top],[16,16]]];
if(p){var r=p.getBoundingClientRect();o=[[[16,top],[16,k.bottom-r.top+12]],[[r.right-k.left+16,top],[16,16]]];}
var best=o[0],z=-Infinity;o.forEach(function(q){var n=m.getBoundsZoom(b,false,
L.point(q[0][0]+q[1][0],q[0][1]+q[1][1]));if(n>z){z=n;best=q;}});
m.fitBounds(b,{paddingTopLeft:best[0],paddingBottomRight:best[1],animate:false});}
function lines(g){var out=[];g.eachLayer(function(l){if(l.eachLayer){l.eachLayer(function(x){
if(x.feature&&x.feature.properties.sr_route){out.push(x);}});}});return out;}
pairs.forEach(function(p){var g=window[p.group];p.layer=g;p.lines=lines(g);
p.lines.forEach(function(x){x.srOpacity=x.options.opacity;
x.on('mouseover',function(){p.lines.forEach(function(y){if(y!==x){y.setStyle({opacity:0.3});}});x.bringToFront();});
x.on('mouseout',function(){p.lines.forEach(function(y){if(y!==x){y.setStyle({opacity:y.srOpacity});}});});});});
SR.pairs=pairs;
SR.selectPair=function(i){pairs.forEach(function(p,j){if(j===i){if(!m.hasLayer(p.layer)){m.addLayer(p.layer);}}
else if(m.hasLayer(p.layer)){m.removeLayer(p.layer);}});
c.querySelectorAll('.sr-compare .sr-pair').forEach(function(e){e.style.display=(+e.dataset.pair===i)?'':'none';});
if(sel){sel.value=String(i);}SR.selected=i;fit(pairs[i].bounds);
if(SR.showLabels){SR.showLabels(i);}
if(pairs.length>1){try{history.replaceState(null,'','#pair='+(i+1));}catch(e){}}};
if(sel){sel.addEventListener('change',function(){SR.selectPair(+sel.value);});}
var h=/#pair=(\\d+)/.exec(location.hash),start=h?Math.max(0,Math.min(+h[1]-1,pairs.length-1)):0;
SR.selectPair(start);
})({map},{pairs});"""


def _panel_row(
    d: Mapping[str, Any], style: Mapping[str, Any], title: str, scenario: str | None, reason: str, *, lead: bool
) -> str:
    """Return one row of a pair's table: the first row of a corridor names it, the others only the scenario."""
    name = _short_title(title) if lead else ""
    cells = (
        f'<td class="l sw">{_swatch_line({**style, "weight": min(float(style.get("weight", 4)), 4)}, width=22)}</td>'
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

"""Analysis results on a map: reach as bands of days, chokepoints by the days their closure adds.

Both draw layers computed elsewhere (:func:`silkroute.reach.areas_on`,
:func:`silkroute.criticality.to_gdf`); nothing is computed here but colours and classes.
"""

from __future__ import annotations

import html
import itertools
import logging
import math
from typing import TYPE_CHECKING, Any

import shapely

from silkroute.maps.controls import _backdrop, _div_marker, _finish, _legend_control, _swatch_line
from silkroute.maps.features import _feature
from silkroute.maps.labels import _add_labels, _label
from silkroute.maps.style import BAND_COLOURS, CUT, IMPACT_BREAKS, IMPACT_COLOURS, LABEL_PRIORITY

if TYPE_CHECKING:
    import folium

__all__ = ["add_chokepoints", "add_reach"]

log = logging.getLogger(__name__)

REACH_PANE = "reach"


def _info(m: folium.Map) -> dict[str, Any]:
    info: dict[str, Any] = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    return info


def _swatch_area(colour: str, opacity: float = 0.55) -> str:
    return (
        f'<svg width="30" height="14"><rect x="4" y="1" width="22" height="12" fill="{colour}" '
        f'fill-opacity="{opacity}" stroke="{colour}" stroke-width="1.2"/></svg>'
    )


def _swatch_dot(colour: str) -> str:
    return f'<svg width="30" height="12"><circle cx="15" cy="6" r="4" fill="{colour}" stroke="#fff"/></svg>'


def _band_colour(index: int) -> str:
    return BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]


def add_reach(
    m: folium.Map,
    areas: Any,
    places: Any = None,
    *,
    name: str = "Reach",
    origin: tuple[float, float, str] | None = None,
) -> folium.Map:
    """Shade the area within each band of days from a place, nearest band darkest.

    Parameters
    ----------
    m
        A map from :func:`network_map`.
    areas
        The polygons of :func:`silkroute.reach.areas_on` (one row per band, nearest first,
        with ``label``, ``from_days``, ``within_days``, ``track_km``, ``area_km2``).
    places
        Optionally the places of :func:`silkroute.reach.reach_on` (``within_days``,
        ``time_days``): its cities and ports are drawn as dots in their band's colour.
    name
        Layer name prefix and legend title.
    origin
        ``(lat, lon, name)`` of the origin, marked and labelled first.

    Returns
    -------
    folium.Map
        ``m``, with one layer per band (in a pane under the network), the places, a legend in
        days; ``m.silkroute["reach"]`` records the bands drawn.
    """
    import folium

    folium.map.CustomPane(REACH_PANE, z_index=350, pointer_events=True).add_to(m)
    info = _info(m)
    bands: list[dict[str, Any]] = []
    colours: dict[float, str] = {}
    for i, row in enumerate(areas.itertuples(index=False)):
        colour = _band_colour(i)
        colours[float(row.within_days)] = colour
        label = str(row.label)
        group = folium.FeatureGroup(name=f"{name}: {label}")
        geom = row.geometry
        if geom is not None and not geom.is_empty:
            tip = (
                f"<b>{html.escape(label)}</b><br>{row.track_km:,.0f} km of track reached within "
                f"{row.within_days:g} days<br>band area {row.area_km2:,.0f} km²"
            )
            style = {
                "color": colour,
                "weight": 1.2,
                "opacity": 0.9,
                "fillColor": colour,
                "fillOpacity": 0.42,
                "className": "sr-band",
            }
            folium.GeoJson(
                _feature(geom, {"band": label, "sr_band": True}),
                style_function=lambda _f, s=style: s,
                highlight_function=lambda _f: {"fillOpacity": 0.6},
                tooltip=folium.Tooltip(tip, sticky=True),
                pane=REACH_PANE,
            ).add_to(group)
        group.add_to(m)
        bands.append({"label": label, "colour": colour, "within_days": float(row.within_days)})
    legend = [(_swatch_area(str(b["colour"])), str(b["label"])) for b in bands]
    drawn_places = 0
    if places is not None and len(places):
        group = folium.FeatureGroup(name=f"{name}: places")
        for p in places.itertuples(index=False):
            if p.kind not in ("city", "port") or p.geometry is None:
                continue
            colour = colours.get(float(p.within_days), _band_colour(len(bands)))
            folium.CircleMarker(
                (p.geometry.y, p.geometry.x),
                radius=4,
                color="#ffffff",
                weight=1.2,
                fill=True,
                fill_color=colour,
                fill_opacity=1.0,
                tooltip=f"{html.escape(str(p.name))}: {p.time_days:.1f} days",
            ).add_to(group)
            drawn_places += 1
        group.add_to(m)
        legend.append((_swatch_dot(_band_colour(0)), "Place reached (colour of its band)"))
    if origin is not None:
        lat, lon, title = origin
        _div_marker((lat, lon), "star", "#111111", html.escape(f"{title} (origin)"), None).add_to(m)
        _add_labels(m, [_label(lat, lon, title, LABEL_PRIORITY["origin"], kind="origin", ident=f"origin:{title}")])
    info["reach"] = {"bands": bands, "places": drawn_places}
    info["legend"] = [(_legend_header(f"{name} (days of travel)"), ""), *legend, *info["legend"]]
    info["layers"][name] = len(bands)
    _legend_control(m)
    return _finish(m)


def _legend_header(text: str) -> str:
    return f'<b style="margin-right:4px">{html.escape(text)}</b>'


def _impact_class(days: float) -> int:
    """Return the index of the impact class of a delay in days (:data:`IMPACT_BREAKS`)."""
    return sum(1 for b in IMPACT_BREAKS if days >= b)


def _impact_labels() -> list[str]:
    edges = IMPACT_BREAKS
    out = [f"< {edges[0]:g} d"]
    out += [f"{a:g}–{b:g} d" for a, b in itertools.pairwise(edges)]
    out.append(f"≥ {edges[-1]:g} d")
    return out


def _split(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v for v in str(value).split(";") if v]


def _cut_labels(links: list[tuple[tuple[str, ...], Any, Any]]) -> list[dict[str, Any]]:
    """Label each chain of touching links that cut the same corridors once, at its longest link."""
    parent = list(range(len(links)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (cuts_i, geom_i, _p) in enumerate(links):
        for j in range(i + 1, len(links)):
            if links[j][0] == cuts_i and shapely.dwithin(geom_i, links[j][1], 0.01):
                parent[root(j)] = root(i)
    chains: dict[int, list[int]] = {}
    for i in range(len(links)):
        chains.setdefault(root(i), []).append(i)
    out = []
    for members in chains.values():
        cuts, _geom, point = links[max(members, key=lambda i: shapely.length(links[i][1]))]
        text = f"cuts: {', '.join(cuts)}"
        out.append(_label(point.y, point.x, text, LABEL_PRIORITY["cut"] + len(cuts), kind="cut"))
    return out


def add_chokepoints(m: folium.Map, gdf: Any, *, name: str = "Chokepoints") -> folium.Map:
    """Draw chokepoints coloured by the days closing them adds, and the links that cut a corridor.

    Parameters
    ----------
    m
        A map from :func:`network_map`.
    gdf
        The layer of :func:`silkroute.criticality.to_gdf`: ``name``, ``kind``, ``used_by``,
        ``cuts`` (``;``-joined corridors left with no route), ``max_added_days`` (the largest
        delay among the corridors that still run), ``added_days_<corridor>``.
    name
        Layer name and legend title.

    Returns
    -------
    folium.Map
        ``m``, with the links in classes of added days (:data:`~silkroute.maps.style.IMPACT_BREAKS`,
        light to dark) and the links that cut a corridor dashed black with a label
        ``cuts: …``; a legend; ``m.silkroute["chokepoints"]`` counts the links per class.
    """
    import folium

    info = _info(m)
    labels = _impact_labels()
    rows: list[dict[str, Any]] = gdf.to_dict("records")
    per_corridor = [c for c in gdf.columns if c.startswith("added_days_")]
    cut_rows = [r for r in rows if _split(r["cuts"])]
    ranked = sorted(
        (r for r in rows if not _split(r["cuts"])), key=lambda r: float(r["max_added_days"] or 0.0)
    )  # darkest drawn last
    impact = folium.FeatureGroup(name=f"{name}: days added if closed")
    cut = folium.FeatureGroup(name=f"{name}: links that cut a corridor")
    counts = [0] * len(IMPACT_COLOURS)
    cut_links: list[tuple[tuple[str, ...], Any, Any]] = []
    for r in ranked + cut_rows:
        geom = r["geometry"]
        if geom is None or geom.is_empty:
            continue
        cuts = _split(r["cuts"])
        effects = []
        for column in per_corridor:
            value = r[column]
            corridor = column.removeprefix("added_days_")
            if corridor not in _split(r["used_by"]):
                continue
            if value is None or value != value:
                effects.append(f"{corridor}: cut")
            else:
                effects.append(f"{corridor}: +{value:.1f} d" if value >= 0.05 else f"{corridor}: no delay")
        tip = (
            f"<b>{html.escape(str(r['name']))}</b><br>"
            + (
                f"<b>cuts {html.escape(', '.join(cuts))}</b> (no alternative route)<br>"
                if cuts
                else f"closing it adds up to <b>{float(r['max_added_days']):.1f} days</b><br>"
            )
            + html.escape(" · ".join(effects))
        )
        style: dict[str, Any]
        if cuts:
            style = {**CUT, "className": "sr-cut"}
            target = cut
        else:
            k = _impact_class(float(r["max_added_days"] or 0.0))
            counts[k] += 1
            style = {"color": IMPACT_COLOURS[k], "weight": 6, "opacity": 1.0, "className": "sr-impact"}
            target = impact
        if geom.geom_type == "Point":
            folium.CircleMarker(
                (geom.y, geom.x),
                radius=7,
                color="#ffffff" if not cuts else "#000000",
                weight=2,
                dash_array="3 2" if cuts else None,
                class_name="sr-cut" if cuts else "sr-impact",
                fill=True,
                fill_color=style["color"] if not cuts else "#000000",
                fill_opacity=1.0,
                tooltip=folium.Tooltip(tip),
            ).add_to(target)
            point = geom
        else:
            _backdrop(_feature(geom, {}), {"color": "#ffffff", "weight": style["weight"] + 4, "opacity": 0.9}).add_to(
                target
            )
            folium.GeoJson(
                _feature(geom, {"name": str(r["name"]), "cut": bool(cuts), "sr_choke": True}),
                style_function=lambda _f, s=style: s,
                highlight_function=lambda _f, w=style["weight"]: {"weight": w + 3},
                tooltip=folium.Tooltip(tip, sticky=True),
            ).add_to(target)
            point = shapely.line_interpolate_point(shapely.line_merge(geom), 0.5, normalized=True)
            if point.geom_type != "Point" or point.is_empty:
                point = geom.representative_point()
        if cuts:
            cut_links.append((tuple(cuts), geom, point))
    impact.add_to(m)
    cut.add_to(m)
    _add_labels(m, _cut_labels(cut_links))
    legend = [(_legend_header(f"{name}: days added if closed"), "")]
    legend += [
        (_swatch_line({"color": c, "weight": 6}), f"{label} (worst corridor that still runs)" if i == 0 else label)
        for i, (c, label) in enumerate(zip(IMPACT_COLOURS, labels, strict=True))
    ]
    legend.append((_swatch_line(CUT), "cuts a corridor: no alternative route"))
    info["legend"] = [*legend, *info["legend"]]
    info["chokepoints"] = {"classes": dict(zip(labels, counts, strict=True)), "cuts": len(cut_rows)}
    info["layers"][name] = len(rows)
    _legend_control(m)
    return _finish(m)

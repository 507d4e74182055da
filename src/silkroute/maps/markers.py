"""Layers of the network map: lines by category, border crossings, breaks of gauge, cities and ports."""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from silkroute import schema
from silkroute.maps.controls import _backdrop, _div_marker, _popup, _triple_row
from silkroute.maps.features import _collection
from silkroute.maps.labels import _add_labels, _label
from silkroute.maps.style import CROSSING, FERRY, GAUGE_BREAK, HALO, STATUS_LABEL

if TYPE_CHECKING:
    import folium

    from silkroute.catalog import Catalog

__all__: list[str] = []

log = logging.getLogger(__name__)


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
            _triple_row("dwell low / mode / high", row, schema.DWELL),
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
            _triple_row("transshipment low / mode / high", row, schema.TRANSSHIP),
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
    """Draw cities (circle markers, labelled) and ports (anchor badges); return their counts.

    Each city gets a label candidate whose priority is its weight (:func:`_city_weights`); the
    labels are placed without overlaps in the browser (:mod:`silkroute.maps.labels`).
    """
    import folium

    group = folium.FeatureGroup(name="Cities and ports")
    cities = cat.places[cat.places["kind"] == "city"]
    ports = cat.places[cat.places["kind"] == "port"]
    weights = _city_weights(cat)
    labels = []
    for pid, p in cities.iterrows():
        weight = weights.get(str(pid), 0)
        folium.CircleMarker(
            (p["lat"], p["lon"]),
            radius=3.5 if weight >= MAJOR_WEIGHT else 2.5,
            color="#ffffff",
            weight=1.2,
            fill=True,
            fill_color="#222222",
            fill_opacity=1.0,
            tooltip=html.escape(str(p["name"])),
            popup=folium.Popup(_place_popup(pid, p), max_width=300),
        ).add_to(group)
        kind = "city" if weight >= MAJOR_WEIGHT else "minor"
        labels.append(_label(p["lat"], p["lon"], p["name"], weight, kind=kind, ident=str(pid)))
    for pid, p in ports.iterrows():
        _div_marker(
            (p["lat"], p["lon"]), "anchor", FERRY, html.escape(f"{p['name']} (port)"), _place_popup(pid, p)
        ).add_to(group)
    group.add_to(m)
    _add_labels(m, labels)
    return len(cities), len(ports)


#: Cities with at least this weight (:func:`_city_weights`) are drawn larger and labelled in bold.
MAJOR_WEIGHT = 4


def _city_weights(cat: Catalog) -> dict[str, int]:
    """Weigh places for labelling: railway hubs first.

    A place's weight is the number of catalog lines through it plus the number
    of lines ending there.
    """
    weight: dict[str, int] = defaultdict(int)
    for stops in cat.lines["stops"]:
        for stop in stops:
            weight[stop] += 1
        for end in (stops[0], stops[-1]):
            weight[end] += 1
    return dict(weight)


def _place_popup(pid: Any, p: Mapping[str, Any]) -> str:
    rows = [
        f"<tr><th>id</th><td>{html.escape(str(pid))}</td></tr>",
        f"<tr><th>country</th><td>{p['country']}</td></tr>",
    ]
    return _popup(str(p["name"]), rows, p.get("source"))

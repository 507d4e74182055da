"""HTML maps: construction, offline pages, atomic writes, and rendering in headless Chromium."""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import shapely

from silkroute import catalog, corridors, criticality, maps, network, reach, routing, scenario
from silkroute.maps import basemap as _basemap
from silkroute.maps import comparison as comparison_layer
from silkroute.maps import offline as _offline
from silkroute.maps import style
from silkroute.timing import TimeModel

from .browser import browser_required, render_page, require_chromium
from .conftest import ROOT, real_file

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MAX_BYTES = 5_000_000
# A glyphicon in use: a folium.Icon with the default prefix, or a glyphicon CSS class.
GLYPHICON = re.compile(r"\"prefix\":\s*\"glyphicon\"|glyphicon-[a-z]")
# What a browser fetches by itself: src/href of scripts, stylesheets, images, CSS url(), tile templates.
FETCHABLE = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//|tileLayer\(\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)
# Colours looked for in screenshots: the map's own background shows only where no basemap is drawn.
BASE_COLOURS = {"no_data": style.NO_DATA, "sea": style.SEA, "land": style.LAND}

# Visible labels, and how many pairs of them overlap (boxes in page pixels).
LABELS_JS = """() => {
    const r = Array.from(document.querySelectorAll('.sr-lab span'))
        .filter((e) => e.style.visibility === 'visible').map((e) => e.getBoundingClientRect());
    const els = Array.from(document.querySelectorAll('.sr-lab span')).filter((e) => e.style.visibility === 'visible');
    let overlaps = 0, pairs = [];
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
        const a = r[i], b = r[j];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
            overlaps++;
            pairs.push([els[i].textContent, [a.left, a.top, a.right, a.bottom], els[j].textContent, [b.left, b.top, b.right, b.bottom]]);
        }
    }
    return {shown: r.length, overlaps: overlaps, pairs: pairs,
            texts: Array.from(document.querySelectorAll('.sr-lab span'))
                .filter((e) => e.style.visibility === 'visible').map((e) => e.textContent)};
}"""
MAP_JS = "Object.values(window).find((v) => v instanceof L.Map)"
# The basemap's sea rectangle covers the map container (SVG paths are clipped to the view plus a margin).
COVER_JS = (
    "() => { const m = " + MAP_JS + ", k = m.getContainer().getBoundingClientRect();"
    " const seas = Array.from(document.querySelectorAll('.leaflet-basemap-pane path')).map((p) => p.getBoundingClientRect());"
    " const s = seas.reduce((a, b) => (a && a.width * a.height >= b.width * b.height ? a : b), null);"
    " return {covered: !!s && s.left <= k.left && s.top <= k.top && s.right >= k.right && s.bottom >= k.bottom,"
    " zoom: m.getZoom(), min_zoom: m.getMinZoom(), paths: seas.length}; }"
)
ZOOM_OUT_JS = "() => { const m = " + MAP_JS + "; m.setView([84, -179], 0, {animate: false}); }"
ZOOM_IN_JS = "() => { const m = " + MAP_JS + "; m.setView([43.25, 76.9], 9, {animate: false}); }"


def _require_assets() -> None:
    try:
        _offline.assets_dir()
    except FileNotFoundError as exc:
        if browser_required():
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def mini(mini_catalog_dir: Path) -> tuple[catalog.Catalog, nx.MultiDiGraph]:
    cat = catalog.load(mini_catalog_dir)
    G = network.build_network(cat)
    return cat, scenario.apply(G, scenario.Scenario(name="baseline"), TimeModel.from_catalog(cat))


CORRIDORS = corridors.Corridors(
    {
        "northern": corridors.Corridor("northern", "Northern via Khorgos", "", via=(("CN-KHORGOS",),)),
        "middle": corridors.Corridor("middle", "Road via Shymkent", "", via=(("KZ-SHYMKENT",),), mode="any"),
        "cku": corridors.Corridor("cku", "Avoiding Almaty", "", via=(), avoid_places=("KZ-ALMATY",)),
    },
    "northern",
)


def _compare(networks: dict[str, Any], o: str, t: str) -> corridors.Comparison:
    return corridors.compare_networks(networks, o, t, CORRIDORS)


def _distinct(comparison: corridors.Comparison) -> list[tuple[str, float, float]]:
    """The routes a map should draw for a pair: feasible results, one per corridor, km and hours."""
    return list(
        dict.fromkeys(
            (r.corridor, round(r.route.length_km, 1), round(r.route.time_h, 3))
            for rs in comparison.results.values()
            for r in rs
            if r.route is not None
        )
    )


# --------------------------------------------------------------------------- the basemap


def _derive_script() -> Any:
    spec = importlib.util.spec_from_file_location("derive_basemap", ROOT / "scripts" / "derive_basemap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["derive_basemap"] = module
    spec.loader.exec_module(module)
    return module


def test_topojson_decoding_of_quantised_arcs() -> None:
    derive = _derive_script()
    # Two unit squares side by side sharing arc 1 (used reversed by the second: ~1 == -2).
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [-2, 0], [0, 4], [2, 0]],  # (11,20) → (10,20) → (10,21) → (11,21)
            [[2, 4], [0, -4]],  # (11,21) → (11,20): the shared side
            [[2, 4], [2, 0], [0, -4], [-2, 0]],  # (11,21) → (12,21) → (12,20) → (11,20)
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "West"}},
                    {"type": "Polygon", "arcs": [[~1, 2]], "properties": {"name": "East"}},
                    {"type": None, "properties": {"name": "Nothing"}},
                ],
            }
        },
    }
    west, east = derive.polygons(topology, "countries")
    assert west.equals(shapely.box(10, 20, 11, 21)) and east.equals(shapely.box(11, 20, 12, 21))
    borders = derive.shared_arcs(topology, "countries")
    assert borders.equals(shapely.LineString([(11, 21), (11, 20)]))


def test_basemap_file_is_rfc7946_and_small() -> None:
    path = _basemap.basemap_path()
    size = path.stat().st_size
    assert size < 500_000, f"{path} is {size / 1e3:.0f} kB"
    data = json.loads(path.read_text("utf-8"))
    assert [f["properties"]["layer"] for f in data["features"]] == ["land", "lakes", "borders"]
    west, south, east, north = data["bbox"]
    vw, vs, ve, vn = data["view"]
    assert west < vw < ve <= east <= 180 and south < vs < vn < north <= 90  # a margin around the view
    for feature in data["features"]:
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert geom.is_valid, feature["properties"]
        for polygon in shapely.get_parts(geom) if geom.geom_type == "MultiPolygon" else []:
            assert polygon.exterior.is_ccw  # RFC 7946: exterior rings counterclockwise
    land = shapely.from_geojson(json.dumps(data["features"][0]["geometry"]))
    # The whole of Eurasia and the seas around it, not a box: eastern and southern China, India,
    # Japan are land; the Caspian, the Black Sea, the Bay of Bengal, the Sea of Japan are not.
    for lon, lat in [(116.4, 39.9), (113.3, 23.1), (121.5, 31.2), (77.2, 28.6), (139.7, 35.7), (10, 50)]:
        assert land.contains(shapely.Point(lon, lat)), (lon, lat)
    for lon, lat in [(51, 42), (34, 43), (88, 15), (135, 40), (-20, 40)]:
        assert not land.contains(shapely.Point(lon, lat)), (lon, lat)
    lakes = shapely.from_geojson(json.dumps(data["features"][1]["geometry"]))
    for lon, lat in [(108.0, 53.5), (77.3, 42.45), (42.9, 38.6)]:  # Baikal, Issyk-Kul, Van
        assert lakes.contains(shapely.Point(lon, lat)), (lon, lat)


def test_basemap_is_reproduced_by_its_script(tmp_path: Path) -> None:
    """scripts/derive_basemap.py, run on the pinned npm packages, writes the shipped file byte for byte."""
    derive = _derive_script()
    node_modules = ROOT / "node_modules"
    missing = [p for p in derive.SOURCES if not (node_modules / p / "package.json").is_file()]
    if missing:
        reason = f"npm packages {missing} not installed (npm ci)"
        if browser_required():
            pytest.fail(reason)
        pytest.skip(reason)
    out = tmp_path / "basemap.geojson"
    assert derive.main(["--node-modules", str(node_modules), "-o", str(out)]) == 0
    assert out.read_bytes() == _basemap.basemap_path().read_bytes()


@pytest.mark.real
def test_basemap_land_is_natural_earth() -> None:
    """The land agrees with Natural Earth 1:50m countries from ../shared (an independent copy)."""
    import gzip

    with gzip.open(real_file("countries_ne50m.geojson.gz")) as f:
        shared = json.load(f)
    countries = shapely.union_all(
        [shapely.make_valid(shapely.from_geojson(json.dumps(f["geometry"]))) for f in shared["features"]]
    )
    data = json.loads(_basemap.basemap_path().read_text("utf-8"))
    land = shapely.from_geojson(json.dumps(data["features"][0]["geometry"]))
    box = shapely.box(20, 30, 100, 55)  # inside the shared file's area, where it has every country
    a, b = shapely.intersection(countries, box), shapely.intersection(land, box)
    assert shapely.symmetric_difference(a, b).area / a.area < 0.02


def test_network_features_one_per_line_and_ferry(mini: Any) -> None:
    cat, G = mini
    layers = maps.network_features(G)
    features = [f for fs in layers.values() for f in fs]
    assert sorted(f["properties"]["line_id"] for f in features) == sorted(cat.lines.index)
    assert set(layers) == {"Roads", "Rail 1435 mm (standard gauge)", "Rail 1520 mm (Russian gauge)"}
    total = sum(f["properties"]["length_km"] for f in features)
    lines = [d["length"] for *_, d in G.edges(data=True) if d["kind"] in ("line", "snap")]
    assert total == pytest.approx(sum(lines) / 2000, abs=0.1 * len(features))
    for f in features:  # display geometry: rounded to DECIMALS
        coords = str(f["geometry"]["coordinates"])
        assert not re.search(r"\.\d{5,}", coords), coords


def test_status_styles_make_construction_visible(mini: Any) -> None:
    _, G = mini
    H = G.copy()
    for *_, d in H.edges(data=True):
        if d.get("line_id") == "UZ-KELES-TASHKENT":
            d["status"] = "under_construction"
    layers = maps.network_features(H)
    (feature,) = layers["Rail under construction / planned"]
    assert feature["properties"]["line_id"] == "UZ-KELES-TASHKENT"
    assert feature["properties"]["style"]["dashArray"]
    assert all("dashArray" not in f["properties"]["style"] for f in layers["Rail 1520 mm (Russian gauge)"])


# --------------------------------------------------------------------------- network and comparison maps


def _comparison_map(mini: Any) -> tuple[Any, corridors.Comparison]:
    cat, G = mini
    m = maps.network_map(G, cat)
    comparison = _compare({"baseline": G}, "Yining", "Tashkent")
    maps.add_comparison(m, comparison)
    return m, comparison


def test_comparison_map_renders_offline_in_chromium(mini: Any, tmp_path: Path) -> None:
    require_chromium()
    _require_assets()
    cat, _G = mini
    m, comparison = _comparison_map(mini)
    path = maps.save(m, tmp_path / "compare.html")
    page = path.read_text()
    assert not GLYPHICON.search(page) and not FETCHABLE.search(page)
    assert "Made with Natural Earth" in page

    report = render_page(
        path,
        ARTIFACTS / "map_comparison_mini.png",
        count=(".leaflet-basemap-pane path", "path.sr-route"),
        evaluate={"labels": LABELS_JS, "cover": COVER_JS},
        colours=BASE_COLOURS,
    )
    assert report.errors == [] and report.blocked_requests == []
    # Expected elements, from the catalog and the results (not from the map object):
    results = comparison.results["baseline"]
    feasible = [r for r in results if r.feasible]
    assert 0 < len(feasible) < len(results)  # both cases are drawn
    lines = len(cat.lines) + len(cat.ferries)  # one path per catalog line and ferry
    cities = int((cat.places["kind"] == "city").sum())  # circle markers are paths too
    assert report.counts["path.sr-route"] == len(_distinct(comparison)) == len(feasible)
    assert report.paths == lines + cities + len(feasible)
    ports = int((cat.places["kind"] == "port").sum())
    assert report.markers == len(cat.crossings) + len(cat.gauge_changes) + ports + 2  # + origin, dest
    assert report.counts[".leaflet-basemap-pane path"] == 4  # sea, land, lakes, borders
    assert m.silkroute["outline_polygons"] > 100
    assert report.values["cover"]["covered"] and report.colours["no_data"] == 0
    assert report.colours["sea"] > 0.001 and report.colours["land"] > 0.2  # Balkhash, Issyk-Kul: lakes
    labels = report.values["labels"]
    assert labels["overlaps"] == 0 and {"Yining", "Tashkent"} <= set(labels["texts"])
    assert "Border crossings" in report.layer_labels
    assert not [label for label in report.layer_labels if "Northern" in label]  # the selector shows routes
    assert report.fa_font_loaded
    assert report.screenshot is not None and report.screenshot.stat().st_size > 10_000


def test_panel_shows_compare_numbers(mini: Any) -> None:
    m, comparison = _comparison_map(mini)
    page = m.get_root().render()
    results = comparison.results["baseline"]
    for r in results:
        d = r.to_dict()
        if r.feasible:
            assert f"{d['length_km']:,.0f}" in page and f"{d['time_h']:,.1f}" in page
        else:
            assert "not feasible" in page
    assert [x["label"] for x in m.silkroute["routes"]] == [f"{r.title} · baseline" for r in results if r.feasible]


def test_a_route_shared_by_scenarios_is_drawn_once(mini: Any) -> None:
    cat, G = mini
    same = scenario.apply(network.build_network(cat), scenario.Scenario(name="same"), TimeModel.from_catalog(cat))
    m = maps.network_map(G, cat, outline=False)
    comparison = _compare({"baseline": G, "same": same}, "Yining", "Tashkent")
    maps.add_comparison(m, comparison)
    drawn = m.silkroute["routes"]
    feasible = [c.title for c in CORRIDORS.values() if c.name != "cku"]
    assert [x["label"] for x in drawn] == [f"{t} · baseline, same" for t in feasible]
    assert all(x["scenarios"] == ["baseline", "same"] and "dashArray" not in x["style"] for x in drawn)


def test_routes_that_share_track_are_offset(mini: Any) -> None:
    _cat, G = mini
    comparison = _compare({"baseline": G}, "Yining", "Tashkent")
    routes = comparison_layer._distinct_routes(comparison)
    assert len(routes) == 2
    a, b = routes
    shared = sum(km for e, km in a.edges.items() if e in b.edges)
    # Both leave Yining over Khorgos: side by side, symmetric around the track; apart otherwise.
    assert (shared > style.SHARED_KM) == (a.offset != b.offset)
    if shared > style.SHARED_KM:
        assert a.offset == -b.offset and abs(a.offset - b.offset) == style.ROUTE_SPACING


def test_map_without_basemap_file_still_works(
    mini: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    cat, G = mini
    monkeypatch.setattr(_basemap, "basemap_path", lambda: tmp_path / "missing.geojson")
    _basemap._basemap.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="silkroute.maps"):
            m = maps.network_map(G, cat)
    finally:
        _basemap._basemap.cache_clear()
    assert m.silkroute["outline_polygons"] == 0
    assert "basemap not drawn" in caplog.text
    assert "Natural Earth" not in m.get_root().render()


def test_save_is_atomic(mini: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cat, G = mini
    m = maps.network_map(G, cat, outline=False)
    path = maps.save(m, tmp_path / "maps" / "net.html", offline=False)
    before = path.read_bytes()

    def broken(html: str) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(_offline, "offline_html", broken)
    with pytest.raises(OSError, match="disk full"):
        maps.save(m, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["net.html"]


def test_default_network_map_is_small_and_offline(tmp_path: Path) -> None:
    _require_assets()
    m = maps.network_map(scenario.network("baseline"), catalog.load())
    path = maps.save(m, tmp_path / "network.html")
    size = path.stat().st_size
    page = path.read_text()
    assert size < MAX_BYTES, f"default network map is {size / 1e6:.2f} MB"
    assert not FETCHABLE.search(page)
    assert not GLYPHICON.search(page)


def test_default_network_map_in_chromium(tmp_path: Path) -> None:
    require_chromium()
    _require_assets()
    cat = catalog.load()
    m = maps.network_map(scenario.network("baseline"), cat)
    path = maps.save(m, tmp_path / "network.html")
    report = render_page(
        path,
        ARTIFACTS / "map_network.png",
        viewport=(1400, 900),
        evaluate={"labels": LABELS_JS, "cover": COVER_JS},
        colours=BASE_COLOURS,
    )
    assert report.errors == [] and report.blocked_requests == []
    cities = int((cat.places["kind"] == "city").sum())
    assert report.paths == sum(m.silkroute["layers"].values()) + cities
    assert sum(m.silkroute["layers"].values()) == len(cat.lines) + len(cat.ferries)
    ports = int((cat.places["kind"] == "port").sum())
    assert report.markers == len(cat.crossings) + len(cat.gauge_changes) + ports
    assert report.values["cover"]["covered"] and report.colours["no_data"] == 0
    labels = report.values["labels"]
    assert labels["overlaps"] == 0 and labels["shown"] > 40
    assert {"Moscow", "Almaty", "Istanbul"} <= set(labels["texts"])


# Where the selected pair's routes are, relative to the view and the comparison panel (container
# pixels), which routes are drawn and which table is shown.
_ROUTE_VIEW_JS = f"""() => {{
    const m = {MAP_JS}, i = SR.selected, b = L.latLngBounds(SR.pairs[i].bounds);
    const k = m.getContainer().getBoundingClientRect();
    const p = document.querySelector('.sr-compare').getBoundingClientRect();
    const nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());
    const [left, top, right, bottom] = [nw.x + k.left, nw.y + k.top, se.x + k.left, se.y + k.top];
    const routes = Array.from(document.querySelectorAll('path.sr-route'));
    return {{
        pair: i,
        select: document.querySelector('.sr-compare select').value,
        tables: Array.from(document.querySelectorAll('.sr-compare .sr-pair'))
            .filter((e) => e.style.display !== 'none').map((e) => +e.dataset.pair),
        routes: routes.length,
        drawn: routes.filter((e) => {{ const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; }}).length,
        colours: routes.map((e) => e.getAttribute('stroke')),
        inside: m.getBounds().contains(b),
        under_panel: left < p.right && right > p.left && top < p.bottom && bottom > p.top,
        share: ((right - left) * (bottom - top)) / (k.width * k.height),
        hash: location.hash,
    }};
}}"""
# Hover the first route of the selected pair: its tooltip, and the other routes fade.
_HOVER_JS = """() => {
    const p = SR.pairs[SR.selected], x = p.lines[0];
    x.fire('mouseover', {latlng: x.getCenter()}, true);  // propagate to the layer holding the tooltip
    const tip = document.querySelector('.leaflet-tooltip');
    const faded = p.lines.filter((y) => y !== x && y.options.opacity < 0.5).length;
    x.fire('mouseout', {latlng: x.getCenter()}, true);
    return {tooltip: tip ? tip.textContent : '', faded: faded, others: p.lines.length - 1};
}"""

HEADLINE_PAIRS = [
    ("Kashgar", "Tashkent"),
    ("Kashgar", "Istanbul"),
    ("Urumqi", "Tehran"),
    ("Xi'an", "Duisburg"),
    ("Xi'an", "Istanbul"),
]
DUISBURG = 3  # Xi'an → Duisburg: the northern, Trans-Siberian and Trans-Mongolian routes share Moscow–Minsk


def _shared_point(comparison: corridors.Comparison, names: tuple[str, ...]) -> tuple[float, float]:
    """Lat/lon of the middle of the longest edge that the routes of all ``names`` use (baseline)."""
    routes = [comparison.corridor("baseline", n).route for n in names]
    edges = [{frozenset((u, v)): d for (u, v, _k), d in zip(r.edges, r.edge_data, strict=True)} for r in routes if r]
    shared = set.intersection(*(set(e) for e in edges))
    longest = max(shared, key=lambda e: edges[0][e]["length"])
    point = shapely.line_interpolate_point(edges[0][longest]["geometry"], 0.5, normalized=True)
    return round(point.y, 4), round(point.x, 4)


@pytest.fixture(scope="module")
def headline() -> tuple[list[corridors.Comparison], Any, Path]:
    _require_assets()
    networks = {s: scenario.network(s) for s in ("baseline", "cku-open")}
    comparisons = [corridors.compare_networks(networks, o, t) for o, t in HEADLINE_PAIRS]
    m = maps.corridor_map(comparisons, networks["baseline"], catalog.load())
    path = ARTIFACTS / "headline.html"
    maps.save(m, path)
    return comparisons, m, path


def test_headline_map_shows_one_pair_at_a_time(headline: Any) -> None:
    """Five pairs, one selector: one pair's routes at a time, beside the panel, at 1024 x 768 and 1400 x 900."""
    require_chromium()
    comparisons, m, path = headline
    assert path.stat().st_size < MAX_BYTES
    names = ("northern", "trans-siberian", "trans-mongolian")
    northern, siberian, mongolian = (style.CORRIDOR_COLOURS[c] for c in names)
    lat, lon = _shared_point(comparisons[DUISBURG], names)
    colours = {**BASE_COLOURS, **{f"{c}@shared": f"{style.CORRIDOR_COLOURS[c]}@{lat},{lon},20" for c in names}}
    evaluate = {"view": _ROUTE_VIEW_JS, "labels": LABELS_JS, "cover": COVER_JS}
    states = [
        (
            "duisburg",
            f"() => {{ const s = document.querySelector('.sr-compare select'); s.value = '{DUISBURG}';"
            " s.dispatchEvent(new Event('change')); }",
        ),
        ("hover", "() => {}"),
        ("zoomed_out", ZOOM_OUT_JS),
        ("zoomed_in", ZOOM_IN_JS),
    ]
    for viewport, name, most in (((1024, 768), "map_headline.png", 0.45), ((1400, 900), "map_headline_1400.png", 0.3)):
        report = render_page(
            path,
            ARTIFACTS / name,
            viewport=viewport,
            areas=(".sr-compare", ".sr-legend", ".leaflet-control-layers"),
            evaluate={**evaluate, "hover": _HOVER_JS},
            colours=colours,
            states=states,
        )
        assert report.errors == [] and report.blocked_requests == [], viewport
        assert report.areas[".sr-compare"] < most and report.areas[".sr-legend"] < 0.05
        assert report.areas[".leaflet-control-layers"] < 0.02  # collapsed to its button
        for state, seen in [("start", report), *report.states.items()]:  # the basemap fills the window
            values = seen.values
            assert values["cover"]["covered"], (viewport, state, values["cover"])
            assert seen.colours["no_data"] == 0 and seen.colours["land"] > 0.1, (viewport, state, seen.colours)
            least = 1 if state == "zoomed_in" else 10
            assert values["labels"]["overlaps"] == 0 and values["labels"]["shown"] >= least, (viewport, state)
        # The first pair: only its routes, its table; fitted beside the panel.
        first = report.values["view"]
        assert first["pair"] == 0 and first["select"] == "0" and first["tables"] == [0]
        assert first["routes"] == first["drawn"] == len(_distinct(comparisons[0]))
        assert first["inside"] and not first["under_panel"] and first["share"] > 0.15, first
        assert {"Kashgar", "Tashkent"} <= set(report.values["labels"]["texts"])
        # The selector switches to Xi'an → Duisburg: its routes only, the three northern ones side by side.
        seen = report.states["duisburg"].values["view"]
        assert seen["pair"] == DUISBURG and seen["tables"] == [DUISBURG] and seen["hash"] == f"#pair={DUISBURG + 1}"
        assert seen["routes"] == seen["drawn"] == len(_distinct(comparisons[DUISBURG]))
        assert {northern, siberian, mongolian} <= set(seen["colours"])
        assert seen["inside"] and not seen["under_panel"], seen
        near = report.states["duisburg"].colours
        assert min(near[f"{c}@shared"] for c in names) > 0.004, near  # all three, side by side
        assert {"Xi'an", "Duisburg"} <= set(report.states["duisburg"].values["labels"]["texts"])
        hover = report.states["hover"].values["hover"]
        title = comparisons[DUISBURG].results["baseline"][0].title
        assert hover["faded"] == hover["others"] > 0
        assert title in hover["tooltip"] and "baseline, cku-open" in hover["tooltip"]
        assert "days" in hover["tooltip"] and "km" in hover["tooltip"]
        zoomed = report.states["zoomed_out"].values["cover"]
        assert zoomed["zoom"] == zoomed["min_zoom"] > 1
    # What was drawn, from the comparisons (not from the map object):
    offsets = {(r["pair"], r["corridor"]): r["offset"] for r in m.silkroute["routes"]}
    pair = comparisons[DUISBURG].label
    assert len({offsets[pair, c] for c in ("northern", "trans-siberian", "trans-mongolian")}) == 3
    drawn = {(r["corridor"], s) for r in m.silkroute["routes"] for s in r["scenarios"]}
    assert ("cku", "cku-open") in drawn and ("cku", "baseline") not in drawn


# --------------------------------------------------------------------------- reach and chokepoints

BANDS_JS = """() => ({
    bands: Array.from(document.querySelectorAll('path.sr-band')).map((e) => e.getAttribute('fill')),
    legend: document.querySelector('.sr-legend').textContent,
})"""


def test_reachable_part_of_an_edge() -> None:
    line = shapely.LineString([(0, 0), (10, 0)])
    assert reach._reachable_part(line, 0.0, 30.0, 10.0, 5.0)[0].equals(shapely.LineString([(0, 0), (5, 0)]))
    both = reach._reachable_part(line, 0.0, 2.0, 10.0, 5.0)  # from u 5 h, from v 3 h: 5 + 3 < 10
    assert [p.length for p in both] == [5.0, 3.0]
    assert reach._reachable_part(line, 0.0, 0.0, 10.0, 5.0) == [line]  # reached from both ends
    assert reach._reachable_part(line, 6.0, 7.0, 10.0, 5.0) == []


def test_reach_areas_are_bands_of_days(mini: Any) -> None:
    _, G = mini
    days = [0.5, 1, 2]
    areas = reach.areas_on(G, "Yining", days)
    places, _ = reach.reach_on(G, "Yining", days)
    assert list(areas["within_days"]) == days and list(areas["from_days"]) == [0, 0.5, 1]
    assert list(areas["label"]) == ["≤ 0.5 days", "0.5–1 days", "1–2 days"]
    assert areas.crs.to_epsg() == 4326
    geoms = list(areas.geometry)
    for i, a in enumerate(geoms):  # bands do not overlap
        for b in geoms[i + 1 :]:
            assert shapely.intersection(a, b).area < 1e-6 * max(a.area, b.area, 1e-9)
    assert list(areas["track_km"]) == sorted(areas["track_km"])  # cumulative
    for p in places.itertuples():  # every place reached lies in its band or a nearer one
        upto = shapely.union_all([g for g, d in zip(geoms, days, strict=True) if d <= p.within_days])
        assert upto.buffer(1e-6).contains(p.geometry), p.name


def test_reach_cli_writes_rfc7946_polygons(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from silkroute.cli import app

    from .test_io import geojsonhint

    prefix = tmp_path / "reach"
    out = CliRunner().invoke(
        app, ["reach", "--from", "Urumqi", "--days", "5,10", "-o", str(prefix), "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    path = prefix.with_suffix(".areas.geojson")
    assert geojsonhint([path]) == {str(path): []}  # includes the right-hand rule
    data = json.loads(path.read_text("utf-8"))
    assert "crs" not in data and [f["properties"]["label"] for f in data["features"]] == ["≤ 5 days", "5–10 days"]
    for f in data["features"]:
        geom = shapely.from_geojson(json.dumps(f["geometry"]))
        assert geom.geom_type == "MultiPolygon" and geom.is_valid and not geom.is_empty
        assert all(p.exterior.is_ccw for p in geom.geoms)
        lon, lat = shapely.get_coordinates(geom).T
        assert lon.min() >= -180 and lon.max() <= 180 and lat.min() >= -90 and lat.max() <= 90
        assert 60 < lon.mean() < 110 or f["properties"]["within_days"] > 5  # near Ürümqi first


def test_reach_map_draws_bands_with_a_legend(tmp_path: Path) -> None:
    require_chromium()
    _require_assets()
    G = scenario.network("baseline")
    net = routing.compile(G)
    days = [5, 10, 15]
    places, _ = reach.reach_on(net, "Urumqi", days)
    areas = reach.areas_on(net, "Urumqi", days)
    m = maps.network_map(G, catalog.load(), title="Reach from Ürümqi by rail")
    origin = places.iloc[0]
    maps.add_reach(m, areas, places, origin=(origin.geometry.y, origin.geometry.x, str(origin["name"])))
    path = maps.save(m, tmp_path / "reach.html")
    assert path.stat().st_size < MAX_BYTES
    band_colours = {f"band{i}": c for i, c in enumerate(style.BAND_COLOURS[:3])}
    report = render_page(
        path,
        ARTIFACTS / "map_reach.png",
        viewport=(1400, 900),
        evaluate={"bands": BANDS_JS, "labels": LABELS_JS, "cover": COVER_JS},
        colours={**BASE_COLOURS},
    )
    assert report.errors == [] and report.blocked_requests == []
    seen = report.values["bands"]
    assert seen["bands"] == list(band_colours.values())  # one polygon per band, nearest darkest
    for label in areas["label"]:
        assert label in seen["legend"]
    assert "days of travel" in seen["legend"]
    assert report.values["cover"]["covered"] and report.colours["no_data"] == 0
    assert report.values["labels"]["overlaps"] == 0, report.values["labels"]["pairs"]
    assert "Ürümqi" in report.values["labels"]["texts"]
    assert m.silkroute["reach"]["places"] == int(places["kind"].isin(["city", "port"]).sum())


CHOKE_JS = """() => {
    const get = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => ({
        stroke: e.getAttribute('stroke'), dash: e.getAttribute('stroke-dasharray'), fill: e.getAttribute('fill')}));
    return {cut: get('path.sr-cut'), impact: get('path.sr-impact'),
            legend: document.querySelector('.sr-legend').textContent};
}"""


def test_chokepoint_map_marks_cut_links(tmp_path: Path) -> None:
    require_chromium()
    _require_assets()
    G = scenario.network("baseline")
    points = criticality.criticality_on(routing.compile(G), "Xi'an", "Duisburg")
    gdf = criticality.to_gdf(G, points)
    cut = [p for p in points if p.cut]
    assert cut and any(p.max_added_days == 0 for p in cut)  # what used to be drawn as "+0.0 d", lightest
    m = maps.network_map(G, catalog.load(), title="Chokepoints Xi'an → Duisburg")
    maps.add_chokepoints(m, gdf)
    path = maps.save(m, tmp_path / "chokepoints.html")
    page = path.read_text()
    report = render_page(
        path,
        ARTIFACTS / "map_chokepoints.png",
        viewport=(1400, 900),
        evaluate={"links": CHOKE_JS, "labels": LABELS_JS, "cover": COVER_JS},
        colours=BASE_COLOURS,
    )
    assert report.errors == [] and report.blocked_requests == []
    links = report.values["links"]
    lines = gdf[gdf.geometry.geom_type != "Point"]
    cut_lines = [x for x in links["cut"] if x["fill"] == "none"]
    assert len(cut_lines) == int((lines["cuts"] != "").sum()) > 0
    assert all(x["stroke"] == "#000000" and x["dash"] == "10 7" for x in cut_lines)  # dashed black
    impact_lines = [x for x in links["impact"] if x["fill"] == "none"]
    impact_points = [x for x in links["impact"] if x["fill"] != "none"]
    assert len(impact_lines) == int((lines["cuts"] == "").sum())
    assert len(impact_points) == int(((gdf.geometry.geom_type == "Point") & (gdf["cuts"] == "")).sum())
    assert {x["stroke"] for x in impact_lines} | {x["fill"] for x in impact_points} <= set(style.IMPACT_COLOURS)
    assert not any(x["dash"] for x in links["impact"])
    for label in ("< 0.5 d", "≥ 5 d", "cuts a corridor"):
        assert label in links["legend"]
    texts = report.values["labels"]["texts"]
    assert any(t.startswith("cuts: ") for t in texts) and report.values["labels"]["overlaps"] == 0, report.values[
        "labels"
    ]["pairs"]
    assert "+0.0 d" not in page
    assert report.values["cover"]["covered"] and report.colours["no_data"] == 0
    classes = m.silkroute["chokepoints"]["classes"]
    for p in points:  # each link that keeps every corridor running is in the class of its added days
        if not p.cut:
            k = sum(1 for b in style.IMPACT_BREAKS if p.max_added_days >= b)
            assert classes[list(classes)[k]] > 0


def test_short_reasons_drop_what_the_panel_says() -> None:
    long = (
        "no route from Kashgar to Tashkent via Makmal in scenario baseline: every route needs links it does not"
        " allow: China–Kyrgyzstan–Uzbekistan railway, Chinese section (status under_construction)"
    )
    assert comparison_layer._short_reason(long) == "no route via Makmal"
    assert comparison_layer._short_reason("the middle corridor does not serve destinations in UZB") == (
        "does not serve destinations in UZB"
    )
    avoid = "no route from Ürümqi to Tehran via Alashankou/Khorgos while avoiding AZE, GEO, KGZ, TKM; a route exists"
    short = comparison_layer._short_reason(avoid)
    assert short.startswith("no route via Alashankou/Khorgos") and short.endswith("…")
    assert len(short) == style.REASON_CHARS
    assert comparison_layer._short_reason("") == "no route"


def test_pairs_share_one_panel_with_a_selector(mini: Any) -> None:
    cat, G = mini
    slow = scenario.apply(network.build_network(cat), scenario.Scenario(name="slow"), TimeModel.from_catalog(cat))
    m = maps.network_map(G, cat, outline=False)
    for o, t in [("Yining", "Tashkent"), ("Tashkent", "Yining")]:
        maps.add_comparison(m, _compare({"baseline": G, "slow": slow}, o, t))
    page = m.get_root().render()
    assert page.count('"sr-panel sr-compare') == 1 and page.count("option value=") == 2
    assert [pair for pair, _ in m.silkroute["panels"]] == ["Yining → Tashkent", "Tashkent → Yining"]
    assert [p["label"] for p in m.silkroute["pairs"]] == ["Yining → Tashkent", "Tashkent → Yining"]
    groups = {c.get_name(): c for c in m._children.values() if type(c).__name__ == "FeatureGroup"}
    for p in m.silkroute["pairs"]:  # one layer per pair, shown by the selector, not in the layer control
        assert not groups[p["group"]].control and not groups[p["group"]].show
    assert "Tashkent → Yining" in page  # the route tooltips name their pair
    # The panel: short names, the scenario, no breakdown column; the full reason in a tooltip,
    # one row for a corridor that is not feasible in any scenario for the same reason.
    (_, table), _ = m.silkroute["panels"]
    assert 'title="Northern via Khorgos">Northern via Khorgos<' in table and ">slow<" in table
    assert comparison_layer._short_title("Northern: Kazakhstan – Russia – Belarus") == "Northern"
    reason = next(
        r.reason for r in _compare({"baseline": G}, "Yining", "Tashkent").results["baseline"] if not r.feasible
    )
    assert f'title="{html.escape(reason)}"' in table and "not feasible: no route while avoiding KZ-ALMATY<" in table
    assert table.count("not feasible") == 1 and ">all<" in table
    assert "running" not in re.sub(r'title="[^"]*"', "", table)
    # Fitted to the selected pair's routes, beside the panel, instead of to the network:
    assert not [c for c in m._children.values() if getattr(c, "_silkroute_fit", False)]
    assert m.silkroute["route_bounds"][0][1] < 70 < 80 < m.silkroute["route_bounds"][1][1]
    assert "paddingBottomRight" in page and "selectPair" in page

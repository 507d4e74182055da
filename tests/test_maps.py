"""HTML maps: construction, offline pages, atomic writes, and rendering in headless Chromium."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely

from silkroute import catalog, corridors, maps, network, scenario
from silkroute._errors import AssetError
from silkroute.maps import comparison as comparison_layer
from silkroute.maps import features, style
from silkroute.maps import offline as _offline
from silkroute.timing import TimeModel

from .browser import browser_required, render_page, require_chromium

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


def test_topojson_decoding_of_quantised_arcs() -> None:
    # Two arcs forming a unit square; the second is used reversed (~1 == -2).
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 4]], [[0, 0], [0, 4], [2, 0]]],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, ~1]], "properties": {"name": "Square"}, "id": "1"},
                    {"type": None, "properties": {"name": "Nothing"}},
                ],
            }
        },
    }
    ((props, geom),) = features._topojson_features(topology, "countries")
    assert props == {"name": "Square", "id": "1"}
    expected = shapely.Polygon([(10, 20), (11, 20), (11, 21), (10, 21), (10, 20)])
    assert geom.equals(expected)
    assert geom.area == 1.0


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


def _comparison_map(mini: Any) -> tuple[Any, dict[str, list[corridors.CorridorResult]]]:
    cat, G = mini
    m = maps.network_map(G, cat)
    comparison = _compare({"baseline": G}, "Yining", "Tashkent")
    maps.add_comparison(m, comparison)
    return m, comparison.results


def test_comparison_map_renders_offline_in_chromium(mini: Any, tmp_path: Path) -> None:
    require_chromium()
    _require_assets()
    cat, _G = mini
    m, results = _comparison_map(mini)
    path = maps.save(m, tmp_path / "compare.html")
    page = path.read_text()
    assert not GLYPHICON.search(page) and not FETCHABLE.search(page)
    assert "Made with Natural Earth" in page

    report = render_page(path, ARTIFACTS / "map_comparison_mini.png", count=(".leaflet-outline-pane path",))
    assert report.errors == [] and report.blocked_requests == []
    # Expected elements, from the catalog and the results (not from the map object):
    feasible = [r for r in results["baseline"] if r.feasible]
    assert 0 < len(feasible) < len(results["baseline"])  # both cases are drawn
    lines = len(cat.lines) + len(cat.ferries)  # one path per catalog line and ferry
    cities = int((cat.places["kind"] == "city").sum())  # circle markers are paths too
    assert report.paths == lines + cities + len(feasible)
    ports = int((cat.places["kind"] == "port").sum())
    assert report.markers == len(cat.crossings) + len(cat.gauge_changes) + ports + 2  # + origin, dest
    assert report.counts[".leaflet-outline-pane path"] == m.silkroute["outline_polygons"] > 20
    titles = [c.title for c in CORRIDORS.values() if any(r.corridor == c.name for r in feasible)]
    assert [label for label in report.layer_labels if label in titles] == titles
    assert "Border crossings" in report.layer_labels
    assert report.fa_font_loaded
    assert report.screenshot is not None and report.screenshot.stat().st_size > 10_000


def test_panel_shows_compare_numbers(mini: Any) -> None:
    m, results = _comparison_map(mini)
    page = m.get_root().render()
    for r in results["baseline"]:
        d = r.to_dict()
        if r.feasible:
            assert f"{d['length_km']:,.0f}" in page and f"{d['time_h']:,.1f}" in page
        else:
            assert "not feasible" in page
    assert [x["label"] for x in m.silkroute["routes"]] == [r.title for r in results["baseline"] if r.feasible]


def test_several_scenarios_get_one_layer_each(mini: Any) -> None:
    cat, G = mini
    slow = scenario.apply(network.build_network(cat), scenario.Scenario(name="slow"), TimeModel.from_catalog(cat))
    m = maps.network_map(G, cat, outline=False)
    comparison = _compare({"baseline": G, "slow": slow}, "Yining", "Tashkent")
    results = comparison.results
    maps.add_comparison(m, comparison)
    labels = [x["label"] for x in m.silkroute["routes"]]
    assert labels == [f"{c.title} · {s}" for s in results for c in CORRIDORS.values() if c.name != "cku"]


def test_map_without_outline_data_still_works(
    mini: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cat, G = mini

    def missing(package: str, path: str) -> Path:
        raise AssetError(f"npm package {package} not installed")

    monkeypatch.setattr(_offline, "package_file", missing)
    features._country_outlines.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="silkroute.maps"):
            m = maps.network_map(G, cat)
    finally:
        features._country_outlines.cache_clear()
    assert m.silkroute["outline_polygons"] == 0
    assert "country outlines not drawn" in caplog.text
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
    report = render_page(path, ARTIFACTS / "map_network.png", viewport=(1400, 900))
    assert report.errors == [] and report.blocked_requests == []
    cities = int((cat.places["kind"] == "city").sum())
    assert report.paths == sum(m.silkroute["layers"].values()) + cities
    assert sum(m.silkroute["layers"].values()) == len(cat.lines) + len(cat.ferries)
    ports = int((cat.places["kind"] == "port").sum())
    assert report.markers == len(cat.crossings) + len(cat.gauge_changes) + ports


# Where the routes are drawn, relative to the view and the comparison panel (container pixels).
_ROUTE_VIEW_JS = """() => {
    const m = Object.values(window).find((v) => v instanceof L.Map);
    const b = L.latLngBounds(%s);
    const k = m.getContainer().getBoundingClientRect();
    const p = document.querySelector('.sr-compare').getBoundingClientRect();
    const nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());
    const [left, top, right, bottom] = [nw.x + k.left, nw.y + k.top, se.x + k.left, se.y + k.top];
    return {
        inside: m.getBounds().contains(b),
        under_panel: left < p.right && right > p.left && top < p.bottom && bottom > p.top,
        share: ((right - left) * (bottom - top)) / (k.width * k.height),
    };
}"""

HEADLINE_PAIRS = [
    ("Kashgar", "Tashkent"),
    ("Kashgar", "Istanbul"),
    ("Urumqi", "Tehran"),
    ("Xi'an", "Duisburg"),
    ("Xi'an", "Istanbul"),
]


def test_headline_map_keeps_the_map_visible(tmp_path: Path) -> None:
    """Five pairs share one collapsible panel: the routes stay visible beside it at 1024 x 768 and 1600 x 1000."""
    require_chromium()
    _require_assets()
    scenarios = ["baseline", "cku-open"]
    networks = {s: scenario.network(s) for s in scenarios}
    cat = catalog.load()
    comparisons = [corridors.compare_networks(networks, o, t) for o, t in HEADLINE_PAIRS]
    m = maps.corridor_map(comparisons, networks["baseline"], cat)
    path = maps.save(m, tmp_path / "headline.html")
    assert path.stat().st_size < MAX_BYTES
    # Expected from the catalog and the comparisons (not from the map object):
    results = [c.results for c in comparisons]
    routes = [(s, r) for res in results for s, rs in res.items() for r in rs if r.route is not None]
    labels = list(dict.fromkeys(f"{r.title} · {s}" for s, r in routes))
    xy = np.vstack([shapely.get_coordinates(r.route.geometry) for _, r in routes])
    bounds = [[xy[:, 1].min(), xy[:, 0].min()], [xy[:, 1].max(), xy[:, 0].max()]]
    view = {"route_view": _ROUTE_VIEW_JS % json.dumps(bounds)}
    selectors = (".sr-compare", ".sr-legend", ".leaflet-control-layers")

    report = render_page(path, ARTIFACTS / "map_headline.png", areas=selectors, evaluate=view)
    assert report.errors == [] and report.blocked_requests == []
    cities = int((cat.places["kind"] == "city").sum())
    ports = int((cat.places["kind"] == "port").sum())
    assert report.paths == len(cat.lines) + len(cat.ferries) + cities + len(routes)
    assert report.markers == len(cat.crossings) + len(cat.gauge_changes) + ports + 2 * len(HEADLINE_PAIRS)
    # One layer per corridor and scenario, shared by the pairs, each listed once:
    assert [label for label in report.layer_labels if " · " in label] == labels
    assert 4 <= len(labels) <= 2 * len(corridors.load()) and "Border crossings" in report.layer_labels
    assert 0.05 < report.areas[".sr-compare"] < 0.45  # the old stacked panels covered the whole map
    assert report.areas[".sr-legend"] < 0.05  # collapsed while routes are drawn
    assert report.areas[".leaflet-control-layers"] < 0.02  # collapsed to its button
    seen = report.values["route_view"]
    assert seen["inside"] and not seen["under_panel"] and seen["share"] > 0.2, seen  # fitted beside the panel
    drawn = {(r["corridor"], r["scenario"]) for r in m.silkroute["routes"]}
    assert ("cku", "cku-open") in drawn and ("cku", "baseline") not in drawn

    large = render_page(
        path, ARTIFACTS / "map_headline_1600.png", viewport=(1600, 1000), areas=selectors, evaluate=view
    )
    assert large.errors == [] and large.areas[".sr-compare"] < 0.25
    seen = large.values["route_view"]
    assert seen["inside"] and not seen["under_panel"] and seen["share"] > 0.25, seen


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


def test_pairs_share_one_panel_and_the_route_layers(mini: Any) -> None:
    cat, G = mini
    slow = scenario.apply(network.build_network(cat), scenario.Scenario(name="slow"), TimeModel.from_catalog(cat))
    m = maps.network_map(G, cat, outline=False)
    for o, t in [("Yining", "Tashkent"), ("Tashkent", "Yining")]:
        maps.add_comparison(m, _compare({"baseline": G, "slow": slow}, o, t))
    page = m.get_root().render()
    assert page.count('"sr-panel sr-compare') == 1
    assert [pair for pair, _ in m.silkroute["panels"]] == ["Yining → Tashkent", "Tashkent → Yining"]
    labels = [x["label"] for x in m.silkroute["routes"]]
    assert len(labels) == 8 and len(set(labels)) == 4
    groups = [c.layer_name for c in m._children.values() if type(c).__name__ == "FeatureGroup"]
    assert sorted(g for g in groups if g in labels) == sorted(set(labels))  # one layer per corridor · scenario
    assert "Tashkent → Yining" in page  # the route tooltips name their pair
    # The panel: short names, the scenario, no breakdown column; the full reason in a tooltip.
    (_, table), _ = m.silkroute["panels"]
    assert 'title="Northern via Khorgos">Northern via Khorgos<' in table and ">slow<" in table
    assert comparison_layer._short_title("Northern: Kazakhstan – Russia – Belarus") == "Northern"
    reason = next(
        r.reason for r in _compare({"baseline": G}, "Yining", "Tashkent").results["baseline"] if not r.feasible
    )
    assert f'title="{html.escape(reason)}"' in table and "not feasible: no route while avoiding KZ-ALMATY<" in table
    assert "running" not in re.sub(r'title="[^"]*"', "", table)
    # Fitted to the routes of both pairs, beside the panel, instead of to the network:
    assert "FitBounds" not in [type(c).__name__ for c in m._children.values()]
    assert m.silkroute["route_bounds"][0][1] < 70 < 80 < m.silkroute["route_bounds"][1][1]
    assert "paddingBottomRight" in page

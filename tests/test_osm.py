"""OSM ingestion (silkroute.ingest) and any-line-file builds (silkroute.build) on hand-written and real data."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod

from silkroute import build, ingest, io, routing
from silkroute._errors import InputError
from silkroute.build import BuildOptions
from silkroute.ingest import WayFilter

from .conftest import FIXTURES, real_file

GEOD = Geod(ellps="WGS84")
HAND = FIXTURES / "osm" / "gauge_name_station.osm"
TKM_AZE = "osm_turkmenistan_azerbaijan_rail.osm.gz"
COUNTRIES = "countries_ne50m.geojson.gz"


def line_edges(G: nx.MultiDiGraph) -> list[tuple[int, int, dict]]:
    return [(u, v, d) for u, v, d in G.edges(data=True) if d["kind"] == "line" and not d["reversed"]]


def key_of(lon: float, lat: float, layer: str = "rail1520") -> str:
    return f"{layer}:{lon:.7f},{lat:.7f}"


def from_osm(path: Path, **options: object) -> nx.MultiDiGraph:
    return build.from_file(path, BuildOptions(**options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hand() -> nx.MultiDiGraph:
    return from_osm(HAND)


def test_filter_keeps_tagged_rail_and_drops_the_rest(hand: nx.MultiDiGraph) -> None:
    ids = {i for *_, d in line_edges(hand) for i in str(d["osm_id"]).split(";")}
    assert ids == {"101", "102", "103", "104", "105", "109", "110"}  # no abandoned 106, road 107, siding 108
    trans = next(d for *_, d in line_edges(hand) if d["name"] == "Trans-Caspian")
    assert trans["gauge"] == 1520 and isinstance(trans["gauge"], int)
    assert {k: trans[k] for k in ("railway", "electrified", "maxspeed", "usage", "ref", "layer", "mode")} == {
        "railway": "rail",
        "electrified": "no",
        "maxspeed": "80",
        "usage": "main",
        "ref": "TC",
        "layer": "rail1520",
        "mode": "rail",
    }
    assert trans["speed_class"] == "rail_ca"
    with_sidings = from_osm(HAND, keep=WayFilter(service=("siding",)))
    assert any("108" in str(d["osm_id"]) for *_, d in line_edges(with_sidings))
    roads = from_osm(HAND, keep=WayFilter("road"))
    assert [d["ref"] for *_, d in line_edges(roads)] == ["M37"]
    assert {d["layer"] for _, d in roads.nodes(data=True)} == {"road"}


def test_simplification_merges_equal_ways_only(hand: nx.MultiDiGraph) -> None:
    keys = {d["key"] for _, d in hand.nodes(data=True)}
    assert key_of(58.1, 37.9) not in keys  # 101|102: same tags, merged through node 3
    assert key_of(58.2, 37.92) in keys  # 102|103: the name changes
    assert {key_of(58.3, 37.92), key_of(58.3, 37.92, "rail1435")} <= keys  # 103|104: the gauge changes
    ix = {d["key"]: n for n, d in hand.nodes(data=True)}
    assert not nx.has_path(hand, ix[key_of(58.3, 37.92)], ix[key_of(58.3, 37.92, "rail1435")])
    merged = next(d for *_, d in line_edges(hand) if d["name"] == "Trans-Caspian")
    assert merged["osm_id"] == "101;102"
    expected = GEOD.geometry_length(
        shapely.LineString([(58.0, 37.9), (58.05, 37.9), (58.1, 37.9), (58.15, 37.91), (58.2, 37.92)])
    )
    assert merged["length"] == pytest.approx(expected, rel=1e-9)


def test_station_stops_merging_and_becomes_a_place(hand: nx.MultiDiGraph) -> None:
    station = [n for n, d in hand.nodes(data=True) if d.get("place") == "osm:n14"]
    assert len(station) == 1
    assert hand.nodes[station[0]]["name"] == "Test Station"
    assert hand.degree(station[0]) == 4  # two neighbours, both directions
    assert routing.resolve(hand, "test station") == "osm:n14"


def test_dual_gauge_way_is_in_both_layers(hand: nx.MultiDiGraph) -> None:
    dual = [d for *_, d in line_edges(hand) if d["name"] == "Dual Line"]
    assert sorted(d["gauge"] for d in dual) == [1435, 1520]
    assert all(d["dual_gauge"] and d["gauge_osm"] == "1435;1520" for d in dual)
    assert hand.graph["ingest"]["dual_gauge_lines"] == 1


def test_osmnx_engine_gives_the_same_network(hand: nx.MultiDiGraph) -> None:
    import osmnx as ox

    before = list(ox.settings.useful_tags_way)
    other = from_osm(HAND, engine="osmnx")
    assert ox.settings.useful_tags_way == before
    assert sorted(d["key"] for _, d in other.nodes(data=True)) == sorted(d["key"] for _, d in hand.nodes(data=True))
    assert sorted(round(d["length"], 3) for *_, d in line_edges(other)) == sorted(
        round(d["length"], 3) for *_, d in line_edges(hand)
    )


def test_osmnx_settings_restored_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import osmnx as ox

    before = list(ox.settings.useful_tags_way)

    def boom(*_a, **_k):
        assert "gauge" in ox.settings.useful_tags_way
        raise RuntimeError("parse failed")

    monkeypatch.setattr(ox, "graph_from_xml", boom)
    with pytest.raises(RuntimeError, match="parse failed"):
        ingest.read_osm(HAND, engine="osmnx")
    assert ox.settings.useful_tags_way == before


def test_download_needs_the_online_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    import osmnx as ox

    calls: list[tuple[object, dict]] = []

    def fake(query, **kwargs):
        calls.append((query, kwargs))
        assert "gauge" in ox.settings.useful_tags_way
        return ox.graph_from_xml(HAND, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_place", fake)
    monkeypatch.setattr(ox, "graph_from_polygon", fake)
    with pytest.raises(InputError, match="online=True"):
        build.from_overpass("Turkmenistan")
    assert calls == []
    G = build.from_overpass("Turkmenistan", online=True)
    assert calls[0][0] == "Turkmenistan"
    assert calls[0][1]["custom_filter"] == '["railway"~"^(rail)$"]'
    assert {str(d["osm_id"]) for *_, d in line_edges(G)} >= {"103", "104"}
    build.from_overpass(
        shapely.box(58, 37, 59, 38), BuildOptions(keep=WayFilter(railway=("rail", "narrow_gauge"))), online=True
    )
    assert calls[1][1]["custom_filter"] == '["railway"~"^(rail|narrow_gauge)$"]'


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"not found: .*nope\.osm"):
        from_osm(tmp_path / "nope.osm")
    bad = tmp_path / "lines.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"unsupported line file .*GeoPackage"):
        build.from_file(bad)
    with pytest.raises(ValueError, match="unknown engine"):
        ingest.read_osm(HAND, engine="lxml")
    with pytest.raises(ValueError, match="mode must be"):
        WayFilter("ferry")


def test_gauge_by_country_needs_countries() -> None:
    with pytest.raises(InputError, match="needs country polygons"):
        BuildOptions(gauge_by_country=True)
    gdf = gpd.GeoDataFrame(geometry=[shapely.LineString([(58.0, 37.9), (58.1, 37.9)])], crs="EPSG:4326")
    G = build.from_lines(gdf)
    assert {d["layer"] for _, d in G.nodes(data=True)} == {"rail"}


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def tkm_aze() -> nx.MultiDiGraph:
    # lines in Afghanistan (mixed gauges) or outside every polygon keep no gauge, and the builder says so
    with pytest.warns(UserWarning, match=r"\d+ rail lines have no gauge"):
        return build.from_file(real_file(TKM_AZE), BuildOptions(countries=real_file(COUNTRIES), gauge_by_country=True))


def nearest_in_main(G: nx.MultiDiGraph, lon: float, lat: float, layer: str = "rail1520") -> tuple[int, float]:
    U = G.subgraph([n for n, d in G.nodes(data=True) if d["layer"] == layer]).to_undirected(as_view=True)
    main = set().union(*(c for c in nx.connected_components(U) if len(c) > 1000))  # not a yard fragment
    ids = np.array(sorted(main))
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in ids])
    k = int(np.argmin((xy[:, 0] - lon) ** 2 + (xy[:, 1] - lat) ** 2))
    return int(ids[k]), float(GEOD.inv(lon, lat, *xy[k])[2])


@pytest.mark.parametrize(
    ("a", "b", "low_km", "high_km"),
    [
        # Trans-Caspian railway, Turkmenbashi–Ashgabat: ~550 km of track (geodesic 522 km)
        ((52.975, 40.017), (58.372, 37.933), 530, 600),
        # Baku–Tbilisi: ~550 km by rail (geodesic 445 km)
        ((49.867, 40.383), (44.799, 41.722), 470, 600),
    ],
)
def test_real_track_lengths_between_stations(tkm_aze, a, b, low_km, high_km) -> None:
    (na, da), (nb, db) = nearest_in_main(tkm_aze, *a), nearest_in_main(tkm_aze, *b)
    assert da < 5000 and db < 5000
    km = nx.shortest_path_length(tkm_aze, na, nb, weight="length") / 1000
    geodesic = GEOD.inv(*a, *b)[2] / 1000
    assert low_km <= km <= high_km
    assert 1.02 < km / geodesic < 1.35


def test_real_network_schema_and_gauges(tkm_aze) -> None:
    assert tkm_aze.graph["crs"] == "EPSG:4326"
    assert all(isinstance(n, int) for n in tkm_aze.nodes)
    edges = line_edges(tkm_aze)
    by_country = {}
    for *_, d in edges:
        by_country.setdefault(d["country"], set()).add(d["gauge"])
        assert d["railway"] == "rail" and d["length"] > 0 and d["geometry"].geom_type == "LineString"
    assert by_country["TKM"] == {1520} and by_country["AZE"] == {1520} and by_country["IRN"] == {1435}
    classes = {d["country"]: d["speed_class"] for *_, d in edges}
    assert classes["TKM"] == "rail_ca" and classes["AZE"] == "rail_caucasus" and classes["IRN"] == "rail_ir"
    assert "lines in file: 13291" in build.summary(tkm_aze)  # the 13,291 railway=rail of 13,684 ways


def test_network_round_trips_through_geopackage(tkm_aze, tmp_path: Path) -> None:
    path = io.save_network(tkm_aze, tmp_path / "tkm.gpkg")
    back = io.load_network(path)
    assert back.number_of_nodes() == tkm_aze.number_of_nodes()
    assert back.number_of_edges() == tkm_aze.number_of_edges()


def test_pbf_reads_like_the_xml(tmp_path: Path) -> None:
    import osmium

    xml = real_file(TKM_AZE)
    pbf = tmp_path / "tkm.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    assert pbf.stat().st_size < xml.stat().st_size
    a, b = ingest.read_osm(pbf), ingest.read_osm(xml)
    assert len(a) == 13291
    assert a["osm_id"].tolist() == b["osm_id"].tolist()
    assert all(shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=1e-7))


def test_uzbek_geopackage_builds_and_filters() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = build.from_file(real_file("osm_uzbekistan_rail.gpkg"), BuildOptions(snap_m=0))
    report = G.graph["ingest"]
    assert report["lines_read"] == 8656  # fclass=rail only: no light_rail, narrow_gauge, miniature_railway
    assert {d["fclass"] for *_, d in line_edges(G)} == {"rail"}


@pytest.mark.real
def test_real_osm_topology_is_the_same_as_osmnx_simplification(tmp_path: Path) -> None:
    """Every railway=* way: our nodes are osmnx's simplified nodes plus the vertices a way passes twice."""
    import gzip
    import shutil

    import osmnx as ox

    from silkroute.ingest.osm import osmnx_tags

    path = real_file(TKM_AZE)
    railway = ("rail", "construction", "light_rail", "monorail", "narrow_gauge", "proposed")
    G = build.from_file(path, BuildOptions(keep=WayFilter(railway=railway)))
    assert (G.number_of_nodes(), G.number_of_edges()) == (17_523, 42_192)  # as before the reader was rewritten
    with osmnx_tags():
        plain = tmp_path / "tkm.osm"
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        H = ox.graph_from_xml(plain, simplify=False, retain_all=True)
        H = ox.simplify_graph(H, edge_attrs_differ=["railway"])
    ours = {(round(d["x"], 7), round(d["y"], 7)) for _, d in G.nodes(data=True)}
    theirs = {(round(d["x"], 7), round(d["y"], 7)) for _, d in H.nodes(data=True)}
    assert theirs <= ours
    ways = build.attributes.merge_lines(ingest.read_osm(path, keep=WayFilter(railway=railway)))
    twice = set()
    for geom in ways.geometry.values:
        c = [(round(x, 7), round(y, 7)) for x, y in shapely.get_coordinates(geom)]
        if c[0] == c[-1]:
            twice.add(c[0])  # the ends of a closed line: a loop's start
        twice |= {p for p in set(c[1:-1]) if c[1:-1].count(p) > 1}
    # osmnx simplifies through the start of a loop (and a vertex a merged way passes twice); we keep them nodes
    assert ours - theirs <= twice
    assert len(ours - theirs) == 8


def test_progress_bars_appear_after_the_delay_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import time

    from silkroute import _progress

    started: list[object] = []

    class FakeProgress:
        def __init__(self, *columns: object, **options: object) -> None:
            self.updates: list[float] = []
            self.stopped = False
            started.append(self)

        def start(self) -> None:
            pass

        def add_task(self, description: str, total: float | None = None, completed: float = 0) -> int:
            self.description = description
            return 1

        def update(self, task: int, completed: float) -> None:
            self.updates.append(completed)

        def stop(self) -> None:
            self.stopped = True

    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

        def write(self, text: str) -> int:
            return len(text)

    monkeypatch.delenv("SILKROUTE_NO_PROGRESS", raising=False)
    monkeypatch.setattr("rich.progress.Progress", FakeProgress)
    monkeypatch.setattr(_progress, "DELAY_S", 0.05)
    monkeypatch.setattr(sys, "stderr", Terminal(False))
    with _progress.progress("off a terminal"):
        time.sleep(0.2)
    assert started == []
    monkeypatch.setattr(sys, "stderr", Terminal(True))
    with _progress.progress("fast"):
        pass
    assert started == []
    with _progress.progress("slow", total=2) as advance:
        time.sleep(0.3)  # no advance yet: the bar still shows after the delay
        advance(1)
    assert [p.description for p in started] == ["slow"]  # type: ignore[attr-defined]
    assert started[0].updates == [1] and started[0].stopped  # type: ignore[attr-defined]
    with _progress.quiet(), _progress.progress("quiet"):
        time.sleep(0.2)
    with _progress.progress("outer"), _progress.progress("inner"):
        time.sleep(0.2)
    assert [p.description for p in started] == ["slow", "outer"]  # type: ignore[attr-defined]


def test_cli_build_is_quiet_for_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import time

    from typer.testing import CliRunner

    from silkroute import _progress
    from silkroute.cli import app

    shown: list[bool] = []
    original = io.save_network

    def slow_save(G: nx.MultiDiGraph, path: Path) -> Path:
        shown.append(_progress._wanted())
        time.sleep(0.05)
        return original(G, path)

    monkeypatch.setattr(_progress, "_wanted", lambda: not _progress._QUIET)  # as on a terminal
    monkeypatch.setattr(io, "save_network", slow_save)
    runner = CliRunner()
    for fmt in ("json", "table"):
        res = runner.invoke(app, ["build", "--osm", str(HAND), "--format", fmt, "-o", str(tmp_path / "n.gpkg")])
        assert res.exit_code == 0, res.stderr
    assert shown == [False, True]  # --format json: no bar even on a terminal; the table report has them

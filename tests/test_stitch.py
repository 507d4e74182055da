"""The catalog stitched onto imported networks (silkroute.build.stitch): hand-made lines and the Eurasian OSM skeleton."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops
from pyproj import Geod

from silkroute import build, catalog, routing, scenario, schema
from silkroute._errors import InputError, NoRouteError
from silkroute.sections import DEFAULT_CIRCUITY

from .conftest import FIXTURES, real_file

GEOD = Geod(ellps="WGS84")
MINI = FIXTURES / "mini_catalog"
CORRIDOR = [
    "CN-YINING",
    "CN-KHORGOS",
    "KZ-ALTYNKOL",
    "KZ-ZHARKENT",
    "KZ-ALMATY",
    "KZ-SHU",
    "KZ-SHYMKENT",
    "KZ-SARYAGASH",
    "UZ-KELES",
    "UZ-TASHKENT",
]


def pert(low: float, mode: float, high: float) -> float:
    return (low + 4 * mode + high) / 6


def xy(cat: catalog.Catalog, pid: str) -> tuple[float, float]:
    return float(cat.places.at[pid, "lon"]), float(cat.places.at[pid, "lat"])


def skeleton(cat: catalog.Catalog, *stretches: list[str]) -> gpd.GeoDataFrame:
    """Lines drawn through the places, without gauge or country: what an imported line file looks like."""
    geoms = [shapely.LineString([xy(cat, p) for p in stretch]) for stretch in stretches]
    return gpd.GeoDataFrame({"id": [f"L{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:4326")


def stitched(cat: catalog.Catalog, lines: gpd.GeoDataFrame, **stitch: object) -> nx.MultiDiGraph:
    G = build.from_lines(lines, build.catalog_places(cat), build.BuildOptions(attach_m=500.0))
    return build.stitch_catalog(G, cat, **stitch)  # type: ignore[arg-type]


def km(cat: catalog.Catalog, stops: list[str]) -> float:
    return sum(GEOD.inv(*xy(cat, a), *xy(cat, b))[2] for a, b in itertools.pairwise(stops)) / 1000.0


@pytest.fixture(scope="module")
def mini() -> catalog.Catalog:
    return catalog.load(MINI)


def test_a_continuous_line_is_cut_at_borders_and_joined_by_the_catalogs_crossings(mini) -> None:
    lines = skeleton(mini, CORRIDOR)
    before = build.from_lines(lines, build.catalog_places(mini), build.BuildOptions(attach_m=500.0))
    assert {d["layer"] for _, d in before.nodes(data=True)} == {"rail"}  # one layer, no borders, no gauges
    G = build.stitch_catalog(before, mini)
    report = G.graph["stitch_report"]
    assert sorted((c["from"], c["to"]) for c in report.cuts) == [("CHN", "KAZ"), ("KAZ", "UZB")]
    assert all(c["catalog_crossing"] for c in report.cuts)
    layers: dict[str, set[str]] = {}
    for _n, d in G.nodes(data=True):
        if d.get("place"):
            layers.setdefault(d["place"], set()).add(d["layer"])
    assert layers["CN-YINING"] == {"rail1435"} and layers["KZ-ZHARKENT"] == {"rail1520"}
    assert layers["UZ-TASHKENT"] == {"rail1520"}
    assert layers["KZ-ALTYNKOL"] == {"rail1435", "rail1520"}  # the crossing's 1435 mm track and the break of gauge
    assert report.added == {"crossing": 2, "gauge_change": 1, "ferry": 0, "transfer": 0}
    kinds = {d["kind"] for *_, d in G.edges(data=True)}
    assert {schema.CROSSING, schema.GAUGE_CHANGE} <= kinds
    # the time model: fastest Yining -> Tashkent pays both borders and the break of gauge at Altynkol
    S = scenario.network("baseline", base=G, catalog_dir=MINI)
    r = routing.fastest(S, "Yining", "Tashkent")
    assert r.countries == ["CHN", "KAZ", "UZB"]
    assert [c["id"] for c in r.crossings] == ["KHORGOS-ALTYNKOL-RAIL", "SARYAGASH-KELES-RAIL"]
    assert r.breakdown["border"] == pytest.approx(pert(6, 8, 40.6) + pert(4, 12, 40.6))
    assert r.breakdown["gauge_change"] == pytest.approx(pert(2, 5.5, 12))
    assert r.length_km == pytest.approx(km(mini, CORRIDOR), rel=1e-6)
    # running time by the documented speed-class rule: CHN rail_cn_main, KAZ rail_kz_main, UZB rail_ca
    speeds = pd.read_csv(MINI / "speeds.csv").set_index("class")

    def pace(cls: str) -> float:
        low, mode, high = speeds.loc[cls, ["speed_low_kph", "speed_mode_kph", "speed_high_kph"]]
        return pert(1 / high, 1 / mode, 1 / low)

    expected = (
        km(mini, CORRIDOR[:2]) * pace("rail_cn_main")
        + km(mini, CORRIDOR[2:8]) * pace("rail_kz_main")
        + km(mini, CORRIDOR[8:]) * pace("rail_ca")
    )
    assert r.breakdown["running"] == pytest.approx(expected, rel=1e-9)


def test_without_the_catalog_the_two_gauges_never_join(mini) -> None:
    gauged = pd.concat(
        [skeleton(mini, CORRIDOR[:3]).assign(gauge=1435), skeleton(mini, CORRIDOR[2:]).assign(gauge=1520)],
        ignore_index=True,
    )
    plain = build.from_lines(gauged, build.catalog_places(mini), build.BuildOptions(attach_m=500.0))
    ix = {(d.get("place"), d["layer"]): n for n, d in plain.nodes(data=True)}
    assert not nx.has_path(plain, ix[("CN-YINING", "rail1435")], ix[("UZ-TASHKENT", "rail1520")])
    G = build.stitch_catalog(plain, mini)
    S = scenario.network("baseline", base=G, catalog_dir=MINI)
    r = routing.fastest(S, "Yining", "Tashkent")
    assert [g["place"] for g in r.gauge_breaks] == ["KZ-ALTYNKOL"]
    assert G.graph["stitch_report"].gauge_from_country == 0  # tagged gauges are kept as they are


def test_a_foreign_place_near_a_domestic_line_does_not_cut_it(mini_catalog_dir: Path) -> None:
    places = mini_catalog_dir / "places.csv"
    with places.open("a", encoding="utf-8") as f:  # a Uzbek place 300 m off the Kazakh line between Almaty and Shu
        f.write("UZ-FAKE,Fake,,UZB,city,75.3,43.43,test fixture\n")
    lines_csv = mini_catalog_dir / "lines.csv"
    with lines_csv.open("a", encoding="utf-8") as f:
        f.write("UZ-FAKE-LINE,Fake line,rail,1520,operational,rail_ca,UZ-KELES;UZ-FAKE,,,,\n")
    cat = catalog.load(mini_catalog_dir)
    lines = skeleton(cat, ["KZ-ALMATY", "KZ-SHU", "KZ-SHYMKENT"])
    a, b = np.array(xy(cat, "KZ-ALMATY")), np.array(xy(cat, "KZ-SHU"))
    t = (75.3 - a[0]) / (b[0] - a[0])
    on_line = a + t * (b - a)
    assert GEOD.inv(75.3, 43.43, *on_line)[2] < 500  # the fixture place really is next to the line
    G = stitched(cat, lines, fill_gaps=False)
    report = G.graph["stitch_report"]
    assert report.cuts == []
    assert report.detached == {"UZ-FAKE": "KAZ"}
    assert [i["to"] for i in report.islands] == ["KAZ"]
    assert {d["country"] for *_, d in G.edges(data=True)} == {"KAZ"}
    S = scenario.network("baseline", base=G, catalog_dir=mini_catalog_dir)
    assert routing.fastest(S, "Almaty", "Shymkent").breakdown["border"] == 0


def test_a_gap_in_the_track_is_filled_with_the_catalog_section(mini) -> None:
    lines = skeleton(mini, CORRIDOR[:6], CORRIDOR[6:])  # no track between Shu and Shymkent
    G = stitched(mini, lines)
    (filled,) = G.graph["stitch_report"].filled
    assert (filled["from"], filled["to"], filled["track_km"]) == ("KZ-SHU", "KZ-SHYMKENT", None)
    # mini has neither track.csv nor a published length: the section is the geodesic times the circuity factor
    expected_km = km(mini, ["KZ-SHU", "KZ-SHYMKENT"]) * DEFAULT_CIRCUITY["rail"]
    assert filled["km"] == pytest.approx(expected_km, abs=0.05)
    S = scenario.network("baseline", base=G, catalog_dir=MINI)
    r = routing.fastest(S, "Yining", "Tashkent")
    assert r.length_km == pytest.approx(km(mini, CORRIDOR) - km(mini, CORRIDOR[5:7]) + expected_km, rel=1e-6)
    section = [d for d in r.edge_data if d.get("line_id") == "KZ-TURKSIB-ALMATY-SARYAGASH"]
    assert section and section[0]["length_source"] == "catalog circuity"
    G2 = stitched(mini, lines, fill_gaps=False)
    S2 = scenario.network("baseline", base=G2, catalog_dir=MINI)
    with pytest.raises(NoRouteError):
        routing.fastest(S2, "Yining", "Tashkent")


def test_track_far_from_every_catalog_place_gets_no_country(mini) -> None:
    far_end = (xy(mini, "UZ-TASHKENT")[0] - 9.0, xy(mini, "UZ-TASHKENT")[1])  # ~750 km west of Tashkent
    lines = pd.concat(
        [
            skeleton(mini, CORRIDOR),
            gpd.GeoDataFrame(
                {"id": ["far"]},
                geometry=[shapely.LineString([xy(mini, "UZ-TASHKENT"), far_end])],
                crs="EPSG:4326",
            ),
        ],
        ignore_index=True,
    )
    G = stitched(mini, lines, far_km=300.0)
    report = G.graph["stitch_report"]
    assert report.country_basis.get("none", 0) >= 1
    assert [c for c in report.cuts if c["beyond_catalog"]]
    beyond = [d for _, d in G.nodes(data=True) if d["x"] < far_end[0] + 1]
    assert beyond and all(d["layer"] == "rail" and "country" not in d for d in beyond)


def test_country_polygons_give_the_same_borders(mini) -> None:
    chn = shapely.box(80.39, 40.0, 85.0, 44.2)
    uzb = shapely.box(60.0, 38.0, 72.0, 41.43)
    kaz = shapely.box(60.0, 41.43, 85.0, 48.0).difference(chn)
    polygons = gpd.GeoDataFrame({"iso_a3": ["CHN", "KAZ", "UZB"]}, geometry=[chn, kaz, uzb], crs="EPSG:4326")
    G = stitched(mini, skeleton(mini, CORRIDOR), countries=polygons)
    report = G.graph["stitch_report"]
    assert set(report.country_basis) == {"polygon"}
    assert sorted((c["from"], c["to"]) for c in report.cuts) == [("CHN", "KAZ"), ("KAZ", "UZB")]
    S = scenario.network("baseline", base=G, catalog_dir=MINI)
    assert routing.fastest(S, "Yining", "Tashkent").countries == ["CHN", "KAZ", "UZB"]


def test_stitching_needs_attached_catalog_places(mini) -> None:
    G = build.from_lines(skeleton(mini, CORRIDOR))
    with pytest.raises(InputError, match="no catalog place is attached"):
        build.stitch_catalog(G, mini)
    with pytest.raises(InputError, match="unknown speed class"):
        stitched(mini, skeleton(mini, CORRIDOR), speed_class="warp_drive")


def test_catalog_places_are_the_ones_a_mode_needs(mini) -> None:
    rail = set(build.catalog_places(mini, "rail")["id"])
    assert rail == set(mini.places.index)  # every mini place is a rail stop, crossing or terminal
    road = set(build.catalog_places(mini, "road")["id"])
    assert road == {"KZ-ALMATY", "KZ-SHU", "KZ-SHYMKENT"}  # the highway's stops and the terminal


# --------------------------------------------------------------------------- the CLI


def test_cli_build_with_catalog_reports_places_and_routes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from silkroute.cli import app

    cat = catalog.load()
    lines = skeleton(cat, CORRIDOR)
    source = tmp_path / "corridor.geojson"
    lines.to_file(source, driver="GeoJSON")
    net = tmp_path / "corridor.gpkg"
    runner = CliRunner()
    res = runner.invoke(
        app, ["build", "--lines", str(source), "--with-catalog", "--attach-km", "1", "--format", "json", "-o", str(net)]
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    attached = data["build"]["places_attached"]
    assert set(CORRIDOR) <= set(attached)
    assert attached["KZ-ALMATY"] == {"rail1520": 0.0}  # the line runs through the place; the layer after stitching
    unattached = {p["id"]: p["nearest_line_m"] for p in data["build"]["places_unattached"]}
    # an independent distance: Bishkek to the corridor line, on the ellipsoid, more than the 1 km allowed
    bishkek = shapely.Point(xy(cat, "KG-BISHKEK"))
    nearest = shapely.ops.nearest_points(lines.geometry.iloc[0], bishkek)[0]
    assert unattached["KG-BISHKEK"] == pytest.approx(
        GEOD.inv(*xy(cat, "KG-BISHKEK"), nearest.x, nearest.y)[2], rel=0.02
    )
    assert data["stitch"]["added"]["crossing"] >= 2 and data["stitch"]["added"]["gauge_change"] >= 1
    res = runner.invoke(
        app, ["route", "--network", str(net), "--from", "Yining", "--to", "Tashkent", "--format", "json"]
    )
    assert res.exit_code == 0, res.stderr
    route = json.loads(res.stdout)["routes"][0]
    assert route["breakdown"]["border"] > 0 and route["breakdown"]["gauge_change"] > 0
    assert route["countries"] == ["CHN", "KAZ", "UZB"]
    res = runner.invoke(app, ["build", "--lines", str(source), "--with-catalog", "-o", str(net)])
    assert res.exit_code == 0 and "unattached place KG-BISHKEK: nearest line" in res.stdout
    assert "catalog stitched" in res.stdout
    res = runner.invoke(app, ["build", "--lines", str(source), "--attach-km", "-1", "-o", str(net)])
    assert res.exit_code == 2 and "--attach-km" in res.stderr


# --------------------------------------------------------------------------- the Eurasian OSM skeleton


@pytest.fixture(scope="module")
def eurasia():
    """The OSM skeleton of Eurasia (136,533 edges) with the catalog stitched on, under the baseline scenario."""
    path = real_file("rail_osm_eurasia_skeleton.geojson.gz")
    cat = catalog.load()
    G = build.from_file(path, build.BuildOptions(attach_m=10_000.0, length_km="osm_km"), catalog=cat)
    return G, routing.compile(scenario.network("baseline", base=G))


@pytest.mark.real
@pytest.mark.parametrize(("origin", "destination"), [("Urumqi", "Duisburg"), ("Kashgar", "Tashkent")])
def test_eurasian_skeleton_routes_like_the_embedded_network(eurasia, baseline, origin, destination) -> None:
    _G, net = eurasia
    ours, theirs = routing.fastest(net, origin, destination), routing.fastest(baseline, origin, destination)
    nonzero = {c for c, h in ours.breakdown.items() if h > 0}
    assert nonzero == {c for c, h in theirs.breakdown.items() if h > 0} == {"running", "border", "gauge_change"}
    assert ours.countries == theirs.countries
    assert len(ours.crossings) == len(theirs.crossings) and len(ours.gauge_breaks) == len(theirs.gauge_breaks)
    # both measure OSM track (the catalog's lengths come from the same OSM data where matched); routes may use
    # another crossing, and places attach up to 10 km off the track: within 10 %
    assert 0.9 < ours.length_km / theirs.length_km < 1.1
    assert 0.8 < ours.time_h / theirs.time_h < 1.25


@pytest.mark.real
def test_eurasian_skeleton_joins_urumqi_and_dostyk(eurasia) -> None:
    G, net = eurasia
    r = routing.fastest(net, "Urumqi", "Dostyk")
    assert [c["id"] for c in r.crossings] == ["CN-ALASHANKOU~KZ-DOSTYK"]
    report = G.graph["stitch_report"]
    assert report.added["crossing"] >= 30 and report.added["gauge_change"] >= 10
    assert {d["layer"] for _, d in G.nodes(data=True) if d.get("place") == "CN-URUMQI"} == {"rail1435"}


@pytest.mark.real
def test_eurasian_countries_agree_with_natural_earth(eurasia) -> None:
    """The country of the nearest catalog place along the track against Natural Earth polygons (an oracle)."""
    G, _net = eurasia
    polygons = gpd.read_file("/vsigzip/" + str(real_file("countries_ne50m.geojson.gz")))
    column = next(c for c in ("ADM0_A3", "adm0_a3", "ISO_A3") if c in polygons.columns)
    edges = [d for *_, d in G.edges(data=True) if d.get("kind") == "line" and not d["reversed"] and d.get("country")]
    mids = shapely.line_interpolate_point(np.array([d["geometry"] for d in edges]), 0.5, normalized=True)
    tree = shapely.STRtree(polygons.geometry.values)
    at, poly = tree.query(mids, predicate="within")
    truth = np.full(len(edges), None, dtype=object)
    truth[at] = polygons[column].to_numpy()[poly]
    length = np.array([d["length"] for d in edges])
    ours = np.array([d["country"] for d in edges], dtype=object)
    in_catalog = np.isin(truth, sorted(set(catalog.load().places["country"])))
    share = length[in_catalog & (ours == truth)].sum() / length[in_catalog].sum()
    assert share > 0.9


@pytest.mark.real
def test_eurasian_network_file_routes_from_its_tables_as_its_graph(eurasia, tmp_path: Path) -> None:
    """Saved and read back as tables (no graph), the stitched network gives the graph's routes, costs and CO2e."""
    from silkroute import io

    G, net = eurasia
    path = io.save_network(G, tmp_path / "eurasia.gpkg")
    tables = routing.compile(scenario.apply_tables(io.read_network_tables(path), "baseline"))
    assert tables.weights.keys() == net.weights.keys()
    for o, t in [("Urumqi", "Duisburg"), ("Kashgar", "Tashkent"), ("Urumqi", "Istanbul")]:
        for optimize in ("time", "cost"):
            a = routing.route(tables, o, t, optimize=optimize)[0]
            b = routing.route(net, o, t, optimize=optimize)[0]
            assert a.time_h == pytest.approx(b.time_h, rel=1e-9) and a.length_km == pytest.approx(b.length_km)
            assert a.cost_usd == pytest.approx(b.cost_usd, rel=1e-9) and a.co2_kg == pytest.approx(b.co2_kg, rel=1e-9)
            assert a.breakdown == pytest.approx(b.breakdown, rel=1e-9, abs=1e-9)

"""Conflation of catalog sections onto a detailed network (silkroute.conflate)."""

from __future__ import annotations

import itertools
import warnings
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from silkroute import build, catalog, conflate, network, scenario, timing
from silkroute.build import BuildOptions, graph_from_lines

from .conftest import real_file

GEOD = Geod(ellps="WGS84")


def toy_catalog(stops: list[str], coords: dict[str, tuple[float, float]], gauge: int = 1520) -> SimpleNamespace:
    places = pd.DataFrame(
        [{"id": p, "name": p, "country": "TKM", "kind": "station", "lon": x, "lat": y} for p, (x, y) in coords.items()]
    ).set_index("id", drop=False)
    line = shapely.LineString([coords[s] for s in stops])
    table = gpd.GeoDataFrame(
        [
            {
                "id": "T-1",
                "name": "toy",
                "mode": "rail",
                "gauge": gauge,
                "status": "operational",
                "speed_class": "rail_ca",
                "stops": stops,
                "country": "TKM",
            }
        ],
        geometry=[line],
        crs="EPSG:4326",
    ).set_index("id", drop=False)
    return SimpleNamespace(lines=table, places=places)


def detailed(*geoms: shapely.LineString, gauge: int | None = 1520):
    gdf = gpd.GeoDataFrame(
        {"gauge": [gauge] * len(geoms), "speed_class": "rail_ca"}, geometry=list(geoms), crs="EPSG:4326"
    )
    return graph_from_lines(gdf)


# a track from A (58, 38) to C (60, 38) that bows 0.1° north, through B; the catalog draws A–B–C straight
TRACK = shapely.LineString([(58.0, 38.0), (58.5, 38.1), (59.0, 38.1), (59.5, 38.1), (60.0, 38.0)])
COORDS = {"A": (58.0, 38.01), "B": (59.0, 38.08), "C": (60.0, 37.99), "FAR": (62.0, 38.0)}


def test_matched_sections_take_the_track_length() -> None:
    cat = toy_catalog(["A", "B", "C"], COORDS)
    ref = conflate.conflate(cat, detailed(TRACK))
    s = ref.sections
    assert list(s["status"]) == ["matched", "matched"]
    full = GEOD.geometry_length(TRACK) / 1000
    assert s["detailed_km"].sum() == pytest.approx(full, rel=0.01)  # stops snap ~1-2 km off the ends
    assert (s["detailed_km"] > s["catalog_km"]).all()
    assert ref.lines.at["T-1", "refined_km"] == pytest.approx(s["detailed_km"].sum())
    assert ref.lines.at["T-1", "geometry"].hausdorff_distance(TRACK) < 0.03
    assert "matched: 2, unmatched: 0" in ref.summary()


def test_unmatched_sections_say_why() -> None:
    far = conflate.conflate(toy_catalog(["C", "FAR"], COORDS), detailed(TRACK))
    assert far.sections.at[0, "status"] == "unmatched"
    assert "FAR is 17" in far.sections.at[0, "reason"] and "tolerance 5 km" in far.sections.at[0, "reason"]
    # a long detour: only a loop 1.5° south joins A and C
    loop = shapely.LineString([(58.0, 38.0), (58.0, 36.5), (60.0, 36.5), (60.0, 38.0)])
    detour = conflate.conflate(toy_catalog(["A", "C"], COORDS), detailed(loop))
    assert detour.sections.at[0, "reason"].startswith("length ratio 2.")
    # similar length, but far from the chord
    wide = shapely.LineString([(58.0, 38.0), (59.0, 38.6), (60.0, 38.0)])
    strays = conflate.conflate(toy_catalog(["A", "C"], COORDS), detailed(wide), ratio=(0.97, 2.0))
    assert strays.sections.at[0, "reason"].startswith("track strays 6")
    gap = conflate.conflate(
        toy_catalog(["A", "C"], COORDS),
        detailed(shapely.LineString([(58, 38), (58.9, 38)]), shapely.LineString([(59.1, 38), (60, 38)]), gauge=None),
    )
    assert gap.sections.at[0, "reason"] == "the stops are on disconnected parts of the detailed network"
    other_gauge = conflate.conflate(toy_catalog(["A", "C"], COORDS), detailed(TRACK, gauge=1435))
    assert other_gauge.sections.at[0, "reason"] == "the detailed network has no track of this mode and gauge"


def test_refine_network_rescales_catalog_edges(mini_catalog_dir) -> None:
    cat = catalog.load(mini_catalog_dir)
    model = timing.TimeModel.from_catalog(cat)
    G = scenario.apply(network.build_network(cat), scenario.Scenario(name="baseline"), model)
    ref = conflate.conflate(cat, detailed_for(cat, "KZ-TURKSIB-ALMATY-SARYAGASH"))
    H = conflate.refine_network(G, ref)
    refined = [d for *_, d in H.edges(data=True) if d.get("refined")]
    assert refined and all(d["line_id"] == "KZ-TURKSIB-ALMATY-SARYAGASH" for d in refined)
    matched = ref.sections[ref.sections["status"] == "matched"]
    # the refined edges carry the detailed track's length (both directions), the old length in length_catalog
    assert sum(d["length"] for d in refined) == pytest.approx(2000 * matched["detailed_km"].sum(), rel=1e-3)
    before = sum(d["length"] for *_, d in G.edges(data=True) if d.get("line_id") == "KZ-TURKSIB-ALMATY-SARYAGASH")
    after = sum(d["length"] for *_, d in H.edges(data=True) if d.get("line_id") == "KZ-TURKSIB-ALMATY-SARYAGASH")
    assert after - before == pytest.approx(sum(d["length"] - d["length_catalog"] for d in refined), rel=1e-9)
    e = refined[0]
    assert e["travel_time"] == pytest.approx(timing.edge_hours(e, model)["running"] * 3600)
    assert e["length_catalog"] != e["length"]
    assert not any(d.get("refined") for *_, d in G.edges(data=True))  # G untouched


def detailed_for(cat, line_id: str):
    """A detailed track for one catalog line: its stops joined by gently bowed lines."""
    coords = cat.places.loc[list(cat.lines.at[line_id, "stops"]), ["lon", "lat"]].to_numpy()
    pts = []
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        pts += [(x0, y0), ((x0 + x1) / 2 + 0.05, (y0 + y1) / 2 + 0.1)]
    pts.append(tuple(coords[-1]))
    return detailed(shapely.LineString(pts))


# --------------------------------------------------------------------------- real data


def real_network(name: str, **options):
    """A detailed network of a ../shared file, gauges from the country (warnings about unknown gauges muted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = BuildOptions(countries=real_file("countries_ne50m.geojson.gz"), gauge_by_country=True, **options)
        return build.from_file(real_file(name), options)


def test_real_natural_earth_refines_the_turksib(mini_catalog_dir) -> None:
    cat = catalog.load(mini_catalog_dir)
    D = real_network("rail_ne10m_eurasia.geojson.gz")
    ref = conflate.conflate(cat, D)
    s = ref.sections.set_index(["line_id", "from", "to"])
    shu = s.loc[("KZ-TURKSIB-ALMATY-SARYAGASH", "KZ-SHU", "KZ-SHYMKENT")]
    assert shu["status"] == "matched" and 1.05 < shu["ratio"] < 1.3
    assert 400 < shu["detailed_km"] < 460  # Shu–Shymkent is ~440 km of Turksib track; the chord is 368 km
    # Shymkent is on a branch: trains to Saryagash run via Arys, 1.55 times the straight distance
    arys = s.loc[("KZ-TURKSIB-ALMATY-SARYAGASH", "KZ-SHYMKENT", "KZ-SARYAGASH")]
    assert arys["status"] == "unmatched" and arys["reason"].startswith("length ratio 1.5")
    # Natural Earth misses the post-2000 Jinghe–Khorgos and Zhetygen–Altynkol lines
    alt = s.loc[("KZ-ZHETYGEN-ALTYNKOL", "KZ-ALTYNKOL", "KZ-ZHARKENT")]
    assert alt["status"] == "unmatched" and "KZ-ALTYNKOL is 13" in alt["reason"]
    assert s.loc[("UZ-KELES-TASHKENT", "UZ-KELES", "UZ-TASHKENT"), "status"] == "matched"


def test_real_uzbek_osm_reports_keles_tashkent(mini_catalog_dir) -> None:
    cat = catalog.load(mini_catalog_dir)
    D = real_network("osm_uzbekistan_rail.gpkg", snap_m=0)
    ref = conflate.conflate(cat, D, lines=["UZ-KELES-TASHKENT"])
    row = ref.sections.iloc[0]
    assert row["snap_from_km"] < 1 and row["snap_to_km"] < 2
    assert 18 < row["detailed_km"] < 30  # the track through Tashkent's junctions; the chord is 15.7 km
    assert row["status"] == ("matched" if row["ratio"] <= 1.5 else "unmatched")


def test_real_osm_refines_the_trans_caspian() -> None:
    cat = catalog.load()
    D = real_network("osm_turkmenistan_azerbaijan_rail.osm.gz")
    ids = ["TM-TEJEN-BEREKET", "TM-BEREKET-TURKMENBASHI"]
    ref = conflate.conflate(cat, D, lines=ids)
    s = ref.sections
    assert (s["status"] == "matched").all(), ref.summary()
    ashgabat = int(s.index[s["from"] == "TM-ASHGABAT"][0])
    west = s.loc[ashgabat:]  # Ashgabat → Bereket → Turkmenbashi port, in line order
    assert list(west["from"])[:2] == ["TM-ASHGABAT", "TM-JANAHYR"] and west["to"].iloc[-1] == "TM-TURKMENBASHI-PORT"
    # Turkmenbashi–Ashgabat is ~550-570 km of Trans-Caspian track; the catalog's chords give ~530 km
    assert 540 < west["detailed_km"].sum() < 600
    assert west["catalog_km"].sum() < west["detailed_km"].sum()
    H = conflate.refine_network(scenario.network("baseline"), ref)
    assert H.graph["refinement"]["edges"] >= 2 * len(s)

"""The embedded catalog: completeness, sources, geometry against real track, and the built network."""

from __future__ import annotations

import gzip
import json

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod

from silkroute import catalog, network
from silkroute._text import fold

from .conftest import real_file

GEOD = Geod(ellps="WGS84")

REQUIRED = {
    "CHN": "Xi'an Zhengzhou Chongqing Chengdu Yiwu Lanzhou Wuwei Jiayuguan Hami Turpan Urumqi Kuytun Jinghe Alashankou "
    "Yining Khorgos Korla Aksu Kashgar Wuqia Torugart Irkeshtam",
    "KAZ": "Dostyk Aktogay Altynkol Zhetygen Almaty Shu Taraz Shymkent Arys Saryagash Kyzylorda Kandyagash Aktobe Beyneu "
    "Mangyshlak Aktau Kuryk Zhanaozen Bolashak Moyinty Karaganda Astana Kokshetau Petropavl Zhezkazgan Nur-Zholy",
    "KGZ": "Bishkek Balykchy Naryn Torugart Arpa Makmal Jalal-Abad Osh Kara-Suu Sary-Tash Irkeshtam",
    "UZB": "Tashkent Keles Angren Pap Kokand Andijan Jizzakh Samarkand Navoi Bukhara Alat Kungrad",
    "TKM": "Farap Turkmenabat Mary Tejen Serakhs Ashgabat Bereket Etrek Serhetyaka Turkmenbashi",
    "IRN": "Sarakhs Mashhad Gorgan Incheh-Burun Tehran Tabriz Razi",
    "AZE": "Alat Baku Ganja Beyuk-Kesik",
    "GEO": "Gardabani Tbilisi Marabda Akhalkalaki Poti Batumi",
    "TUR": "Kars Erzurum Sivas Malatya Tatvan Van Kapıköy Ankara Eskişehir Istanbul Kapıkule",
    "RUS": "Orenburg Iletsk Samara Syzran Ryazan Moscow Smolensk Kurgan Chelyabinsk Ufa",
    "BLR": "Orsha Minsk Baranovichi Brest",
    "POL": "Terespol Małaszewicze Warsaw Łódź Kutno Poznań Kunowice",
    "DEU": "Frankfurt-(Oder) Berlin Hannover Hamburg Duisburg Cologne",
}


@pytest.fixture(scope="module")
def cat():
    return catalog.load()


def names_of(cat, country: str) -> set[str]:
    rows = cat.places[cat.places["country"] == country]
    out = set()
    for pid, name, aliases in zip(rows["id"], rows["name"], rows["aliases"], strict=True):
        out |= {fold(pid[3:]), fold(name), *(fold(a) for a in aliases)}
    return out


@pytest.mark.parametrize("country", sorted(REQUIRED))
def test_required_places_exist(cat, country: str) -> None:
    known = names_of(cat, country)
    missing = [n for n in REQUIRED[country].split() if not any(fold(n.replace("-", " ")) in k for k in known)]
    assert not missing, f"{country}: missing {missing}"


def test_catalog_size_and_sources(cat) -> None:
    assert len(cat.places) >= 150
    assert (cat.lines["mode"] == "rail").sum() >= 80 and (cat.lines["mode"] == "road").sum() >= 20
    assert len(cat.crossings) >= 30 and len(cat.gauge_changes) >= 8 and len(cat.ferries) >= 6
    for table in (cat.places, cat.crossings, cat.gauge_changes, cat.ferries, cat.terminals, cat.speeds):
        assert table["source"].str.len().min() > 5
    published = cat.lines[cat.lines["published_km_mode"].notna()]
    assert (published["source"].str.len() > 5).all()
    # every place is within the corridor region and no two places in different countries coincide by accident
    assert cat.places["lon"].between(-10, 135).all() and cat.places["lat"].between(20, 62).all()


def test_dwell_ranges_are_sane(cat) -> None:
    assert (cat.crossings["dwell_high_h"] <= 24 * 21).all()  # nothing beyond three weeks
    assert (cat.ferries["wait_high_h"] <= 24 * 15).all()
    assert (cat.ferries["sailing_mode_h"] < 24 * 6).all()


def test_ferries_and_gauges(cat) -> None:
    caspian = cat.ferries[cat.ferries["to"] == "AZ-ALAT"]
    assert set(caspian["from"]) == {"KZ-AKTAU-PORT", "KZ-KURYK-PORT", "TM-TURKMENBASHI-PORT"}
    for place in ("KZ-DOSTYK", "KG-MAKMAL", "GE-AKHALKALAKI", "PL-MALASZEWICZE"):
        assert place in cat.gauge_changes.index
    cku = cat.lines[cat.lines["name"].str.contains("Kyrgyzstan–Uzbekistan")]
    assert set(cku["status"]) == {"under_construction"}
    assert sorted(cku["gauge"]) == [1435, 1435, 1520, 1520]  # 1435 mm to Makmal, 1520 mm beyond


def test_drawn_lengths_match_published_lengths(cat) -> None:
    rows = cat.lines[cat.lines["published_km_mode"].notna()]
    ratios = {}
    for lid, row in rows.iterrows():
        km = GEOD.geometry_length(row.geometry) / 1000.0
        ratios[lid] = km / row["published_km_mode"]
    assert len(ratios) >= 15
    # straight segments between stations are shorter than track; the CKU's mountain alignment is unpublished
    bad = {k: round(v, 2) for k, v in ratios.items() if not 0.65 <= v <= 1.25}
    assert not bad
    assert 0.85 <= float(np.median(list(ratios.values()))) <= 1.0


def test_default_network_builds_connected(cat) -> None:
    G = network.build_network(cat)  # build time: benchmarks/bench_build.py
    assert not G.graph["build_report"].places_unattached
    rail = nx.Graph()
    for u, v, d in G.edges(data=True):
        if (
            (d["kind"] in ("line", "crossing") and d["mode"] == "rail")
            or d["kind"] == "gauge_change"
            or d.get("carries") == "rail"
        ):
            rail.add_edge(u, v)
    parts = sorted(nx.connected_components(rail), key=len, reverse=True)
    assert len(parts) == 1, [sorted({G.nodes[n].get("place") for n in p}) for p in parts[1:]]


@pytest.mark.real
def test_rail_geometry_follows_real_track(cat) -> None:
    """Sample the operational rail sections of the network every 5 km: >= 95 % lie within 10 km of real track.

    The network's geometry (what routes and maps draw) follows OSM track where a section was matched
    (data/track.csv); the reference is Natural Earth 10m rail plus the OSM skeleton supplement.
    """
    with gzip.open(real_file("rail_ne10m_eurasia.geojson.gz")) as f:
        ne = json.load(f)
    with gzip.open(real_file("rail_osm_supplement_scgraph.geojson.gz")) as f:
        osm = json.load(f)
    real = [shapely.geometry.shape(f["geometry"]) for f in ne["features"] + osm["features"]]
    tree = shapely.STRtree(real)
    G = network.build_network(cat)
    sections = {}
    for u, v, d in G.edges(data=True):
        if d["kind"] == "line" and d["mode"] == "rail" and d.get("status") == "operational":
            sections[(*sorted((str(u), str(v))), d["line_id"])] = d["geometry"]
    inside = total = 0
    for geom in sections.values():
        n = max(2, int(GEOD.geometry_length(geom) / 5000))
        pts = [geom.interpolate(i / (n - 1), normalized=True) for i in range(n)]
        pts = [p for p in pts if 5 <= p.x <= 105 and 25 <= p.y <= 62]  # the real data's extent
        for p in pts:
            j = tree.query_nearest(p)[0]
            q = shapely.ops.nearest_points(real[j], p)[0]
            d = GEOD.inv(p.x, p.y, q.x, q.y)[2]
            inside += d <= 10_000
            total += 1
    assert total > 5000
    share = inside / total
    assert share >= 0.95, f"only {share:.1%} of sampled points lie within 10 km of real track"

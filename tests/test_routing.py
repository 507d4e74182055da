"""Routing semantics on the mini catalog: known answers worked out by hand from the CSV values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Geod

from silkroute import catalog, network, routing, scenario
from silkroute._errors import NoRouteError, UnknownPlaceError
from silkroute.sections import DEFAULT_CIRCUITY
from silkroute.timing import TimeModel, expected

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def mini(mini_catalog_dir: Path):
    cat = catalog.load(mini_catalog_dir)
    return cat, scenario.apply(network.build_network(cat), scenario.Scenario(name="test"), TimeModel.from_catalog(cat))


def polyline_km(cat, stops: list[str]) -> float:
    xy = cat.places.loc[stops, ["lon", "lat"]].to_numpy()
    return GEOD.line_length(xy[:, 0], xy[:, 1]) / 1000.0


def pace_mean(cat, cls: str) -> float:
    low, mode, high = cat.speeds.loc[cls, ["speed_low_kph", "speed_mode_kph", "speed_high_kph"]]
    return expected(1 / high, 1 / mode, 1 / low)


def test_known_answer_rail_yining_to_tashkent(mini) -> None:
    cat, G = mini
    r = routing.fastest(G, "Yining", "Tashkent")
    assert [p["id"] for p in r.places] == [
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
    k = DEFAULT_CIRCUITY["rail"]  # the mini catalog has no track.csv: drawn km x the documented circuity
    sections = {
        "rail_cn_secondary": k * polyline_km(cat, ["CN-YINING", "CN-KHORGOS"]),
        "rail_kz_main": k
        * polyline_km(cat, ["KZ-ALTYNKOL", "KZ-ZHARKENT", "KZ-ALMATY", "KZ-SHU", "KZ-SHYMKENT", "KZ-SARYAGASH"]),
        "rail_ca": k * polyline_km(cat, ["UZ-KELES", "UZ-TASHKENT"]),
    }
    crossing_km = polyline_km(cat, ["CN-KHORGOS", "KZ-ALTYNKOL"]) + polyline_km(cat, ["KZ-SARYAGASH", "UZ-KELES"])
    assert r.length_km == pytest.approx(sum(sections.values()) + crossing_km, rel=1e-6)
    running = sum(km * pace_mean(cat, cls) for cls, km in sections.items())
    border = expected(6, 8, 40.6) + expected(4, 12, 40.6)  # Khorgos-Altynkol, Saryagash-Keles
    gauge = expected(2, 5.5, 12)  # Altynkol
    assert r.breakdown["running"] == pytest.approx(running, rel=1e-9)
    assert r.breakdown["border"] == pytest.approx(border, rel=1e-9)
    assert r.breakdown["gauge_change"] == pytest.approx(gauge, rel=1e-9)
    assert r.time_h == pytest.approx(running + border + gauge, rel=1e-9)
    assert r.countries == ["CHN", "KAZ", "UZB"]
    assert [c["id"] for c in r.crossings] == ["KHORGOS-ALTYNKOL-RAIL", "SARYAGASH-KELES-RAIL"]
    assert r.gauge_breaks == [
        {"place": "KZ-ALTYNKOL", "name": "Altynkol", "from_gauge": 1435, "to_gauge": 1520, "hours": round(gauge, 2)}
    ]
    assert r.modes == ["rail"]


def test_road_time_includes_driver_rest(mini) -> None:
    cat, G = mini
    r = routing.fastest(G, "Almaty", "Shymkent", mode="road")
    km = DEFAULT_CIRCUITY["road"] * polyline_km(cat, ["KZ-ALMATY", "KZ-SHU", "KZ-SHYMKENT"])
    running = km * pace_mean(cat, "road_highway")
    rest = running * expected(24 / 10 - 1, 24 / 9 - 1, 24 / 9 - 1)
    assert r.length_km == pytest.approx(km, rel=1e-6)
    assert r.breakdown["running"] == pytest.approx(running, rel=1e-9)
    assert r.breakdown["rest"] == pytest.approx(rest, rel=1e-9)
    assert r.modes == ["road"]


def test_breakdown_and_edges_add_up(mini) -> None:
    _cat, G = mini
    for orig, dest in [("Yining", "Tashkent"), ("Tashkent", "Yining"), ("Shu", "Keles")]:
        for optimize in ("time", "distance"):
            r = routing.route(G, orig, dest, optimize=optimize)[0]
            assert sum(r.breakdown.values()) == pytest.approx(r.time_h, rel=1e-12)
            assert routing.path_weight(G, r.edges, "travel_time") / 3600 == pytest.approx(r.time_h, rel=1e-12)
            assert routing.path_weight(G, r.edges, "length") / 1000 == pytest.approx(r.length_km, rel=1e-12)


def test_place_lookup_is_case_and_diacritic_insensitive(mini) -> None:
    _cat, G = mini
    assert routing.resolve(G, "horgos") == "CN-KHORGOS"
    assert routing.resolve(G, "TOSHKENT") == "UZ-TASHKENT"
    assert routing.resolve(G, "kz-shu") == "KZ-SHU"
    with pytest.raises(UnknownPlaceError, match="closest names: Tashkent") as info:
        routing.resolve(G, "Tashkint")
    assert isinstance(info.value, KeyError)


def test_via_passes_the_waypoint(mini) -> None:
    _cat, G = mini
    r = routing.fastest(G, "Zharkent", "Shymkent", via=["Saryagash"])
    ids = [p["id"] for p in r.places]
    assert ids[0] == "KZ-ZHARKENT" and ids[-1] == "KZ-SHYMKENT" and "KZ-SARYAGASH" in ids
    direct = routing.fastest(G, "Zharkent", "Shymkent")
    assert r.time_h > direct.time_h
    alternatives = routing.fastest(G, "Zharkent", "Shymkent", via=[["Saryagash", "Shu"]])
    assert alternatives.time_h == pytest.approx(direct.time_h)  # Shu is on the way


def test_mode_constraint_and_its_explanation(mini) -> None:
    _cat, G = mini
    with pytest.raises(NoRouteError, match="while mode road; a route exists without that constraint"):
        routing.fastest(G, "Yining", "Tashkent", mode="road")
    # rail-only from Almaty to Shymkent uses the railway, road-only the highway
    assert routing.fastest(G, "Almaty", "Shymkent", mode="rail").modes == ["rail"]


def test_avoid_countries_and_places(mini) -> None:
    _cat, G = mini
    with pytest.raises(NoRouteError, match=r"destination Tashkent .* lies in UZB, which is avoided"):
        routing.fastest(G, "Almaty", "Tashkent", avoid_countries=["UZB"])
    with pytest.raises(NoRouteError, match="while avoiding KZ-SHU"):
        routing.fastest(G, "Almaty", "Shymkent", avoid_places=["Shu"])
    with pytest.raises(NoRouteError, match="while avoiding KAZ"):
        routing.fastest(G, "Yining", "Tashkent", avoid_countries=["KAZ"])


def test_scenario_blocks_are_explained(mini_catalog_dir: Path) -> None:
    cat = catalog.load(mini_catalog_dir)
    base = network.build_network(cat)
    path = mini_catalog_dir / "no-saryagash.toml"
    path.write_text('name = "no-saryagash"\n[close]\ncrossings = ["SARYAGASH-KELES-RAIL"]\n', encoding="utf-8")
    G = scenario.apply(base, scenario.load(path, cat), TimeModel.from_catalog(cat))
    with pytest.raises(NoRouteError, match=r"Saryagash–Keles \(closed by scenario no-saryagash\)"):
        routing.fastest(G, "Almaty", "Tashkent")


def test_distance_and_time_optima_are_consistent(mini) -> None:
    _cat, G = mini
    for orig, dest in [("Almaty", "Shymkent"), ("Yining", "Keles")]:
        fast, short = routing.fastest(G, orig, dest), routing.shortest(G, orig, dest)
        assert fast.time_h <= short.time_h + 1e-9
        assert short.length_km <= fast.length_km + 1e-9


def test_route_exports(mini) -> None:
    _cat, G = mini
    r = routing.fastest(G, "Yining", "Tashkent")
    gdf = r.to_gdf()
    assert gdf.crs == "EPSG:4326"
    assert gdf["length_km"].sum() == pytest.approx(r.length_km)
    assert gdf["time_h"].sum() == pytest.approx(r.time_h)
    d = r.to_dict()
    assert set(d) >= {"length_km", "time_h", "breakdown", "countries", "crossings", "gauge_breaks", "places"}
    assert r.geometry.length > 0


def test_names_without_their_parenthesis_match(baseline) -> None:
    with pytest.raises(UnknownPlaceError, match=r"'Torugart' is ambiguous: it matches CN-TORUGART .*KG-TORUGART"):
        routing.resolve(baseline, "Torugart")
    assert routing.resolve(baseline, "alataw pass") == "CN-ALASHANKOU"

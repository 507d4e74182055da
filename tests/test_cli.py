"""The silkroute command: exit codes and the JSON contracts."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkroute import corridors
from silkroute.cli import app

runner = CliRunner()
KASHGAR_TASHKENT = ("compare", "--from", "Kashgar", "--to", "Tashkent")


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_places_json_contract() -> None:
    res = run("places", "lodz", "--format", "json")
    assert res.exit_code == 0
    (place,) = json.loads(res.stdout)
    assert set(place) == {"id", "name", "aliases", "country", "kind", "lon", "lat"}
    assert place["id"] == "PL-LODZ" and place["name"] == "Łódź" and place["country"] == "POL"


def test_route_json_contract() -> None:
    res = run("route", "--from", "Almaty", "--to", "Tashkent", "--format", "json", "-k", "2")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"origin", "destination", "scenario", "routes"} <= set(data)
    assert data["origin"] == "KZ-ALMATY" and data["scenario"] == "baseline"
    r = data["routes"][0]
    assert {"length_km", "time_h", "breakdown", "countries", "crossings", "gauge_breaks", "places"} <= set(r)
    assert r["countries"][0] == "KAZ" and r["countries"][-1] == "UZB"
    assert sum(r["breakdown"].values()) == pytest.approx(r["time_h"], abs=0.1)


def test_compare_json_contract() -> None:
    res = run(
        *KASHGAR_TASHKENT,
        "--scenario",
        "baseline",
        "--scenario",
        "cku-open",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["origin"] == "CN-KASHGAR" and data["destination"] == "UZ-TASHKENT"
    assert [c["scenario"] for c in data["comparisons"]] == ["baseline", "cku-open"]
    for comp in data["comparisons"]:
        names = [c["corridor"] for c in comp["corridors"]]
        assert names == list(corridors.load())
        for c in comp["corridors"]:
            assert {
                "corridor",
                "feasible",
                "reason",
                "length_km",
                "time_h",
                "breakdown",
                "countries",
                "crossings",
                "delta_vs_northern_h",
            } <= set(c)
    base = {c["corridor"]: c for c in data["comparisons"][0]["corridors"]}
    cku = {c["corridor"]: c for c in data["comparisons"][1]["corridors"]}
    assert base["cku"]["feasible"] is False and "under_construction" in base["cku"]["reason"]
    assert cku["cku"]["feasible"] is True and cku["cku"]["delta_vs_northern_h"] < 0
    assert base["northern"]["delta_vs_northern_h"] == 0


def test_compare_csv() -> None:
    res = run("compare", "--from", "Xian", "--to", "Duisburg", "--format", "csv")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["corridor"] for r in rows] == list(corridors.load())
    assert float(rows[0]["time_h"]) > 0


def test_table_output_shows_days() -> None:
    res = run("route", "--from", "Almaty", "--to", "Tashkent")
    assert res.exit_code == 0
    assert " d)" in res.stdout and "where the time goes" in res.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["route", "--from", "Almatyy", "--to", "Tashkent"], 2, "closest names: Almaty"),
        (["route", "--from", "Almaty", "--to", "Tashkent", "--scenario", "no-such"], 2, "unknown scenario 'no-such'"),
        (["route", "--from", "Almaty", "--to", "Tashkent", "--mode", "boat"], 2, "boat"),
        (
            ["route", "--from", "Almaty", "--to", "Tashkent", "--avoid-country", "UZB"],
            3,
            "lies in UZB, which is avoided",
        ),
        (
            ["route", "--from", "Kashgar", "--to", "Andijan", "--mode", "rail", "--via", "Makmal"],
            3,
            "under_construction",
        ),
        (["compare", "--from", "Nowhere", "--to", "Tashkent"], 2, "unknown place 'Nowhere'"),
    ],
)
def test_exit_codes_and_one_sentence_errors(args: list[str], code: int, words: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == code
    assert words in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_scenario_file_names_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[scale]\ndwel = 2\n', encoding="utf-8")
    res = runner.invoke(app, ["compare", "--from", "Xian", "--to", "Duisburg", "--scenario", str(bad)])
    assert res.exit_code == 2
    assert str(bad) in res.stderr and "scale.dwel" in res.stderr and "did you mean 'dwell'" in res.stderr


def test_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("silkroute")
    res = subprocess.run(
        [str(exe), "route", "--from", "lodz", "--to", "Horgos"],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": "200"},
        check=False,
    )
    assert res.returncode in (0, 3), res.stderr
    res = subprocess.run(
        [str(exe), "--debug", "route", "--from", "Atlantis", "--to", "Tashkent"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2 and "Traceback" in res.stderr


@pytest.mark.real
def test_build_then_route_and_refine_with_a_real_network(tmp_path: Path) -> None:
    from .conftest import ROOT, real_file

    source = real_file("osm_uzbekistan_rail.gpkg")
    net = tmp_path / "uz.gpkg"
    res = run("build", "--lines", str(source), "--places", str(ROOT / "data" / "places.csv"), "-o", str(net))
    assert res.exit_code == 0, res.stderr
    assert net.is_file() and "places attached" in res.stdout
    res = run("route", "--network", str(net), "--from", "Tashkent", "--to", "Bukhara", "--format", "json")
    assert res.exit_code == 0, res.stderr
    km = json.loads(res.stdout)["routes"][0]["length_km"]
    from pyproj import Geod

    straight = Geod(ellps="WGS84").inv(69.21627, 41.26465, 64.43069, 39.77026)[2] / 1000  # town centres, 436 km
    assert 1.1 * straight < km < 1.5 * straight  # ~590 km of track via Samarkand and Navoi
    res = run(
        *KASHGAR_TASHKENT,
        "--scenario",
        "cku-open",
        "--refine-with",
        str(net),
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    assert "matched" in res.stderr


def test_build_needs_exactly_one_source(tmp_path: Path) -> None:
    res = runner.invoke(app, ["build", "-o", str(tmp_path / "x.gpkg")])
    assert res.exit_code == 2 and "exactly one of --lines FILE or --osm FILE" in res.stderr
    res = runner.invoke(app, ["build", "--place", "Turkmenistan", "-o", str(tmp_path / "x.gpkg")])
    assert res.exit_code == 2 and "needs network access: add --online" in res.stderr
    res = runner.invoke(app, ["build", "--lines", str(tmp_path / "missing.gpkg"), "-o", str(tmp_path / "x.gpkg")])
    assert res.exit_code == 2 and "missing.gpkg" in res.stderr
    assert not (tmp_path / "x.gpkg").exists()


def test_criticality_and_reach_write_layers_and_maps(tmp_path: Path) -> None:
    res = run(
        "criticality",
        "--from",
        "Kashgar",
        "--to",
        "Tashkent",
        "--scenario",
        "cku-open",
        "-o",
        str(tmp_path / "c.geojson"),
        "--map",
        str(tmp_path / "c.html"),
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["chokepoints"] and {"ref", "kind", "name", "used_by", "cuts", "max_added_days"} <= set(
        data["chokepoints"][0]
    )
    layer = json.loads((tmp_path / "c.geojson").read_text())
    assert len(layer["features"]) == len(data["chokepoints"]) and "crs" not in layer
    assert (tmp_path / "c.html").stat().st_size > 100_000
    res = run(
        "reach",
        "--from",
        "Urumqi",
        "--days",
        "2,4",
        "-o",
        str(tmp_path / "r"),
        "--map",
        str(tmp_path / "r.html"),
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    assert {p["within_days"] for p in json.loads(res.stdout)["places"]} == {2.0, 4.0}
    assert (tmp_path / "r.places.geojson").is_file() and (tmp_path / "r.network.geojson").is_file()
    res = runner.invoke(app, ["reach", "--from", "Urumqi", "--days", "two"])
    assert res.exit_code == 2 and "--days must be comma-separated numbers" in res.stderr


def test_uncertainty_json_contract() -> None:
    args = ["uncertainty", "--from", "Kashgar", "--to", "Istanbul", "--scenario", "cku-open"]
    args += ["--draws", "2000", "--seed", "4", "--format", "json"]
    res = run(*args)
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"origin", "destination", "scenario", "draws", "seed", "corridors", "differences"} <= set(data)
    assert data["draws"] == 2000 and data["seed"] == 4
    assert data["reference"] == "middle"  # Turkey is compared against the Middle Corridor, not the northern route
    cku = next(d for d in data["differences"] if d["a"] == "cku-iran" and d["b"] == data["reference"])
    assert {"p50_days", "p_a_faster_by_7d", "p_a_faster_by_10d"} <= set(cku)
    assert res.stdout == run(*args).stdout  # the seed reproduces the output


def test_route_can_require_a_ferry_and_explains_a_bad_one() -> None:
    res = run("route", "--from", "Urumqi", "--to", "Istanbul", "--via", "ferry:Aktau|ferry:Kuryk", "--format", "json")
    assert res.exit_code == 0, res.output
    ferries = json.loads(res.output)["routes"][0]["ferries"]
    assert ferries and ferries[0] in ("KZ-AKTAU-PORT~AZ-ALAT", "KZ-KURYK-PORT~AZ-ALAT")
    bad = run("route", "--from", "Urumqi", "--to", "Istanbul", "--via", "ferry:Atlantis")
    assert bad.exit_code != 0 and "KZ-AKTAU-PORT~AZ-ALAT" in bad.output  # the message lists the ferries

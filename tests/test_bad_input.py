"""Every kind of bad input gets one clear sentence that names what is wrong, and the right exit code.

Each case is a command line (files it needs are made in a temporary directory),
the exit code it must give (2 bad input, 3 no route) and words the message must
contain (the offending option, file, key or value, or the fix). No case may
crash: no traceback, no "internal error".
"""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from silkroute.cli import app

ROUTE = ["route", "--from", "Almaty", "--to", "Tashkent"]


def _scenario(body: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / "bad.toml"
        path.write_text('name = "bad"\n' + body, encoding="utf-8")
        return str(path)

    return make


def _lines(gdf: Callable[[], gpd.GeoDataFrame], name: str = "lines.geojson", **kw: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        frame = gdf()
        with warnings.catch_warnings():  # writing a file without a CRS is the point of some cases
            warnings.simplefilter("ignore", UserWarning)
            if name.endswith(".gpkg"):
                frame.to_file(path, driver="GPKG", layer=kw.get("layer", "lines"))
            else:
                frame.to_file(path, driver="GeoJSON")
        return str(path)

    return make


def _text(name: str, content: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        path.write_text(content, encoding="utf-8")
        return str(path)

    return make


def _bytes(name: str, content: bytes) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        path.write_bytes(content)
        return str(path)

    return make


_LINE = shapely.LineString([(76.9, 43.2), (77.5, 43.6), (78.0, 44.0)])


def _gdf(geoms: list, crs: str | None = "EPSG:4326") -> Callable[[], gpd.GeoDataFrame]:
    return lambda: gpd.GeoDataFrame({"name": [f"l{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)


def _projected_as_4326() -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[_LINE], crs="EPSG:4326").to_crs("EPSG:32643")
    return g.set_crs("EPSG:4326", allow_override=True)  # metres labelled as degrees


def _metres_no_crs() -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[_LINE], crs="EPSG:4326").to_crs("EPSG:32643")
    return g.set_crs(None, allow_override=True)


def _mixed_polygons() -> gpd.GeoDataFrame:
    box = shapely.box(76, 43, 77, 44)
    return gpd.GeoDataFrame({"name": ["p", "m"]}, geometry=[box, shapely.MultiPolygon([box])], crs="EPSG:4326")


def _places_csv(tmp: Path) -> str:
    path = tmp / "places.csv"
    path.write_text("id,lon,lat\nKZ-A,abc,43.2\n", encoding="utf-8")
    return str(path)


def _corrupt_gpkg(tmp: Path) -> str:
    path = tmp / "net.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    return str(path)


def _no_geometry_gpkg(tmp: Path) -> str:
    """A GeoPackage with a line layer and an attribute table ``plain`` (no geometry column)."""
    import sqlite3

    path = tmp / "attrs.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[_LINE], crs="EPSG:4326").to_file(path, layer="lines", driver="GPKG")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE plain (x INTEGER)")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('plain', 'attributes', 'plain')")
    con.commit()
    con.close()
    return str(path)


# (id, argv with {f} for the made file, file maker or None, exit code, words the message must contain)
CASES: list[tuple[str, list[str], Callable[[Path], str] | None, int, list[str]]] = [
    # places and names
    ("unknown place", ["route", "--from", "Almatyy", "--to", "Tashkent"], None, 2, ["Almatyy", "Almaty"]),
    ("unknown destination", ["route", "--from", "Almaty", "--to", "Xyzzy"], None, 2, ["Xyzzy"]),
    ("empty origin", ["route", "--from", "", "--to", "Tashkent"], None, 2, ["empty"]),
    ("blank origin", ["route", "--from", "   ", "--to", "Tashkent"], None, 2, ["empty"]),
    ("ambiguous name", ["route", "--from", "Aktau", "--to", "Tashkent"], None, 2, ["ambiguous", "KZ-AKTAU-PORT"]),
    ("origin equals destination", ["route", "--from", "Almaty", "--to", "Almaty"], None, 2, ["both", "different"]),
    (
        "origin equals destination (alias)",
        ["route", "--from", "Almaty", "--to", "KZ-ALMATY"],
        None,
        2,
        ["both", "different"],
    ),
    ("compare same pair", ["compare", "--from", "Almaty", "--to", "Almaty"], None, 2, ["both", "different"]),
    ("uncertainty same pair", ["uncertainty", "--from", "Almaty", "--to", "Almaty"], None, 2, ["both", "different"]),
    ("criticality same pair", ["criticality", "--from", "Almaty", "--to", "Almaty"], None, 2, ["both", "different"]),
    ("unknown via", [*ROUTE, "--via", "Nowhereville"], None, 2, ["Nowhereville"]),
    ("empty via", [*ROUTE, "--via", ""], None, 2, ["--via"]),
    ("via only bars", [*ROUTE, "--via", "|"], None, 2, ["--via"]),
    ("via unknown ferry", [*ROUTE, "--via", "ferry:Atlantis"], None, 2, ["ferry:Atlantis", "KZ-AKTAU-PORT~AZ-ALAT"]),
    ("via mixes place and link", [*ROUTE, "--via", "ferry:Aktau|Shymkent"], None, 2, ["mixes"]),
    ("unknown avoid place", [*ROUTE, "--avoid-place", "Gotham"], None, 2, ["Gotham"]),
    ("reach unknown place", ["reach", "--from", "Gotham"], None, 2, ["Gotham"]),
    ("sweep bad pair", ["sweep", "--pair", "Almaty"], None, 2, ["--pair"]),
    ("sweep unknown place", ["sweep", "--pair", "Almaty:Gotham", "--draws", "10"], None, 2, ["Gotham"]),
    ("map from without to", ["map", "--from", "Almaty", "-o", "{tmp}/m.html"], None, 2, ["--to"]),
    # countries, links, kinds, modes
    ("ISO2 country", [*ROUTE, "--avoid-country", "RU"], None, 2, ["RU", "RUS"]),
    ("unknown country code", [*ROUTE, "--avoid-country", "XXX"], None, 2, ["XXX"]),
    ("country name", [*ROUTE, "--avoid-country", "Russia"], None, 2, ["Russia", "RUS"]),
    ("ISO2 country in a list", [*ROUTE, "--avoid-country", "RUS", "--avoid-country", "KZ"], None, 2, ["KZ", "KAZ"]),
    ("avoid origin country", [*ROUTE, "--avoid-country", "KAZ"], None, 3, ["KAZ"]),
    ("unknown link", [*ROUTE, "--avoid-link", "crossing:NOPE"], None, 2, ["crossing:NOPE"]),
    ("link without kind", [*ROUTE, "--avoid-link", "KZ-DOSTYK"], None, 2, ["KZ-DOSTYK"]),
    ("unknown kind", [*ROUTE, "--avoid-kind", "teleport"], None, 2, ["teleport"]),
    ("unknown mode", [*ROUTE, "--mode", "air"], None, 2, ["--mode"]),
    ("unknown optimize", [*ROUTE, "--optimize", "beauty"], None, 2, ["--optimize"]),
    ("k zero", [*ROUTE, "-k", "0"], None, 2, ["-k"]),
    ("k not a number", [*ROUTE, "-k", "two"], None, 2, ["-k"]),
    (
        "no route when ferries avoided",
        [
            "route",
            "--from",
            "Baku",
            "--to",
            "Aktau sea port",
            "--avoid-kind",
            "ferry",
            "--avoid-country",
            "RUS",
            "--avoid-country",
            "TKM",
            "--avoid-country",
            "IRN",
            "--avoid-country",
            "GEO",
        ],
        None,
        3,
        ["no route"],
    ),
    # formats and outputs
    ("unknown format", [*ROUTE, "--format", "xml"], None, 2, ["--format"]),
    ("output under a file", [*ROUTE, "-o", "{f}/out.txt"], _text("plain.txt", "x"), 2, ["plain.txt"]),
    ("output is a directory", [*ROUTE, "-o", "{tmp}"], None, 2, ["directory"]),
    ("export empty layers", ["export", "-o", "{tmp}/x.geojson", "--layers", ""], None, 2, ["--layers"]),
    ("export unknown layer", ["export", "-o", "{tmp}/x.geojson", "--layers", "rivers"], None, 2, ["rivers"]),
    (
        "export into a file",
        ["export", "-o", "{f}", "--layers", "network"],
        _text("x.shp", "x"),
        2,
        ["x.shp", "directory"],
    ),
    ("map wrong extension", ["map", "-o", "{tmp}/m.png"], None, 2, [".html"]),
    # numbers
    ("days nan", ["reach", "--from", "Almaty", "--days", "nan"], None, 2, ["--days"]),
    ("days infinite", ["reach", "--from", "Almaty", "--days", "inf"], None, 2, ["--days"]),
    ("days negative", ["reach", "--from", "Almaty", "--days", "-1"], None, 2, ["--days"]),
    ("days text", ["reach", "--from", "Almaty", "--days", "abc"], None, 2, ["--days"]),
    ("draws zero", ["uncertainty", "--from", "Almaty", "--to", "Tashkent", "--draws", "0"], None, 2, ["--draws"]),
    ("draws negative", ["uncertainty", "--from", "Almaty", "--to", "Tashkent", "--draws", "-5"], None, 2, ["--draws"]),
    ("seed text", ["uncertainty", "--from", "Almaty", "--to", "Tashkent", "--seed", "x"], None, 2, ["--seed"]),
    (
        "unknown distribution",
        ["uncertainty", "--from", "Almaty", "--to", "Tashkent", "--distribution", "normal"],
        None,
        2,
        ["--distribution"],
    ),
    (
        "snap nan",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg", "--snap-m", "nan"],
        _lines(_gdf([_LINE])),
        2,
        ["--snap-m"],
    ),
    (
        "snap negative",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg", "--snap-m", "-5"],
        _lines(_gdf([_LINE])),
        2,
        ["--snap-m"],
    ),
    # scenarios
    ("unknown scenario", [*ROUTE, "--scenario", "paradise"], None, 2, ["paradise", "baseline"]),
    ("scenario file missing", [*ROUTE, "--scenario", "{tmp}/none.toml"], None, 2, ["none.toml"]),
    ("scenario syntax", [*ROUTE, "--scenario", "{f}"], _scenario("[scale\nspeed = 1"), 2, ["bad.toml"]),
    ("scenario unknown key", [*ROUTE, "--scenario", "{f}"], _scenario("[scale]\nsped = 1.0\n"), 2, ["sped"]),
    ("scenario speed nan", [*ROUTE, "--scenario", "{f}"], _scenario("[scale]\nspeed = nan\n"), 2, ["speed"]),
    ("scenario dwell inf", [*ROUTE, "--scenario", "{f}"], _scenario("[scale]\ndwell = inf\n"), 2, ["dwell"]),
    ("scenario negative factor", [*ROUTE, "--scenario", "{f}"], _scenario("[scale]\nspeed = -1\n"), 2, ["speed"]),
    ("scenario factor text", [*ROUTE, "--scenario", "{f}"], _scenario('[scale]\nspeed = "fast"\n'), 2, ["speed"]),
    (
        "scenario override nan",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[override.crossings."KZ-SARYAGASH~UZ-KELES"]\ndwell_mode_h = nan\n'),
        2,
        ["dwell_mode_h"],
    ),
    (
        "scenario override unknown id",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[override.crossings."NOPE"]\ndwell_mode_h = 3\n'),
        2,
        ["NOPE"],
    ),
    (
        "scenario override unknown column",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[override.crossings."KZ-SARYAGASH~UZ-KELES"]\nwait_h = 3\n'),
        2,
        ["wait_h"],
    ),
    (
        "scenario override breaks order",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[override.crossings."KZ-SARYAGASH~UZ-KELES"]\ndwell_low_h = 500\n'),
        2,
        ["override.crossings", "low <= mode <= high"],
    ),
    ("scenario unknown open line", [*ROUTE, "--scenario", "{f}"], _scenario('[open]\nlines = ["NOPE"]\n'), 2, ["NOPE"]),
    (
        "scenario unknown status",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[open]\nstatuses = ["dreamt"]\n'),
        2,
        ["dreamt"],
    ),
    (
        "scenario avoid bad country",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('[avoid]\ncountries = ["RU"]\n'),
        2,
        ["RU"],
    ),
    (
        "scenario extends missing",
        [*ROUTE, "--scenario", "{f}"],
        _scenario('extends = "nothing.toml"\n'),
        2,
        ["nothing.toml"],
    ),
    ("scenario extends itself", [*ROUTE, "--scenario", "{f}"], _scenario('extends = "bad.toml"\n'), 2, ["bad.toml"]),
    ("scenario not UTF-8", [*ROUTE, "--scenario", "{f}"], _bytes("bad.toml", b'name = "\xff\xfe"\n'), 2, ["bad.toml"]),
    # networks and line files
    ("network file missing", [*ROUTE, "--network", "{tmp}/none.gpkg"], None, 2, ["none.gpkg"]),
    ("network file corrupt", [*ROUTE, "--network", "{f}"], _corrupt_gpkg, 2, ["net.gpkg"]),
    ("network not a network", [*ROUTE, "--network", "{f}"], _lines(_gdf([_LINE]), "plain.gpkg"), 2, ["plain.gpkg"]),
    ("build nothing", ["build", "-o", "{tmp}/n.gpkg"], None, 2, ["--lines", "--osm"]),
    (
        "build two inputs",
        ["build", "--lines", "{f}", "--osm", "{f}", "-o", "{tmp}/n.gpkg"],
        _lines(_gdf([_LINE])),
        2,
        ["--lines", "--osm"],
    ),
    ("build missing file", ["build", "--lines", "{tmp}/none.geojson", "-o", "{tmp}/n.gpkg"], None, 2, ["none.geojson"]),
    (
        "build zero features",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _text("empty.geojson", '{"type": "FeatureCollection", "features": []}'),
        2,
        ["empty.geojson", "no"],
    ),
    (
        "build null geometries",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _text(
            "nulls.geojson",
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}',
        ),
        2,
        ["nulls.geojson"],
    ),
    (
        "build points",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _lines(_gdf([shapely.Point(76.9, 43.2), shapely.Point(77, 44)]), "points.geojson"),
        2,
        ["points.geojson", "Point"],
    ),
    (
        "build polygons mixed",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _lines(_mixed_polygons, "polys.geojson"),
        2,
        ["polys.geojson", "Polygon"],
    ),
    (
        "build missing layer",
        ["build", "--lines", "{f}", "--layer", "roads", "-o", "{tmp}/n.gpkg"],
        _lines(_gdf([_LINE]), "two.gpkg"),
        2,
        ["roads", "lines"],
    ),
    (
        "build layer without geometry",
        ["build", "--lines", "{f}", "--layer", "plain", "-o", "{tmp}/n.gpkg"],
        _no_geometry_gpkg,
        2,
        ["plain"],
    ),
    (
        "build projected as 4326",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _lines(_projected_as_4326, "mislabelled.geojson"),
        2,
        ["mislabelled.geojson", "CRS"],
    ),
    (
        "build metres without CRS",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _lines(_metres_no_crs, "nocrs.gpkg"),
        2,
        ["nocrs.gpkg", "CRS"],
    ),
    (
        "build truncated gzip",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.gpkg"],
        _bytes("cut.geojson.gz", gzip.compress(b'{"type": "FeatureCollection", "features": [')[:20]),
        2,
        ["cut.geojson.gz"],
    ),
    (
        "build bad OSM XML",
        ["build", "--osm", "{f}", "-o", "{tmp}/n.gpkg"],
        _text("bad.osm", "<osm><node id="),
        2,
        ["bad.osm"],
    ),
    (
        "build bad places file",
        ["build", "--lines", "{f}", "--places", "{tmp}/places.csv", "-o", "{tmp}/n.gpkg"],
        lambda tmp: (_places_csv(tmp), _lines(_gdf([_LINE]))(tmp))[1],
        2,
        ["places.csv", "lon"],
    ),
    (
        "build output wrong extension",
        ["build", "--lines", "{f}", "-o", "{tmp}/n.csv"],
        _lines(_gdf([_LINE])),
        2,
        [".gpkg"],
    ),
    (
        "build unknown country",
        ["build", "--lines", "{f}", "--countries", "XXX", "-o", "{tmp}/n.gpkg"],
        _lines(_gdf([_LINE])),
        2,
        ["XXX"],
    ),
    # report and validate configuration
    ("report config missing", ["report", "--config", "{tmp}/none.toml"], None, 2, ["none.toml"]),
    (
        "report config bad pair",
        ["report", "--config", "{f}"],
        _text("r.toml", 'pairs = [["Almaty"]]\n'),
        2,
        ["r.toml", "pairs"],
    ),
    ("validate runs missing", ["validate", "--runs", "{tmp}/none.csv"], None, 2, ["none.csv"]),
    (
        "validate runs bad role",
        ["validate", "--runs", "{f}"],
        _text("runs.csv", "id,role\nV1,guess\n"),
        2,
        ["runs.csv"],
    ),
]


def _argv(argv: list[str], tmp: Path, made: str | None) -> list[str]:
    return [a.replace("{tmp}", str(tmp)).replace("{f}", made or "") for a in argv]


@pytest.mark.parametrize(("case", "argv", "maker", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_sentence(
    tmp_path: Path, case: str, argv: list[str], maker: Callable[[Path], str] | None, code: int, words: list[str]
) -> None:
    made = maker(tmp_path) if maker else None
    res = CliRunner().invoke(app, _argv(argv, tmp_path, made))
    out = res.output
    assert res.exit_code == code, f"{case}: exit {res.exit_code}: {out!r} {res.exception!r}"
    assert "Traceback" not in out and "internal error" not in out, out
    lines = [line for line in out.strip().splitlines() if line.strip()]
    assert lines and "error" in out.lower(), out  # ours ("error: …") or the option parser's ("Error" box)
    for word in words:
        assert word in out, f"{case}: {word!r} not in {out!r}"


def test_at_least_sixty_kinds() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


def test_json_never_contains_nan(tmp_path: Path) -> None:
    """Unreachable or undefined numbers are null with a reason, never NaN or Infinity."""
    res = CliRunner().invoke(app, ["compare", "--from", "Kashgar", "--to", "Tehran", "--format", "json"])
    assert res.exit_code == 0, res.output
    text = res.output
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10, max_value=10**6),
    st.sampled_from([0, 0.0, -0.0, 1e-300, 1e300]),
    st.text(max_size=5),
    st.booleans(),
)
_FACTORS = ("dwell", "transship", "ferry_wait", "sailing", "transfer", "speed")
_OVERRIDES = ("dwell_low_h", "dwell_mode_h", "dwell_high_h")


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, str):
        return json.dumps(v)
    return str(v)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scale=st.dictionaries(st.sampled_from(_FACTORS), _NUMBERS, max_size=3),
    override=st.dictionaries(st.sampled_from(_OVERRIDES), _NUMBERS, max_size=3),
)
def test_random_scenario_values_run_or_fail_with_exit_2(scale: dict[str, object], override: dict[str, object]) -> None:
    """Any value in a scenario file either gives a valid answer or one clear error with exit 2."""
    import tempfile

    body = "[scale]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in scale.items())
    body += '[override.crossings."KZ-SARYAGASH~UZ-KELES"]\n' + "".join(
        f"{k} = {_toml_value(v)}\n" for k, v in override.items()
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.toml"
        path.write_text('name = "random"\n' + body, encoding="utf-8")
        res = CliRunner().invoke(app, [*ROUTE, "--scenario", str(path), "--format", "json"])
    assert res.exit_code in (0, 2), (body, res.output, res.exception)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    if res.exit_code == 2:
        assert "random.toml" in res.output, res.output  # the message names the file
        return
    route = json.loads(res.output)["routes"][0]
    assert "NaN" not in res.output and "Infinity" not in res.output
    assert route["time_h"] >= 0 and route["length_km"] > 0
    assert route["countries"][0] == "KAZ" and route["countries"][-1] == "UZB"


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("ბათუმი", "GE-BATUMI"),
        ("Батуми", "GE-BATUMI"),
        ("Алматы", "KZ-ALMATY"),
        ("阿拉山口", "CN-ALASHANKOU"),
        ("تهران", "IR-TEHRAN"),
        ("ÜRÜMQI", "CN-URUMQI"),
        ("lodz", "PL-LODZ"),
        ("KAPIKOY", "TR-KAPIKOY"),
        ("  almaty ", "KZ-ALMATY"),
    ],
)
def test_names_resolve_in_every_script(name: str, place: str) -> None:
    """NFKC + case folding + diacritic folding: names in Georgian, Cyrillic, Chinese, Persian, Latin resolve."""
    from silkroute import routing, scenario

    assert routing.compile(scenario.network("baseline")).places.resolve(name) == place
    res = CliRunner().invoke(app, ["route", "--from", name, "--to", "Tashkent", "--format", "json", "--mode", "any"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["routes"][0]["places"][0]["id"] == place

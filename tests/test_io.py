"""GeoPackage network round trip, atomic writes, and the GeoJSON/GeoPackage layer export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import shapely

from silkroute import catalog, io, network, scenario
from silkroute.timing import TimeModel


@pytest.fixture
def mini_network(mini_catalog_dir: Path) -> nx.MultiDiGraph:
    """The mini catalog's network under the baseline scenario (travel times, usable flags)."""
    cat = catalog.load(mini_catalog_dir)
    G = network.build_network(cat)
    return scenario.apply(G, scenario.Scenario(name="baseline"), TimeModel.from_catalog(cat))


def _edge_attrs(G: nx.MultiDiGraph) -> dict[tuple[Any, Any, Any], dict[str, Any]]:
    return {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}


def assert_same_graph(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Node ids, edge keys, attribute names, values and Python types all equal."""
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    for n, d in G.nodes(data=True):
        assert {k: type(v) for k, v in H.nodes[n].items()} == {k: type(v) for k, v in d.items()}
    eg, eh = _edge_attrs(G), _edge_attrs(H)
    assert eh.keys() == eg.keys()
    for e, d in eg.items():
        got = dict(eh[e])
        assert shapely.equals_exact(got.pop("geometry"), d["geometry"], tolerance=0)
        want = {k: v for k, v in d.items() if k != "geometry"}
        assert got == want, e
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}, e


def test_network_round_trip_keeps_every_attribute(mini_network: nx.MultiDiGraph, tmp_path: Path) -> None:
    G = mini_network
    kinds = {d["kind"] for *_, d in G.edges(data=True)}
    assert {"line", "crossing", "gauge_change"} <= kinds  # the fixture exercises transfer edges
    assert any(d.get("gauge", 0) is None for *_, d in G.edges(data=True))  # explicit None attributes
    path = io.save_network(G, tmp_path / "net.gpkg")
    H = io.load_network(path)
    assert_same_graph(G, H)
    assert H.graph["crs"] == "EPSG:4326"
    assert H.graph["name"] == G.graph["name"]
    # routing needs nothing else: the same fastest route on the loaded graph
    from silkroute import routing

    a, b = "Almaty", "Tashkent"
    assert routing.fastest(H, a, b).edges == routing.fastest(G, a, b).edges


def test_network_round_trip_of_unusual_values(tmp_path: Path) -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326", name="odd", _cache={1: 2})
    G.add_node(10, x=1.5, y=2.5, key="a", tags=["x", "y"])
    G.add_node(11, x=3.0, y=4.0, key="b", place=None)
    G.add_edge(10, 11, key=7, geometry=shapely.LineString([(1.5, 2.5), (2, 3), (3, 4)]), w=1, ok=True)
    G.add_edge(11, 10, key=0, geometry=shapely.LineString([(3, 4), (1.5, 2.5)]), mixed={"a": [1, 2.5]})
    H = io.load_network(io.save_network(G, tmp_path / "odd.gpkg"))
    assert_same_graph(G, H)
    assert H.graph == {"crs": "EPSG:4326", "name": "odd"}


def test_load_network_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="silkroute build"):
        io.load_network(tmp_path / "missing.gpkg")
    import geopandas as gpd

    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(other, layer="edges")
    with pytest.raises(ValueError, match="not a silkroute network"):
        io.load_network(other)


def test_atomic_path_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.gpkg"
    with io.atomic_path(target) as tmp:
        tmp.write_text("old")
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.gpkg"]


def test_save_network_interrupted_leaves_old_file(
    mini_network: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = io.save_network(mini_network, tmp_path / "out" / "net.gpkg")
    before = path.read_bytes()
    import geopandas as gpd

    real = gpd.GeoDataFrame.to_file

    def failing(self: gpd.GeoDataFrame, filename: Any, *args: Any, **kwargs: Any) -> None:
        real(self, filename, *args, **kwargs)  # the nodes layer is written completely ...
        if kwargs.get("layer") == "edges":
            raise OSError("disk full")  # ... the edges layer fails

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", failing)
    with pytest.raises(OSError, match="disk full"):
        io.save_network(nx.MultiDiGraph(crs="EPSG:4326"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["net.gpkg", "net.gpkg.parquet"]
    assert_same_graph(mini_network, io.load_network(path))  # the cache still matches the old file


def test_the_parquet_cache_is_used_while_it_matches(mini_network: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = io.save_network(mini_network, tmp_path / "net.gpkg")
    cache = io.network_cache(path)
    assert sorted(p.name for p in cache.iterdir()) == ["edges.parquet", "meta.json", "nodes.parquet"]
    assert_same_graph(mini_network, io.load_network(path))
    tables = io.read_network_tables(path)
    assert (tables.n_nodes, tables.n_edges) == (mini_network.number_of_nodes(), mini_network.number_of_edges())
    u, v, k, d = next(iter(mini_network.edges(keys=True, data=True)))
    got = tables.edge(0)
    assert shapely.equals_exact(got.pop("geometry"), d["geometry"], tolerance=0)
    assert got == {a: b for a, b in d.items() if a != "geometry"}
    assert (tables.column("edges", "u")[0], tables.column("edges", "v")[0], tables.column("edges", "key")[0]) == (
        u,
        v,
        k,
    )
    # a cache that no longer matches the GeoPackage (another tool replaced it) is never read
    (cache / "nodes.parquet").write_bytes(b"not parquet")
    other = mini_network.copy()
    other.graph["name"] = "changed"
    io.save_network(other, tmp_path / "other.gpkg")
    (tmp_path / "other.gpkg").replace(path)  # the old cache's stamp no longer matches
    H = io.load_network(path)
    assert H.graph["name"] == "changed"
    assert_same_graph(other, H)
    assert_same_graph(other, io.load_network(path))  # from the rewritten cache


def test_a_read_only_directory_loads_without_a_cache(
    mini_network: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = io.save_network(mini_network, tmp_path / "net.gpkg")
    import shutil

    shutil.rmtree(io.network_cache(path))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(io, "atomic_dir", refuse)
    assert_same_graph(mini_network, io.load_network(path))
    assert not io.network_cache(path).exists()


# --------------------------------------------------------------------------- layer export

ROOT = Path(__file__).resolve().parents[1]
GEOJSONHINT = ROOT / "node_modules" / "@mapbox" / "geojsonhint"
_HINT_JS = """
const hint = require(process.argv[1]);
const fs = require('fs');
const out = {};
for (const f of process.argv.slice(2)) out[f] = hint.hint(fs.readFileSync(f, 'utf8'));
console.log(JSON.stringify(out));
"""


def geojsonhint(paths: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Validate GeoJSON files with npm @mapbox/geojsonhint (an independent implementation)."""
    import json
    import shutil
    import subprocess

    from .browser import browser_required

    node = shutil.which("node")
    if node is None or not GEOJSONHINT.is_dir():
        reason = "node or node_modules/@mapbox/geojsonhint missing (apt-get install npm; npm ci)"
        if browser_required():
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run(
        [node, "-e", _HINT_JS, str(GEOJSONHINT), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_geojsonhint_catches_invalid_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{},"geometry":{"type":"Polygon",'
        '"coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}},'
        '{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0]]}}]}'
    )
    messages = " | ".join(m["message"] for m in geojsonhint([bad])[str(bad)])
    assert "right-hand rule" in messages
    assert "properties" in messages
    assert "two or more coordinates" in messages


@pytest.fixture
def mini_results(mini_network: nx.MultiDiGraph) -> Any:
    """Two corridors on the mini network: one feasible, one not."""
    from silkroute import corridors

    defs = {
        "northern": corridors.Corridor("northern", "Northern via Khorgos", "", via=(("CN-KHORGOS",),)),
        "cku": corridors.Corridor("cku", "Avoiding Almaty", "", via=(), avoid_places=("KZ-ALMATY",)),
    }
    return corridors.compare_networks(
        {"baseline": mini_network}, "Yining", "Tashkent", corridors.Corridors(defs, "northern")
    )


def _undirected_edges(G: nx.MultiDiGraph) -> set[tuple[str, str]]:
    return {(G.nodes[u]["key"], G.nodes[v]["key"]) for u, v, d in G.edges(data=True) if d["reversed"] is False}


def test_export_geojson_layers(
    mini_network: nx.MultiDiGraph, mini_results: Any, mini_catalog_dir: Path, tmp_path: Path
) -> None:
    import json

    import geopandas as gpd

    cat = catalog.load(mini_catalog_dir)
    G = mini_network
    paths = io.export_layers(tmp_path / "out", network=G, catalog=cat, comparisons=[mini_results])
    assert [p.name for p in paths] == [f"{name}.geojson" for name in io.LAYERS]
    assert geojsonhint(paths) == {str(p): [] for p in paths}
    docs = {p.stem: json.loads(p.read_text()) for p in paths}
    assert all("crs" not in doc for doc in docs.values())
    frames = {p.stem: gpd.read_file(p) for p in paths}
    for name, doc in docs.items():  # geopandas reads back every feature, id and property
        assert len(frames[name]) == len(doc["features"])
        assert list(frames[name]["id"]) == [f["id"] for f in doc["features"]]
        assert set(frames[name].columns) == {"id", "geometry", *doc["features"][0]["properties"]}

    net = frames["network"]
    assert set(zip(net["from_node"], net["to_node"], strict=True)) == _undirected_edges(G)
    assert len(net) == G.number_of_edges() // 2 and net["id"].is_unique
    lengths = sum(d["length"] for *_, d in G.edges(data=True)) / 2000.0
    assert net["length_km"].sum() == pytest.approx(lengths, rel=1e-12)
    crossing = net[net["kind"] == "crossing"].iloc[0]
    assert crossing["dwell_mode_h"] == cat.crossings.loc[crossing["crossing"], "dwell_mode_h"]

    places = frames["places"].set_index("id")
    assert set(places.index) == set(cat.places.index)
    tashkent = next(f for f in docs["places"]["features"] if f["id"] == "UZ-TASHKENT")
    assert tashkent["geometry"]["coordinates"] == [69.21627, 41.26465]  # lon, lat
    assert places.loc["CN-YINING", "aliases"] == ";".join(cat.places.loc["CN-YINING", "aliases"])

    crossings = frames["crossings"].set_index("id")
    assert set(crossings.index) == set(cat.crossings.index)
    row = crossings.loc["KHORGOS-ALTYNKOL-RAIL"]
    assert (row["dwell_low_h"], row["dwell_mode_h"], row["dwell_high_h"]) == (6, 8, 40.6)
    assert row["border"] == "CHN-KAZ" and bool(row["customs"]) is True

    results = mini_results.results["baseline"]
    route = next(r.route for r in results if r.feasible)
    corr = frames["corridors"].set_index("corridor")
    assert list(corr["feasible"]) == [r.feasible for r in results]
    assert corr.loc["northern", "length_km"] == pytest.approx(route.length_km, rel=1e-12)
    assert corr.loc["northern", "time_h"] == pytest.approx(route.time_h, rel=1e-12)
    assert corr.loc["northern", "countries"] == "CHN;KAZ;UZB"
    assert corr.loc["cku", "geometry"] is None and "avoiding" in corr.loc["cku", "reason"]
    segments = frames["routes"]
    assert len(segments) == len(route.edges)
    assert segments["length_km"].sum() == pytest.approx(route.length_km, rel=1e-12)
    assert list(segments["from_node"]) == [G.nodes[u]["key"] for u, _, _ in route.edges]


def test_export_gpkg_one_table_per_layer(
    mini_network: nx.MultiDiGraph, mini_results: Any, mini_catalog_dir: Path, tmp_path: Path
) -> None:
    import geopandas as gpd
    import pyogrio

    cat = catalog.load(mini_catalog_dir)
    layers = ["network", "crossings", "routes"]
    (path,) = io.export_layers(
        tmp_path, layers, network=mini_network, catalog=cat, comparisons=[mini_results], fmt="gpkg"
    )
    assert path.name == "silkroute.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == layers
    assert len(gpd.read_file(path, layer="network")) == mini_network.number_of_edges() // 2
    assert len(gpd.read_file(path, layer="crossings")) == len(cat.crossings)


def test_export_failure_keeps_previous_files(
    mini_network: nx.MultiDiGraph,
    mini_results: Any,
    mini_catalog_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geopandas as gpd

    cat = catalog.load(mini_catalog_dir)
    kwargs: dict[str, Any] = {"network": mini_network, "catalog": cat, "comparisons": [mini_results]}
    paths = io.export_layers(tmp_path, **kwargs)
    before = {p: p.read_bytes() for p in paths}
    real = gpd.GeoDataFrame.to_file

    def half_written(self: gpd.GeoDataFrame, filename: Any, *args: Any, **kw: Any) -> None:
        if kw.get("layer") == "routes":
            Path(filename).write_text('{"type": "FeatureCollection", "features": [')
            raise KeyboardInterrupt  # interrupted mid-way
        real(self, filename, *args, **kw)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half_written)
    changed = nx.MultiDiGraph(mini_network)
    for *_, d in changed.edges(data=True):
        d["status"] = "planned"
    with pytest.raises(KeyboardInterrupt):
        io.export_layers(tmp_path, **(kwargs | {"network": changed}))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temporary left
    assert {p: p.read_bytes() for p in paths} == before  # all or nothing: not one layer of the new set landed


def test_export_errors(tmp_path: Path, mini_network: nx.MultiDiGraph) -> None:
    with pytest.raises(ValueError, match="unknown layer"):
        io.export_layers(tmp_path, ["network", "rivers"], network=mini_network)
    with pytest.raises(ValueError, match="unknown format"):
        io.export_layers(tmp_path, ["network"], network=mini_network, fmt="shp")
    with pytest.raises(ValueError, match="--from/--to"):
        io.export_layers(tmp_path, ["routes"])
    with pytest.raises(ValueError, match="no layer"):
        io.export_layers(tmp_path, [], network=mini_network)
    with pytest.raises(ValueError, match="needs a network"):
        io.export_layers(tmp_path, ["network"])

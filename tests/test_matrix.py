"""Origin × destination matrices: the array engine against networkx Dijkstra, in processes, on Dask, in the CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkroute import routing
from silkroute.cli import app
from silkroute.network import place_nodes

runner = CliRunner()


def allowed(d: dict, mode: str) -> bool:
    """The documented meaning of a mode, written out independently of the engine's masks."""
    if not d["usable"]:
        return False
    if mode == "any":
        return True
    if d["kind"] == "ferry":
        return d.get("carries") == mode
    return d.get("mode") == mode and d["kind"] != "transfer"


def oracle(G, origins, destinations, weight: str, mode: str) -> np.ndarray:
    """networkx multi-source Dijkstra from each origin's nodes; a place costs the least of its nodes."""
    D = nx.DiGraph()
    D.add_nodes_from(G.nodes)
    for u, v, d in G.edges(data=True):
        if allowed(d, mode) and (not D.has_edge(u, v) or D[u][v]["w"] > d[weight]):
            D.add_edge(u, v, w=float(d[weight]))
    nodes = place_nodes(G)
    out = np.full((len(origins), len(destinations)), np.nan)
    for i, o in enumerate(origins):
        dist = nx.multi_source_dijkstra_path_length(D, set(nodes[o]), weight="w")
        for j, t in enumerate(destinations):
            best = min((dist[n] for n in nodes[t] if n in dist), default=np.nan)
            out[i, j] = best
    return out


@pytest.fixture(scope="module")
def sample(baseline):
    places = sorted(place_nodes(baseline))
    rng = random.Random(12)
    return rng.sample(places, 25), rng.sample(places, 30)


@pytest.mark.parametrize(
    ("optimize", "weight", "scale", "mode"),
    [
        ("time", "travel_time", 3600.0, "rail"),
        ("distance", "length", 1000.0, "any"),
        ("time", "travel_time", 3600.0, "road"),
    ],
)
def test_matrix_equals_networkx(baseline, sample, optimize: str, weight: str, scale: float, mode: str) -> None:
    origins, destinations = sample
    got = routing.matrix(baseline, origins, destinations, optimize=optimize, mode=mode, block=7)
    assert list(got.index) == origins and list(got.columns) == destinations
    expected = oracle(baseline, origins, destinations, weight, mode) / scale
    np.testing.assert_array_equal(np.isnan(got.to_numpy()), np.isnan(expected))
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, equal_nan=True)
    if mode == "rail":
        assert np.isnan(expected).any(), "the sample should hold places off the rail network"


def test_matrix_cells_equal_routes(baseline) -> None:
    m = routing.matrix(baseline, ["Almaty", "Kashgar"], ["Tashkent", "Duisburg"], mode="rail")
    for o, t in [("KZ-ALMATY", "UZ-TASHKENT"), ("CN-KASHGAR", "DE-DUISBURG")]:
        assert m.loc[o, t] == pytest.approx(routing.fastest(baseline, o, t, mode="rail").time_h, rel=1e-12)


def test_processes_and_blocks_give_the_same_matrix(baseline, sample) -> None:
    origins, destinations = sample
    one = routing.matrix(baseline, origins, destinations, mode="any")
    two = routing.matrix(baseline, origins, destinations, mode="any", workers=2, block=4)
    pd.testing.assert_frame_equal(one, two)


def test_dask_local_cluster_gives_the_local_matrix(baseline, sample) -> None:
    pytest.importorskip("dask.distributed")
    origins, destinations = sample
    local = routing.matrix(baseline, origins, destinations, mode="any", block=5)
    remote = routing.matrix(baseline, origins, destinations, mode="any", block=5, scheduler="local")
    pd.testing.assert_frame_equal(local, remote)


def test_bad_options(baseline) -> None:
    with pytest.raises(routing.InputError, match="workers"):
        routing.matrix(baseline, ["Almaty"], workers=0)
    with pytest.raises(KeyError, match="closest names: Tashkent"):
        routing.matrix(baseline, ["Almaty", "Tashkentt"])


def _off_rail(G) -> str:
    return next(p for p, ns in sorted(place_nodes(G).items()) if all(G.nodes[n]["mode"] == "road" for n in ns))


def test_cli_matrix_csv_json_parquet(baseline, tmp_path: Path) -> None:
    road_only = _off_rail(baseline)
    res = runner.invoke(app, ["matrix", "--from", f"Almaty,{road_only}", "--to", "Tashkent,Almaty", "--format", "csv"])
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "origin,UZ-TASHKENT,KZ-ALMATY"
    assert lines[1].startswith("KZ-ALMATY,") and lines[1].endswith(",0.0")
    assert lines[2] == f"{road_only},,"  # unreachable by rail: empty cells, never NaN
    res = runner.invoke(app, ["matrix", "--from", f"Almaty,{road_only}", "--to", "Tashkent", "--format", "json"])
    data = json.loads(res.stdout)
    assert data["origins"] == ["KZ-ALMATY", road_only] and data["unit"] == "h"
    assert data["values"][1] == [None] and data["values"][0][0] > 0
    ids = tmp_path / "origins.csv"
    ids.write_text(f"id,note\nAlmaty,a\n{road_only},b\n", encoding="utf-8")
    out = tmp_path / "m.parquet"
    res = runner.invoke(app, ["matrix", "--from-file", str(ids), "--to", "Tashkent", "-o", str(out), "--workers", "2"])
    assert res.exit_code == 0, res.stderr
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["origin", "UZ-TASHKENT"]
    assert frame["UZ-TASHKENT"].isna().tolist() == [False, True]
    assert frame["UZ-TASHKENT"][0] == pytest.approx(routing.fastest(baseline, "Almaty", "Tashkent").time_h)


def test_cli_matrix_of_costs_is_in_usd(baseline) -> None:
    res = runner.invoke(app, ["matrix", "--from", "Almaty,Kashgar", "--to", "Tashkent", "--optimize", "cost"])
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(
        app, ["matrix", "--from", "Almaty,Kashgar", "--to", "Tashkent", "--optimize", "cost", "--format", "json"]
    )
    data = json.loads(res.stdout)
    assert data["unit"] == "USD per FEU"
    for row, origin in zip(data["values"], ("Almaty", "Kashgar"), strict=True):
        cheapest = routing.route(baseline, origin, "Tashkent", optimize="cost")[0]
        assert row[0] == pytest.approx(cheapest.cost_usd, rel=1e-9)


def test_cli_matrix_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["matrix", "--from", "Almaty,Tashkentt"])
    assert res.exit_code == 2 and "closest names: Tashkent" in res.stderr
    res = runner.invoke(app, ["matrix", "--from", "Almaty", "--from-file", "x.csv"])
    assert res.exit_code == 2 and "exactly one of --from" in res.stderr
    bad = tmp_path / "ids.csv"
    bad.write_text("name\nAlmaty\n", encoding="utf-8")
    res = runner.invoke(app, ["matrix", "--from-file", str(bad)])
    assert res.exit_code == 2 and "no 'id' column" in res.stderr
    res = runner.invoke(app, ["matrix", "--from", "Almaty", "-o", str(tmp_path / "m.xlsx")])
    assert res.exit_code == 2 and ".csv, .parquet or .json" in res.stderr


@pytest.mark.real
def test_matrix_on_a_real_network_file_equals_networkx(tmp_path: Path) -> None:
    """Real OSM track (Uzbekistan): the CLI matrix on a network file (tables, no graph) against networkx."""
    from silkroute import build, io, scenario
    from silkroute.build import BuildOptions

    from .conftest import ROOT, real_file

    G = build.from_file(real_file("osm_uzbekistan_rail.gpkg"), BuildOptions(), places=ROOT / "data" / "places.csv")
    path = io.save_network(G, tmp_path / "uz.gpkg")
    H = scenario.network("baseline", base=io.load_network(path))
    places = sorted(place_nodes(H))
    assert len(places) >= 8
    out = tmp_path / "m.csv"
    res = runner.invoke(app, ["matrix", "--network", str(path), "--from", ",".join(places), "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    got = pd.read_csv(out, index_col="origin")
    assert list(got.index) == places and list(got.columns) == places
    expected = oracle(H, places, places, "travel_time", "rail") / 3600.0
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9, atol=5e-7, equal_nan=True)  # CSV: 6 decimals
    assert (np.isfinite(expected) & (expected > 1.0)).sum() >= 20  # real journeys, not only the diagonal


def test_cli_matrix_on_dask_equals_local(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    args = ["matrix", "--from", "Almaty,Tashkent,Kashgar,Duisburg,Baku", "--to", "Istanbul,Urumqi", "--block", "2"]
    local = runner.invoke(app, [*args, "--format", "json", "--workers", "1"])
    remote = runner.invoke(app, [*args, "--format", "json", "--scheduler", "local"])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)

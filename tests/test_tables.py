"""Network files compiled from their tables (no graph) give what the graph path gives, scenario by scenario."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from silkroute import io, network, routing, scenario, schema
from silkroute.cli import app


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return io.save_network(network.default_network(), tmp_path_factory.mktemp("net") / "catalog.gpkg")


@pytest.mark.parametrize("name", scenario.available())
def test_tables_under_every_scenario_equal_the_graph(saved: Path, name: str) -> None:
    G = scenario.network(name, base=io.load_network(saved))
    applied = scenario.apply_tables(io.read_network_tables(saved), name)
    by_graph, by_tables = routing.compile(G), routing.compile(applied)
    assert by_tables.edge_keys == by_graph.edge_keys and by_tables.node_ids == by_graph.node_ids
    np.testing.assert_allclose(by_tables.weights["time"], by_graph.weights["time"], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(by_tables.weights["distance"], by_graph.weights["distance"])
    np.testing.assert_array_equal(by_tables.usable, by_graph.usable)
    assert by_tables.weights.keys() == by_graph.weights.keys() >= {"cost", "generalized"}
    for w in ("cost", "generalized"):
        np.testing.assert_allclose(by_tables.weights[w], by_graph.weights[w], rtol=1e-12, atol=1e-9)
    co2 = [by_tables.view.edges[k][schema.CO2] for k in by_graph.edge_keys]
    np.testing.assert_allclose(co2, [G.edges[k][schema.CO2] for k in by_graph.edge_keys], rtol=1e-12, atol=1e-12)
    for m in routing.MODES:
        np.testing.assert_array_equal(by_tables.mode_ok[m], by_graph.mode_ok[m])
    assert by_tables.ref_edges.keys() == by_graph.ref_edges.keys()
    for ref, edges in by_graph.ref_edges.items():
        np.testing.assert_array_equal(by_tables.ref_edges[ref], edges)
    assert sorted(by_tables.places) == sorted(by_graph.places)
    assert by_tables.view.graph["scenario"] == G.graph["scenario"]
    # every edge's attributes as apply() sets them
    for i, key in enumerate(by_graph.edge_keys):
        want, got = dict(G.edges[key]), by_tables.view.edges[key]
        assert got.keys() == want.keys(), key
        for attr, value in want.items():
            if isinstance(value, float) and attr not in (schema.LENGTH,):
                assert math.isclose(got[attr], value, rel_tol=1e-12, abs_tol=1e-12), (key, attr)
            elif attr != "geometry":
                assert got[attr] == value, (key, attr)
        if i > 400:
            break


def test_routes_with_constraints_are_the_same(saved: Path) -> None:
    G = scenario.network("cku-open", base=io.load_network(saved))
    net = routing.compile(scenario.apply_tables(io.read_network_tables(saved), "cku-open"))
    cases = [
        ("Xi'an", "Duisburg", {"k": 3}),
        ("Kashgar", "Tashkent", {"optimize": "distance"}),
        ("Urumqi", "Istanbul", {"via": ["ferry:Aktau"], "avoid_countries": ["RUS"]}),
        ("Almaty", "Tashkent", {"mode": "road", "avoid_links": ["crossing:KZ-ZHIBEK-ZHOLY~UZ-GISHTKUPRIK"]}),
    ]
    for o, t, kw in cases:
        try:
            want = routing.route(G, o, t, **kw)
        except routing.NoRouteError as exc:
            with pytest.raises(routing.NoRouteError, match=str(exc)[:30]):
                routing.route(net, o, t, **kw)
            continue
        got = routing.route(net, o, t, **kw)
        assert [r.edges for r in got] == [r.edges for r in want]
        assert [r.to_dict() for r in got] == [r.to_dict() for r in want]
    assert routing.compile(net).G.number_of_edges() == G.number_of_edges()  # the graph, built on demand


def test_cli_route_on_a_network_file_uses_the_tables(saved: Path) -> None:
    res = CliRunner().invoke(
        app, ["route", "--network", str(saved), "--from", "Almaty", "--to", "Tashkent", "--format", "json"]
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    want = routing.fastest(scenario.network("baseline", base=io.load_network(saved)), "Almaty", "Tashkent")
    assert data["routes"][0] == json.loads(json.dumps(want.to_dict()))


def test_value_of_time_on_tables_equals_the_graph(saved: Path) -> None:
    from silkroute import costs

    G = costs.set_value_of_time(scenario.network("baseline", base=io.load_network(saved)), 55.0)
    applied = scenario.apply_tables(io.read_network_tables(saved), "baseline", value_of_time=55.0)
    by_graph, by_tables = routing.compile(G), routing.compile(applied)
    assert applied.graph["value_of_time_usd_per_feu_h"] == G.graph["value_of_time_usd_per_feu_h"] == 55.0
    np.testing.assert_allclose(by_tables.weights["generalized"], by_graph.weights["generalized"], rtol=1e-12)
    a = routing.route(by_tables, "Xi'an", "Duisburg", optimize="generalized")[0]
    b = routing.route(by_graph, "Xi'an", "Duisburg", optimize="generalized")[0]
    assert a.edges == b.edges and math.isclose(a.cost_usd or 0, b.cost_usd or 0, rel_tol=1e-12)

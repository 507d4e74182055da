"""No state that goes stale: every caller gets its own graph, and routing reflects the graph as it is now."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from silkroute import catalog, network, routing, scenario, timing
from silkroute.timing import TimeModel


def fresh_time(name: str, o: str, t: str) -> float:
    return routing.fastest(scenario.network(name), o, t).time_h


def test_changing_a_scenario_network_does_not_change_the_next_callers() -> None:
    """The issue's reproduction: double every edge time, ask again, get the fresh answer."""
    G = scenario.network("baseline")
    before = routing.fastest(G, "Urumqi", "Tehran").time_h
    for *_, d in G.edges(data=True):
        d["travel_time"] *= 2
    assert routing.fastest(G, "Urumqi", "Tehran").time_h == pytest.approx(2 * before)  # the caller's graph changed
    again = scenario.network("baseline")
    assert routing.fastest(again, "Urumqi", "Tehran").time_h == pytest.approx(before)  # nobody else's did
    assert again is not G and again.graph is not G.graph


def test_retimed_graph_is_routed_as_it_is_now() -> None:
    """The issue's reproduction: route, re-time the same graph (Kazakh rail 20x slower), route again."""
    G = scenario.network("baseline")
    first = routing.fastest(G, "Urumqi", "Tehran")
    first_h = first.time_h
    model = G.graph["time_model"]
    slow = dict(model.speeds_kph)
    slow["rail_kz_main"] = tuple(v / 20 for v in slow["rail_kz_main"])  # type: ignore[assignment]
    timing.assign_travel_times(G, TimeModel(slow, model.drive_hours, model.distribution))
    second = routing.fastest(G, "Urumqi", "Tehran")
    H = scenario.network("baseline")
    timing.assign_travel_times(H, TimeModel(slow, model.drive_hours, model.distribution))
    assert second.time_h == pytest.approx(routing.fastest(H, "Urumqi", "Tehran").time_h, rel=1e-12)
    assert second.time_h > first_h
    assert first.time_h == first_h  # a route found before keeps the numbers of the network it was found on
    assert not any(k.startswith("_") for k in G.graph)  # no caches kept on the graph


def test_compiled_network_is_a_snapshot() -> None:
    G = scenario.network("baseline")
    net = routing.compile(G)
    before = routing.fastest(net, "Almaty", "Tashkent").time_h
    for *_, d in G.edges(data=True):
        d["travel_time"] *= 3
    assert routing.fastest(net, "Almaty", "Tashkent").time_h == pytest.approx(before)  # the snapshot, numbers too
    assert routing.fastest(G, "Almaty", "Tashkent").time_h == pytest.approx(3 * before)  # the graph itself


def test_a_compiled_copy_with_other_weights_searches_its_own_weights() -> None:
    """dataclasses.replace(net, weights=...) (assignment, sensitivity) must not reuse the original's searches."""
    import dataclasses

    net = routing.compile(scenario.network("baseline"))
    before = routing.costs_from(net, "Urumqi")
    slower = dataclasses.replace(net, weights={**net.weights, "time": net.weights["time"] * 3})
    after = routing.costs_from(slower, "Urumqi")
    assert after.keys() == before.keys()
    assert all(after[n] == pytest.approx(3 * h) for n, h in before.items())
    assert routing.costs_from(net, "Urumqi") == before


def test_default_network_and_catalog_are_copies() -> None:
    a, b = network.default_network(), network.default_network()
    assert a is not b
    a.remove_node(next(iter(a.nodes)))
    assert b.number_of_nodes() == a.number_of_nodes() + 1
    cat = catalog.load()
    cat.places.loc["PL-LODZ", "name"] = "changed"
    assert catalog.load().places.loc["PL-LODZ", "name"] == "Łódź"


def test_an_edited_scenario_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "slow.toml"
    path.write_text('name = "slow"\nextends = "baseline"\n[scale]\ndwell = 2.0\n')
    first = fresh_time(str(path), "Urumqi", "Tehran")
    path.write_text('name = "slow"\nextends = "baseline"\n[scale]\ndwell = 4.0\n')
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))  # a different mtime even on coarse clocks
    second = fresh_time(str(path), "Urumqi", "Tehran")
    assert second > first


def test_an_edited_catalog_is_read_again(mini_catalog_dir: Path) -> None:
    G1 = network.default_network(mini_catalog_dir)
    places = mini_catalog_dir / "places.csv"
    text = places.read_text(encoding="utf-8")
    places.write_text(text.replace("Tashkent,", "Toshkent City,", 1), encoding="utf-8")
    os.utime(places, ns=(time.time_ns(), time.time_ns() + 10**9))
    G2 = network.default_network(mini_catalog_dir)
    names1 = {d.get("name") for _, d in G1.nodes(data=True)}
    names2 = {d.get("name") for _, d in G2.nodes(data=True)}
    assert "Toshkent City" in names2 and "Toshkent City" not in names1

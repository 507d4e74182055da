"""Routes on the full default network against an independent oracle (scipy.sparse.csgraph.dijkstra)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from silkroute import routing
from silkroute._errors import InputError
from silkroute.network import place_nodes


def oracle(G, weight: str):
    """Min-weight sparse matrix of the usable edges, built straight from the MultiDiGraph."""
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    best: dict[tuple[int, int], float] = {}
    for u, v, d in G.edges(data=True):
        if not d["usable"]:
            continue
        key = (index[u], index[v])
        best[key] = min(best.get(key, np.inf), float(d[weight]))
    (rows, cols), w = zip(*best.keys(), strict=True), list(best.values())
    return csr_matrix((w, (rows, cols)), shape=(len(nodes), len(nodes))), index


@pytest.mark.parametrize(
    ("optimize", "weight", "scale"), [("time", "travel_time", 3600.0), ("distance", "length", 1000.0)]
)
def test_fifty_random_pairs_match_scipy(baseline, optimize: str, weight: str, scale: float) -> None:
    A, index = oracle(baseline, weight)
    places = sorted(place_nodes(baseline))
    rng = random.Random(2026)
    checked = unreachable = 0
    while checked < 50:
        o, t = rng.sample(places, 2)
        src = [index[n] for n in place_nodes(baseline)[o]]
        dst = [index[n] for n in place_nodes(baseline)[t]]
        expected = float(np.min(dijkstra(A, indices=src, min_only=True)[dst]))
        if not np.isfinite(expected):
            with pytest.raises(routing.NoRouteError):
                routing.route(baseline, o, t, optimize=optimize, mode="any")
            unreachable += 1
            if unreachable > 50:
                pytest.fail("too many unreachable pairs: the network is fragmented")
            continue
        r = routing.route(baseline, o, t, optimize=optimize, mode="any")[0]
        got = r.time_h if optimize == "time" else r.length_km
        assert got == pytest.approx(expected / scale, rel=1e-9), (o, t)
        assert sum(r.breakdown.values()) == pytest.approx(r.time_h, rel=1e-9)
        checked += 1


def test_alternatives_differ_in_substance(baseline) -> None:
    routes = routing.route(baseline, "Xi'an", "Duisburg", k=3, mode="rail")
    assert len(routes) == 3
    signatures = [r.signature() for r in routes]
    assert len(set(signatures)) == 3
    times = [r.time_h for r in routes]
    assert times == sorted(times)
    # each alternative uses a border crossing, ferry or section (consecutive places) that the best one does not
    for r in routes[1:]:
        assert set(r.signature()) - set(routes[0].signature())
    # ... and never differs only in where the same break of gauge is booked
    for i, a in enumerate(routes):
        for b in routes[i + 1 :]:
            same_links = set(a.links("crossing", "ferry")) == set(b.links("crossing", "ferry"))
            same_places = [p["id"] for p in a.places] == [p["id"] for p in b.places]
            assert not (same_links and same_places)


def test_alternatives_never_differ_only_in_the_break_of_gauge(baseline) -> None:
    """Kashgar → Tashkent crosses 1435/1520 once; booking it on either side is one route, not two."""
    routes = routing.route(baseline, "Urumqi", "Almaty", k=4, mode="rail")
    keys = [(tuple(r.links("crossing", "ferry")), tuple(p["id"] for p in r.places)) for r in routes]
    assert len(keys) == len(set(keys))
    assert all("gauge_change" not in ref for r in routes for ref in r.signature())


def test_a_ferry_can_be_required(baseline) -> None:
    """`via` takes a link: ferry:ID, or ferry:PLACE for every ferry touching the place, in either direction."""
    west = routing.fastest(baseline, "Urumqi", "Istanbul", via=["ferry:Aktau"])
    assert west.ferries == ["KZ-AKTAU-PORT~AZ-ALAT"]
    east = routing.fastest(baseline, "Istanbul", "Urumqi", via=["ferry:KZ-AKTAU-PORT~AZ-ALAT"])
    assert east.ferries == ["KZ-AKTAU-PORT~AZ-ALAT"] and east.countries[-1] == "CHN"
    either = routing.fastest(baseline, "Urumqi", "Istanbul", via=[["ferry:Aktau", "ferry:Kuryk"]])
    assert either.ferries[0] in ("KZ-AKTAU-PORT~AZ-ALAT", "KZ-KURYK-PORT~AZ-ALAT")
    assert either.time_h <= west.time_h + 1e-6
    # the port as a place waypoint is only touched; the ferry waypoint forces the crossing
    free = routing.fastest(baseline, "Urumqi", "Istanbul")
    assert west.time_h >= free.time_h
    with pytest.raises(InputError, match="matches no ferry link"):
        routing.fastest(baseline, "Urumqi", "Istanbul", via=["ferry:Moscow"])
    with pytest.raises(InputError, match="mixes places and links"):
        routing.fastest(baseline, "Urumqi", "Istanbul", via=[["ferry:Aktau", "KZ-AKTAU-PORT"]])


def test_via_alternatives_and_avoidance_on_real_network(baseline) -> None:
    r = routing.fastest(baseline, "Urumqi", "Baku", via=[["KZ-AKTAU-PORT", "KZ-KURYK-PORT"]], mode="rail")
    assert any(p["id"] in ("KZ-AKTAU-PORT", "KZ-KURYK-PORT") for p in r.places)
    assert "ferry_wait" in {k for k, v in r.breakdown.items() if v > 0}
    no_russia = routing.fastest(baseline, "Xi'an", "Duisburg", avoid_countries=["RUS", "BLR"], mode="rail")
    assert not {"RUS", "BLR"} & set(no_russia.countries)
    assert no_russia.time_h > routing.fastest(baseline, "Xi'an", "Duisburg", mode="rail").time_h


# --------------------------------------------------------------------------- constraints against networkx


def _allowed(G, d, mode: str, avoid_countries: set, avoid_kinds: set, banned: set) -> bool:
    """The documented meaning of each constraint, written out edge by edge (not the engine's masks)."""
    if not d["usable"] or d["kind"] in avoid_kinds:
        return False
    if mode != "any":
        ok = d.get("carries") == mode if d["kind"] == "ferry" else d.get("mode") == mode and d["kind"] != "transfer"
        if not ok:
            return False
    if d.get("country") in avoid_countries:
        return False
    return not (routing.link_refs(d) & banned)


def _nx_cost(G, o: str, t: str, weight: str, via: list[str], mode: str, avoid_countries=(), avoid_kinds=(), banned=()):
    """Least cost through the via places in order, networkx Dijkstra leg by leg from a virtual source."""
    import networkx as nx

    bad_nodes = {n for n, d in G.nodes(data=True) if d.get("country") in set(avoid_countries)}
    D = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if (
            u in bad_nodes
            or v in bad_nodes
            or not _allowed(G, d, mode, set(avoid_countries), set(avoid_kinds), set(banned))
        ):
            continue
        if not D.has_edge(u, v) or D[u][v]["w"] > d[weight]:
            D.add_edge(u, v, w=float(d[weight]))
    nodes = place_nodes(G)
    best = {n: 0.0 for n in nodes[o] if n in D}
    for p in [*via, t]:
        D.add_node("start")
        for n, c in best.items():
            D.add_edge("start", n, w=c)
        dist = nx.single_source_dijkstra_path_length(D, "start", weight="w")
        D.remove_node("start")
        best = {n: dist[n] for n in nodes[p] if n in dist}
    return min(best.values(), default=float("inf"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_constrained_pairs_match_networkx(baseline, seed: int) -> None:
    rng = random.Random(seed)
    places = sorted(place_nodes(baseline))
    countries = sorted({baseline.nodes[ns[0]]["country"] for ns in place_nodes(baseline).values()})
    refs = sorted({r for *_, d in baseline.edges(data=True) for r in routing.link_refs(d) if not r.startswith("line:")})
    checked = 0
    for _ in range(60):
        if checked >= 12:
            break
        o, t, w = rng.sample(places, 3)
        kw = {
            "mode": rng.choice(["rail", "any", "road"]),
            "avoid_countries": rng.sample(
                [
                    c
                    for c in countries
                    if c not in (baseline.nodes[place_nodes(baseline)[x][0]]["country"] for x in (o, t, w))
                ],
                2,
            ),
            "avoid_kinds": rng.choice([[], ["ferry"]]),
            "avoid_links": rng.sample(refs, 3),
        }
        via = rng.choice([[], [w]])
        optimize = rng.choice(["time", "distance"])
        weight, scale = ("travel_time", 3600.0) if optimize == "time" else ("length", 1000.0)
        expected = _nx_cost(
            baseline, o, t, weight, via, kw["mode"], kw["avoid_countries"], kw["avoid_kinds"], kw["avoid_links"]
        )
        if not np.isfinite(expected):
            with pytest.raises(routing.NoRouteError):
                routing.route(baseline, o, t, optimize=optimize, via=via, explain=False, **kw)
            continue
        r = routing.route(baseline, o, t, optimize=optimize, via=via, **kw)[0]
        got = r.time_h if optimize == "time" else r.length_km
        assert got == pytest.approx(expected / scale, rel=1e-9), (o, t, via, kw)
        assert not set(kw["avoid_countries"]) & set(r.countries)
        assert not set(r.links()) & set(kw["avoid_links"])
        checked += 1
    assert checked >= 8, "too few feasible constrained pairs"

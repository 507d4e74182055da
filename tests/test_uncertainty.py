"""Monte Carlo times: degenerate inputs, convergence to the analytic mean, seeds, sweeps."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from silkroute import catalog, corridors, network, routing, scenario
from silkroute._engine import EdgeStage
from silkroute.corridors import Corridor, Corridors
from silkroute.timing import TimeModel, edge_parameters, expected
from silkroute.uncertainty import sample_triples, simulate_on

CORRIDORS = {
    "northern": Corridor("northern", "via Khorgos", "", via=(("CN-KHORGOS",),), mode="rail"),
    "road": Corridor("road", "by road", "", via=(), mode="road"),
}


@pytest.fixture
def mini(mini_catalog_dir: Path):
    cat = catalog.load(mini_catalog_dir)
    model = TimeModel.from_catalog(cat)
    return scenario.apply(network.build_network(cat), scenario.Scenario(name="test"), model), model


@pytest.mark.parametrize("distribution", ["pert", "triangular"])
def test_sampled_means_converge_to_the_analytic_mean(distribution: str) -> None:
    triples = np.array([[1.0, 4.0, 13.0], [24.0, 72.0, 336.0], [0.5, 0.5, 0.5]])
    x = sample_triples(triples, 400_000, np.random.default_rng(7), distribution)
    for row, (low, mode, high) in zip(x, triples, strict=True):
        assert row.min() >= low and row.max() <= high
        se = row.std() / np.sqrt(row.size)
        assert abs(row.mean() - expected(low, mode, high, distribution)) <= 4 * se + 1e-12


def test_degenerate_distributions_give_the_deterministic_result(mini) -> None:
    G, model = mini
    for _u, _v, d in G.edges(data=True):  # collapse every triple to its mode
        for key in [k for k in d if k.endswith("_low_h")]:
            d[key] = d[key.replace("_low_h", "_high_h")] = d[key.replace("_low_h", "_mode_h")]
    flat = TimeModel(
        {c: (m, m, m) for c, (_lo, m, _hi) in model.speeds_kph.items()}, (9.0, 9.0, 9.0), model.distribution
    )
    G = scenario.apply(G, scenario.Scenario(name="flat"), flat)
    res = simulate_on(
        G,
        "Yining",
        "Tashkent",
        draws=50,
        seed=1,
        corridors=Corridors({"northern": CORRIDORS["northern"]}, "northern"),
        model=flat,
    )
    (c,) = res.corridors
    np.testing.assert_allclose(c.days, c.days[0], rtol=1e-12)  # BLAS may round columns differently
    assert c.days[0] == pytest.approx(c.expected_days, rel=1e-12)


def test_sample_mean_converges_to_the_route_time(mini) -> None:
    G, model = mini
    res = simulate_on(
        G,
        "Yining",
        "Tashkent",
        draws=100_000,
        seed=3,
        corridors=Corridors({"northern": CORRIDORS["northern"]}, "northern"),
        model=model,
    )
    (c,) = res.corridors
    assert len(c.candidates) == 1  # one path: the mean is the analytic expected time
    se = c.days.std() / np.sqrt(c.days.size)
    assert abs(c.days.mean() - c.expected_days) <= 4 * se
    q = c.quantiles()
    assert q["p10_days"] < q["p50_days"] < q["p90_days"]


def test_seeds_reproduce(mini) -> None:
    G, model = mini
    a = simulate_on(
        G, "Almaty", "Shymkent", draws=2000, seed=11, corridors=Corridors(CORRIDORS, "northern"), model=model
    )
    b = simulate_on(
        G, "Almaty", "Shymkent", draws=2000, seed=11, corridors=Corridors(CORRIDORS, "northern"), model=model
    )
    c = simulate_on(
        G, "Almaty", "Shymkent", draws=2000, seed=12, corridors=Corridors(CORRIDORS, "northern"), model=model
    )
    assert a.to_dict() == b.to_dict()
    assert not np.array_equal(a.corridors[0].days, c.corridors[0].days)


def test_differences_are_consistent(mini) -> None:
    G, model = mini
    res = simulate_on(
        G, "Almaty", "Shymkent", draws=5000, seed=5, corridors=Corridors(CORRIDORS, "northern"), model=model
    )
    rail, road = (c.days for c in res.corridors)
    d = res.difference("northern", "road")
    assert d["p_a_faster"] == pytest.approx(float(np.mean(road - rail > 0)), abs=1e-4)
    assert d["p_a_faster_by_7d"] <= d["p_a_faster"]
    assert d["p_a_faster_by_10d"] <= d["p_a_faster_by_7d"]
    assert res.difference("road", "northern")["p50_days"] == pytest.approx(-d["p50_days"], abs=0.02)
    out = res.to_dict()
    assert set(out) >= {"origin", "destination", "scenario", "draws", "seed", "corridors", "differences"}
    assert set(out["corridors"][0]) >= {"corridor", "p10_days", "p50_days", "p90_days", "mean_days"}


def _hours_of_draw(net, model, values: dict, d: int) -> np.ndarray:
    """Every edge's hours in draw ``d``, edge by edge from the documented time model (not the sparse matrix)."""
    rest = values[("rest", "road")][d]
    out = np.empty(len(net.edge_keys))
    for i, key in enumerate(net.edge_keys):
        data = net.view.edges[key]
        terms = edge_parameters(data, model)
        running = sum(coef * values[k][d] for comp, k, _t, coef in terms if comp == "running")
        other = sum(coef * values[k][d] for comp, k, _t, coef in terms if comp != "running")
        out[i] = running + other + (running * rest if data.get("mode") == "road" else 0.0)
    return out


def _staged_networkx(net, allowed: np.ndarray, stages, w: np.ndarray) -> float:
    """Least cost of a walk through the stages with networkx Dijkstra, leg by leg from a virtual source."""
    D = nx.DiGraph()
    for e in np.flatnonzero(allowed):
        a, b = int(net.u[e]), int(net.v[e])
        if not D.has_edge(a, b) or D[a][b]["w"] > w[e]:
            D.add_edge(a, b, w=float(w[e]))
    best = {int(n): 0.0 for n in stages[0]}
    for st in stages[1:]:
        D.add_node("start")
        for n, c in best.items():
            D.add_edge("start", n, w=c)
        dist = nx.single_source_dijkstra_path_length(D, "start", weight="w")
        D.remove_node("start")
        if isinstance(st, EdgeStage):
            new: dict[int, float] = {}
            for e in st.edges[allowed[st.edges]].tolist():
                a, b = int(net.u[e]), int(net.v[e])
                if a in dist:
                    new[b] = min(new.get(b, np.inf), dist[a] + float(w[e]))
            best = new
        else:
            best = {int(n): dist[int(n)] for n in st if int(n) in dist}
    return min(best.values(), default=np.inf)


@pytest.mark.parametrize(("origin", "destination", "draws"), [("Xi'an", "Duisburg", 200), ("Urumqi", "Istanbul", 100)])
def test_every_draw_is_routed_exactly(cku_open, origin: str, destination: str, draws: int) -> None:
    """Each draw's days equal an independent exact re-routing of that draw (networkx Dijkstra per draw)."""
    net = routing.compile(cku_open)
    model = cku_open.graph["time_model"]
    defs = corridors.load()
    res = simulate_on(net, origin, destination, draws=draws, seed=4, corridors=defs)
    feasible = [c for c in res.corridors if c.feasible]
    assert len(feasible) >= 3
    plans = {c.corridor: corridors.corridor_plan(net, defs[c.corridor], origin, destination) for c in feasible}
    for d in range(draws):
        w = _hours_of_draw(net, model, res.parameters, d)
        for c in feasible:
            p = plans[c.corridor]
            expected = _staged_networkx(net, net.mask(p.request), p.stages, w)
            assert c.days[d] * 24.0 == pytest.approx(expected, rel=1e-11), (c.corridor, d)
    for c in feasible:  # the candidates are the draws' best routes, most frequent first
        assert sum(c.shares) == pytest.approx(1.0) and c.shares == sorted(c.shares, reverse=True)
        assert len({r.signature() for r in c.candidates}) >= 1
        assert c.expected_days is not None and c.quantiles()["p10_days"] <= c.expected_days * 1.5


@pytest.mark.parametrize("max_boundary", [256, 3])
def test_the_overlay_is_smaller_and_exact(cku_open, max_boundary: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One-parameter cells become shortest paths between their boundary nodes: fewer edges, the same hours.

    With a small limit, cells with more boundary nodes keep their edges, and the answer stays the same.
    """
    import scipy.sparse as sp

    from silkroute import _draws

    monkeypatch.setattr(_draws, "_MAX_BOUNDARY", max_boundary)
    from silkroute.uncertainty import _REST, parameter_matrix, sample_triples

    net = routing.compile(cku_open)
    model = cku_open.graph["time_model"]
    keys, A, R, triples = parameter_matrix(net, model)
    values = sample_triples(triples, 64, np.random.default_rng(2), model.distribution)
    rest = values[keys.index(_REST)]
    p = corridors.corridor_plan(net, corridors.load()["northern"], "Xi'an", "Duisburg")
    lay = _draws.layered(net, net.mask(p.request), p.stages, A @ values.min(axis=1), (A + R) @ values.max(axis=1) * 2)
    small, chains = _draws.contract(lay)
    rows = [j for j, chain in enumerate(chains) for e in lay.edge[chain].tolist() if e >= 0]
    need = lay.edges
    cols = np.searchsorted(need, [e for chain in chains for e in lay.edge[chain].tolist() if e >= 0])
    C = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(chains), len(need)))
    A_c, R_c = (C @ A[need]).tocsr(), (C @ R[need]).tocsr()
    over = _draws.overlay(small, A_c, R_c)
    assert len(over.graph.tail) < len(small.tail)
    full, _walks, _which = _draws.relax(small, np.asarray(A_c @ values + rest * (R_c @ values)))
    less, walks, which = _draws.relax(over.graph, np.asarray(over.A @ values + rest * (over.R @ values)))
    np.testing.assert_allclose(less, full, rtol=1e-12)
    # every overlay walk expands to a walk of the contracted graph that costs the same
    for d in range(64):
        chain_ids = [j for e in walks[which[d]].tolist() for j in over.expand(e)]
        heads, tails = small.head[chain_ids], small.tail[chain_ids]
        assert (heads[:-1] == tails[1:]).all() and tails[0] in small.sources and heads[-1] in small.targets
        w = A_c[chain_ids] @ values[:, d] + rest[d] * (R_c[chain_ids] @ values[:, d])
        assert float(w.sum()) == pytest.approx(full[d], rel=1e-12)

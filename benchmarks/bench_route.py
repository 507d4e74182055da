"""Routing: one warm route and a travel-time matrix, silkroute's array engine vs networkx, igraph and scipy.

Run: .venv/bin/python benchmarks/bench_route.py [--network /tmp/eurasia.gpkg] [--repeat 3]
On the embedded network (a 50 x 50 matrix) and on the Eurasian OSM rail network (one route Urumqi -> Duisburg,
warm: the network already compiled). Every engine gets the same weights (the usable rail edges, the
lightest of parallel edges) and the script checks that they agree. Not a test.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from _util import best_of, eurasia, machine, save, table


def peers(net, mode: str = "rail"):
    """The engine's allowed edges as a networkx DiGraph, an igraph Graph and a CSR matrix (hours)."""
    from silkroute._engine import Request

    s = net.search(Request(mode=mode))
    A = s.matrix[: net.n, : net.n].tocsr()
    A.data = A.data / 3600.0
    coo = A.tocoo()
    D = nx.DiGraph()
    D.add_nodes_from(range(net.n))
    D.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    try:
        import igraph as ig

        g = ig.Graph(n=net.n, edges=list(zip(coo.row.tolist(), coo.col.tolist(), strict=True)), directed=True)
        g.es["w"] = coo.data.tolist()
    except ImportError:
        g = None
    return D, g, A


def one_route(net, o: str, t: str, repeat: int) -> list[tuple]:
    from silkroute import routing

    src, dst = net.place_nodes[net.places.resolve(o)], net.place_nodes[net.places.resolve(t)]
    D, g, A = peers(net)
    ours_s, r = best_of(lambda: routing.fastest(net, o, t, mode="rail"), repeat)
    D.add_weighted_edges_from((int(n), "end", 0.0) for n in dst)  # one target: networkx stops when it is reached
    nx_s, (want, _path) = best_of(
        lambda: nx.multi_source_dijkstra(D, set(src.tolist()), "end", weight="weight"), repeat
    )
    D.remove_node("end")
    assert abs(r.time_h - want) < 1e-6 * want, (r.time_h, want)
    rows = [("silkroute routing.fastest (compiled)", ours_s), ("networkx multi_source_dijkstra to the target", nx_s)]
    sp_s, d_sp = best_of(lambda: dijkstra(A, indices=src, min_only=True), repeat)
    assert abs(float(np.min(d_sp[dst])) - want) < 1e-6 * want
    rows.append(("scipy.sparse.csgraph.dijkstra", sp_s))
    if g is not None:
        ig_s, d_ig = best_of(lambda: g.distances(source=src.tolist(), target=dst.tolist(), weights="w"), repeat)
        assert abs(float(np.min(d_ig)) - want) < 1e-6 * want
        rows.append(("igraph distances", ig_s))
    return [(name, s, nx_s / s) for name, s in rows]


def small_matrix(net, n: int, repeat: int) -> list[tuple]:
    from silkroute import routing

    places = sorted(net.places)
    chosen = random.Random(42).sample(places, min(n, len(places)))
    D, g, _A = peers(net)
    groups = [net.place_nodes[p] for p in chosen]
    ours_s, m = best_of(lambda: routing.matrix(net, chosen).to_numpy(), repeat)

    def nx_matrix() -> np.ndarray:
        out = np.full((len(groups), len(groups)), np.inf)
        for a, ga in enumerate(groups):
            dist = nx.multi_source_dijkstra_path_length(D, set(ga.tolist()), weight="weight")
            for b, gb in enumerate(groups):
                out[a, b] = min(dist.get(int(x), np.inf) for x in gb)
        return out

    nx_s, want = best_of(nx_matrix, repeat)
    finite = np.isfinite(want)
    assert np.allclose(m[finite], want[finite]) and np.isnan(m[~finite]).all()
    rows = [("silkroute routing.matrix", ours_s), ("networkx multi_source_dijkstra per origin", nx_s)]
    if g is not None:

        def ig_matrix() -> np.ndarray:
            sources = np.concatenate(groups)
            dist = np.array(g.distances(source=sources.tolist(), weights="w"))
            starts = np.cumsum([0, *(len(x) for x in groups[:-1])])
            rows_ = np.minimum.reduceat(dist, starts, axis=0)
            return np.stack([rows_[:, x].min(axis=1) for x in groups], axis=1)

        ig_s, ig_m = best_of(ig_matrix, repeat)
        assert np.allclose(ig_m[finite], want[finite])
        rows.append(("igraph distances", ig_s))
    return [(name, s, nx_s / s) for name, s in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--network", type=Path, default=Path("/tmp/eurasia.gpkg"))
    parser.add_argument("--pair", default="Urumqi:Duisburg")
    args = parser.parse_args()
    from silkroute import corridors, io, routing, scenario

    out = [machine(), ""]
    emb = routing.compile(scenario.network("baseline"))
    out.append(f"embedded network: {emb.n:,} nodes, {len(emb.u):,} edges")
    cmp_s, _ = best_of(lambda: corridors.compare_on(emb, "Xi'an", "Duisburg"), args.repeat)
    out.append(f"compare Xi'an -> Duisburg, {len(corridors.load())} corridors: {cmp_s * 1000:.0f} ms")
    out += [
        "",
        table(
            f"embedded, {args.places} x {args.places} rail travel-time matrix (best of {args.repeat})",
            ["engine", "seconds", "vs networkx"],
            small_matrix(emb, args.places, args.repeat),
        ),
    ]
    o, t = args.pair.split(":")
    eu = routing.compile(scenario.apply_tables(io.read_network_tables(eurasia(args.network)), "baseline"))
    out += ["", f"Eurasian OSM rail network: {eu.n:,} nodes, {len(eu.u):,} edges"]
    out.append(
        table(
            f"one route {o} -> {t}, warm (compiled network), best of {args.repeat}",
            ["engine", "seconds", "vs networkx"],
            one_route(eu, o, t, args.repeat),
        )
    )
    save("bench_route", "\n".join(out))


if __name__ == "__main__":
    main()

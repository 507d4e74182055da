"""Routing: one corridor comparison, and a 50 x 50 travel-time matrix with networkx vs scipy vs igraph.

Run: .venv/bin/python benchmarks/bench_route.py [--repeat 3]
All three compute the same matrix on the same weights (the baseline network, collapsed to the
fastest of parallel edges, multi-node places as super-sources); the script checks that they agree
and prints seconds and ratios. Not a test.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np


def best_of(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--places", type=int, default=50)
    args = parser.parse_args()

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from silkroute import corridors, routing, scenario
    from silkroute.network import place_nodes

    t0 = time.perf_counter()
    G = scenario.network("baseline")
    print(
        f"network: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges (built + timed in {time.perf_counter() - t0:.2f} s)"
    )
    defs = corridors.load()
    cmp_s, _ = best_of(lambda: corridors.compare_on(G, "Xi'an", "Duisburg", defs), args.repeat)
    print(f"compare Xi'an -> Duisburg, 4 corridors: {cmp_s * 1000:.0f} ms")

    rng = random.Random(42)
    places = sorted(place_nodes(G))
    chosen = rng.sample(places, min(args.places, len(places)))

    nx_s, nx_m = best_of(lambda: routing.matrix(G, chosen, optimize="time").to_numpy(), args.repeat)

    # the same weights as a sparse matrix; each place = its nodes, min over them
    D = routing._digraph(G, routing._Request("travel_time"))
    index = {n: i for i, n in enumerate(D.nodes)}
    rows, cols, w = zip(*((index[u], index[v], d["w"] / 3600.0) for u, v, d in D.edges(data=True)), strict=True)
    A = csr_matrix((w, (rows, cols)), shape=(len(index), len(index)))
    groups = [[index[n] for n in place_nodes(G)[p] if n in index] for p in chosen]

    def scipy_matrix() -> np.ndarray:
        sources = sorted({i for g in groups for i in g})
        dist = dijkstra(A, directed=True, indices=sources)
        pos = {s: k for k, s in enumerate(sources)}
        out = np.full((len(groups), len(groups)), np.inf)
        for a, ga in enumerate(groups):
            da = np.min(dist[[pos[i] for i in ga]], axis=0)
            for b, gb in enumerate(groups):
                out[a, b] = np.min(da[gb])
        return out

    sp_s, sp_m = best_of(scipy_matrix, args.repeat)
    rows_out = [("networkx (silkroute.routing.matrix)", nx_s), ("scipy.sparse.csgraph.dijkstra", sp_s)]
    finite = np.isfinite(sp_m)
    assert np.allclose(np.nan_to_num(nx_m, nan=np.inf)[finite], sp_m[finite]), "networkx and scipy disagree"
    try:
        import igraph as ig

        g = ig.Graph(n=len(index), edges=list(zip(rows, cols, strict=True)), directed=True)
        g.es["w"] = list(w)

        def igraph_matrix() -> np.ndarray:
            sources = sorted({i for gr in groups for i in gr})
            dist = np.array(g.distances(source=sources, weights="w"))
            pos = {s: k for k, s in enumerate(sources)}
            out = np.full((len(groups), len(groups)), np.inf)
            for a, ga in enumerate(groups):
                da = np.min(dist[[pos[i] for i in ga]], axis=0)
                for b, gb in enumerate(groups):
                    out[a, b] = np.min(da[gb])
            return out

        ig_s, ig_m = best_of(igraph_matrix, args.repeat)
        assert np.allclose(ig_m[finite], sp_m[finite]), "igraph and scipy disagree"
        rows_out.append(("igraph distances", ig_s))
    except ImportError:
        print("igraph not installed: skipped")
    print(f"\n{len(chosen)} x {len(chosen)} travel-time matrix (hours), best of {args.repeat}:")
    print(f"{'engine':40} {'seconds':>8} {'vs networkx':>12}")
    for name, s in rows_out:
        print(f"{name:40} {s:8.3f} {nx_s / s:11.1f}x")
    print(f"all engines agree on {int(finite.sum())} reachable pairs")


if __name__ == "__main__":
    main()

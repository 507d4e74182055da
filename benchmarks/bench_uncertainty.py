"""Monte Carlo: 10,000 draws for the 4 corridors, vectorised numpy vs re-routing per draw with networkx.

Run: .venv/bin/python benchmarks/bench_uncertainty.py [--draws 10000]
The peer is the obvious implementation: sample every edge value, then run networkx Dijkstra per
corridor per draw (timed on a small number of draws and extrapolated). Not a test.
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--peer-draws", type=int, default=20)
    args = parser.parse_args()

    from silkroute import corridors, routing, scenario
    from silkroute.network import place_nodes
    from silkroute.uncertainty import sample_triples, simulate_on

    G = scenario.network("cku-open")
    defs = corridors.load()
    simulate_on(G, "Xi'an", "Duisburg", draws=10, seed=0, corridors=defs)  # warm caches
    rows = []
    for o, t in [("Xi'an", "Duisburg"), ("Kashgar", "Istanbul")]:
        t0 = time.perf_counter()
        res = simulate_on(G, o, t, draws=args.draws, seed=0, corridors=defs)
        s = time.perf_counter() - t0
        rows.append((f"{o} -> {t}", s, sum(len(c.candidates) for c in res.corridors)))

    # peer: per draw, sample every edge's dwell/wait/pace, then Dijkstra per corridor (northern shown)
    model = G.graph["time_model"]
    D = routing._digraph(G, routing._Request("travel_time", mode="rail"))
    o, t = place_nodes(G)["CN-XIAN"], set(place_nodes(G)["DE-DUISBURG"])
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for _ in range(args.peer_draws):
        triples = []
        for u, v in D.edges:
            d = G.edges[u, v, D[u][v]["key"]]
            from silkroute.timing import edge_parameters

            terms = edge_parameters(d, model)
            triples.append(sum((c * np.array(tr)) for _cp, _k, tr, c in terms) if terms else np.zeros(3))
        values = sample_triples(np.maximum.accumulate(np.array(triples), axis=1), 1, rng, model.distribution)[:, 0]
        for (u, v), w in zip(D.edges, values, strict=True):
            D[u][v]["sampled"] = w
        dist = nx.multi_source_dijkstra_path_length(D, set(o), weight="sampled")
        min(dist.get(n, np.inf) for n in t)
    peer_per_draw = (time.perf_counter() - t0) / args.peer_draws
    print(f"{'pair':28} {'seconds':>8} {'candidate paths':>16}")
    for name, s, paths in rows:
        print(f"{name:28} {s:8.2f} {paths:16d}")
    per_corridor = peer_per_draw * args.draws * 4
    print(
        f"networkx re-routing per draw: {peer_per_draw * 1000:.1f} ms/draw/corridor -> "
        f"{per_corridor:,.0f} s for {args.draws:,} draws x 4 corridors (extrapolated from {args.peer_draws} draws)"
    )
    print(f"ratio (re-routing / silkroute, Xi'an -> Duisburg): {per_corridor / rows[0][1]:,.0f}x")


if __name__ == "__main__":
    main()

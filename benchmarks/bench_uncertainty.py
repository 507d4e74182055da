"""Monte Carlo: 10,000 draws re-routed exactly per corridor, silkroute vs re-routing each draw with networkx.

Run: .venv/bin/python benchmarks/bench_uncertainty.py [--draws 10000] [--network /tmp/eurasia.gpkg]
silkroute builds the edges x parameters matrix once, then routes every draw of every corridor exactly
(layered graph of the corridor's stages, exact pruning, chain contraction, one-parameter cells replaced
by paths between their boundary nodes, Bellman-Ford over a batch of draws). The peer is the obvious exact
implementation: per draw, per corridor, set every edge's sampled hours and run networkx Dijkstra leg by
leg; it is timed on a few draws and extrapolated (the table says how many). Both give the same days (checked on the peer's draws). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from _util import ROOT, eurasia, machine, peak_rss_mb, save, table

sys.path.insert(0, str(ROOT))
from tests.test_uncertainty import _staged_networkx as staged_nx


def bench(net, o: str, t: str, draws: int, peer_draws: int) -> tuple:
    from silkroute import corridors
    from silkroute import uncertainty as unc

    defs = corridors.load()
    unc.simulate_on(net, o, t, draws=10, seed=0, corridors=defs)  # warm
    t0 = time.perf_counter()
    res = unc.simulate_on(net, o, t, draws=draws, seed=0, corridors=defs)
    ours = time.perf_counter() - t0
    feasible = [c for c in res.corridors if c.feasible]
    keys, A, R, _triples = unc.parameter_matrix(net, net.view.graph["time_model"])
    plans = {c.corridor: corridors.corridor_plan(net, defs[c.corridor], o, t) for c in feasible}
    rest = keys.index(("rest", "road"))
    x = np.stack([res.parameters[k] for k in keys])
    t0 = time.perf_counter()
    for d in range(peer_draws):
        w = A @ x[:, d] + x[rest, d] * (R @ x[:, d])
        for c in feasible:
            p = plans[c.corridor]
            got = staged_nx(net, net.mask(p.request), p.stages, w)
            assert abs(got - c.days[d] * 24.0) <= 1e-9 * got, (c.corridor, d)
    peer = (time.perf_counter() - t0) / peer_draws * draws
    return (f"{o} -> {t}", len(feasible), sum(len(c.candidates) for c in feasible), ours, peer, peer / ours, peer_draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--peer-draws", type=int, default=10)
    parser.add_argument("--network", type=Path, default=Path("/tmp/eurasia.gpkg"))
    args = parser.parse_args()
    from silkroute import io, routing, scenario

    out = [machine(), ""]
    emb = routing.compile(scenario.network("cku-open"))
    rows = [bench(emb, o, t, args.draws, args.peer_draws) for o, t in [("Xi'an", "Duisburg"), ("Kashgar", "Istanbul")]]
    header = ["pair", "corridors", "distinct best routes", "silkroute s", "networkx s", "ratio", "networkx draws timed"]
    out.append(
        table(
            f"embedded network (cku-open), {args.draws:,} draws, every draw routed exactly (target <= 10 s)",
            header,
            rows,
        )
    )
    eu = routing.compile(scenario.apply_tables(io.read_network_tables(eurasia(args.network)), "baseline"))
    rows = [bench(eu, "Urumqi", "Duisburg", args.draws, max(1, args.peer_draws // 5))]
    out += [
        "",
        table(
            f"Eurasian OSM rail network {args.network.name} ({len(eu.u):,} edges), {args.draws:,} draws "
            "(target <= 60 s)",
            header,
            rows,
        ),
    ]
    out.append(f"\npeak RSS of this process: {peak_rss_mb():,.0f} MB")
    save("bench_uncertainty", "\n".join(out))


if __name__ == "__main__":
    main()

"""Cost and CO2e per edge and the congested assignment: what they add, as ratios to their obvious peers.

Run: .venv/bin/python benchmarks/bench_economics.py [--repeat 5]

1. ``scenario.apply`` with the cost and emission models against the same call without them (the
   time model alone): the price of writing cost_usd, co2_kg and their components on every edge.
2. One Frank-Wolfe iteration of ``assignment.assign`` (times at the flows, all-or-nothing routing of
   the embedded demand on the corridors, line search) against one plain ``routing.route`` per flow:
   the peer is routing the same flows once, without congestion. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from silkroute import assignment, catalog, corridors, network, routing, scenario
    from silkroute.timing import TimeModel

    cat = catalog.load()
    G = network.default_network()
    sc = scenario.load("baseline", cat)
    tm = TimeModel.from_catalog(cat)
    scenario.apply(G, sc, tm)  # warm caches
    plain = _best(lambda: scenario.apply(G, sc, tm, cost_model=None, emission_model=None), args.repeat)
    full = _best(lambda: scenario.apply(G, sc, tm), args.repeat)

    H = scenario.network("baseline")
    net = routing.compile(H)
    flows = assignment.load_demand()
    defs = corridors.load()

    def route_once() -> None:
        for f in flows:
            corridors.corridor_routes(net, defs[f.corridor or "northern"], f.origin, f.destination, explain=False)

    peer = _best(route_once, args.repeat)
    t0 = time.perf_counter()
    a = assignment.assign(net, flows, tolerance=1e-4, max_iterations=200)
    total = time.perf_counter() - t0
    per_iteration = total / max(a.iterations, 1)
    print(f"{'step':52} {'seconds':>9} {'peer s':>9} {'ratio':>7}")
    print(f"{'scenario.apply with cost + CO2e (vs time only)':52} {full:9.3f} {plain:9.3f} {full / plain:7.2f}")
    print(
        f"{'one Frank-Wolfe iteration (vs routing the flows once)':52} {per_iteration:9.3f} {peer:9.3f} "
        f"{per_iteration / peer:7.2f}"
    )
    print(
        f"assignment: {a.iterations} iterations, relative gap {a.relative_gap:.1e}, {total:.2f} s in all "
        f"(median flow share of the main route {statistics.median(f.paths[0][1] for f in a.flows):.2f})"
    )


if __name__ == "__main__":
    main()

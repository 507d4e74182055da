"""Geometry → graph: silkroute's builder vs momepy.gdf_to_nx on Natural Earth's Eurasian railways.

Run: .venv/bin/python benchmarks/bench_build.py [--repeat 3]
Needs ../shared/data/real/rail_ne10m_eurasia.geojson.gz (15,733 lines). Prints a table; not a test.

The two tools do different amounts of work: momepy's primal graph joins lines at their end points
only and measures planar length in the input CRS; silkroute also joins shared interior vertices and
T-junctions, snaps dangling ends (100 m here), and measures geodesic length on the ellipsoid.
Both get the same GeoDataFrame, already in memory; reading the file is timed separately.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "real" / "rail_ne10m_eurasia.geojson.gz"


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
    args = parser.parse_args()
    if not SOURCE.is_file():
        raise SystemExit(f"{SOURCE} is missing: this benchmark needs ../shared/data/real")
    import momepy

    from silkroute import catalog, network
    from silkroute.build import graph_from_lines

    cat = catalog.load()
    default_s, D = best_of(lambda: network.build_network(cat), args.repeat)
    print(
        f"default catalog network: {D.number_of_nodes():,} nodes, {D.number_of_edges():,} directed edges, "
        f"built in {default_s:.2f} s (target < 2 s)"
    )
    t0 = time.perf_counter()
    gdf = gpd.read_file("/vsigzip/" + str(SOURCE))
    read_s = time.perf_counter() - t0
    print(f"input: {len(gdf):,} lines, read in {read_s:.2f} s")

    ours_s, G = best_of(lambda: graph_from_lines(gdf, snap_m=100.0, attributes=["scalerank"]), args.repeat)
    exploded = gdf.explode(index_parts=False, ignore_index=True)
    theirs_s, M = best_of(
        lambda: momepy.gdf_to_nx(exploded, approach="primal", multigraph=True, directed=False), args.repeat
    )
    rows = [
        ("silkroute graph_from_lines", G.number_of_nodes(), G.number_of_edges() // 2, ours_s),
        ("momepy gdf_to_nx (primal)", M.number_of_nodes(), M.number_of_edges(), theirs_s),
    ]
    print(f"{'tool':30} {'nodes':>8} {'edges':>8} {'seconds':>8}")
    for name, n, e, s in rows:
        print(f"{name:30} {n:8,} {e:8,} {s:8.2f}")
    print(f"ratio momepy / silkroute: {theirs_s / ours_s:.2f}x (best of {args.repeat}; undirected edges)")
    report = G.graph["build_report"]
    print(
        f"silkroute: {report.joined_t_junctions} T-junctions joined, {len(report.snapped)} ends snapped, "
        f"{len(report.components['rail'])} components (largest {report.components['rail'][0]:,} nodes)"
    )


if __name__ == "__main__":
    main()

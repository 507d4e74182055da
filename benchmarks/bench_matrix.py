"""Travel-time matrices on the Eurasian OSM rail network: silkroute vs networkx and igraph; 10,000 origins on Dask.

Run: .venv/bin/python benchmarks/bench_matrix.py [--network /tmp/eurasia-stations.gpkg] [--sizes 100,1000]
The network is the Eurasian skeleton built with the 16,697 OSM rail stations of ../shared/data/real as places
(`silkroute build --lines rail_osm_eurasia_skeleton.geojson.gz --places rail_stations_osm.geojson.gz`), so
that there are thousands of origins. Origins and destinations are random stations (seeded). networkx and igraph
run one search per origin on the same weights; for large sizes they are timed on a sample of origins and
extrapolated (the table says so). The Dask row runs on a 2-worker dask.distributed.LocalCluster on this machine.
Not a test.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import networkx as nx
import numpy as np

from _util import REAL, RESULTS, eurasia, machine, peak_rss_mb, run_cli, save, table
from bench_route import peers


def nx_rows(D, groups_o, groups_t) -> np.ndarray:
    out = np.full((len(groups_o), len(groups_t)), np.inf)
    for a, ga in enumerate(groups_o):
        dist = nx.multi_source_dijkstra_path_length(D, set(ga.tolist()), weight="weight")
        for b, gb in enumerate(groups_t):
            out[a, b] = min(dist.get(int(x), np.inf) for x in gb)
    return out


def ig_rows(g, groups_o, groups_t) -> np.ndarray:
    sources = np.concatenate(groups_o)
    targets = np.concatenate(groups_t)
    dist = np.array(g.distances(source=sources.tolist(), target=targets.tolist(), weights="w"))
    rows = np.minimum.reduceat(dist, np.cumsum([0, *(len(x) for x in groups_o[:-1])]), axis=0)
    return np.minimum.reduceat(rows, np.cumsum([0, *(len(x) for x in groups_t[:-1])]), axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=Path("/tmp/eurasia-stations.gpkg"))
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--sample", type=int, default=20, help="Origins the peers route when a size is larger.")
    parser.add_argument("--dask-origins", type=int, default=10_000)
    parser.add_argument("--dask-destinations", type=int, default=1_000)
    parser.add_argument("--cli", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    from silkroute import _blocks, io, routing, scenario

    path = eurasia(args.network, REAL / "rail_stations_osm.geojson.gz")
    t0 = time.perf_counter()
    net = routing.compile(scenario.apply_tables(io.read_network_tables(path), "baseline"))
    load_s = time.perf_counter() - t0
    places = sorted(net.places)
    out = [
        f"{path}: {net.n:,} nodes, {len(net.u):,} edges, {len(places):,} places (OSM stations); loaded and compiled "
        f"in {load_s:.1f} s; {machine()}",
        "",
    ]
    D, g, _A = peers(net, mode="rail")
    rng = random.Random(7)
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        chosen = rng.sample(places, n)
        groups = [net.place_nodes[p] for p in chosen]
        ours = {}
        for workers in (1, _blocks.cores()):
            if workers == 1 and n > 100:
                continue
            t0 = time.perf_counter()
            m = routing.matrix(net, chosen, mode="rail", workers=workers).to_numpy()
            ours[workers] = time.perf_counter() - t0
        sample = n if n <= 100 else args.sample
        t0 = time.perf_counter()
        want = nx_rows(D, groups[:sample], groups)
        nx_s = (time.perf_counter() - t0) * n / sample
        finite = np.isfinite(want)
        got = m[:sample]
        assert np.allclose(got[finite], want[finite], rtol=1e-9) and np.isnan(got[~finite]).all(), "networkx disagrees"
        ig_s = float("nan")
        if g is not None:
            t0 = time.perf_counter()
            ig = ig_rows(g, groups[:sample], groups)
            ig_s = (time.perf_counter() - t0) * n / sample
            assert np.allclose(ig[finite], want[finite], rtol=1e-9)
        note = "measured" if sample == n else f"extrapolated from {sample} origins"
        for workers, s in ours.items():
            rows.append((f"{n:,} x {n:,}", f"silkroute, {workers} process(es)", s, nx_s / s, "measured"))
        rows.append((f"{n:,} x {n:,}", "networkx, 1 process", nx_s, 1.0, note))
        rows.append((f"{n:,} x {n:,}", "igraph, 1 process", ig_s, nx_s / ig_s, note))
    if args.dask_origins:
        k = min(args.dask_origins, len(places))
        origins = rng.sample(places, k)
        dests = rng.sample(places, args.dask_destinations)
        t0 = time.perf_counter()
        m = routing.matrix(net, origins, dests, mode="rail", scheduler="local", block=64)
        dask_s = time.perf_counter() - t0
        check = routing.matrix(net, origins[:64], dests, mode="rail")
        assert check.equals(m.iloc[:64]), "Dask and local results differ"
        rows.append(
            (
                f"{k:,} x {args.dask_destinations:,}",
                "silkroute on Dask LocalCluster (2 workers)",
                dask_s,
                float("nan"),
                "measured; first block = local",
            )
        )
        per_origin_nx = next(r[2] for r in rows if r[1].startswith("networkx")) / int(args.sizes.split(",")[0])
        rows.append(
            (
                f"{k:,} x {args.dask_destinations:,}",
                "networkx, 1 process",
                per_origin_nx * k,
                per_origin_nx * k / dask_s,
                "extrapolated per origin",
            )
        )
    if args.cli:  # the whole command in a fresh process: load, compile, route, write Parquet
        ids = RESULTS / "origins-1000.csv"
        RESULTS.mkdir(parents=True, exist_ok=True)
        ids.write_text("id\n" + "\n".join(rng.sample(places, 1000)) + "\n", encoding="utf-8")
        target = RESULTS / "matrix-1000.parquet"
        r = run_cli(["matrix", "--network", str(path), "--from-file", str(ids), "-o", str(target)])
        how = f"measured, peak RSS {r['rss_mb']:,.0f} MB (main process)"
        rows.append(("1,000 x 1,000", "CLI: silkroute matrix --from-file -o .parquet", r["wall_s"], float("nan"), how))
    out.append(
        table(
            "rail travel-time matrices (hours); ratio = networkx seconds / engine seconds",
            ["size", "engine", "seconds", "vs networkx", "how"],
            rows,
        )
    )
    out.append(f"\npeak RSS of this process: {peak_rss_mb():,.0f} MB (worker processes not included)")
    save("bench_matrix", "\n".join(out))


if __name__ == "__main__":
    main()

"""Network files: load the Eurasian OSM rail network (~114k nodes, ~278k edges) and route on it from the CLI.

Run: .venv/bin/python benchmarks/bench_load.py [--network /tmp/eurasia.gpkg] [--before DIR]
Builds the network once with `silkroute build` from ../shared/data/real/rail_osm_eurasia_skeleton.geojson.gz.
Each row runs in a fresh process (time and peak RSS of that process). `--before DIR` also times the CLI of
another source tree (e.g. `git archive fe00a73 | tar -x -C DIR`, the branch's start). Not a test.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _util import eurasia, machine, run_child, run_cli, save, table

IMPORTS = "import pyogrio, networkx as nx\nfrom silkroute import io, scenario, routing\n"
LOADERS = {
    "GeoPackage -> networkx (pyogrio rows; the loader at fe00a73)": "G = io._read_gpkg(P)",
    "peer: pyogrio edges + networkx.from_pandas_edgelist": (
        "e = pyogrio.read_dataframe(P, layer='edges'); "
        "G = nx.from_pandas_edgelist(e, 'u', 'v', edge_attr=True, edge_key='key', create_using=nx.MultiDiGraph)"
    ),
    "Parquet cache -> networkx (io.load_network)": "G = io.load_network(P)",
    "Parquet cache -> tables (io.read_network_tables)": "T = io.read_network_tables(P)",
}
READY = {
    "graph: load_network + scenario.network + compile": (
        "net = routing.compile(scenario.network('baseline', base=io.load_network(P)))"
    ),
    "tables: read_network_tables + apply_tables + compile": (
        "net = routing.compile(scenario.apply_tables(io.read_network_tables(P), 'baseline'))"
    ),
}
TIMED = """
import time
t0 = time.perf_counter()
{code}
print(f"load_s={{time.perf_counter() - t0}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=Path("/tmp/eurasia.gpkg"))
    parser.add_argument("--before", type=Path, help="Source tree of the 'before' CLI (its src/ is used).")
    parser.add_argument("--pair", default="Urumqi:Duisburg")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = eurasia(args.network)
    run_child(f"from silkroute import io; io.load_network({str(path)!r})")  # writes the cache if needed
    head = IMPORTS + f"P = {str(path)!r}\n"
    size = run_child(
        head
        + "from silkroute import io; T = io.read_network_tables(P); print(f'edges={T.n_edges}'); print(f'nodes={T.n_nodes}')"
    )
    edges, nodes = int(size["edges"]), int(size["nodes"])
    out = [f"Eurasian OSM rail network {path}: {nodes:,} nodes, {edges:,} directed edges; {machine()}", ""]

    def measure(code: str) -> tuple[float, float]:
        runs = [run_child(head + TIMED.format(code=code)) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["load_s"])
        return best["load_s"], best["rss_mb"]

    rows, base = [], None
    for name, code in LOADERS.items():
        s, rss = measure(code)
        base = base or s
        rows.append((name, s, base / s, rss))
    out.append(
        table(
            f"load (best of {args.repeat}, fresh process each; seconds exclude the imports)",
            ["loader", "seconds", "vs fe00a73", "peak RSS MB"],
            rows,
        )
    )
    rows, base = [], None
    for name, code in READY.items():
        s, rss = measure(code)
        base = base or s
        rows.append((name, s, base / s, rss, rss / (edges / 1e6)))
    out += [
        "",
        table(
            "ready to route under the baseline scenario",
            ["path", "seconds", "vs graph", "peak RSS MB", "MB per 10^6 edges"],
            rows,
        ),
    ]
    o, t = args.pair.split(":")
    cli = ["route", "--network", str(path), "--from", o, "--to", t, "--format", "json"]
    rows = []
    trees = ([("fe00a73 (before)", args.before / "src")] if args.before else []) + [("this branch", None)]
    results = {}
    for name, src in trees:
        runs = [run_cli(cli, src=src) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["wall_s"])
        results[name] = best
        rows.append((name, best["wall_s"], best["rss_mb"]))
    if args.before:
        b = results["fe00a73 (before)"]
        rows = [(*r, b["wall_s"] / r[1], b["rss_mb"] / r[2]) for r in rows]
        same = results["fe00a73 (before)"]["stdout"] == results["this branch"]["stdout"]
    else:
        rows = [(*r, float("nan"), float("nan")) for r in rows]
        same = None
    out += [
        "",
        table(
            f"CLI: silkroute {' '.join(cli)} (whole process, best of {args.repeat}; targets <= 3 s, <= 1 GB)",
            ["tree", "wall s", "peak RSS MB", "speed-up", "RSS ratio"],
            rows,
        ),
    ]
    if same is not None:
        out.append(f"identical JSON output before/after: {same}")
    save("bench_load", "\n".join(out))


if __name__ == "__main__":
    main()

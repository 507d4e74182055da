"""Geometry → graph: silkroute's builder vs momepy.gdf_to_nx, and the whole ``silkroute build --lines`` command.

Run: .venv/bin/python benchmarks/bench_build.py [--repeat 3] [--skip-skeleton]
Needs ../shared/data/real/rail_ne10m_eurasia.geojson.gz (Natural Earth, 15,733 lines) and
rail_osm_eurasia_skeleton.geojson.gz (OSM, 136,533 edges). Prints tables; not a test.
To measure another checkout (the numbers before a change), put its ``src`` first on ``PYTHONPATH``.

Every row runs in its own subprocess (peak memory, ``ru_maxrss`` from ``wait4``, is its own); the best of
``--repeat`` runs is shown; library rows are timed after the imports and after reading the file.

The tools do different amounts of work: momepy's primal graph joins lines at their end points only and
measures planar length in degrees; silkroute also joins shared interior vertices and T-junctions, snaps
dangling ends (100 m here), measures geodesic length on the ellipsoid and builds both directions of every
edge (a MultiDiGraph with osmnx conventions).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _util import run_process as run

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
NE = REAL / "rail_ne10m_eurasia.geojson.gz"
SKELETON = REAL / "rail_osm_eurasia_skeleton.geojson.gz"


def child(task: str) -> dict:
    import geopandas as gpd

    source = NE if task.endswith("-ne") else SKELETON
    gdf = gpd.read_file("/vsigzip/" + str(source))
    if task.startswith("momepy"):
        import momepy

        exploded = gdf.explode(index_parts=False, ignore_index=True)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # momepy warns that lengths in degrees are wrong, which they are
            G = momepy.gdf_to_nx(exploded, approach="primal", multigraph=True, directed=False)
        seconds = time.perf_counter() - t0
        edges = G.number_of_edges()
        extra = ""
    else:
        from silkroute.build import graph_from_lines

        t0 = time.perf_counter()
        G = graph_from_lines(gdf, snap_m=100.0, attributes=["scalerank"] if task.endswith("-ne") else None)
        seconds = time.perf_counter() - t0
        edges = G.number_of_edges() // 2
        r = G.graph["build_report"]
        extra = (
            f"{r.joined_t_junctions} T-junctions, {len(r.snapped)} ends snapped, "
            f"{len(r.components['rail'])} components (largest {r.components['rail'][0]:,} nodes)"
        )
    return {"seconds": seconds, "nodes": G.number_of_nodes(), "edges": edges, "extra": extra}


def library(task: str, repeat: int) -> dict:
    rows = []
    for _ in range(repeat):
        _s, peak, out = run([sys.executable, __file__, "--child", task])
        rows.append({**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak})
    return min(rows, key=lambda r: r["seconds"])


def table(title: str, rows: list[tuple[str, float, float, str]], ours: float) -> None:
    print(f"\n{title}")
    print(f"{'':58} {'seconds':>8} {'peak MB':>8} {'× row 1':>7}  result")
    for name, seconds, peak, result in rows:
        print(f"{name:58} {seconds:8.2f} {peak:8.0f} {seconds / ours:7.2f}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-skeleton", action="store_true", help="Only the Natural Earth comparison.")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    for path in (NE, SKELETON):
        if not path.is_file():
            raise SystemExit(f"{path} is missing: this benchmark needs ../shared/data/real")
    import silkroute
    from silkroute import catalog, network

    print(f"silkroute from {Path(silkroute.__file__).parent}; best of {args.repeat}; peak = the process's max RSS")
    cat = catalog.load()
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        D = network.build_network(cat)
        times.append(time.perf_counter() - t0)
    print(
        f"default catalog network: {D.number_of_nodes():,} nodes, {D.number_of_edges():,} directed edges, "
        f"built in {min(times):.2f} s (target < 2 s)"
    )
    ours, peer = library("silkroute-ne", args.repeat), library("momepy-ne", args.repeat)
    table(
        f"line builder on Natural Earth railways ({NE.name}, 15,733 lines; in memory, after reading)",
        [
            (
                "silkroute graph_from_lines (snap 100 m)",
                ours["seconds"],
                ours["peak_mb"],
                f"{ours['nodes']:,} nodes, {ours['edges']:,} edges; {ours['extra']}",
            ),
            (
                "momepy gdf_to_nx (primal)",
                peer["seconds"],
                peer["peak_mb"],
                f"{peer['nodes']:,} nodes, {peer['edges']:,} edges",
            ),
        ],
        ours["seconds"],
    )
    print(f"ratio momepy / silkroute: {peer['seconds'] / ours['seconds']:.2f}x time (undirected edges)")
    if args.skip_skeleton:
        return
    big, big_peer = library("silkroute-skeleton", 1), library("momepy-skeleton", 1)
    exe = Path(sys.executable).with_name("silkroute")
    cli = [str(exe)] if exe.is_file() else [sys.executable, "-m", "silkroute.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        net = Path(tmp) / "eurasia.gpkg"
        plain_s, plain_mb, _ = min(
            (run([*cli, "build", "--lines", str(SKELETON), "-o", str(net)]) for _ in range(args.repeat)),
            key=lambda r: r[0],
        )
        size = net.stat().st_size / 1e6
        rows = [
            (
                "silkroute graph_from_lines (library, snap 100 m)",
                big["seconds"],
                big["peak_mb"],
                f"{big['nodes']:,} nodes, {big['edges']:,} edges",
            ),
            (
                "momepy gdf_to_nx (library)",
                big_peer["seconds"],
                big_peer["peak_mb"],
                f"{big_peer['nodes']:,} nodes, {big_peer['edges']:,} edges",
            ),
            ("silkroute build --lines SKELETON -o NET.gpkg", plain_s, plain_mb, f"whole command, {size:.0f} MB file"),
        ]
        try:
            cat_s, cat_mb, _ = run(
                [
                    *cli,
                    "build",
                    "--lines",
                    str(SKELETON),
                    "--with-catalog",
                    "--attach-km",
                    "10",
                    "--length-km",
                    "osm_km",
                    "-o",
                    str(net),
                ]
            )
            rows.append(
                ("  … --with-catalog --attach-km 10 --length-km osm_km", cat_s, cat_mb, "whole command, stitched")
            )
        except RuntimeError:
            rows.append(("  … --with-catalog (not in this checkout)", float("nan"), float("nan"), ""))
    table(f"the Eurasian OSM skeleton ({SKELETON.name}, 136,533 edges)", rows, big["seconds"])
    print(f"ratio momepy / silkroute (library): {big_peer['seconds'] / big['seconds']:.2f}x time")


if __name__ == "__main__":
    main()

"""OSM XML → routable network: silkroute vs osmnx, same file, same run; the library call and the whole CLI command.

Run: .venv/bin/python benchmarks/bench_osm.py [--repeat 3]
Needs ../shared/data/real/osm_turkmenistan_azerbaijan_rail.osm.gz (13,684 ways). Prints tables; not a test.
To measure another checkout (the numbers before a change), put its ``src`` first on ``PYTHONPATH``.

Every row runs in its own subprocess (peak memory, ``ru_maxrss`` from ``wait4``, is its own); the best
of ``--repeat`` runs is shown. Both tools keep every way with a ``railway`` tag and simplify without
merging across a change of the ``railway`` value:

library call (timed after the imports)
    silkroute ``build.from_file(path, BuildOptions(keep=WayFilter(railway=<all values>)))``: pyosmium
    reader, merge of equal-tag ways, noding, geodesic lengths, layers, keys. osmnx: gunzip (it reads plain
    XML only), ``graph_from_xml(simplify=False, retain_all=True)`` then ``simplify_graph(edge_attrs_differ=
    ["railway"])``; and osmnx's own default call ``graph_from_xml(path)`` (simplifies too, but ignores tags
    and keeps the largest component only).
whole command (wall time of the process, startup and imports included)
    ``silkroute build --osm FILE -o NET.gpkg`` (reads, builds, prints the report, writes the GeoPackage)
    against Python processes doing what a user of osmnx would: gunzip, the same graph as the library
    row (``graph_from_xml`` unsimplified, ``simplify_graph``) or osmnx's default ``graph_from_xml(path)``,
    then ``save_graph_geopackage``.

The topology line compares the node coordinates of the two library results.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _util import run_process as run

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "real" / "osm_turkmenistan_azerbaijan_rail.osm.gz"
RAILWAY = ("rail", "construction", "light_rail", "monorail", "narrow_gauge", "proposed")
OSMNX_SCRIPT = """
import gzip, shutil, sys, tempfile
from pathlib import Path
import osmnx as ox
with tempfile.TemporaryDirectory() as tmp:
    plain = Path(tmp) / "data.osm"
    with gzip.open(sys.argv[1], "rb") as src, plain.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    if sys.argv[3] == "default":
        G = ox.graph_from_xml(plain)
    else:
        ox.settings.useful_tags_way = [*ox.settings.useful_tags_way, "railway"]
        G = ox.simplify_graph(ox.graph_from_xml(plain, simplify=False, retain_all=True), edge_attrs_differ=["railway"])
ox.save_graph_geopackage(G, sys.argv[2])
print(G.number_of_nodes(), G.number_of_edges())
"""


def library(engine: str, coords_out: Path) -> dict:
    """One library call in this process, timed after the imports."""
    if engine == "silkroute":
        from silkroute import build
        from silkroute.ingest import WayFilter

        t0 = time.perf_counter()
        G = build.from_file(SOURCE, build.BuildOptions(keep=WayFilter(railway=RAILWAY)))
        seconds = time.perf_counter() - t0
    else:
        import osmnx as ox

        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "data.osm"
            with gzip.open(SOURCE, "rb") as src, plain.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            if engine == "osmnx-default":
                G = ox.graph_from_xml(plain)
            else:
                ox.settings.useful_tags_way = [*ox.settings.useful_tags_way, "railway"]
                G = ox.graph_from_xml(plain, simplify=False, retain_all=True)
                G = ox.simplify_graph(G, edge_attrs_differ=["railway"])
        seconds = time.perf_counter() - t0
    np.save(coords_out, np.array([(round(d["x"], 7), round(d["y"], 7)) for _, d in G.nodes(data=True)]))
    return {"seconds": seconds, "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def best(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    runs = [run(cmd) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def library_row(engine: str, repeat: int, tmp: Path) -> dict:
    coords = tmp / f"{engine}.npy"
    rows = []
    for _ in range(repeat):
        _s, peak, out = run([sys.executable, __file__, "--child", engine, "--coords", str(coords)])
        rows.append({**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak})
    row = min(rows, key=lambda r: r["seconds"])
    row["coords"] = {tuple(c) for c in np.load(coords)}
    return row


def table(title: str, rows: list[tuple[str, float, float, str]], ours: float) -> None:
    print(f"\n{title}")
    print(f"{'':52} {'seconds':>8} {'peak MB':>8} {'× row 1':>7}  result")
    for name, seconds, peak, result in rows:
        print(f"{name:52} {seconds:8.2f} {peak:8.0f} {seconds / ours:7.1f}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--coords", type=Path)
    args = parser.parse_args()
    if not SOURCE.is_file():
        raise SystemExit(f"{SOURCE} is missing: this benchmark needs ../shared/data/real")
    if args.child:
        print(json.dumps(library(args.child, args.coords)))
        return
    import silkroute

    print(f"input: {SOURCE.name} ({SOURCE.stat().st_size / 1e6:.1f} MB gzipped), every railway=* way")
    print(f"silkroute from {Path(silkroute.__file__).parent}; best of {args.repeat}; peak = the process's max RSS")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ours = library_row("silkroute", args.repeat, tmp)
        peer = library_row("osmnx", args.repeat, tmp)
        stock = library_row("osmnx-default", args.repeat, tmp)
        table(
            "library call (after imports)",
            [
                (
                    "silkroute build.from_file",
                    ours["seconds"],
                    ours["peak_mb"],
                    f"{ours['nodes']:,} nodes, {ours['edges']:,} edges",
                ),
                (
                    "osmnx graph_from_xml + simplify_graph",
                    peer["seconds"],
                    peer["peak_mb"],
                    f"{peer['nodes']:,} nodes, {peer['edges']:,} edges",
                ),
                (
                    "osmnx graph_from_xml(path) as is *",
                    stock["seconds"],
                    stock["peak_mb"],
                    f"{stock['nodes']:,} nodes, {stock['edges']:,} edges",
                ),
            ],
            ours["seconds"],
        )
        print("* osmnx's default call: merges across tag changes and keeps the largest component only")
        only_ours, only_theirs = ours["coords"] - peer["coords"], peer["coords"] - ours["coords"]
        print(
            f"topology: {len(ours['coords'] & peer['coords']):,} node locations in common, "
            f"{len(only_ours)} only in silkroute (loop starts osmnx simplifies through), {len(only_theirs)} only in osmnx"
        )
        exe = Path(sys.executable).with_name("silkroute")
        cli = [str(exe)] if exe.is_file() else [sys.executable, "-m", "silkroute.cli"]
        cli_s, cli_mb, _ = best([*cli, "build", "--osm", str(SOURCE), "-o", str(tmp / "ours.gpkg")], args.repeat)
        osmnx_cli = [sys.executable, "-c", OSMNX_SCRIPT, str(SOURCE)]
        same_s, same_mb, same_out = best([*osmnx_cli, str(tmp / "same.gpkg"), "same"], args.repeat)
        ox_s, ox_mb, ox_out = best([*osmnx_cli, str(tmp / "osmnx.gpkg"), "default"], args.repeat)

        def graph(nodes: int, edges: int, path: Path) -> str:
            return f"{nodes:,} nodes, {edges:,} edges, {path.stat().st_size / 1e6:.1f} MB file"

        def counts(out: str) -> tuple[int, int]:
            n, e = out.split()[-2:]
            return int(n), int(e)

        table(
            "whole command (process wall time: startup, imports, read, build, write a GeoPackage)",
            [
                (
                    "silkroute build --osm FILE -o NET.gpkg",
                    cli_s,
                    cli_mb,
                    graph(ours["nodes"], ours["edges"], tmp / "ours.gpkg"),
                ),
                (
                    "osmnx, same graph: from_xml + simplify_graph + save",
                    same_s,
                    same_mb,
                    graph(*counts(same_out), tmp / "same.gpkg"),
                ),
                ("osmnx graph_from_xml(path) as is * + save", ox_s, ox_mb, graph(*counts(ox_out), tmp / "osmnx.gpkg")),
            ],
            cli_s,
        )
        print(
            f"\nratios osmnx / silkroute: library {peer['seconds'] / ours['seconds']:.1f}x time "
            f"({stock['seconds'] / ours['seconds']:.1f}x against its default call), "
            f"{peer['peak_mb'] / ours['peak_mb']:.1f}x peak memory; whole command {same_s / cli_s:.1f}x time "
            f"({ox_s / cli_s:.1f}x against the default call), {same_mb / cli_mb:.1f}x peak memory"
        )


if __name__ == "__main__":
    main()

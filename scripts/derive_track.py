#!/usr/bin/env python3
"""Measure the OpenStreetMap length of every rail and road section of ``data/lines.csv``.

Writes ``data/track.csv``: one row per consecutive stop pair of every rail row (on the
``scgraph-data`` 2.0.0 ``world_railways`` skeleton) and every road row (on ``world_highways``),
any status, with the shortest path on the skeleton (built from OpenStreetMap, ODbL 1.0) between
the points snapped to the two stops, restricted to a corridor around the drawn (stop-to-stop)
segment and accepted only inside a plausibility band of path km / geodesic km. The ``network``
column names the skeleton. Method and parameters of each network: ``data/track.md``.

Run from the repository root::

    python scripts/derive_track.py                      # both networks, installed package
    python scripts/derive_track.py --network road       # road rows only; keeps the rail rows of track.csv
    python scripts/derive_track.py --scgraph DIR        # DIR/world_railways.py and DIR/world_highways.py
    python scripts/derive_track.py --network rail --scgraph PATH/world_railways.py

Dependencies: numpy, scipy, shapely, pyproj, and the data package (``pip install
scgraph-data==2.0.0``; the ``scgraph`` package is not needed: the files are parsed, not imported).
The catalog is read with the plain ``csv`` module; the ``silkroute`` package is not imported.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import heapq
import importlib.util
import itertools
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
EARTH_RADIUS_KM = 6371.0088  # mean radius: preselection and cross-track angles only

SNAP_CANDIDATES = 24  # at most this many nearest snap points per stop are tried
SNAP_WEIGHT = 1.5  # snap km weigh 1.5x path km when choosing the snap point of a through stop (1 < w < 2) ...
END_SNAP_WEIGHT = 4.0  # ... and 4x at the first and last stop of a run of matched pairs (see track.md)
MISMATCH_PENALTY_KM = 1.0e6  # cost of snapping a stop shared by two pairs to different points

PACKAGE = "scgraph-data"
PACKAGE_VERSION = "2.0.0"
LICENCE = "OpenStreetMap contributors, ODbL 1.0"


@dataclass(frozen=True)
class Network:
    """A skeleton file of the data package, the lines.csv mode it measures, and the method's parameters."""

    name: str  # module of scgraph_data, also the value of the network column
    mode: str  # the lines.csv rows it measures
    sha256: str  # of the file in PACKAGE PACKAGE_VERSION
    snap_radius_km: float  # a stop snaps to skeleton nodes or points on skeleton edges this close, ...
    snap_bow_max_km: float  # ... plus, for a point on an edge, how far its track may bow off the chord (capped), ...
    snap_bow_edge_max_km: float  # ... on edges of at most this many km (longer ones: the radius alone)
    corridor_min_km: float  # corridor half-width around the drawn segment: max(corridor_min_km, ...
    corridor_fraction: float  # ... corridor_fraction x stop-to-stop geodesic km)
    band_low: float  # accepted path km / geodesic km between the two snap points
    band_high: float
    bridge_km: float  # a dead end of the skeleton is joined to the nearest node this close ...
    bridge_detour_km: float  # ... that is not reached within this many km of skeleton track

    def source(self, digest: str) -> str:
        """The source column: package, version, file and licence (the file's hash if it is not the package's)."""
        if digest == self.sha256:
            return f"{PACKAGE} {PACKAGE_VERSION} {self.name} ({LICENCE})"
        return f"{PACKAGE} {self.name} sha256:{digest[:12]} ({LICENCE})"

    def corridor_width_km(self, chord_km: float) -> float:
        """Half-width of the corridor around a drawn segment of ``chord_km``."""
        return max(self.corridor_min_km, self.corridor_fraction * chord_km)


RAIL = Network(
    name="world_railways",
    mode="rail",
    sha256="de155ac61fb972a3b038d8072feb97f0cf1532f838ccbcd6dea89c3a55735383",
    snap_radius_km=10.0,
    snap_bow_max_km=25.0,
    snap_bow_edge_max_km=200.0,
    corridor_min_km=20.0,
    corridor_fraction=0.3,
    band_low=0.98,
    band_high=1.5,
    bridge_km=1.0,
    bridge_detour_km=10.0,
)
ROAD = Network(
    name="world_highways",
    mode="road",
    sha256="91c582eae485fae96b4eb4eec32510bb4013ee3c337e534cd34330fa868cbacf",
    snap_radius_km=10.0,
    snap_bow_max_km=25.0,
    snap_bow_edge_max_km=300.0,  # roads through empty country are single edges of 200-300 km (track.md)
    corridor_min_km=20.0,
    corridor_fraction=0.3,
    band_low=0.98,
    band_high=1.5,
    bridge_km=1.0,
    bridge_detour_km=10.0,
)
NETWORKS = {n.mode: n for n in (RAIL, ROAD)}
COLUMNS = [
    "line_id",
    "seq",
    "from",
    "to",
    "status",
    "reason",
    "geodesic_km",
    "osm_km",
    "snap_from_km",
    "snap_to_km",
    "ratio",
    "path_nodes",
    "geometry",
    "network",
    "source",
]

Point = tuple[float, float]  # (lon, lat)


# ----------------------------------------------------------------------------------------------- skeleton


@dataclass(frozen=True)
class Skeleton:
    """A skeleton of one network: nodes, undirected km-weighted edges, and spatial indexes."""

    network: Network
    lon: np.ndarray
    lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_km: np.ndarray
    adjacency: csr_matrix  # symmetric; zero-km edges stored as 1e-9 so that slicing keeps them
    weights: dict[tuple[int, int], float]  # (min id, max id) -> km, bridges included
    bridges: frozenset[tuple[int, int]]  # added straight edges across small gaps (see _bridges)
    edge_bow_km: np.ndarray  # how far the track of an edge can lie from its straight chord (see track.md)
    component: np.ndarray  # connected component of each node
    node_tree: cKDTree  # unit vectors of the nodes
    edge_tree: shapely.STRtree  # straight edges in lon/lat


def geodesic_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid, km."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Unit vectors on the sphere."""
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def find_network_file(network: Network, path: Path | None) -> Path:
    """The network's file: ``path`` (the file, or a directory holding it), else the installed package's."""
    if path is not None:
        found = path / f"{network.name}.py" if path.is_dir() else path
        if not found.is_file():
            sys.exit(f"derive_track: {found} not found")
        return found
    spec = importlib.util.find_spec("scgraph_data")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            f"derive_track: the {PACKAGE} package is not installed; install it with\n"
            f"    python -m pip install {PACKAGE}=={PACKAGE_VERSION}\n"
            f"or pass --scgraph PATH/{network.name}.py"
        )
    found = Path(next(iter(spec.submodule_search_locations))) / f"{network.name}.py"
    if not found.is_file():
        sys.exit(f"derive_track: {found} not found in the installed {PACKAGE} package")
    return found


def _literal(text: str, name: str) -> object:
    """The value of the top-level assignment ``name=...`` of a Python source text (no code is run)."""
    match = re.search(rf"^{name}\s*=\s*(.*)$", text, flags=re.MULTILINE)
    if match is None:
        raise ValueError(f"no top-level '{name}=' assignment")
    literal = match.group(1)
    try:  # fast path: the literal is JSON once the integer dict keys are quoted
        return json.loads(re.sub(r"([{,]\s*)(\d+)\s*:", r'\1"\2":', literal))
    except json.JSONDecodeError:
        return ast.literal_eval(literal)


def load_skeleton(path: Path, network: Network) -> tuple[Skeleton, str]:
    """Parse a network file (``graph``: adjacency list of km, ``nodes``: [lat, lon]); also its sha256."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    graph = _literal(text, "graph")
    nodes = np.asarray(_literal(text, "nodes"), dtype=float)
    if not isinstance(graph, list) or nodes.ndim != 2 or len(graph) != len(nodes):
        raise ValueError(f"{path}: expected graph (list of dicts) and nodes ([lat, lon]) of equal length")
    weights: dict[tuple[int, int], float] = {}
    for u, neighbours in enumerate(graph):
        for key, km in neighbours.items():
            v = int(key)
            if v != u:
                edge = (u, v) if u < v else (v, u)
                weights[edge] = min(float(km), weights.get(edge, math.inf))
    lat, lon = nodes[:, 0].copy(), nodes[:, 1].copy()
    m, n = len(weights), len(nodes)
    eu = np.fromiter((e[0] for e in weights), dtype=np.int64, count=m)
    ev = np.fromiter((e[1] for e in weights), dtype=np.int64, count=m)
    ekm = np.fromiter(weights.values(), dtype=float, count=m)
    node_tree = cKDTree(_unit(lon, lat))
    bridges = _bridges(lon, lat, eu, ev, ekm, node_tree, network)
    all_weights = weights | bridges
    bu = np.concatenate([eu, [b[0] for b in bridges]]).astype(np.int64)
    bv = np.concatenate([ev, [b[1] for b in bridges]]).astype(np.int64)
    data = np.maximum(np.concatenate([ekm, list(bridges.values())]), 1e-9)
    adjacency = csr_matrix((np.concatenate([data, data]), (np.concatenate([bu, bv]), np.concatenate([bv, bu]))), (n, n))
    chord = GEOD.inv(lon[eu], lat[eu], lon[ev], lat[ev])[2] / 1000.0
    bow = np.sqrt(np.maximum(ekm**2 - chord**2, 0.0)) / 2.0
    segments = shapely.linestrings(
        np.stack([np.column_stack([lon[eu], lat[eu]]), np.column_stack([lon[ev], lat[ev]])], 1)
    )
    skeleton = Skeleton(
        network=network,
        lon=lon,
        lat=lat,
        edge_u=eu,
        edge_v=ev,
        edge_km=ekm,
        adjacency=adjacency,
        weights=all_weights,
        bridges=frozenset(bridges),
        edge_bow_km=bow,
        component=connected_components(adjacency, directed=False)[1],
        node_tree=node_tree,
        edge_tree=shapely.STRtree(segments),
    )
    return skeleton, hashlib.sha256(raw).hexdigest()


def _bridges(
    lon: np.ndarray,
    lat: np.ndarray,
    eu: np.ndarray,
    ev: np.ndarray,
    ekm: np.ndarray,
    tree: cKDTree,
    network: Network,
) -> dict[tuple[int, int], float]:
    """Straight edges (geodesic km) across the small gaps of the skeleton.

    A dead end is joined to the nearest node within ``bridge_km`` that the skeleton does not reach
    within ``bridge_detour_km`` of track from it: OSM ways that meet without sharing a node (a break
    of a few hundred metres) would otherwise cut a main line or send its path on a long detour.
    """
    bridge_km = network.bridge_km
    if bridge_km <= 0.0:
        return {}
    n = len(lon)
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for u, v, km in zip(eu.tolist(), ev.tolist(), ekm.tolist(), strict=True):
        neighbours[u].append((v, km))
        neighbours[v].append((u, km))
    xyz = _unit(lon, lat)
    chord = 2.0 * math.sin(bridge_km * 1.01 / EARTH_RADIUS_KM / 2.0)
    bridges: dict[tuple[int, int], float] = {}
    for d in (i for i in range(n) if len(neighbours[i]) == 1):
        near = sorted(int(i) for i in tree.query_ball_point(xyz[d], chord) if i != d)
        if not near:
            continue
        reached = _reach(neighbours, d, network.bridge_detour_km)
        near = [i for i in near if i not in reached]
        if not near:
            continue
        km = GEOD.inv(np.full(len(near), lon[d]), np.full(len(near), lat[d]), lon[near], lat[near])[2] / 1000.0
        best = int(np.lexsort((near, km))[0])
        if km[best] <= bridge_km:
            u, v = sorted((d, near[best]))
            bridges[(u, v)] = float(km[best])
    return bridges


def _reach(neighbours: list[list[tuple[int, float]]], source: int, cutoff: float) -> set[int]:
    """Nodes within ``cutoff`` km of track from ``source`` (Dijkstra)."""
    dist = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, km in neighbours[u]:
            nd = d + km
            if nd <= cutoff and nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return set(dist)


def _ball(skeleton: Skeleton, lon: float, lat: float, radius_km: float) -> np.ndarray:
    """Node ids possibly within ``radius_km`` of a point (a superset: exact distances follow)."""
    angle = min((radius_km * 1.01 + 1.0) / EARTH_RADIUS_KM, math.pi)
    centre = _unit(np.array([lon]), np.array([lat]))[0]
    found = skeleton.node_tree.query_ball_point(centre, 2.0 * math.sin(angle / 2.0))
    return np.asarray(sorted(found), dtype=np.int64)


# ----------------------------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class Snap:
    """A point a stop snaps to: a skeleton node, or a point on a straight skeleton edge.

    ``links`` are the skeleton nodes it joins and their km: ``((node, 0.0),)`` for a node; for a
    point at fraction ``t`` of edge (u, v) of ``w`` km, ``((u, t w), (v, (1 - t) w))``.
    """

    lon: float
    lat: float
    km: float  # geodesic km from the stop
    node: int  # the node, or -1 for a point on an edge
    edge: int  # index of the edge, or -1 for a node
    t: float
    links: tuple[tuple[int, float], ...]


def snap_candidates(skeleton: Skeleton, lon: float, lat: float) -> list[Snap]:
    """Skeleton nodes and nearest points of skeleton edges within the snap radius, nearest first.

    A point on an edge of at most ``snap_bow_edge_max_km`` may lie up to ``snap_radius_km`` +
    min(bow, ``snap_bow_max_km``) from the stop, where bow is how far the edge's track can run from its chord.
    """
    net = skeleton.network
    snaps: list[Snap] = []
    ids = _ball(skeleton, lon, lat, net.snap_radius_km)
    if len(ids):
        km = GEOD.inv(np.full(len(ids), lon), np.full(len(ids), lat), skeleton.lon[ids], skeleton.lat[ids])[2] / 1000
        snaps += [
            Snap(float(skeleton.lon[i]), float(skeleton.lat[i]), float(d), int(i), -1, 0.0, ((int(i), 0.0),))
            for i, d in zip(ids, km, strict=True)
            if d <= net.snap_radius_km
        ]
    coslat = max(math.cos(math.radians(lat)), 0.01)
    dlat = (net.snap_radius_km + net.snap_bow_max_km) / 110.0 * 1.05
    box = shapely.box(lon - dlat / coslat, lat - dlat, lon + dlat / coslat, lat + dlat)
    for e in sorted(int(e) for e in skeleton.edge_tree.query(box)):
        u, v = int(skeleton.edge_u[e]), int(skeleton.edge_v[e])
        ux, uy, vx, vy = skeleton.lon[u], skeleton.lat[u], skeleton.lon[v], skeleton.lat[v]
        dx, dy = (vx - ux) * coslat, vy - uy
        length2 = dx * dx + dy * dy
        if length2 == 0.0:
            continue
        t = ((lon - ux) * coslat * dx + (lat - uy) * dy) / length2
        if not 1e-6 < t < 1.0 - 1e-6:
            continue  # the nearest point is an end node (already a candidate)
        x, y = float(ux + t * (vx - ux)), float(uy + t * (vy - uy))
        d = geodesic_km(lon, lat, x, y)
        w = float(skeleton.edge_km[e])
        bow = min(float(skeleton.edge_bow_km[e]), net.snap_bow_max_km) if w <= net.snap_bow_edge_max_km else 0.0
        if d <= net.snap_radius_km + bow:
            snaps.append(Snap(x, y, d, -1, e, float(t), ((u, t * w), (v, (1.0 - t) * w))))
    snaps.sort(key=lambda s: (s.km, s.node, s.edge))
    return snaps[:SNAP_CANDIDATES]


def nearest_skeleton_km(skeleton: Skeleton, lon: float, lat: float) -> float:
    """Approximate geodesic km from a point to the nearest skeleton edge (for the unmatched reason)."""
    e = int(skeleton.edge_tree.query_nearest(shapely.Point(lon, lat))[0])
    line = skeleton.edge_tree.geometries[e]
    nearest = line.interpolate(line.project(shapely.Point(lon, lat)))
    return geodesic_km(lon, lat, nearest.x, nearest.y)


# ----------------------------------------------------------------------------------------------- pairs


def corridor_nodes(skeleton: Skeleton, a: Point, b: Point, width_km: float) -> np.ndarray:
    """Node ids within ``width_km`` of the geodesic segment a-b (beyond an end: the distance to that end).

    Distances and azimuths are WGS84 geodesics; the cross- and along-track offsets apply the
    spherical formulas to them.
    """
    az_ab, _, d_ab = GEOD.inv(a[0], a[1], b[0], b[1])
    mid_lon, mid_lat, _ = GEOD.fwd(a[0], a[1], az_ab, d_ab / 2.0)
    ids = _ball(skeleton, mid_lon, mid_lat, d_ab / 2000.0 + width_km)
    if len(ids) == 0:
        return ids
    n = len(ids)
    az_ap, _, d_ap = GEOD.inv(np.full(n, a[0]), np.full(n, a[1]), skeleton.lon[ids], skeleton.lat[ids])
    d_bp = GEOD.inv(np.full(n, b[0]), np.full(n, b[1]), skeleton.lon[ids], skeleton.lat[ids])[2]
    delta = d_ap / 1000.0 / EARTH_RADIUS_KM
    theta = np.radians(az_ap - az_ab)
    cross = np.arcsin(np.clip(np.sin(delta) * np.sin(theta), -1.0, 1.0))
    along = np.arccos(np.clip(np.cos(delta) / np.cos(cross), -1.0, 1.0)) * np.sign(np.cos(theta)) * EARTH_RADIUS_KM
    dist = np.where(
        along < 0.0, d_ap / 1000.0, np.where(along > d_ab / 1000.0, d_bp / 1000.0, np.abs(cross) * EARTH_RADIUS_KM)
    )
    return ids[dist <= width_km]


@dataclass(frozen=True)
class Option:
    """An accepted path between snap point ``a`` of the first stop and ``b`` of the second (list indexes)."""

    a: int
    b: int
    km: float
    ratio: float
    points: tuple[Point, ...]  # snap point a, skeleton nodes, snap point b (a node snap appears once)
    bridges_km: tuple[float, ...]  # the gap bridges on the path


@dataclass
class Pair:
    """A consecutive stop pair of a lines.csv row and the outcome of its measurement."""

    line_id: str
    seq: int
    stop_from: str
    stop_to: str
    geodesic_km: float
    options: list[Option] = field(default_factory=list)
    reason: str = ""
    chosen: Option | None = None


def measure_pair(skeleton: Skeleton, pair: Pair, a: Point, b: Point, snaps_a: list[Snap], snaps_b: list[Snap]) -> None:
    """Fill ``pair.options`` with the accepted corridor paths between the snap points, or set ``pair.reason``."""
    net = skeleton.network
    for stop, point, snaps in ((pair.stop_from, a, snaps_a), (pair.stop_to, b, snaps_b)):
        if not snaps:
            near = nearest_skeleton_km(skeleton, *point)
            pair.reason = (
                f"no_skeleton_within_snap_radius: {stop} (nearest {near:.1f} km, radius {net.snap_radius_km:g} km)"
            )
            return
    width = net.corridor_width_km(pair.geodesic_km)
    link_nodes = [node for s in snaps_a + snaps_b for node, _ in s.links]
    ids = np.union1d(corridor_nodes(skeleton, a, b, width), link_nodes).astype(np.int64)
    local = {int(node): i for i, node in enumerate(ids)}
    n, ka = len(ids), len(snaps_a)
    # Snap points are extra vertices: those of the first stop only leave, those of the second only enter.
    extra: dict[tuple[int, int], float] = {}
    for i, s in enumerate(snaps_a):
        for node, km in s.links:
            extra[(n + i, local[node])] = km
    for j, s in enumerate(snaps_b):
        for node, km in s.links:
            extra[(local[node], n + ka + j)] = km
        for i, r in enumerate(snaps_a):
            if r.edge >= 0 and r.edge == s.edge:  # both on one edge: the direct stretch
                extra[(n + i, n + ka + j)] = abs(r.t - s.t) * float(skeleton.edge_km[s.edge])
    sub = skeleton.adjacency[ids][:, ids].tocoo()
    size = n + ka + len(snaps_b)
    keys = list(extra)
    graph = coo_matrix(
        (
            np.concatenate([sub.data, np.maximum([extra[k] for k in keys], 1e-9)]),
            (np.concatenate([sub.row, [k[0] for k in keys]]), np.concatenate([sub.col, [k[1] for k in keys]])),
        ),
        shape=(size, size),
    ).tocsr()
    reach_km = pair.geodesic_km + max(s.km for s in snaps_a) + max(s.km for s in snaps_b)
    limit = net.band_high * reach_km * 1.01 + 1.0  # no accepted path is longer
    dist, pred = dijkstra(graph, directed=True, indices=np.arange(n, n + ka), return_predecessors=True, limit=limit)

    def step_km(p: int, q: int) -> float:
        if (p, q) in extra:
            return extra[(p, q)]
        u, v = int(ids[p]), int(ids[q])
        return skeleton.weights[(u, v) if u < v else (v, u)]

    best_ratio: float | None = None
    same_point = shorter = False
    for i, sa in enumerate(snaps_a):
        for j, sb in enumerate(snaps_b):
            target = n + ka + j
            if not np.isfinite(dist[i, target]):
                continue
            path = [target]
            while path[-1] != n + i:
                path.append(int(pred[i, path[-1]]))
            path.reverse()
            km = sum(step_km(p, q) for p, q in itertools.pairwise(path))
            geo = geodesic_km(sa.lon, sa.lat, sb.lon, sb.lat)
            if geo == 0.0:
                same_point = True
                continue
            ratio = km / geo
            if km < net.band_low * pair.geodesic_km:
                shorter = True
                continue
            if not net.band_low <= ratio <= net.band_high:
                if best_ratio is None or abs(math.log(max(ratio, 1e-9))) < abs(math.log(best_ratio)):
                    best_ratio = max(ratio, 1e-9)
                continue
            inner = path[1:-1]
            if sa.node >= 0:
                inner = inner[1:]  # the node itself, already the snap point
            if sb.node >= 0:
                inner = inner[:-1]
            points = [(sa.lon, sa.lat), *((float(skeleton.lon[ids[p]]), float(skeleton.lat[ids[p]])) for p in inner)]
            points.append((sb.lon, sb.lat))
            bridged = []
            for p, q in itertools.pairwise(path):
                edge = (int(ids[p]), int(ids[q])) if p < n and q < n else None
                if edge is not None and (min(edge), max(edge)) in skeleton.bridges:
                    bridged.append(skeleton.weights[(min(edge), max(edge))])
            pair.options.append(Option(i, j, km, ratio, tuple(points), tuple(bridged)))
    if pair.options:
        return
    if best_ratio is not None:
        pair.reason = f"ratio_outside_band: nearest {best_ratio:.3f} not in [{net.band_low:g}, {net.band_high:g}]"
    elif shorter:
        pair.reason = f"shorter_than_stops: every path is under {net.band_low:g} x the stop-to-stop geodesic"
    elif same_point:
        pair.reason = "same_point: both stops snap only to one and the same point"
    elif not {skeleton.component[s.links[0][0]] for s in snaps_a} & {
        skeleton.component[s.links[0][0]] for s in snaps_b
    }:
        pair.reason = "not_connected: the stops snap to disconnected parts of the skeleton (a gap)"
    else:
        pair.reason = f"no_path_in_corridor: none within {width:.1f} km of the drawn segment"


def choose(run: list[Pair], snaps: list[list[Snap]]) -> None:
    """Pick one option per pair for a run of consecutive measured pairs (dynamic programming).

    Minimises path km + snap km weighted by SNAP_WEIGHT (through stops) or END_SNAP_WEIGHT (the
    run's first and last stop), and snaps a stop shared by two pairs to the same point wherever
    accepted paths allow it (a different point costs MISMATCH_PENALTY_KM).
    ``snaps[k]`` are the snap candidates of the k-th stop of the run.
    """
    first = run[0].options
    cost = np.array([o.km + END_SNAP_WEIGHT * snaps[0][o.a].km for o in first])
    back: list[np.ndarray] = []
    for k in range(1, len(run)):
        prev, cur = run[k - 1].options, run[k].options
        snap_b = np.array([snaps[k][o.b].km for o in prev])
        snap_a = np.array([snaps[k][o.a].km for o in cur])
        same = np.array([o.b for o in prev])[:, None] == np.array([o.a for o in cur])[None, :]
        join = SNAP_WEIGHT * np.where(same, snap_b[:, None], snap_b[:, None] + snap_a[None, :])
        total = cost[:, None] + join + np.where(same, 0.0, MISMATCH_PENALTY_KM)
        arg = np.argmin(total, axis=0)
        back.append(arg)
        cost = total[arg, np.arange(len(cur))] + np.array([o.km for o in cur])
    cost = cost + np.array([END_SNAP_WEIGHT * snaps[-1][o.b].km for o in run[-1].options])
    j = int(np.argmin(cost))
    for k in range(len(run) - 1, -1, -1):
        run[k].chosen = run[k].options[j]
        if k > 0:
            j = int(back[k - 1][j])


# ----------------------------------------------------------------------------------------------- catalog


def read_places(path: Path) -> dict[str, Point]:
    """Place id -> (lon, lat)."""
    with path.open(newline="", encoding="utf-8") as f:
        return {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}


def read_rows(path: Path, mode: str) -> list[dict[str, str]]:
    """The rows of lines.csv of one mode, in file order."""
    with path.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["mode"].strip() == mode]


def row_stops(row: dict[str, str]) -> list[str]:
    """The ordered stops of a lines.csv row."""
    return [s.strip() for s in row["stops"].split(";") if s.strip()]


def derive(
    skeleton: Skeleton, rows: list[dict[str, str]], places: dict[str, Point]
) -> tuple[list[Pair], dict[str, list[Snap]]]:
    """Measure every stop pair of every row on the skeleton; also the snap candidates of every stop."""
    snaps: dict[str, list[Snap]] = {}
    pairs: list[Pair] = []
    for row in rows:
        stops = row_stops(row)
        missing = sorted({s for s in stops if s not in places})
        if missing:
            sys.exit(f"derive_track: line {row['id']}: unknown place(s) {', '.join(missing)}")
        for s in stops:
            if s not in snaps:
                snaps[s] = snap_candidates(skeleton, *places[s])
        row_pairs = [
            Pair(row["id"], seq, s, t, geodesic_km(*places[s], *places[t]))
            for seq, (s, t) in enumerate(itertools.pairwise(stops))
        ]
        for pair in row_pairs:
            measure_pair(
                skeleton, pair, places[pair.stop_from], places[pair.stop_to], snaps[pair.stop_from], snaps[pair.stop_to]
            )
        run: list[Pair] = []
        for pair in [*row_pairs, None]:
            if pair is not None and pair.options:
                run.append(pair)
            elif run:
                choose(run, [snaps[p.stop_from] for p in run] + [snaps[run[-1].stop_to]])
                run = []
        pairs.extend(row_pairs)
    pairs.sort(key=lambda p: (p.line_id, p.seq))
    return pairs, snaps


# ----------------------------------------------------------------------------------------------- output


def _km(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def _bridge_note(bridges_km: tuple[float, ...]) -> str:
    """The reason note of a matched pair whose path crosses skeleton gaps."""
    if not bridges_km:
        return ""
    listed = ", ".join(f"{km:.3f}" for km in bridges_km)
    return f"bridged: {len(bridges_km)} skeleton gap(s) of {listed} km counted as straight km"


def to_record(
    pair: Pair, snaps: dict[str, list[Snap]], places: dict[str, Point], network: Network, source: str
) -> dict[str, str]:
    """The track.csv row of a pair."""
    sf, st = snaps[pair.stop_from], snaps[pair.stop_to]
    record = {
        "line_id": pair.line_id,
        "seq": str(pair.seq),
        "from": pair.stop_from,
        "to": pair.stop_to,
        "status": "unmatched",
        "reason": pair.reason,
        "geodesic_km": _km(pair.geodesic_km),
        "osm_km": "",
        "snap_from_km": _km(sf[0].km if sf else None),
        "snap_to_km": _km(st[0].km if st else None),
        "ratio": "",
        "path_nodes": "",
        "geometry": "",
        "network": network.name,
        "source": source,
    }
    if pair.chosen is not None:
        o = pair.chosen
        points = [places[pair.stop_from], *o.points, places[pair.stop_to]]
        record |= {
            "status": "matched",
            "reason": _bridge_note(o.bridges_km),
            "osm_km": _km(o.km),
            "snap_from_km": _km(sf[o.a].km),
            "snap_to_km": _km(st[o.b].km),
            "ratio": f"{o.ratio:.4f}",
            "path_nodes": str(len(o.points)),
            "geometry": "LINESTRING (" + ", ".join(f"{x:.5f} {y:.5f}" for x, y in points) + ")",
        }
    return record


def write_atomic(path: Path, records: list[dict[str, str]]) -> None:
    """Write the CSV to a temporary file beside ``path``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def kept_records(path: Path, kept: list[Network], lines: Path, places: dict[str, Point]) -> list[dict[str, str]]:
    """The rows of the ``kept`` networks in the existing output, checked against the current catalog.

    They must be exactly the stop pairs of the catalog's rows of those modes, with the same geodesic
    km, so that the file written is the one a run over all networks would write. With no output
    file yet, nothing is kept (a warning says so).
    """
    if not kept:
        return []
    names = ", ".join(n.name for n in kept)
    if not path.is_file():
        print(f"derive_track: warning: {path} does not exist; it will have no {names} rows", file=sys.stderr)
        return []
    hint = f"derive_track: {path}: cannot keep the {names} rows ({{}}); run with --network all"
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            sys.exit(hint.format("other columns"))
        records = [r for r in reader if r["network"] in {n.name for n in kept}]
    expected = [
        (row["id"], str(seq), s, t, _km(geodesic_km(*places[s], *places[t])))
        for n in kept
        for row in read_rows(lines, n.mode)
        for seq, (s, t) in enumerate(itertools.pairwise(row_stops(row)))
        if s in places and t in places
    ]
    got = [(r["line_id"], r["seq"], r["from"], r["to"], r["geodesic_km"]) for r in records]
    if sorted(got) != sorted(expected):
        sys.exit(hint.format("lines.csv or places.csv changed since"))
    return records


def summary(pairs: list[Pair], rows: list[dict[str, str]], network: Network) -> str:
    """Matched/unmatched counts and, for fully matched rows, osm vs drawn and published km."""
    out = [f"{network.name}: pairs: {len(pairs)}, matched {sum(p.chosen is not None for p in pairs)}"]
    reasons = Counter(p.reason.split(":")[0] for p in pairs if p.chosen is None)
    out += [f"  unmatched {code}: {n}" for code, n in sorted(reasons.items())]
    by_row: dict[str, list[Pair]] = {}
    for p in pairs:
        by_row.setdefault(p.line_id, []).append(p)
    split = sum(
        1
        for ps in by_row.values()
        for p, q in itertools.pairwise(ps)
        if p.chosen and q.chosen and p.chosen.points[-1] != q.chosen.points[0]
    )
    out.append(
        f"  matched pairs crossing a bridged skeleton gap: {sum(bool(p.chosen and p.chosen.bridges_km) for p in pairs)}"
    )
    out.append(f"  shared stops snapped to different points by their two matched pairs: {split}")
    full = [r for r in rows if r["id"] in by_row and all(p.chosen for p in by_row[r["id"]])]
    out.append(f"{network.mode} rows: {len(rows)}, fully matched {len(full)}")
    osm = {r["id"]: sum(p.chosen.km for p in by_row[r["id"]] if p.chosen) for r in full}
    drawn = {r["id"]: sum(p.geodesic_km for p in by_row[r["id"]]) for r in full}
    if full:
        ratios = [drawn[k] / osm[k] for k in osm]
        out.append(f"  drawn/osm: median {np.median(ratios):.3f}, range {min(ratios):.3f}..{max(ratios):.3f}")
    cmp = [(osm[r["id"]] / float(r["published_km_mode"]), r) for r in full if r["published_km_mode"].strip()]
    published = [r for r in rows if r["published_km_mode"].strip() and r["id"] in by_row]
    out.append(f"rows with a published length: {len(published)}, fully matched {len(cmp)}")
    if cmp:
        out.append(f"  osm/published: median {np.median([c[0] for c in cmp]):.3f}")
        for ratio, r in sorted(cmp, key=lambda c: (-abs(math.log(c[0])), c[1]["id"])):
            k = r["id"]
            out.append(
                f"    {k}: osm {osm[k]:.1f} published {r['published_km_mode']} ratio {ratio:.3f} drawn {drawn[k]:.1f}"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--network",
        choices=[*NETWORKS, "all"],
        default="all",
        help="the rows to derive (default all); the other network's rows are kept from --out",
    )
    parser.add_argument(
        "--scgraph", type=Path, help="a network file, or a directory holding them (default: the installed scgraph_data)"
    )
    parser.add_argument("--lines", type=Path, default=ROOT / "data" / "lines.csv")
    parser.add_argument("--places", type=Path, default=ROOT / "data" / "places.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "track.csv")
    args = parser.parse_args(argv)
    selected = list(NETWORKS.values()) if args.network == "all" else [NETWORKS[args.network]]
    if args.scgraph is not None and args.scgraph.is_file() and len(selected) > 1:
        parser.error("--scgraph FILE needs --network rail or --network road (or pass the directory)")
    places = read_places(args.places)
    records = kept_records(args.out, [n for n in NETWORKS.values() if n not in selected], args.lines, places)
    for network in selected:
        start = time.perf_counter()
        skeleton, digest = load_skeleton(find_network_file(network, args.scgraph), network)
        if digest != network.sha256:
            print(
                f"derive_track: warning: this {network.name}.py is not the one of {PACKAGE} {PACKAGE_VERSION}",
                file=sys.stderr,
            )
        loaded = time.perf_counter()
        rows = read_rows(args.lines, network.mode)
        pairs, snaps = derive(skeleton, rows, places)
        records += [to_record(p, snaps, places, network, network.source(digest)) for p in pairs]
        print(summary(pairs, rows, network), file=sys.stderr)
        print(
            f"{network.name}: {len(pairs)} pairs; load {loaded - start:.1f} s, "
            f"derive {time.perf_counter() - loaded:.1f} s",
            file=sys.stderr,
        )
        del skeleton  # free it before the next network's file is parsed
    records.sort(key=lambda r: (r["line_id"], int(r["seq"])))
    write_atomic(args.out, records)
    print(f"wrote {args.out}: {len(records)} pairs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Checks on the committed data/track.csv (OSM length of every rail and road stop pair, data/track.md).

Reads the catalog with the plain csv module (no silkroute import). The oracle recomputes a sample
of matched rail pairs on ../shared/data/real/rail_osm_eurasia_skeleton.geojson.gz, an independent
cut of the same OpenStreetMap railway network (there is no shared highway file); it skips when that
file is absent, unless SILKROUTE_REQUIRE_SHARED is set.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import itertools
import json
import math
import os
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED_SKELETON = ROOT.parent / "shared" / "data" / "real" / "rail_osm_eurasia_skeleton.geojson.gz"
GEOD = Geod(ellps="WGS84")
EARTH_RADIUS_KM = 6371.0088

# The method's parameters, as documented in data/track.md: network -> lines.csv mode, band, corridor.
RAIL, ROAD = "world_railways", "world_highways"
MODE = {RAIL: "rail", ROAD: "road"}
BAND = {RAIL: (0.98, 1.5), ROAD: (0.98, 1.5)}
CORRIDOR_MIN_KM, CORRIDOR_FRACTION = 20.0, 0.3  # the rail corridor, for the oracle
SHARED_BOX = (5.0, 25.0, 105.0, 62.0)  # lon/lat cut of the shared file
ORACLE_SAMPLE = 20

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
REASON_CODES = {
    "no_skeleton_within_snap_radius",
    "no_path_in_corridor",
    "not_connected",
    "ratio_outside_band",
    "shorter_than_stops",
    "same_point",
}
KM = re.compile(r"^\d+\.\d{3}$")


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


@cache
def track() -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / "track.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@cache
def catalog_rows(network: str) -> list[dict[str, str]]:
    with (DATA / "lines.csv").open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["mode"].strip() == MODE[network]]


@cache
def places() -> dict[str, tuple[float, float]]:
    with (DATA / "places.csv").open(newline="", encoding="utf-8") as f:
        return {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}


def matched(network: str | None = None) -> list[dict[str, str]]:
    return [r for r in track()[1] if r["status"] == "matched" and network in (None, r["network"])]


def points(row: dict[str, str]) -> list[tuple[float, float]]:
    body = re.fullmatch(r"LINESTRING \((.*)\)", row["geometry"])
    assert body, row["geometry"]
    return [(float(x), float(y)) for x, y in (p.split() for p in body.group(1).split(", "))]


def test_columns_source_and_order() -> None:
    header, rows = track()
    assert header == COLUMNS
    assert {r["network"] for r in rows} == set(MODE)
    for r in rows:
        assert r["source"].startswith(f"scgraph-data 2.0.0 {r['network']} "), r["source"]
        assert "OpenStreetMap" in r["source"] and "ODbL 1.0" in r["source"]
    keys = [(r["line_id"], int(r["seq"])) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("network", list(MODE))
def test_one_row_per_stop_pair_of_every_row(network: str) -> None:
    """Every rail (road) row of lines.csv has one world_railways (world_highways) row per stop pair."""
    by_line: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in track()[1]:
        if r["network"] == network:
            by_line[r["line_id"]].append(r)
    lines = catalog_rows(network)
    assert lines
    assert set(by_line) == {r["id"] for r in lines if len(r["stops"].split(";")) > 1}
    for line in lines:
        stops = [s.strip() for s in line["stops"].split(";") if s.strip()]
        got = [(int(r["seq"]), r["from"], r["to"]) for r in by_line[line["id"]]]
        assert got == [(i, s, t) for i, (s, t) in enumerate(itertools.pairwise(stops))], line["id"]


def test_geodesic_is_stop_to_stop() -> None:
    for r in track()[1]:
        assert KM.match(r["geodesic_km"]), r
        expected = _km(*places()[r["from"]], *places()[r["to"]])
        assert float(r["geodesic_km"]) == pytest.approx(expected, abs=0.0011), r["line_id"]


def test_unmatched_rows_give_a_reason_and_no_length() -> None:
    for r in track()[1]:
        assert r["status"] in {"matched", "unmatched"}
        if r["status"] == "unmatched":
            assert r["reason"].split(":")[0] in REASON_CODES, r["reason"]
            assert r["osm_km"] == r["ratio"] == r["path_nodes"] == r["geometry"] == ""
        else:
            assert r["reason"] == "" or r["reason"].startswith("bridged: "), r["reason"]


@pytest.mark.parametrize("network", list(MODE))
def test_matched_rows_are_plausible(network: str) -> None:
    rows = matched(network)
    assert rows
    low, high = BAND[network]
    for r in rows:
        name = f"{r['line_id']} #{r['seq']}"
        osm, ratio = float(r["osm_km"]), float(r["ratio"])
        assert KM.match(r["osm_km"]) and KM.match(r["snap_from_km"]) and KM.match(r["snap_to_km"]), name
        assert low <= ratio <= high, name
        assert osm >= low * float(r["geodesic_km"]), name
        pts = points(r)
        assert pts[0] == pytest.approx(places()[r["from"]], abs=6e-6), name
        assert pts[-1] == pytest.approx(places()[r["to"]], abs=6e-6), name
        assert int(r["path_nodes"]) == len(pts) - 2 >= 2, name
        # the ratio, the snap distances and osm_km >= 0.98 x geodesic, from the snapped coordinates
        snapped = _km(*pts[1], *pts[-2])
        assert osm >= low * snapped - 0.002, name
        assert ratio == pytest.approx(osm / snapped, rel=1e-3, abs=1e-3), name
        assert float(r["snap_from_km"]) == pytest.approx(_km(*pts[0], *pts[1]), abs=0.002), name
        assert float(r["snap_to_km"]) == pytest.approx(_km(*pts[-2], *pts[-1]), abs=0.002), name


@pytest.mark.parametrize("network", list(MODE))
def test_row_lengths_are_longer_than_drawn(network: str) -> None:
    """A fully matched row's track (road) is rarely shorter than its drawn (chord) length."""
    by_line: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in track()[1]:
        if r["network"] == network:
            by_line[r["line_id"]].append(r)
    ratios = [
        sum(float(r["osm_km"]) for r in rows) / sum(float(r["geodesic_km"]) for r in rows)
        for rows in by_line.values()
        if all(r["status"] == "matched" for r in rows)
    ]
    assert len(ratios) >= 10
    assert min(ratios) >= BAND[network][0]
    assert 1.03 <= float(np.median(ratios)) <= 1.25


# ------------------------------------------------------------------------------------ oracle


class SharedSkeleton:
    """The shared skeleton file as a graph keyed by the (lon, lat) of its nodes."""

    def __init__(self, path: Path) -> None:
        with gzip.open(path) as f:
            features = json.load(f)["features"]
        self.node: dict[tuple[float, float], int] = {}
        self.coord: list[tuple[float, float]] = []
        self.adj: dict[int, dict[int, float]] = defaultdict(dict)
        edges = []
        for f in features:
            (x1, y1), (x2, y2) = f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]
            u, v, km = self._id(x1, y1), self._id(x2, y2), float(f["properties"]["osm_km"])
            if u != v:
                self.adj[u][v] = min(km, self.adj[u].get(v, math.inf))
                self.adj[v][u] = min(km, self.adj[v].get(u, math.inf))
                edges.append((u, v))
        self.lon = np.array([c[0] for c in self.coord])
        self.lat = np.array([c[1] for c in self.coord])
        self.eu = np.array([e[0] for e in edges])
        self.ev = np.array([e[1] for e in edges])

    def _id(self, x: float, y: float) -> int:
        key = (round(x, 3), round(y, 3))
        if key not in self.node:
            self.node[key] = len(self.coord)
            self.coord.append(key)
        return self.node[key]

    def locate(self, x: float, y: float) -> dict[int, float]:
        """Node -> km for a snapped point: the node itself, or the two ends of the edge it lies on."""
        key = (round(x, 3), round(y, 3))
        if key in self.node and abs(key[0] - x) < 1e-6 and abs(key[1] - y) < 1e-6:
            return {self.node[key]: 0.0}
        ux, uy, vx, vy = self.lon[self.eu], self.lat[self.eu], self.lon[self.ev], self.lat[self.ev]
        dx, dy = vx - ux, vy - uy
        length2 = np.maximum(dx * dx + dy * dy, 1e-18)
        t = np.clip(((x - ux) * dx + (y - uy) * dy) / length2, 0.0, 1.0)
        off = np.hypot(ux + t * dx - x, uy + t * dy - y)
        out: dict[int, float] = {}
        for e in np.flatnonzero(off < 2e-5):  # within ~2 m: the 5-decimal rounding of the point
            u, v = int(self.eu[e]), int(self.ev[e])
            w = self.adj[u][v]
            out[u] = min(out.get(u, math.inf), float(t[e]) * w)
            out[v] = min(out.get(v, math.inf), (1.0 - float(t[e])) * w)
        return out

    def corridor(self, a: tuple[float, float], b: tuple[float, float], width: float) -> set[int]:
        """Nodes within ``width`` km of the geodesic a-b (spherical cross-track on WGS84 geodesics)."""
        n = len(self.lon)
        az_ab, _, d_ab = GEOD.inv(a[0], a[1], b[0], b[1])
        az_ap, _, d_ap = GEOD.inv(np.full(n, a[0]), np.full(n, a[1]), self.lon, self.lat)
        d_bp = GEOD.inv(np.full(n, b[0]), np.full(n, b[1]), self.lon, self.lat)[2]
        delta = d_ap / 1000.0 / EARTH_RADIUS_KM
        theta = np.radians(az_ap - az_ab)
        cross = np.arcsin(np.clip(np.sin(delta) * np.sin(theta), -1.0, 1.0))
        along = np.arccos(np.clip(np.cos(delta) / np.cos(cross), -1.0, 1.0)) * np.sign(np.cos(theta))
        along_km = along * EARTH_RADIUS_KM
        dist = np.where(
            along_km < 0,
            d_ap / 1000.0,
            np.where(along_km > d_ab / 1000.0, d_bp / 1000.0, np.abs(cross) * EARTH_RADIUS_KM),
        )
        return set(np.flatnonzero(dist <= width).tolist())

    def shortest(self, sources: dict[int, float], targets: dict[int, float], allowed: set[int]) -> float:
        """Shortest km from the weighted sources to the weighted targets inside ``allowed`` (Dijkstra)."""
        dist = dict(sources)
        heap = [(d, u) for u, d in sources.items()]
        heapq.heapify(heap)
        best = math.inf
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u] or d >= best:
                continue
            if u in targets:
                best = min(best, d + targets[u])
            for v, km in self.adj[u].items():
                if (v in allowed or v in targets) and d + km < dist.get(v, math.inf):
                    dist[v] = d + km
                    heapq.heappush(heap, (d + km, v))
        return best


def _inside_shared_box(row: dict[str, str]) -> bool:
    a, b = places()[row["from"]], places()[row["to"]]
    width = max(CORRIDOR_MIN_KM, CORRIDOR_FRACTION * float(row["geodesic_km"]))
    margin_lat = width / 110.0 + 0.2
    margin_lon = margin_lat / math.cos(math.radians(max(abs(a[1]), abs(b[1])) + margin_lat))
    lon0, lat0, lon1, lat1 = SHARED_BOX
    return (
        min(a[0], b[0]) - margin_lon > lon0
        and max(a[0], b[0]) + margin_lon < lon1
        and min(a[1], b[1]) - margin_lat > lat0
        and max(a[1], b[1]) + margin_lat < lat1
    )


def _as_node(located: dict[int, float]) -> list[int]:
    """The node of a snapped point that is a skeleton node (offset 0), else nothing."""
    return [n for n, km in located.items() if km == 0.0 and len(located) == 1]


@pytest.fixture(scope="module")
def shared() -> SharedSkeleton:
    if not SHARED_SKELETON.is_file():
        if os.environ.get("SILKROUTE_REQUIRE_SHARED", "") not in ("", "0"):
            pytest.fail(f"{SHARED_SKELETON} is missing but SILKROUTE_REQUIRE_SHARED is set")
        pytest.skip(f"{SHARED_SKELETON} not available (the oracle needs ../shared beside the repo)")
    return SharedSkeleton(SHARED_SKELETON)


def oracle_sample() -> list[dict[str, str]]:
    eligible = [r for r in matched(RAIL) if not r["reason"] and _inside_shared_box(r)]
    step = max(1, len(eligible) // ORACLE_SAMPLE)
    return eligible[::step][:ORACLE_SAMPLE]


def test_oracle_sample_is_large_enough() -> None:
    assert len(oracle_sample()) == ORACLE_SAMPLE


@pytest.mark.real
@pytest.mark.parametrize("row", oracle_sample(), ids=lambda r: f"{r['line_id']}#{r['seq']}")
def test_oracle_shared_skeleton(shared: SharedSkeleton, row: dict[str, str]) -> None:
    """The path exists on the shared file with that length, and is the shortest one in the corridor."""
    osm = float(row["osm_km"])
    pts = points(row)
    start, end = shared.locate(*pts[1]), shared.locate(*pts[-2])
    assert start and end, "snapped points are not on the shared skeleton"
    # 1. walk the reported path: its skeleton nodes (a snapped node counts as one), edge by edge
    inner = [shared.node.get(p) for p in pts[2:-2]]
    assert None not in inner, "a path node is not a node of the shared skeleton"
    nodes = [n for n in [*_as_node(start), *inner, *_as_node(end)] if n is not None]
    if nodes:
        assert nodes[0] in start and nodes[-1] in end, "the path does not leave/reach the snapped points"
        walked = start[nodes[0]] + end[nodes[-1]]
        for u, v in itertools.pairwise(nodes):
            assert v in shared.adj[u], f"no edge {shared.coord[u]}-{shared.coord[v]} in the shared skeleton"
            walked += shared.adj[u][v]
        assert walked == pytest.approx(osm, rel=0.01, abs=0.01)
    # 2. recompute the shortest path inside the corridor
    width = max(CORRIDOR_MIN_KM, CORRIDOR_FRACTION * float(row["geodesic_km"]))
    allowed = shared.corridor(places()[row["from"]], places()[row["to"]], width) | set(start) | set(end)
    best = shared.shortest(start, end, allowed)
    common = set(start) & set(end)
    if len(start) == len(end) == 2 and len(common) == 2:  # both points on one edge
        u, v = sorted(common)
        best = min(best, abs(start[u] - end[u]))
    assert best == pytest.approx(osm, rel=0.01, abs=0.01)

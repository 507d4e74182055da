"""The catalog stitched onto an imported network (OSM or any line file).

A network built from real track (:func:`silkroute.build.from_file`) knows
geometry, and gauges where the data tags them; the time model also needs
countries, speed classes, and the catalog's transfers: border crossings with
their (directional) dwell, breaks of gauge, ferries and terminals.
:func:`stitch_catalog` adds them, in place:

1. **Country of every node.** Without country polygons (``../shared`` is not
   part of the product) the country of a node is the country of the nearest
   catalog place *along the track*: a multi-source shortest-path search over
   the track from every attached place (``country_basis="track"``). A border
   thus falls between the two places of a crossing (Alashankou | Dostyk)
   rather than on a straight-line bisector, and a line is never split by a
   foreign place it does not lead to. Track that no place reaches takes the
   country of the nearest catalog place as the crow flies (``"nearest_place"``).
   With country polygons (``countries=``, as for ``BuildOptions.countries``)
   a node inside one takes its country (``"polygon"``).
   *Islands*: a piece of one country that touches a single other country and
   holds no crossing or ferry place is a mislabelled stretch (a place attached
   to a neighbour's line) and joins that country; such a place is detached and
   reported.
2. **Borders are cut.** Every track link between two countries is removed;
   countries meet only through the catalog's crossings, as in the catalog's
   own network. Cuts where the catalog has no crossing between the two
   countries are listed in the report (closed: no dwell is known for them).
3. **Gauge layers.** Rail of unknown gauge (layer ``rail``) takes the gauge of
   its country (:data:`~silkroute.build.GAUGE_BY_COUNTRY`, ``gauge_source``
   ``"country"``); tagged gauges are kept. Layers join only at the catalog's
   breaks of gauge.
4. **Speed classes**, documented rule: rail by country
   (:data:`~silkroute.build.SPEED_CLASS_BY_COUNTRY`, else ``rail_ca``); road by
   ``highway`` tag (``motorway``/``motorway_link`` → ``road_highway``, others
   ``road_trunk``). The catalog's finer classes (``rail_cn_secondary`` for
   Xinjiang's single track, ``rail_new_line``) are not inferred.
5. **Transfers** (:func:`~silkroute.build.transfers.add_transfers`): crossings
   per gauge, breaks of gauge, ferries and terminals between the attached
   catalog places; those whose places are not on the network are skipped and
   listed.

The catalog's places must be attached when the network is built (pass
:func:`catalog_places` as ``places``; the CLI's ``build --with-catalog`` does).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from silkroute import schema
from silkroute._errors import InputError
from silkroute.build.attributes import DEFAULT_SPEED_CLASS, GAUGE_BY_COUNTRY, SPEED_CLASS_BY_COUNTRY
from silkroute.build.graph import BuildReport, node_key, recount_components
from silkroute.build.transfers import add_transfers

if TYPE_CHECKING:
    import geopandas as gpd

    from silkroute.catalog import Catalog

__all__ = [
    "FAR_KM",
    "GAP_RATIO",
    "GAP_SLACK_KM",
    "ROAD_SPEED_CLASS",
    "StitchReport",
    "catalog_places",
    "stitch_catalog",
]

log = logging.getLogger(__name__)

#: Speed class of an imported road by its OSM ``highway`` value; any other value: ``road_trunk``.
ROAD_SPEED_CLASS = {"motorway": "road_highway", "motorway_link": "road_highway"}
_Q = 1e7
#: Track farther than this (km along the track) from every attached catalog place gets no country.
FAR_KM = 500.0
#: A catalog section counts as present in the imported track if a path between its stops is at most
#: this many times its length plus :data:`GAP_SLACK_KM` (the stops attach up to ``attach_m`` off the track).
GAP_RATIO = 1.5
GAP_SLACK_KM = 20.0


@dataclass
class StitchReport:
    """What :func:`stitch_catalog` did.

    Attributes
    ----------
    country_basis
        Nodes by how their country was found: ``place`` (a catalog place),
        ``track`` (nearest place along the track), ``polygon``, ``nearest_place``.
    km_by_country
        Track km (undirected) per country after stitching.
    gauge_from_country
        Rail nodes of unknown gauge given their country's gauge.
    cuts
        Track links removed at a border: ``from``, ``to`` (ISO3), ``lon``,
        ``lat`` and ``catalog_crossing`` (whether the catalog has a crossing
        between the two countries; where it has none the border stays closed).
    islands
        Pieces relabelled to the one country they touch: ``from``, ``to``, ``nodes``.
    detached
        Catalog places detached because they were attached to another country's line: id → that country.
    filled
        Catalog sections added where the imported track has no path between their stops (a gap in
        the data): ``line_id``, ``seq``, ``from``, ``to``, ``km`` (the catalog's length) and
        ``track_km`` (the imported path's length if there is a longer one, else ``None``).
    added
        Transfer links added, by kind.
    skipped
        Catalog transfers not added, and why.
    """

    country_basis: dict[str, int] = field(default_factory=dict)
    km_by_country: dict[str, float] = field(default_factory=dict)
    gauge_from_country: int = 0
    cuts: list[dict[str, Any]] = field(default_factory=list)
    islands: list[dict[str, Any]] = field(default_factory=list)
    detached: dict[str, str] = field(default_factory=dict)
    filled: list[dict[str, Any]] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the stitching report as text.

        Returns
        -------
        str
            Several lines: countries, cuts, islands, transfers added and skipped.
        """
        basis = ", ".join(f"{k} {v}" for k, v in sorted(self.country_basis.items()))
        km = ", ".join(f"{c} {v:,.0f}" for c, v in sorted(self.km_by_country.items(), key=lambda t: -t[1]))
        pairs = Counter((c["from"], c["to"], c["catalog_crossing"]) for c in self.cuts if not c["beyond_catalog"])
        closed = sorted((a, b, n) for (a, b, known), n in pairs.items() if not known)
        beyond = sum(1 for c in self.cuts if c["beyond_catalog"])
        lines = [
            f"catalog stitched: node countries by {basis}",
            f"  track km by country: {km}",
            f"  rail nodes given their country's gauge: {self.gauge_from_country}",
            f"  border links cut: {len(self.cuts) - beyond} ({sum(n for *_, n in closed)} between countries the "
            f"catalog has no crossing for, closed); links to track beyond {FAR_KM:g} km of every catalog place "
            f"cut: {beyond}",
        ]
        if closed:
            lines.append("    " + ", ".join(f"{a}-{b} {n}" for a, b, n in closed))
        for island in self.islands:
            lines.append(
                f"  island of {island['nodes']} nodes at {island['lon']}, {island['lat']} labelled {island['from']} "
                f"joined {island['to']}"
            )
        for pid, country in sorted(self.detached.items()):
            lines.append(f"  detached place {pid}: it was attached to a line in {country}")
        if self.filled:
            lines.append(
                f"  catalog sections added where the imported track has a gap: {len(self.filled)} "
                f"({sum(f['km'] for f in self.filled):,.0f} km)"
            )
            lines += [
                f"    {f['line_id']} {f['from']} – {f['to']} {f['km']:.0f} km"
                + (f" (track path {f['track_km']:.0f} km)" if f["track_km"] is not None else " (no track path)")
                for f in self.filled
            ]
        added = ", ".join(f"{k} {v}" for k, v in self.added.items())
        lines.append(f"  transfers added: {added}; skipped: {len(self.skipped)}")
        lines += [f"    skipped: {note}" for note in self.skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data.

        Returns
        -------
        dict
            The attributes.
        """
        return {
            "country_basis": dict(self.country_basis),
            "km_by_country": {k: round(v, 1) for k, v in self.km_by_country.items()},
            "gauge_from_country": self.gauge_from_country,
            "cuts": list(self.cuts),
            "islands": list(self.islands),
            "detached": dict(self.detached),
            "filled": list(self.filled),
            "added": dict(self.added),
            "skipped": list(self.skipped),
        }


def catalog_places(cat: Catalog, mode: str = "rail") -> pd.DataFrame:
    """Return the catalog places a network of one mode needs attached: the ends of its transfers and its lines' stops.

    Parameters
    ----------
    cat
        The catalog.
    mode
        ``rail`` or ``road``.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, ``aliases``, ``country``, ``kind``, ``lon``, ``lat`` of the stops of the
        catalog's lines of ``mode``, the ends of its crossings of ``mode``, its breaks of gauge (rail),
        the ports of its ferries that carry ``mode`` and its terminals.
    """
    wanted: set[str] = set()
    for stops, line_mode in zip(cat.lines["stops"], cat.lines["mode"], strict=True):
        if line_mode == mode:
            wanted.update(stops)
    crossings = cat.crossings[cat.crossings["mode"] == mode]
    wanted.update(crossings["from"])
    wanted.update(crossings["to"])
    if mode == "rail":
        wanted.update(cat.gauge_changes["place"])
    ferries = cat.ferries.loc[np.array([mode in carried for carried in cat.ferries["carries"]], dtype=bool)]
    wanted.update(ferries["from"])
    wanted.update(ferries["to"])
    wanted.update(cat.terminals["place"])
    places = cat.places[cat.places["id"].isin(wanted)]
    return places[["id", "name", "aliases", "country", "kind", "lon", "lat"]].reset_index(drop=True)


def stitch_catalog(
    G: nx.MultiDiGraph,
    cat: Catalog | None = None,
    *,
    countries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    speed_class: str | None = None,
    far_km: float = FAR_KM,
    fill_gaps: bool = True,
) -> nx.MultiDiGraph:
    """Give an imported network the catalog's countries, gauges, speed classes and transfers, in place.

    Parameters
    ----------
    G
        A network from :mod:`silkroute.build` with the catalog's places attached
        (``places=catalog_places(cat)``); it is changed.
    cat
        The catalog; the embedded one by default.
    countries
        Country polygons (a GeoDataFrame or file with an ISO3 column) to take
        node countries from instead of the nearest catalog place along the track.
    speed_class
        One speed class for every track edge instead of the rule by country and road class.
    far_km
        Track farther than this (km along the track) from every catalog place gets no country and
        no gauge: it is outside what the catalog describes.
    fill_gaps
        Add a catalog section where the imported track has no path between its two attached stops
        of at most 1.5 × its length + 20 km (a gap in the data); each is listed in the report.

    Returns
    -------
    networkx.MultiDiGraph
        ``G``, with ``graph["stitch_report"]`` (a :class:`StitchReport`) and ``graph["catalog"]``.

    Raises
    ------
    silkroute.InputError
        If no catalog place is attached to ``G`` or ``speed_class`` is not a catalog class.
    """
    from silkroute import catalog as _catalog

    cat = cat or _catalog.load()
    known = set(cat.speeds.index)
    if speed_class is not None and speed_class not in known:
        msg = f"unknown speed class {speed_class!r}; use one of {', '.join(sorted(known))} (speeds.csv of the catalog)"
        raise InputError(msg)
    if not any(p in cat.places.index for _n, p in G.nodes(data="place") if p):
        msg = (
            "no catalog place is attached to the network, so the catalog cannot be stitched on; build it with "
            "places=stitch.catalog_places(catalog) (CLI: build --with-catalog) and a large enough --attach-km"
        )
        raise InputError(msg)
    if "build_report" not in G.graph:
        G.graph["build_report"] = BuildReport()
    report = StitchReport()
    crossing_places = set(cat.crossings["from"]) | set(cat.crossings["to"])
    crossing_places |= set(cat.ferries["from"]) | set(cat.ferries["to"])
    country, basis = _node_countries(G, cat, countries, crossing_places, far_km, report)
    _cut_borders(G, country, cat, report)
    _relayer(G, country, report)
    _set_edge_attributes(G, country, basis, speed_class, known)
    if fill_gaps:
        _fill_gaps(G, cat, report)
    report.country_basis = dict(Counter(basis.get(n, "catalog") for n in G.nodes))
    _refresh_places(G, report)
    report.added = add_transfers(G, cat, strict=False)
    report.skipped = list(G.graph["build_report"].skipped)
    km: dict[str, float] = {}
    for _u, _v, _k, d in _edges(G):
        if d.get("kind") in schema.TRACK_KINDS and not d.get("reversed"):
            c = str(d.get("country"))
            km[c] = km.get(c, 0.0) + float(d[schema.LENGTH]) / 1000.0
    report.km_by_country = dict(km)
    recount_components(G)
    G.graph["catalog"] = str(cat.directory)
    G.graph["stitch_report"] = report
    log.info("stitched the catalog: %s", report.added)
    return G


def _edges(G: nx.MultiDiGraph) -> Iterator[tuple[Any, Any, Any, dict[str, Any]]]:
    """``G.edges(keys=True, data=True)`` without the view machinery (several times faster on 10⁵ edges)."""
    for u, nbrs in G._succ.items():
        for v, keydict in nbrs.items():
            for k, d in keydict.items():
                yield u, v, k, d


def _locations(G: nx.MultiDiGraph) -> tuple[list[Any], dict[Any, int], np.ndarray, np.ndarray, np.ndarray]:
    """Nodes, their location index (co-located nodes of different layers share one), and x, y per location."""
    nodes = list(G.nodes)
    x = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    q = np.c_[np.round(x * _Q), np.round(y * _Q)].astype(np.int64)
    loc = pd.factorize(pd.MultiIndex.from_arrays([q[:, 0], q[:, 1]]))[0]
    n_loc = int(loc.max()) + 1 if len(loc) else 0
    lx, ly = np.zeros(n_loc), np.zeros(n_loc)
    lx[loc], ly[loc] = x, y
    return nodes, dict(zip(nodes, loc.tolist(), strict=True)), np.asarray(loc), lx, ly


def _track_edges(G: nx.MultiDiGraph, where: dict[Any, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    us, vs, ws = [], [], []
    for u, v, _k, d in _edges(G):
        if d.get("kind") in schema.TRACK_KINDS and not d.get("reversed"):
            us.append(where[u])
            vs.append(where[v])
            ws.append(float(d.get(schema.LENGTH, 0.0)))
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), np.asarray(ws, dtype=float)


def _node_countries(
    G: nx.MultiDiGraph,
    cat: Catalog,
    countries: Any,
    crossing_places: set[str],
    far_km: float,
    report: StitchReport,
) -> tuple[dict[Any, str | None], dict[Any, str]]:
    """Country and its basis for every node (see the module docstring)."""
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra

    nodes, where, _loc, lx, ly = _locations(G)
    n_loc = len(lx)
    us, vs, ws = _track_edges(G, where)
    loc_country = np.full(n_loc, None, dtype=object)
    loc_basis = np.full(n_loc, "nearest_place", dtype=object)
    seeds: dict[int, str] = {}
    for n in nodes:
        d = G.nodes[n]
        if d.get("place") and d.get("country"):
            seeds.setdefault(where[n], str(d["country"]))
    if countries is not None:
        import geopandas as gpd

        from silkroute.build.attributes import assign_countries

        inside = assign_countries(gpd.GeoSeries(gpd.points_from_xy(lx, ly), crs="EPSG:4326"), countries).to_numpy()
        has = pd.notna(inside)
        loc_country[has] = inside[has]
        loc_basis[has] = "polygon"
    # nearest catalog place along the track (minimum over parallel edges; zero lengths made positive)
    pair = np.c_[np.minimum(us, vs), np.maximum(us, vs)]
    frame = pd.DataFrame({"a": pair[:, 0], "b": pair[:, 1], "w": np.maximum(ws, 1e-3)}).groupby(["a", "b"]).min()
    a, b = frame.index.get_level_values(0).to_numpy(), frame.index.get_level_values(1).to_numpy()
    weight = frame["w"].to_numpy()
    graph = coo_matrix((weight, (a, b)), shape=(n_loc, n_loc)).tocsr()
    pair = np.c_[a, b]  # one row per pair of locations joined by track
    open_locs = np.flatnonzero(pd.isna(loc_country))
    seed_locs = np.array(sorted(seeds), dtype=np.int64)
    far = np.zeros(n_loc, dtype=bool)
    if len(seed_locs) and len(open_locs):
        dist, _pred, source = dijkstra(
            graph, directed=False, indices=seed_locs, return_predecessors=True, min_only=True
        )
        reached = open_locs[(source[open_locs] >= 0) & (dist[open_locs] <= far_km * 1000.0)]
        loc_country[reached] = [seeds[int(s)] for s in source[reached]]
        loc_basis[reached] = "track"
        far[open_locs[(source[open_locs] >= 0) & (dist[open_locs] > far_km * 1000.0)]] = True
        loc_basis[far] = "none"
    for s, c in seeds.items():
        if loc_basis[s] != "polygon":
            loc_country[s], loc_basis[s] = c, "place"
    lost = np.flatnonzero(pd.isna(loc_country) & ~far)
    if len(lost):
        places = cat.places
        tree = shapely.STRtree(shapely.points(places["lon"].to_numpy(float), places["lat"].to_numpy(float)))
        nearest = tree.query_nearest(shapely.points(lx[lost], ly[lost]), all_matches=False)[1]
        loc_country[lost] = places["country"].to_numpy()[nearest]
    # islands: a piece of one country touching only one other, smaller than the piece(s) it touches, with no
    # crossing or ferry place, is a mislabelled stretch of the other country (a foreign place attached to its line)
    anchors = {where[n] for n in nodes if G.nodes[n].get("place") in crossing_places}
    for _round in range(3):
        same = np.array(
            [a == b for a, b in zip(loc_country[pair[:, 0]], loc_country[pair[:, 1]], strict=True)], dtype=bool
        )
        inner = coo_matrix((np.ones(int(same.sum())), (pair[same, 0], pair[same, 1])), shape=(n_loc, n_loc))
        _, piece = connected_components(inner, directed=False)
        size = np.bincount(piece[pair[same, 0]], weights=weight[same], minlength=int(piece.max()) + 1)
        border = pair[~same]
        neighbours: dict[int, set[int]] = {}
        for i, j in np.c_[piece[border[:, 0]], piece[border[:, 1]]].tolist():
            neighbours.setdefault(i, set()).add(j)
            neighbours.setdefault(j, set()).add(i)
        anchored = {int(piece[s]) for s in anchors}
        first = np.unique(piece, return_index=True)[1]
        piece_country = loc_country[first]
        changed = False
        for p in sorted(neighbours, key=lambda k: (size[k], k)):
            others = {str(piece_country[q]) for q in neighbours[p]}
            if (
                p in anchored
                or piece_country[p] is None
                or len(others) != 1
                or "None" in others
                or size[p] >= max(size[q] for q in neighbours[p])
            ):
                continue
            members = np.flatnonzero(piece == p)
            if np.any(loc_basis[members] == "polygon"):
                continue
            (other,) = others
            report.islands.append(
                {
                    "from": str(piece_country[p]),
                    "to": other,
                    "nodes": len(members),
                    "lon": round(float(lx[members[0]]), 5),
                    "lat": round(float(ly[members[0]]), 5),
                }
            )
            loc_country[members] = other
            piece_country[p] = other
            changed = True
        if not changed:
            break
    country: dict[Any, str | None] = {}
    basis: dict[Any, str] = {}
    catalog_ids = set(cat.places.index)
    for n in nodes:
        i = where[n]
        d = G.nodes[n]
        c = loc_country[i]
        country[n] = None if c is None else str(c)
        basis[n] = str(loc_basis[i])
        if d.get("place") in catalog_ids and d.get("country") and d["country"] != country[n]:
            report.detached[str(d["place"])] = str(country[n])
            _detach(G, n)
        elif c is not None:
            d["country"] = str(c)
    return country, basis


def _refresh_places(G: nx.MultiDiGraph, report: StitchReport) -> None:
    """Make the build report's attached places match the stitched network (layers renamed, places detached)."""
    build = G.graph["build_report"]
    distance: dict[str, dict[str, float]] = {}
    for _n, d in G.nodes(data=True):
        if d.get("place") and d.get("attach_m") is not None:
            distance.setdefault(str(d["place"]), {})[str(d["layer"])] = round(float(d["attach_m"]), 1)
    for pid, country in report.detached.items():
        if pid not in distance and pid in build.attach_distance_m:
            nearest = min(build.attach_distance_m[pid].values())
            build.places_unattached.append((pid, nearest))
            build.unattached_reason[pid] = f"attached to a line in {country}, another country: detached"
    build.attach_distance_m = {pid: distance[pid] for pid in build.attach_distance_m if pid in distance}
    build.places_attached = {pid: sorted(layers) for pid, layers in build.attach_distance_m.items()}


def _detach(G: nx.MultiDiGraph, n: Any) -> None:
    """Make a place node an ordinary node (the place was attached to the wrong track)."""
    d = G.nodes[n]
    for k in ("place", "name", "aliases", "kind", "attach_m"):
        d.pop(k, None)
    d["key"] = node_key(d["layer"], d["x"], d["y"])


def _cut_borders(G: nx.MultiDiGraph, country: dict[Any, str | None], cat: Catalog, report: StitchReport) -> None:
    """Remove every track link between two countries."""
    country_of = cat.places["country"].to_dict()
    pairs = {
        frozenset((country_of[a], country_of[b]))
        for a, b in zip(
            list(cat.crossings["from"]) + list(cat.ferries["from"]),
            list(cat.crossings["to"]) + list(cat.ferries["to"]),
            strict=True,
        )
    }
    cut = []
    for u, v, k, d in _edges(G):
        cu, cv = country[u], country[v]
        if d.get("kind") in schema.TRACK_KINDS and cu != cv:
            cut.append((u, v, k))
            if not d.get("reversed"):
                mid = d["geometry"].interpolate(0.5, normalized=True) if d.get("geometry") is not None else None
                report.cuts.append(
                    {
                        "from": cu,
                        "to": cv,
                        "lon": round(float(mid.x), 5) if mid is not None else None,
                        "lat": round(float(mid.y), 5) if mid is not None else None,
                        "catalog_crossing": frozenset((cu, cv)) in pairs,
                        "beyond_catalog": cu is None or cv is None,
                    }
                )
    G.remove_edges_from(cut)


def _relayer(G: nx.MultiDiGraph, country: dict[Any, str | None], report: StitchReport) -> None:
    """Move rail nodes of unknown gauge (layer ``rail``) into their country's gauge layer."""
    keys = {d["key"]: n for n, d in G.nodes(data=True)}
    merge: list[tuple[Any, Any]] = []
    moved: dict[Any, tuple[str, int]] = {}
    for n, d in list(G.nodes(data=True)):
        if d.get("layer") != "rail":
            continue
        gauge = GAUGE_BY_COUNTRY.get(str(country.get(n)))
        if gauge is None:
            continue
        layer = schema.layer_name("rail", gauge)
        key = node_key(layer, d["x"], d["y"], d.get("place"))
        other = keys.get(key)
        if other is not None and other != n:
            if d.get("place"):  # the same place attached in two layers: keep the nearer attachment
                nearer = G.nodes[other].get("attach_m", 0.0) <= d.get("attach_m", 0.0)
                loser = n if nearer else other
                _detach(G, loser)
                if loser == n:
                    key = node_key(layer, d["x"], d["y"])
                    other = keys.get(key)
                else:
                    keys[G.nodes[other]["key"]] = other
                    other = None
            if other is not None:
                merge.append((n, other))
        del keys[d["key"]]
        d["layer"], d["key"] = layer, key
        if other is None:
            keys[key] = n
        report.gauge_from_country += 1
        moved[n] = (layer, gauge)
    for u, _v, _k, e in _edges(G):  # both ends of a track edge are in one country: move it with its start
        if u in moved and e.get("kind") in schema.TRACK_KINDS:
            e["layer"], e["gauge"] = moved[u]
            e["gauge_source"] = "country"
    for n, into in merge:  # co-located nodes of one layer become one
        for _u, v, e in list(G.out_edges(n, data=True)):
            G.add_edge(into, v if v != n else into, **e)
        for u, _v, e in list(G.in_edges(n, data=True)):
            if u != n:
                G.add_edge(u, into, **e)
        G.remove_node(n)


def _set_edge_attributes(
    G: nx.MultiDiGraph,
    country: dict[Any, str | None],
    basis: dict[Any, str],
    speed_class: str | None,
    known: set[str],
) -> None:
    for u, _v, _k, d in _edges(G):
        if d.get("kind") not in schema.TRACK_KINDS:
            continue
        c = country.get(u)
        d["country"] = c
        d["country_basis"] = basis.get(u)
        if speed_class is not None:
            cls = speed_class
        elif d.get("mode") == "road":
            cls = ROAD_SPEED_CLASS.get(str(d.get("highway")), DEFAULT_SPEED_CLASS["road"])
        else:
            cls = SPEED_CLASS_BY_COUNTRY.get(str(c), DEFAULT_SPEED_CLASS["rail"])
        if cls not in known:
            msg = f"speed class {cls!r} of the stitching rule is not in the catalog's speeds.csv; add it there"
            raise InputError(msg)
        d["speed_class"] = cls


def _fill_gaps(G: nx.MultiDiGraph, cat: Catalog, report: StitchReport) -> None:
    """Add the catalog sections whose two attached stops the imported track does not join (within the ratio)."""
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    from silkroute.build.graph import GEOD, NodeIndex
    from silkroute.sections import sections

    table = sections(cat)
    modes = {str(d.get("mode")) for _n, d in G.nodes(data=True)}
    table = table[table["mode"].isin(modes)]
    if table.empty:
        return
    nodes = list(G.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    us, vs, ws = [], [], []
    for u, v, _k, d in _edges(G):
        if d.get("kind") in schema.TRACK_KINDS:
            us.append(pos[u])
            vs.append(pos[v])
            ws.append(max(float(d[schema.LENGTH]), 1e-3))
    frame = pd.DataFrame({"u": us, "v": vs, "w": ws}).groupby(["u", "v"]).min()
    graph = coo_matrix(
        (frame["w"].to_numpy(), (frame.index.get_level_values(0), frame.index.get_level_values(1))),
        shape=(len(nodes), len(nodes)),
    ).tocsr()
    index = NodeIndex(G)
    attached: dict[tuple[str, str], tuple[float, float]] = {}
    catalog_ids = set(cat.places.index)
    for _n, d in G.nodes(data=True):
        if d.get("place") in catalog_ids:
            attached.setdefault((str(d["place"]), str(d["mode"])), (float(d["x"]), float(d["y"])))
    records = cat.places.to_dict("index")
    todo: list[tuple[dict[str, Any], str, tuple[tuple[float, float], tuple[float, float]]]] = []
    for row in table.to_dict("records"):
        start, end = attached.get((row["from"], row["mode"])), attached.get((row["to"], row["mode"]))
        if start is None or end is None:
            continue
        todo.append((row, schema.layer_name(row["mode"], row["gauge"]), (start, end)))
    limits: dict[int, float] = {}
    targets: dict[int, set[int]] = {}
    for row, layer, _ends in todo:
        a, b = index.ids.get(f"{row['from']}@{layer}"), index.ids.get(f"{row['to']}@{layer}")
        if a is not None and b is not None:
            limit = (GAP_RATIO * float(row["length_km"]) + GAP_SLACK_KM) * 1000.0
            limits[pos[a]] = max(limits.get(pos[a], 0.0), limit)
            targets.setdefault(pos[a], set()).add(pos[b])
    reach: dict[int, dict[int, float]] = {}
    for source, limit in limits.items():  # one search per stop, bounded by its longest section
        dist = dijkstra(graph, directed=True, indices=source, limit=limit)  # both directions are edges
        reach[source] = {t: float(dist[t]) for t in targets[source] if np.isfinite(dist[t])}
    for row, layer, ends in todo:
        a, b = index.ids.get(f"{row['from']}@{layer}"), index.ids.get(f"{row['to']}@{layer}")
        km = float(row["length_km"])
        limit = (GAP_RATIO * km + GAP_SLACK_KM) * 1000.0
        track = reach.get(pos[a], {}).get(pos[b]) if a is not None and b is not None else None
        if track is not None and track <= limit:
            continue
        u = index.add(layer, ends[0][0], ends[0][1], records[row["from"]])
        v = index.add(layer, ends[1][0], ends[1][1], records[row["to"]])
        nu, nv = G.nodes[u], G.nodes[v]
        for n in (u, v):
            G.nodes[n].setdefault("country", row["country"])
        geom = shapely.LineString([(nu["x"], nu["y"]), (nv["x"], nv["y"])])
        attrs = {
            "kind": schema.LINE,
            "mode": row["mode"],
            "gauge": row["gauge"],
            "layer": layer,
            "line_id": row["line_id"],
            "seq": int(row["seq"]),
            "name": row["name"],
            "status": row["status"],
            "speed_class": row["speed_class"],
            "country": row["country"],
            "country_basis": "catalog",
            "length_source": f"catalog {row['length_source']}",
            schema.LENGTH: km * 1000.0,
            "oneway": False,
        }
        G.add_edge(u, v, **attrs, geometry=geom, reversed=False)
        G.add_edge(v, u, **attrs, geometry=shapely.reverse(geom), reversed=True)
        report.filled.append(
            {
                "line_id": row["line_id"],
                "seq": int(row["seq"]),
                "from": row["from"],
                "to": row["to"],
                "km": round(km, 1),
                "track_km": None if track is None else round(track / 1000.0, 1),
                "straight_km": round(float(GEOD.inv(nu["x"], nu["y"], nv["x"], nv["y"])[2]) / 1000.0, 1),
            }
        )

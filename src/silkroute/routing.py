"""Paths through the corridor network and the :class:`Route` result.

All functions take a network with travel times (``scenario.network("baseline")``
or any graph passed through :func:`silkroute.scenario.apply`) and place names,
aliases or ids, matched without regard to case or diacritics.

>>> from silkroute import routing, scenario
>>> G = scenario.network("baseline")
>>> r = routing.fastest(G, "Almaty", "Tashkent")
>>> r.places[0]["name"], r.places[-1]["name"]
('Almaty', 'Tashkent')
"""

from __future__ import annotations

import difflib
import heapq
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from silkroute._errors import NoRouteError, UnknownPlaceError
from silkroute._text import fold
from silkroute.network import place_nodes
from silkroute.timing import COMPONENTS

__all__ = ["Route", "costs_from", "fastest", "find_places", "link_refs", "matrix", "resolve", "route", "shortest"]

MODES = ("rail", "road", "any")
_PAREN = re.compile(r"\s*\([^)]*\)")
_SRC, _DST = "__source__", "__target__"


# --------------------------------------------------------------------------- places


def _place_index(G: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    cached = G.graph.get("_place_index")
    if cached is not None:
        return cached
    places: dict[str, dict[str, Any]] = {}
    for _n, d in G.nodes(data=True):
        pid = d.get("place")
        if pid and pid not in places:
            aliases = [a for a in str(d.get("aliases") or "").split(";") if a]
            places[pid] = {
                "id": pid,
                "name": d.get("name", pid),
                "aliases": aliases,
                "country": d.get("country"),
                "kind": d.get("kind"),
                "lon": d["x"],
                "lat": d["y"],
            }
    G.graph["_place_index"] = places
    return places


def find_places(G: nx.MultiDiGraph, query: str = "") -> list[dict[str, Any]]:
    """Return the places whose id, name or an alias contains ``query`` (all if empty), by name."""
    key = fold(query)
    out = [
        p
        for p in _place_index(G).values()
        if not key or any(key in fold(s) for s in (p["id"], p["name"], *p["aliases"]))
    ]
    return sorted(out, key=lambda p: (fold(p["name"]), p["id"]))


def resolve(G: nx.MultiDiGraph, query: str) -> str:
    """Return the place id for a name, alias or id.

    An exact id wins, then a unique name, then a unique alias, then a name or
    alias without its parenthesis (``Torugart`` for ``Torugart (China side)``).

    Raises
    ------
    UnknownPlaceError
        Nothing matches (the message lists the closest names) or the name is
        ambiguous (the message lists the candidates by id).
    """
    places = _place_index(G)
    if query in places:
        return query
    key = fold(query)
    tiers = (
        lambda p: [p["id"]],
        lambda p: [p["name"]],
        lambda p: p["aliases"],
        lambda p: [_PAREN.sub("", s) for s in (p["name"], *p["aliases"])],  # "Torugart" = "Torugart (China side)"
    )
    for names_of in tiers:
        hits = sorted(pid for pid, p in places.items() if any(fold(v) == key for v in names_of(p)))
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            options = ", ".join(f"{h} ({places[h]['name']}, {places[h]['country']})" for h in hits)
            msg = f"place {query!r} is ambiguous: it matches {options}; use one of these ids"
            raise UnknownPlaceError(msg)
    names = {fold(s): p["name"] for p in places.values() for s in (p["name"], *p["aliases"])}
    close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(names[c] for c in close))
    hint = f"; closest names: {', '.join(suggestions)}" if suggestions else ""
    msg = f"unknown place {query!r}{hint} (list places with `silkroute places`)"
    raise UnknownPlaceError(msg)


# --------------------------------------------------------------------------- result


@dataclass
class Route:
    """A path through the network with its length, time and where the time goes."""

    G: nx.MultiDiGraph = field(repr=False)
    edges: list[tuple[int, int, int]]
    optimize: str = "time"

    @property
    def _data(self) -> list[dict[str, Any]]:
        return [self.G.edges[e] for e in self.edges]

    @property
    def nodes(self) -> list[int]:
        """Nodes in order."""
        return [self.edges[0][0], *(v for _u, v, _k in self.edges)] if self.edges else []

    @property
    def places(self) -> list[dict[str, Any]]:
        """Places passed, in order: ``{id, name, country, kind}``."""
        out: list[dict[str, Any]] = []
        for n in self.nodes:
            d = self.G.nodes[n]
            if d.get("place") and (not out or out[-1]["id"] != d["place"]):
                out.append(
                    {"id": d["place"], "name": d.get("name"), "country": d.get("country"), "kind": d.get("kind")}
                )
        return out

    @property
    def length_km(self) -> float:
        """Length in km (geodesic, from the geometry)."""
        return sum(float(d["length"]) for d in self._data) / 1000.0

    @property
    def time_h(self) -> float:
        """Estimated door-to-door time in hours (expected values)."""
        return sum(float(d["travel_time"]) for d in self._data) / 3600.0

    @property
    def time_days(self) -> float:
        """Estimated door-to-door time in days."""
        return self.time_h / 24.0

    @property
    def breakdown(self) -> dict[str, float]:
        """Hours by component (running, rest, border, gauge_change, ferry_sailing, ferry_wait, transfer)."""
        return {c: sum(float(d.get(f"{c}_h", 0.0)) for d in self._data) for c in COMPONENTS}

    @property
    def countries(self) -> list[str]:
        """ISO3 countries in the order they are crossed."""
        out: list[str] = []
        for n in self.nodes:
            c = self.G.nodes[n].get("country")
            if c and (not out or out[-1] != c):
                out.append(c)
        return out

    @property
    def crossings(self) -> list[dict[str, Any]]:
        """Border crossings passed, in order."""
        out = []
        for (u, v, _k), d in zip(self.edges, self._data, strict=True):
            if d.get("kind") == "crossing":
                out.append(
                    {
                        "id": d["crossing"],
                        "name": d.get("name"),
                        "from": self.G.nodes[u].get("place"),
                        "to": self.G.nodes[v].get("place"),
                        "border": d.get("border"),
                        "mode": d.get("mode"),
                        "customs": d.get("customs"),
                        "dwell_h": round(float(d.get("border_h", 0.0)), 2),
                    }
                )
        return out

    @property
    def gauge_breaks(self) -> list[dict[str, Any]]:
        """Breaks of gauge, in order: where, from and to which gauge, hours."""
        out = []
        for (u, v, _k), d in zip(self.edges, self._data, strict=True):
            if d.get("kind") == "gauge_change":
                out.append(
                    {
                        "place": d["gauge_change"],
                        "name": self.G.nodes[u].get("name"),
                        "from_gauge": int(self.G.nodes[u]["layer"][4:]),
                        "to_gauge": int(self.G.nodes[v]["layer"][4:]),
                        "hours": round(float(d.get("gauge_change_h", 0.0)), 2),
                    }
                )
        return out

    @property
    def ferries(self) -> list[str]:
        """Ferry ids used."""
        return [d["ferry"] for d in self._data if d.get("kind") == "ferry"]

    @property
    def modes(self) -> list[str]:
        """Modes used (rail, road, ferry), in order of first use."""
        return list(dict.fromkeys(d["mode"] for d in self._data if d.get("mode") in ("rail", "road", "ferry")))

    @property
    def unusable(self) -> list[str]:
        """Reasons why edges of this route are unusable in its scenario (empty for a valid route)."""
        return list(dict.fromkeys(str(d["blocked_by"]) for d in self._data if not d.get("usable", True)))

    @property
    def geometry(self) -> shapely.MultiLineString:
        """The route's geometry (EPSG:4326)."""
        return shapely.MultiLineString([d["geometry"] for d in self._data if d["length"] > 0])

    def signature(self) -> tuple[str, ...]:
        """Crossings, ferries and breaks of gauge in order: what makes two routes differ in substance."""
        keys = ("crossing", "ferry", "gauge_change")
        return tuple(f"{k}:{d[k]}" for d in self._data for k in keys if d.get(k))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``route`` CLI contract)."""
        return {
            "length_km": round(self.length_km, 1),
            "time_h": round(self.time_h, 1),
            "time_days": round(self.time_days, 2),
            "breakdown": {k: round(v, 2) for k, v in self.breakdown.items()},
            "countries": self.countries,
            "crossings": self.crossings,
            "gauge_breaks": self.gauge_breaks,
            "ferries": self.ferries,
            "modes": self.modes,
            "places": self.places,
        }

    def to_gdf(self) -> gpd.GeoDataFrame:
        """One row per edge, in order, with length_km, time_h and the components (EPSG:4326)."""
        rows = []
        for seq, ((u, v, k), d) in enumerate(zip(self.edges, self._data, strict=True)):
            rows.append(
                {
                    "seq": seq,
                    "u": u,
                    "v": v,
                    "key": k,
                    "from_place": self.G.nodes[u].get("place"),
                    "to_place": self.G.nodes[v].get("place"),
                    "kind": d.get("kind"),
                    "mode": d.get("mode"),
                    "gauge": d.get("gauge"),
                    "name": d.get("name"),
                    "line_id": d.get("line_id"),
                    "crossing": d.get("crossing"),
                    "ferry": d.get("ferry"),
                    "country": d.get("country"),
                    "status": d.get("status"),
                    "length_km": float(d["length"]) / 1000.0,
                    "time_h": float(d["travel_time"]) / 3600.0,
                    **{f"{c}_h": float(d.get(f"{c}_h", 0.0)) for c in COMPONENTS},
                    "geometry": d["geometry"],
                }
            )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class _Request:
    weight: str
    avoid_countries: frozenset[str] = frozenset()
    avoid_places: frozenset[str] = frozenset()
    mode: str = "any"
    banned: frozenset[str] = frozenset()  # crossing/ferry/gauge-change refs excluded
    ignore_blocks: bool = False
    avoid_kinds: frozenset[str] = frozenset()


def _mode_ok(d: dict[str, Any], mode: str) -> bool:
    if mode == "any":
        return True
    if d.get("kind") == "ferry":
        return bool(d.get("carries") == mode)
    if d.get("kind") == "transfer":
        return False
    return bool(d.get("mode") == mode)


def link_refs(d: dict[str, Any]) -> set[str]:
    """References of an edge that ``avoid_links`` matches: ``crossing:ID``, ``ferry:ID``, ``gauge_change:PLACE``, ``line:ID``."""
    refs = {f"{k}:{d[k]}" for k in ("crossing", "ferry", "gauge_change") if d.get(k)}
    if d.get("line_id"):
        refs.add(f"line:{d['line_id']}")
    return refs


def _digraph(G: nx.MultiDiGraph, req: _Request) -> nx.DiGraph:
    """Collapse usable parallel edges to the lightest one that fits the request."""
    cache = G.graph.setdefault("_digraphs", {})
    if req in cache:
        return cache[req]
    D = nx.DiGraph()
    bad_nodes = {
        n
        for n, d in G.nodes(data=True)
        if d.get("country") in req.avoid_countries or d.get("place") in req.avoid_places
    }
    for u, v, k, d in G.edges(keys=True, data=True):
        if u in bad_nodes or v in bad_nodes or d.get("country") in req.avoid_countries:
            continue
        if not req.ignore_blocks and not d.get("usable", True):
            continue
        if not _mode_ok(d, req.mode) or d.get("kind") in req.avoid_kinds or (req.banned and link_refs(d) & req.banned):
            continue
        w = d.get(req.weight)
        if w is None:
            msg = f"edge {u}->{v} has no {req.weight!r}: pass the network through scenario.apply() first"
            raise ValueError(msg)
        if not D.has_edge(u, v) or D[u][v]["w"] > w:
            D.add_edge(u, v, w=float(w), key=k)
    if len(cache) > 64:
        cache.clear()
    cache[req] = D
    return D


def _dijkstra(D: nx.DiGraph, sources: Iterable[int]) -> tuple[dict[Any, float], dict[Any, list[Any]]]:
    return nx.multi_source_dijkstra(D, set(sources), weight="w")


def _best(D: nx.DiGraph, stages: list[list[int]]) -> tuple[float, list[int]] | None:
    """Cheapest walk that passes the stages in order (each stage a set of nodes)."""
    stages = [[n for n in s if n in D] for s in stages]
    if any(not s for s in stages):
        return None
    # best[n] = (cost, path) to reach node n of the current stage
    best: dict[int, tuple[float, list[int]]] = {n: (0.0, [n]) for n in stages[0]}
    for nxt in stages[1:]:
        new: dict[int, tuple[float, list[int]]] = {}
        for n, (cost, path) in best.items():
            dist, paths = nx.single_source_dijkstra(D, n, weight="w")
            for m in nxt:
                if m in dist and (m not in new or cost + dist[m] < new[m][0]):
                    new[m] = (cost + dist[m], path + paths[m][1:])
        if not new:
            return None
        best = new
    return min(best.values(), key=lambda t: t[0])


def _stages(G: nx.MultiDiGraph, orig: str, via: Sequence[Iterable[str]], dest: str) -> list[list[int]]:
    nodes = place_nodes(G)
    out = [nodes[orig]]
    for group in via:
        out.append([n for p in group for n in nodes.get(p, [])])
    out.append(nodes[dest])
    return out


def _edges_of(G: nx.MultiDiGraph, D: nx.DiGraph, path: list[int]) -> list[tuple[int, int, int]]:
    return [(u, v, D[u][v]["key"]) for u, v in itertools.pairwise(path) if u != v]


def _via_groups(G: nx.MultiDiGraph, via: Sequence[str | Iterable[str]]) -> list[list[str]]:
    groups = []
    for item in via:
        names = [item] if isinstance(item, str) else list(item)
        groups.append([resolve(G, n) for n in names])
    return groups


def route(
    G: nx.MultiDiGraph,
    orig: str,
    dest: str,
    *,
    optimize: str = "time",
    via: Sequence[str | Iterable[str]] = (),
    avoid_countries: Iterable[str] = (),
    avoid_places: Iterable[str] = (),
    avoid_kinds: Iterable[str] = (),
    avoid_links: Iterable[str] = (),
    mode: str = "any",
    k: int = 1,
    explain: bool = True,
) -> list[Route]:
    """Find the best route and up to ``k - 1`` alternatives that differ in substance.

    Parameters
    ----------
    G
        Network with travel times (see :func:`silkroute.scenario.network`).
    orig, dest
        Place names, aliases or ids.
    optimize
        ``"time"`` (``travel_time``) or ``"distance"`` (``length``).
    via
        Ordered waypoints; each is a place or a set of alternative places.
    avoid_countries
        ISO3 codes never entered.
    avoid_places
        Places never passed.
    avoid_kinds
        Edge kinds never used (``"ferry"`` for an all-land route).
    avoid_links
        Links never used, as ``crossing:ID``, ``ferry:ID``, ``gauge_change:PLACE`` or ``line:ID``.
    mode
        ``"rail"`` (rail and train ferries), ``"road"`` (road and ro-ro ferries) or ``"any"``.
    k
        Number of routes; alternatives differ in at least one border
        crossing, ferry or break of gauge.
    explain
        On failure, find out which constraint or closed link prevents a route
        (a few extra searches); ``False`` when only feasibility matters.

    Returns
    -------
    list of Route
        Best first.

    Raises
    ------
    UnknownPlaceError
        A place is unknown or ambiguous.
    NoRouteError
        No route satisfies the constraints; the message says which one.
    """
    if optimize not in ("time", "distance"):
        msg = f"optimize must be 'time' or 'distance', not {optimize!r}"
        raise ValueError(msg)
    if mode not in MODES:
        msg = f"mode must be one of {', '.join(MODES)}, not {mode!r}"
        raise ValueError(msg)
    o, t = resolve(G, orig), resolve(G, dest)
    groups = _via_groups(G, via)
    avoid_p = frozenset(resolve(G, p) for p in avoid_places)
    req = _Request(
        "travel_time" if optimize == "time" else "length",
        frozenset(c.upper() for c in avoid_countries),
        avoid_p,
        mode,
        frozenset(avoid_links),
        avoid_kinds=frozenset(avoid_kinds),
    )
    _check_endpoints(G, o, t, groups, req)
    stages = _stages(G, o, groups, t)
    found = _best(_digraph(G, req), stages)
    if found is None:
        places = _place_index(G)
        short = f"no route from {places[o]['name']} to {places[t]['name']} under these constraints"
        raise NoRouteError(_explain(G, o, t, groups, req, stages) if explain else short)
    routes = [Route(G, _edges_of(G, _digraph(G, req), found[1]), optimize)]
    if k > 1:
        routes += _alternatives(G, req, stages, routes[0], k - 1)
    return routes


def _alternatives(G: nx.MultiDiGraph, req: _Request, stages: list[list[int]], first: Route, n: int) -> list[Route]:
    """Routes that avoid one more crossing, ferry or gauge change at a time (Yen's idea, one level up)."""
    seen = {first.signature()}
    heap: list[tuple[float, int, frozenset[str]]] = []
    tried: set[frozenset[str]] = set()
    counter = itertools.count()
    out: list[Route] = []

    def expand(r: Route, banned: frozenset[str]) -> None:
        for ref in dict.fromkeys(r.signature()):
            nb = banned | {ref}
            if nb in tried:
                continue
            tried.add(nb)
            D = _digraph(G, replace(req, banned=nb))
            found = _best(D, stages)
            if found is not None:
                heapq.heappush(heap, (found[0], next(counter), nb))

    expand(first, req.banned)
    while heap and len(out) < n and len(tried) < 200:
        _cost, _i, banned = heapq.heappop(heap)
        D = _digraph(G, replace(req, banned=banned))
        found = _best(D, stages)
        if found is None:
            continue
        r = Route(G, _edges_of(G, D, found[1]), first.optimize)
        if r.signature() not in seen:
            seen.add(r.signature())
            out.append(r)
        expand(r, banned)
    return out


def fastest(G: nx.MultiDiGraph, orig: str, dest: str, **kwargs: Any) -> Route:
    """Return the route with the least expected door-to-door time (see :func:`route`)."""
    return route(G, orig, dest, optimize="time", **kwargs)[0]


def shortest(G: nx.MultiDiGraph, orig: str, dest: str, **kwargs: Any) -> Route:
    """Return the route with the least length (see :func:`route`)."""
    return route(G, orig, dest, optimize="distance", **kwargs)[0]


def costs_from(G: nx.MultiDiGraph, origin: str, *, optimize: str = "time", mode: str = "any") -> dict[int, float]:
    """Least cost (hours for ``time``, km for ``distance``) from a place to every reachable node."""
    weight, scale = ("travel_time", 3600.0) if optimize == "time" else ("length", 1000.0)
    D = _digraph(G, _Request(weight, mode=mode))
    sources = [n for n in place_nodes(G)[resolve(G, origin)] if n in D]
    if not sources:
        return {}
    return {n: c / scale for n, c in nx.multi_source_dijkstra_path_length(D, sources, weight="w").items()}


def matrix(
    G: nx.MultiDiGraph,
    origins: Sequence[str],
    destinations: Sequence[str] | None = None,
    *,
    optimize: str = "time",
    mode: str = "any",
) -> pd.DataFrame:
    """Origin × destination matrix of least hours (``time``) or km (``distance``); NaN where unreachable."""
    destinations = list(origins) if destinations is None else list(destinations)
    targets = {t: place_nodes(G)[resolve(G, t)] for t in destinations}
    rows = {}
    for o in origins:
        cost = costs_from(G, o, optimize=optimize, mode=mode)
        rows[resolve(G, o)] = {
            resolve(G, t): min((cost[n] for n in nodes if n in cost), default=math.nan) for t, nodes in targets.items()
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------- why not


def _check_endpoints(G: nx.MultiDiGraph, o: str, t: str, groups: list[list[str]], req: _Request) -> None:
    places = _place_index(G)
    for pid, role in [(o, "origin"), (t, "destination")] + [(p, "via place") for g in groups for p in g]:
        if places[pid]["country"] in req.avoid_countries:
            msg = f"the {role} {places[pid]['name']} ({pid}) lies in {places[pid]['country']}, which is avoided"
            raise NoRouteError(msg)
        if pid in req.avoid_places:
            msg = f"the {role} {places[pid]['name']} ({pid}) is also in the places to avoid"
            raise NoRouteError(msg)


def _explain(
    G: nx.MultiDiGraph, o: str, t: str, groups: list[list[str]], req: _Request, stages: list[list[int]]
) -> str:
    places = _place_index(G)
    what = f"no route from {places[o]['name']} to {places[t]['name']}"
    if groups:
        what += " via " + " then ".join("/".join(places[p]["name"] for p in g) for g in groups)
    relaxations = [
        ("ignore_blocks", "links closed in this scenario"),
        ("avoid_countries", f"avoiding {', '.join(sorted(req.avoid_countries))}"),
        ("avoid_places", f"avoiding {', '.join(sorted(req.avoid_places))}"),
        ("mode", f"mode {req.mode}"),
        ("avoid_kinds", f"without {', '.join(sorted(req.avoid_kinds))} links"),
        ("banned", f"avoiding {', '.join(sorted(req.banned))}"),
    ]
    for attr, label in relaxations:
        if attr == "ignore_blocks":
            relaxed = replace(req, ignore_blocks=True)
        elif attr == "mode":
            if req.mode == "any":
                continue
            relaxed = replace(req, mode="any")
        else:
            if not getattr(req, attr):
                continue
            relaxed = replace(req, **{attr: frozenset()})  # type: ignore[arg-type]
        D = _digraph(G, relaxed)
        found = _best(D, stages)
        if found is None:
            continue
        r = Route(G, _edges_of(G, D, found[1]))
        if attr == "ignore_blocks":
            blocked = [G.edges[e] for e in r.edges if not G.edges[e].get("usable", True)]
            names = list(dict.fromkeys(f"{d.get('name') or d.get('line_id')} ({d['blocked_by']})" for d in blocked))
            scen = G.graph.get("scenario", "this")
            return f"{what} in scenario {scen}: every route needs links it does not allow: {'; '.join(names[:6])}"
        return f"{what} while {label}; a route exists without that constraint"
    if groups and _best(_digraph(G, req), [stages[0], stages[-1]]) is not None:
        return f"{what}: the origin and destination are connected, but not through the via places"
    return f"{what}: they are not connected in the network, even with every constraint lifted"


def path_weight(G: nx.MultiDiGraph, edges: Sequence[tuple[int, int, int]], weight: str) -> float:
    """Sum of an edge attribute along a path (for tests and checks)."""
    return math.fsum(float(G.edges[e][weight]) for e in edges)

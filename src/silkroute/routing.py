r"""Paths through a network and the :class:`Route` result.

Every function takes a network with travel times (``scenario.network("baseline")``,
any graph passed through :func:`silkroute.scenario.apply`, or the
:func:`compile`\\ d form of one) and place names, aliases or ids, matched
without regard to case or diacritics. The search runs on compact arrays
(``scipy.sparse.csgraph``); a networkx graph is compiled for each call, so
answers always reflect the graph as it is. Compile once with :func:`compile`
to route many times on a large network.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from silkroute import schema
from silkroute._engine import MODES, WEIGHTS, Compiled, EdgeStage, GraphView, Request, Search, TableView
from silkroute._errors import InputError, NoRouteError
from silkroute.places import Place, PlaceIndex, find_places, resolve
from silkroute.scenario import AppliedTables

__all__ = [
    "MAX_ALTERNATIVE_SEARCHES",
    "MODES",
    "OPTIMIZE",
    "Plan",
    "Route",
    "compile",
    "costs_from",
    "fastest",
    "find_places",
    "link_refs",
    "matrix",
    "path_weight",
    "plan",
    "resolve",
    "resolve_pair",
    "route",
    "shortest",
]

#: What a route can minimise.
OPTIMIZE = tuple(WEIGHTS)
#: Alternative searches tried at most, per request.
MAX_ALTERNATIVE_SEARCHES = 200
Network: TypeAlias = nx.MultiDiGraph | Compiled


def compile(G: Network | AppliedTables) -> Compiled:
    """Compile a network for fast repeated routing.

    The result is a snapshot: compile again after changing ``G``.

    Parameters
    ----------
    G
        A network with travel times, an already compiled one, or a network
        file's tables under a scenario (:func:`silkroute.scenario.apply_tables`),
        which compile without building a graph.

    Returns
    -------
    Compiled
        The arrays every routing function accepts in place of ``G``.
    """
    if isinstance(G, Compiled):
        return G
    if isinstance(G, AppliedTables):
        return Compiled.from_tables(G)
    return Compiled.from_graph(G)


def link_refs(d: dict[str, Any]) -> set[str]:
    """Return the references of an edge that ``avoid_links`` matches.

    Parameters
    ----------
    d
        Edge attributes.

    Returns
    -------
    set of str
        ``crossing:ID``, ``ferry:ID``, ``gauge_change:PLACE`` and ``line:ID``.
    """
    return set(schema.edge_refs(d))


# --------------------------------------------------------------------------- result


@dataclass
class Route:
    """A path through the network with its length, time and where the time goes.

    ``G`` is the network it was found on: a :class:`~silkroute._engine.GraphView`
    snapshot for routes returned by routing (changing the graph afterwards does
    not change the route), with ``nodes[n]`` and ``edges[u, v, k]`` like networkx.
    """

    G: nx.MultiDiGraph | GraphView | TableView = field(repr=False)
    edges: list[tuple[Any, Any, Any]]
    optimize: str = "time"

    @property
    def edge_data(self) -> list[dict[str, Any]]:
        """The attributes of the route's edges, in order."""
        self._prefetch()
        return [self.G.edges[e] for e in self.edges]

    def _prefetch(self) -> None:
        """On a view of a network file's tables, read the route's edges and nodes in one go each."""
        edges, nodes = getattr(self.G.edges, "prefetch", None), getattr(self.G.nodes, "prefetch", None)
        if edges is not None:
            edges(self.edges)
        if nodes is not None:
            nodes([self.edges[0][0], *(v for _u, v, _k in self.edges)] if self.edges else [])

    @property
    def nodes(self) -> list[Any]:
        """Nodes in order."""
        self._prefetch()
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
        """Length in km."""
        return math.fsum(float(d[schema.LENGTH]) for d in self.edge_data) / 1000.0

    @property
    def time_h(self) -> float:
        """Estimated door-to-door time in hours (expected values)."""
        return math.fsum(float(d[schema.TRAVEL_TIME]) for d in self.edge_data) / 3600.0

    @property
    def time_days(self) -> float:
        """Estimated door-to-door time in days."""
        return self.time_h / 24.0

    @property
    def breakdown(self) -> dict[str, float]:
        """Hours by time component (see :data:`silkroute.schema.COMPONENTS`)."""
        return {
            c: math.fsum(float(d.get(schema.component_attr(c), 0.0)) for d in self.edge_data) for c in schema.COMPONENTS
        }

    def _sum(self, attr: str) -> float | None:
        """The sum of an edge attribute along the route, ``None`` if an edge lacks it (a network without costs)."""
        data = self.edge_data
        if not all(attr in d for d in data):
            return None
        return math.fsum(float(d[attr]) for d in data)

    @property
    def cost_usd(self) -> float | None:
        """Expected money cost per FEU, USD (``None`` on a network without costs; see :mod:`silkroute.costs`)."""
        return self._sum(schema.COST)

    @property
    def cost_breakdown(self) -> dict[str, float] | None:
        """USD per FEU by cost component (:data:`silkroute.schema.COST_COMPONENTS`), ``None`` without costs."""
        parts = {c: self._sum(schema.cost_attr(c)) for c in schema.COST_COMPONENTS}
        return None if any(v is None for v in parts.values()) else {c: float(v or 0.0) for c, v in parts.items()}

    @property
    def cost_per_teu_usd(self) -> float | None:
        """Cost per TEU, USD: the FEU cost over the network's FEU/TEU price ratio (1.58, ``data/economics.toml``)."""
        cost = self.cost_usd
        ratio = self.G.graph.get("feu_per_teu_price")
        return None if cost is None or not ratio else cost / float(ratio)

    @property
    def generalized_cost_usd(self) -> float | None:
        """Cost + value of time × hours, USD per FEU (the network's value of time), ``None`` without costs."""
        return self._sum(schema.GENERALIZED_COST)

    @property
    def co2_kg(self) -> float | None:
        """Expected well-to-wheel CO₂e per FEU, kg (``None`` on a network without emission factors)."""
        return self._sum(schema.CO2)

    @property
    def co2_breakdown(self) -> dict[str, float] | None:
        """Kg CO₂e per FEU by component (:data:`silkroute.schema.CO2_COMPONENTS`), ``None`` without factors."""
        parts = {c: self._sum(schema.co2_attr(c)) for c in schema.CO2_COMPONENTS}
        return None if any(v is None for v in parts.values()) else {c: float(v or 0.0) for c, v in parts.items()}

    @property
    def countries(self) -> list[str]:
        """ISO3 countries in the order they are crossed."""
        out: list[str] = []
        for n in self.nodes:
            c = self.G.nodes[n].get("country")
            if c and (not out or out[-1] != c):
                out.append(c)
        return out

    def _of_kind(self, kind: str) -> list[tuple[tuple[Any, Any, Any], dict[str, Any]]]:
        return [(e, d) for e, d in zip(self.edges, self.edge_data, strict=True) if d.get("kind") == kind]

    @property
    def crossings(self) -> list[dict[str, Any]]:
        """Border crossings passed, in order."""
        return [
            {
                "id": d["crossing"],
                "name": d.get("name"),
                "from": self.G.nodes[u].get("place"),
                "to": self.G.nodes[v].get("place"),
                "border": d.get("border"),
                "mode": d.get("mode"),
                "customs": d.get("customs"),
                "dwell_h": round(float(d.get(schema.component_attr(schema.BORDER), 0.0)), 2),
            }
            for (u, v, _k), d in self._of_kind(schema.CROSSING)
        ]

    @property
    def gauge_breaks(self) -> list[dict[str, Any]]:
        """Breaks of gauge, in order: where, from and to which gauge, hours."""
        return [
            {
                "place": d["gauge_change"],
                "name": self.G.nodes[u].get("name"),
                "from_gauge": schema.layer_gauge(self.G.nodes[u]["layer"]),
                "to_gauge": schema.layer_gauge(self.G.nodes[v]["layer"]),
                "hours": round(float(d.get(schema.component_attr(schema.GAUGE_CHANGE), 0.0)), 2),
            }
            for (u, v, _k), d in self._of_kind(schema.GAUGE_CHANGE)
        ]

    @property
    def ferries(self) -> list[str]:
        """Ferry ids used, in order."""
        return [d["ferry"] for _e, d in self._of_kind(schema.FERRY)]

    @property
    def modes(self) -> list[str]:
        """Modes used (rail, road, ferry), in order of first use."""
        return list(dict.fromkeys(d["mode"] for d in self.edge_data if d.get("mode") in ("rail", "road", "ferry")))

    @property
    def unusable(self) -> list[str]:
        """Reasons why edges of this route are unusable in its scenario (empty for a valid route)."""
        return list(dict.fromkeys(str(d[schema.BLOCKED_BY]) for d in self.edge_data if not d.get(schema.USABLE, True)))

    @property
    def geometry(self) -> shapely.MultiLineString:
        """The route's geometry (EPSG:4326)."""
        return shapely.MultiLineString([d["geometry"] for d in self.edge_data if d[schema.LENGTH] > 0])

    def signature(self) -> tuple[str, ...]:
        """Border crossings and ferries in route order, then the sections: what makes two routes differ.

        A section is a pair of consecutive places (``section:A~B``), so two catalog lines
        drawn over the same stations are one section. A break of gauge is not part of the
        signature: the same change booked on the other side of a border is the same route.

        Returns
        -------
        tuple of str
            ``crossing:ID`` and ``ferry:ID`` references, then ``section:A~B``, each once.
        """
        ids = [str(p["id"]) for p in self.places]
        sections = [f"section:{a}~{b}" for a, b in itertools.pairwise(ids) if a != b]
        return tuple(dict.fromkeys([*self.links(schema.CROSSING, schema.FERRY), *sections]))

    def links(self, *kinds: str) -> tuple[str, ...]:
        """Return the link references the route uses, in route order, each once.

        Parameters
        ----------
        *kinds
            Reference kinds (:data:`silkroute.schema.REF_KINDS`); all of them by default.

        Returns
        -------
        tuple of str
            ``kind:ID`` references, as ``avoid_links`` takes them.
        """
        kinds = kinds or schema.REF_KINDS
        refs = [
            schema.link_ref(k, str(d[schema.REF_ATTRIBUTE[k]]))
            for d in self.edge_data
            for k in kinds
            if d.get(schema.REF_ATTRIBUTE[k])
        ]
        return tuple(dict.fromkeys(refs))

    def to_dict(self) -> dict[str, Any]:
        """Return the route as a JSON-ready dict (the ``route`` CLI contract).

        Returns
        -------
        dict
            Totals, breakdown, cost and CO₂e per FEU with their breakdowns (``None`` on a network without
            them), countries, crossings, breaks of gauge, ferries, modes and places.
        """
        cost, co2 = self.cost_breakdown, self.co2_breakdown
        generalized = self.generalized_cost_usd
        return {
            "length_km": round(self.length_km, 1),
            "time_h": round(self.time_h, 1),
            "time_days": round(self.time_days, 2),
            "breakdown": {k: round(v, 2) for k, v in self.breakdown.items()},
            "cost_usd": None if cost is None else round(math.fsum(cost.values()), 1),
            "cost_breakdown": None if cost is None else {k: round(v, 1) for k, v in cost.items()},
            "cost_per_teu_usd": None if self.cost_per_teu_usd is None else round(self.cost_per_teu_usd, 1),
            "generalized_cost_usd": None if generalized is None else round(generalized, 1),
            "co2_kg": None if co2 is None else round(math.fsum(co2.values()), 1),
            "co2_breakdown": None if co2 is None else {k: round(v, 1) for k, v in co2.items()},
            "countries": self.countries,
            "crossings": self.crossings,
            "gauge_breaks": self.gauge_breaks,
            "ferries": self.ferries,
            "modes": self.modes,
            "places": self.places,
        }

    def to_gdf(self) -> gpd.GeoDataFrame:
        """Return one row per edge, in order, with ``length_km``, ``time_h`` and the components (EPSG:4326).

        Returns
        -------
        geopandas.GeoDataFrame
            The route's edges; node references are stable node keys.
        """
        rows = []
        for seq, ((u, v, _k), d) in enumerate(zip(self.edges, self.edge_data, strict=True)):
            a, b = self.G.nodes[u], self.G.nodes[v]
            rows.append(
                {
                    "seq": seq,
                    "from_node": a.get("key"),
                    "to_node": b.get("key"),
                    "from_place": a.get("place"),
                    "to_place": b.get("place"),
                    **{c: d.get(c) for c in ("kind", "mode", "gauge", "name", "line_id", "crossing", "ferry")},
                    "country": d.get("country"),
                    "status": d.get("status"),
                    "length_km": float(d[schema.LENGTH]) / 1000.0,
                    "time_h": float(d[schema.TRAVEL_TIME]) / 3600.0,
                    **{
                        schema.component_attr(c): float(d.get(schema.component_attr(c), 0.0)) for c in schema.COMPONENTS
                    },
                    **{a: (float(d[a]) if a in d else None) for a in schema.money_attrs()},
                    "geometry": d["geometry"],
                }
            )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


# --------------------------------------------------------------------------- requests


def resolve_pair(G: Network, orig: str, dest: str) -> tuple[str, str]:
    """Resolve an origin and a destination, which must be two different places.

    Parameters
    ----------
    G
        A network or its compiled form.
    orig, dest
        Place names, aliases or ids.

    Returns
    -------
    tuple of str
        The two place ids.

    Raises
    ------
    UnknownPlaceError
        A name matches no place or several.
    InputError
        Both are the same place.
    """
    net = compile(G) if not isinstance(G, Compiled) else G
    o = net.places.resolve(orig, role="origin")
    t = net.places.resolve(dest, role="destination")
    if o == t:
        msg = f"the origin and the destination are both {net.places[o].name} ({o}); choose two different places"
        raise InputError(msg)
    return o, t


def _optimize(net: Compiled, optimize: str) -> str:
    """Check what to minimise against the weights the network has (cost needs a network with costs)."""
    _choice(optimize, OPTIMIZE, "optimize")
    if optimize not in net.weights:
        msg = (
            f"optimize={optimize!r} needs {WEIGHTS[optimize]} on every edge, which this network does not have "
            "(its catalog has no costs.csv, or it was not built through silkroute.scenario); use time or distance"
        )
        raise InputError(msg)
    return optimize


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        msg = f"{what} must be one of {', '.join(allowed)}, not {value!r}"
        raise InputError(msg)
    return value


def _countries(net: Compiled, codes: Iterable[str]) -> frozenset[str]:
    """Check ISO3 codes against the network's countries (ISO2 codes and names get a suggestion)."""
    known = net.places.countries()
    out = set()
    for code in codes:
        c = str(code).strip().upper()
        if c not in known:
            hint = _country_hint(net, c)
            msg = (
                f"unknown country {code!r} to avoid: use an ISO3 code of the network ({', '.join(sorted(known))}){hint}"
            )
            raise InputError(msg)
        out.add(c)
    return frozenset(out)


def _country_hint(net: Compiled, code: str) -> str:
    """``"; did you mean RUS?"`` for an ISO2 code or a name of a country in the network."""
    from silkroute._text import fold

    for p in net.places.values():
        if p.country and (p.id.split("-", 1)[0] == code or fold(p.name) == fold(code)):
            return f"; did you mean {p.country}?"
    return ""


def _links(net: Compiled, refs: Iterable[str]) -> frozenset[str]:
    out = set()
    for ref in refs:
        if ref not in net.ref_edges:
            close = difflib.get_close_matches(ref, list(net.ref_edges), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            msg = (
                f"unknown link {ref!r} to avoid: use crossing:ID, ferry:ID, gauge_change:PLACE or line:ID "
                f"of this network{hint}"
            )
            raise InputError(msg)
        out.add(ref)
    return frozenset(out)


def _request(
    net: Compiled,
    optimize: str,
    mode: str,
    avoid_countries: Iterable[str] | None,
    avoid_places: Iterable[str] | None,
    avoid_kinds: Iterable[str] | None,
    avoid_links: Iterable[str] | None,
) -> Request:
    kinds = frozenset(avoid_kinds or ())
    for kind in kinds:
        _choice(kind, schema.EDGE_KINDS, "a kind to avoid")
    return Request(
        optimize=_optimize(net, optimize),
        mode=_choice(mode, MODES, "mode"),
        avoid_countries=_countries(net, avoid_countries or ()),
        avoid_places=frozenset(net.places.resolve(p, role="place to avoid") for p in avoid_places or ()),
        avoid_kinds=kinds,
        banned=_links(net, avoid_links or ()),
    )


def _on_rail(net: Compiled, place: str) -> bool:
    nodes = net.place_nodes.get(place)
    return nodes is not None and any(str(net.view.nodes[net.node_ids[i]].get("mode")) == "rail" for i in nodes)


@dataclass(frozen=True)
class _Waypoint:
    """One ``via`` item: alternative places, or alternative links the route must use (``ferry:ID``)."""

    places: tuple[str, ...] = ()
    links: tuple[str, ...] = ()

    def label(self, index: PlaceIndex) -> str:
        return "/".join(self.links) if self.links else "/".join(index[p].name for p in self.places)


def _link_waypoint(net: Compiled, ref: str) -> list[str]:
    """Resolve ``kind:ID`` or ``kind:PLACE`` (every such link touching the place) to link references."""
    if ref in net.ref_edges:
        return [ref]
    kind, _, rest = ref.partition(":")
    named = sorted(r for r in net.ref_edges if r.startswith(f"{kind}:"))
    candidates = [p.id for p in net.places.find(rest)] if rest.strip() else []
    if candidates:
        ends = net.node_place[np.r_[net.u, net.v]]
        m = len(net.u)
        touching = [r for r in named if np.isin(ends[np.r_[net.ref_edges[r], net.ref_edges[r] + m]], candidates).any()]
        if touching:
            return touching
    close = difflib.get_close_matches(ref, named, n=3, cutoff=0.4)
    if len(named) <= 12:
        hint = f"use one of {', '.join(named)}" if named else f"this network has no {kind} link"
    else:
        hint = f"did you mean {', '.join(close)}?" if close else f"this network has {len(named)} {kind} links"
    msg = f"waypoint {ref!r} (--via) matches no {kind} link of this network ({kind}:ID or {kind}:PLACE); {hint}"
    raise InputError(msg)


def _via_groups(net: Compiled, via: Sequence[str | Iterable[str]] | None) -> list[_Waypoint]:
    groups = []
    for i, item in enumerate(via or (), start=1):
        names = [item] if isinstance(item, str) else list(item)
        if not names:
            msg = f"waypoint {i} (--via) names no place; give a place or 'A|B' for alternatives"
            raise InputError(msg)
        is_link = [n.partition(":")[0] in schema.REF_KINDS and ":" in n for n in names]
        if any(is_link) and not all(is_link):
            msg = f"waypoint {i} (--via) mixes places and links ({'|'.join(names)}); give one kind of alternative"
            raise InputError(msg)
        if all(is_link):
            groups.append(_Waypoint(links=tuple(dict.fromkeys(r for n in names for r in _link_waypoint(net, n)))))
        else:
            groups.append(_Waypoint(places=tuple(net.places.resolve(n, role="waypoint (--via)") for n in names)))
    return groups


def _stages(net: Compiled, orig: str, groups: list[_Waypoint], dest: str) -> list[np.ndarray | EdgeStage]:
    empty = np.zeros(0, dtype=np.int64)
    out: list[np.ndarray | EdgeStage] = [net.place_nodes.get(orig, empty)]
    for wp in groups:
        if wp.links:
            out.append(EdgeStage(np.unique(np.concatenate([net.ref_edges[r] for r in wp.links]))))
        else:
            out.append(np.unique(np.concatenate([net.place_nodes.get(p, empty) for p in wp.places])))
    out.append(net.place_nodes.get(dest, empty))
    return out


@dataclass(frozen=True)
class Plan:
    """What a route request compiles to: the request's edge masks and the stages a walk must pass."""

    origin: str
    destination: str
    request: Request
    stages: tuple[np.ndarray | EdgeStage, ...]
    groups: tuple[_Waypoint, ...] = ()


def plan(
    G: Network,
    orig: str,
    dest: str,
    *,
    optimize: str = "time",
    via: Sequence[str | Iterable[str]] | None = (),
    avoid_countries: Iterable[str] | None = (),
    avoid_places: Iterable[str] | None = (),
    avoid_kinds: Iterable[str] | None = (),
    avoid_links: Iterable[str] | None = (),
    mode: str | None = None,
) -> Plan:
    """Check a route request and compile it to masks and stages (what :func:`route` searches).

    Parameters
    ----------
    G
        Network with travel times, or its compiled form (the stages index its nodes).
    orig, dest
        Place names, aliases or ids.
    optimize, via, avoid_countries, avoid_places, avoid_kinds, avoid_links, mode
        As in :func:`route`.

    Returns
    -------
    Plan
        The resolved places, the :class:`~silkroute._engine.Request` and the stages
        (start nodes, waypoints in order, end nodes).

    Raises
    ------
    UnknownPlaceError
        A place is unknown or ambiguous.
    InputError
        An option is invalid.
    NoRouteError
        An end or waypoint lies in an avoided country or place.
    """
    net = compile(G)
    o, t = resolve_pair(net, orig, dest)
    groups = _via_groups(net, via)
    if mode is None:
        mode = "rail" if all(_on_rail(net, p) for p in (o, t, *(x for g in groups for x in g.places))) else "any"
    req = _request(net, optimize, mode, avoid_countries, avoid_places, avoid_kinds, avoid_links)
    _check_endpoints(net, o, t, groups, req)
    return Plan(o, t, req, tuple(_stages(net, o, groups, t)), tuple(groups))


def route(
    G: Network,
    orig: str,
    dest: str,
    *,
    optimize: str = "time",
    via: Sequence[str | Iterable[str]] | None = (),
    avoid_countries: Iterable[str] | None = (),
    avoid_places: Iterable[str] | None = (),
    avoid_kinds: Iterable[str] | None = (),
    avoid_links: Iterable[str] | None = (),
    mode: str | None = None,
    k: int = 1,
    explain: bool = True,
) -> list[Route]:
    r"""Find the best route and up to ``k - 1`` alternatives that differ in substance.

    Parameters
    ----------
    G
        Network with travel times (see :func:`silkroute.scenario.network`), or its :func:`compile`\\ d form.
    orig, dest
        Place names, aliases or ids.
    optimize
        ``"time"`` (``travel_time``), ``"distance"`` (``length``), ``"cost"`` (``cost_usd``: money per
        FEU) or ``"generalized"`` (``generalized_cost_usd``: cost + value of time × hours), the last two
        on networks with costs.
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
        By default a block train's: rail end to end, or ``"any"`` when an end
        or a waypoint has no rail node (it lies off the rail network).
    k
        Number of routes; alternatives differ in at least one border
        crossing, ferry or line section, never only in where the same break
        of gauge is booked.
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
    InputError
        An option is invalid (unknown country, link, kind or mode; origin equal to destination).
    NoRouteError
        No route satisfies the constraints; the message says which one.
    """
    net = compile(G)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        msg = f"k (the number of routes) must be a whole number >= 1, not {k!r}"
        raise InputError(msg)
    p = plan(
        net,
        orig,
        dest,
        optimize=optimize,
        via=via,
        avoid_countries=avoid_countries,
        avoid_places=avoid_places,
        avoid_kinds=avoid_kinds,
        avoid_links=avoid_links,
        mode=mode,
    )
    o, t, groups, req, stages = p.origin, p.destination, list(p.groups), p.request, list(p.stages)
    found = net.staged(net.search(req), stages)
    if found is None:
        short = f"no route from {net.places[o].name} to {net.places[t].name} under these constraints"
        raise NoRouteError(_explain(net, o, t, groups, req, stages) if explain else short)
    routes = [Route(net.view, net.edge_ids(found[1]), optimize)]
    if k > 1:
        routes += _alternatives(net, req, stages, routes[0], k - 1)
    return routes


def _alternatives(
    net: Compiled, req: Request, stages: list[np.ndarray | EdgeStage], first: Route, n: int
) -> list[Route]:
    """Routes that avoid one more crossing, ferry or line at a time (Yen's idea, one level up).

    Crossings and ferries are banned first; lines only when those give fewer than
    ``n`` alternatives (a line ban is the costlier search and the smaller difference).
    Never a break of gauge: booking it on the other side of a border is not a difference.
    """
    seen = {first.signature()}
    tried: set[frozenset[str]] = set()
    counter = itertools.count()
    out: list[Route] = []
    found_for: dict[frozenset[str], tuple[float, list[int]] | None] = {}

    def search(banned: frozenset[str]) -> tuple[float, list[int]] | None:
        if banned not in found_for:
            found_for[banned] = net.staged(net.search(replace(req, banned=banned)), stages)
        return found_for[banned]

    for kinds in ((schema.CROSSING, schema.FERRY), (schema.CROSSING, schema.FERRY, "line")):
        heap: list[tuple[float, int, frozenset[str]]] = []

        def expand(
            r: Route,
            banned: frozenset[str],
            kinds: tuple[str, ...] = kinds,
            heap: list[tuple[float, int, frozenset[str]]] = heap,
        ) -> None:
            for ref in r.links(*kinds):
                nb = banned | {ref}
                if nb in tried or len(tried) >= MAX_ALTERNATIVE_SEARCHES:
                    continue
                tried.add(nb)
                found = search(nb)
                if found is not None:
                    heapq.heappush(heap, (found[0], next(counter), nb))

        tried.clear()
        for r in [first, *out]:
            expand(r, req.banned)
        while heap and len(out) < n:
            _cost, _i, banned = heapq.heappop(heap)
            found = search(banned)
            if found is None:
                continue
            r = Route(net.view, net.edge_ids(found[1]), first.optimize)
            if r.signature() not in seen:
                seen.add(r.signature())
                out.append(r)
            expand(r, banned)
        if len(out) >= n:
            break
    out.sort(key=lambda r: _objective(r, first.optimize))
    return out


def _objective(r: Route, optimize: str) -> float:
    """What a route minimises: hours, km or USD per FEU."""
    value = {"time": r.time_h, "distance": r.length_km, "cost": r.cost_usd, "generalized": r.generalized_cost_usd}
    return float(value.get(optimize) or 0.0)


def fastest(G: Network, orig: str, dest: str, **kwargs: Any) -> Route:
    """Return the route with the least expected door-to-door time.

    Parameters
    ----------
    G
        Network with travel times.
    orig, dest
        Place names, aliases or ids.
    **kwargs
        The options of :func:`route`.

    Returns
    -------
    Route
        The fastest route.
    """
    return route(G, orig, dest, optimize="time", **kwargs)[0]


def shortest(G: Network, orig: str, dest: str, **kwargs: Any) -> Route:
    """Return the route with the least length.

    Parameters
    ----------
    G
        Network with travel times.
    orig, dest
        Place names, aliases or ids.
    **kwargs
        The options of :func:`route`.

    Returns
    -------
    Route
        The shortest route.
    """
    return route(G, orig, dest, optimize="distance", **kwargs)[0]


def _scale(optimize: str) -> float:
    return {"time": 3600.0, "distance": 1000.0}.get(optimize, 1.0)


def costs_from(G: Network, origin: str, *, optimize: str = "time", mode: str = "rail") -> dict[Any, float]:
    """Return the least cost from a place to every reachable node.

    Parameters
    ----------
    G
        Network with travel times.
    origin
        Place name, alias or id.
    optimize
        ``"time"`` (cost in hours), ``"distance"`` (km), ``"cost"`` or ``"generalized"`` (USD per FEU).
    mode
        ``rail``, ``road`` or ``any``.

    Returns
    -------
    dict
        Node id → cost, for reachable nodes only.
    """
    net = compile(G)
    o = net.places.resolve(origin, role="origin")
    req = Request(optimize=_optimize(net, optimize), mode=_choice(mode, MODES, "mode"))
    dist = net.costs_from(net.search(req), net.place_nodes.get(o, np.zeros(0, dtype=np.int64)).tolist())
    scale = _scale(optimize)
    return {net.node_ids[i]: float(dist[i]) / scale for i in np.flatnonzero(np.isfinite(dist))}


def matrix(
    G: Network,
    origins: Sequence[str],
    destinations: Sequence[str] | None = None,
    *,
    optimize: str = "time",
    mode: str = "rail",
    workers: int = 1,
    scheduler: str | None = None,
    block: int | None = None,
) -> pd.DataFrame:
    """Return the origin × destination matrix of least hours (``time``), km (``distance``) or USD per FEU (``cost``).

    Origins go in blocks; each block is one ``scipy.sparse.csgraph.dijkstra``
    call over the nodes of its places (``indices=``), and a place is as near as
    the nearest of its nodes. Blocks run here, in ``workers`` processes or on a
    Dask cluster, with the same result.

    Parameters
    ----------
    G
        Network with travel times, or its compiled form.
    origins
        Place names, aliases or ids.
    destinations
        Place names, aliases or ids; the origins by default.
    optimize
        ``"time"``, ``"distance"``, ``"cost"`` or ``"generalized"``.
    mode
        ``rail``, ``road`` or ``any``.
    workers
        Local processes for the blocks (1: this process only).
    scheduler
        A Dask scheduler address (``tcp://host:8786``), or ``"local"`` for a 2-worker LocalCluster.
    block
        Origins per block (32 by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by origin place id (``origin``), one column per destination place id; NaN where unreachable.

    Raises
    ------
    UnknownPlaceError
        A name matches no place (the message lists the closest names).
    InputError
        ``optimize``, ``mode``, ``workers`` or ``block`` is invalid.
    """
    from silkroute import _blocks

    net = compile(G)
    req = Request(optimize=_optimize(net, optimize), mode=_choice(mode, MODES, "mode"))
    for value, what in ((workers, "workers"), (block if block is not None else 1, "block")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            msg = f"{what} must be a whole number >= 1, not {value!r}"
            raise InputError(msg)
    o_ids = [net.places.resolve(o, role="origin") for o in origins]
    t_ids = o_ids if destinations is None else [net.places.resolve(t, role="destination") for t in destinations]
    s = net.search(req)
    values = _blocks.costs(
        s.matrix,
        [net.place_nodes[o] for o in o_ids],
        [net.place_nodes[t] for t in t_ids],
        workers=workers,
        scheduler=scheduler,
        block=block or _blocks.DEFAULT_BLOCK,
    )
    values = values / _scale(optimize)
    values[~np.isfinite(values)] = np.nan
    return pd.DataFrame(
        values, index=pd.Index(o_ids, name="origin"), columns=pd.Index(t_ids, name="destination"), copy=False
    )


# --------------------------------------------------------------------------- why not


def _check_endpoints(net: Compiled, o: str, t: str, groups: list[_Waypoint], req: Request) -> None:
    for pid, role in [(o, "origin"), (t, "destination")] + [(p, "via place") for g in groups for p in g.places]:
        p: Place = net.places[pid]
        if p.country in req.avoid_countries:
            msg = f"the {role} {p.name} ({pid}) lies in {p.country}, which is avoided"
            raise NoRouteError(msg)
        if pid in req.avoid_places:
            msg = f"the {role} {p.name} ({pid}) is also in the places to avoid"
            raise NoRouteError(msg)


def _explain(
    net: Compiled, o: str, t: str, groups: list[_Waypoint], req: Request, stages: list[np.ndarray | EdgeStage]
) -> str:
    places = net.places
    what = f"no route from {places[o].name} to {places[t].name}"
    if groups:
        what += " via " + " then ".join(g.label(places) for g in groups)
    relaxations: list[tuple[Request, str]] = [(replace(req, ignore_blocks=True), "blocks")]
    if req.avoid_countries:
        relaxations.append(
            (replace(req, avoid_countries=frozenset()), f"avoiding {', '.join(sorted(req.avoid_countries))}")
        )
    if req.avoid_places:
        relaxations.append((replace(req, avoid_places=frozenset()), f"avoiding {', '.join(sorted(req.avoid_places))}"))
    if req.mode != "any":
        relaxations.append((replace(req, mode="any"), f"mode {req.mode}"))
    if req.avoid_kinds:
        relaxations.append(
            (replace(req, avoid_kinds=frozenset()), f"without {', '.join(sorted(req.avoid_kinds))} links")
        )
    if req.banned:
        relaxations.append((replace(req, banned=frozenset()), f"avoiding {', '.join(sorted(req.banned))}"))
    for relaxed, label in relaxations:
        found = net.staged(net.search(relaxed), stages)
        if found is None:
            continue
        if label == "blocks":
            data = [net.view.edges[e] for e in net.edge_ids(found[1])]
            blocked = [d for d in data if not d.get(schema.USABLE, True)]
            names = list(
                dict.fromkeys(f"{d.get('name') or d.get('line_id')} ({d[schema.BLOCKED_BY]})" for d in blocked)
            )
            scen = net.view.graph.get("scenario", "this")
            return f"{what} in scenario {scen}: every route needs links it does not allow: {'; '.join(names[:6])}"
        return f"{what} while {label}; a route exists without that constraint"
    s: Search = net.search(req)
    if groups and net.staged(s, [stages[0], stages[-1]]) is not None:
        return f"{what}: the origin and destination are connected, but not through the via places"
    return f"{what}: they are not connected in the network, even with every constraint lifted"


def path_weight(G: nx.MultiDiGraph, edges: Sequence[tuple[Any, Any, Any]], weight: str) -> float:
    """Return the sum of an edge attribute along a path (for tests and checks).

    Parameters
    ----------
    G
        The network.
    edges
        ``(u, v, key)`` triples.
    weight
        The attribute.

    Returns
    -------
    float
        The sum.
    """
    return math.fsum(float(G.edges[e][weight]) for e in edges)

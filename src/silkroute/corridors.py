"""Named corridors (``data/corridors.toml``) and their comparison.

A corridor is a set of routing constraints (waypoints, countries not used for
transit, ferries or not), so the same definition serves any origin and
destination. :func:`compare` routes each corridor under one or more scenarios
and reports length, time, the time breakdown and the difference to the
reference corridor (a field of ``corridors.toml``), or why a corridor is not
feasible.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import routing, schema
from silkroute import scenario as _scenario
from silkroute._engine import Compiled
from silkroute._errors import CatalogError, NoRouteError
from silkroute.routing import Route

__all__ = [
    "Comparison",
    "Corridor",
    "CorridorResult",
    "Corridors",
    "compare",
    "compare_networks",
    "compare_on",
    "corridor_routes",
    "load",
]

_KEYS = {"title", "description", "via", "avoid", "avoid_places", "no_ferries", "mode", "serves", "family", "east"}


@dataclass(frozen=True)
class Corridor:
    """One named corridor's constraints."""

    name: str
    title: str
    description: str
    via: tuple[tuple[str, ...], ...]
    avoid: tuple[str, ...] = ()
    avoid_places: tuple[str, ...] = ()
    no_ferries: bool = False
    mode: str = "rail"
    serves: frozenset[str] = frozenset()
    family: str = ""
    east: frozenset[str] = frozenset({"CHN"})

    def eastbound(self, origin_country: str | None, destination_country: str | None) -> bool:
        """Tell whether a run goes towards the corridor's eastern end (its waypoints are passed in reverse).

        Parameters
        ----------
        origin_country, destination_country
            ISO3 codes.

        Returns
        -------
        bool
            ``True`` when the destination lies in :attr:`east` and the origin does not.
        """
        return destination_country in self.east and origin_country not in self.east

    def transit_avoid(self, origin_country: str, destination_country: str) -> list[str]:
        """Return the countries avoided for transit: the origin's and destination's countries stay allowed.

        Parameters
        ----------
        origin_country, destination_country
            ISO3 codes.

        Returns
        -------
        list of str
            ISO3 codes.
        """
        return [c for c in self.avoid if c not in (origin_country, destination_country)]


class Corridors(Mapping[str, Corridor]):
    """The corridor definitions by name, and the reference corridor comparisons are measured against.

    Parameters
    ----------
    corridors
        Name → definition, in display order.
    reference
        The name of the reference corridor.
    groups
        Named groups of ISO3 codes (``europe``), as in ``corridors.toml``.
    regions
        Region name → (its ISO3 codes, its reference corridor); a comparison is
        measured against the reference of the region of its far (non-Chinese) end.
    """

    def __init__(
        self,
        corridors: Mapping[str, Corridor],
        reference: str,
        groups: Mapping[str, frozenset[str]] | None = None,
        regions: Mapping[str, tuple[frozenset[str], str]] | None = None,
    ) -> None:
        self._corridors = dict(corridors)
        self.reference = reference
        self.groups = dict(groups or {})
        self.regions = dict(regions or {})

    def region_of(self, country: str | None) -> str | None:
        """Return the region a country belongs to (``None`` if it is in none).

        Parameters
        ----------
        country
            An ISO3 code.

        Returns
        -------
        str or None
            The region name.
        """
        return next((name for name, (codes, _ref) in self.regions.items() if country in codes), None)

    def reference_for(self, origin_country: str | None, destination_country: str | None) -> str:
        """Return the reference corridor of a pair: that of the region of its far (non-Chinese) end.

        Parameters
        ----------
        origin_country, destination_country
            ISO3 codes.

        Returns
        -------
        str
            A corridor name (:attr:`reference` when the far end is in no region).
        """
        far = origin_country if destination_country == "CHN" and origin_country != "CHN" else destination_country
        region = self.region_of(far)
        return self.regions[region][1] if region is not None else self.reference

    def countries(self, names: Sequence[str]) -> frozenset[str]:
        """Expand group names and ISO3 codes to a set of ISO3 codes.

        Parameters
        ----------
        names
            Group names of ``corridors.toml`` or ISO3 codes.

        Returns
        -------
        frozenset of str
            ISO3 codes.
        """
        out: set[str] = set()
        for name in names:
            out |= self.groups.get(name, frozenset({name}))
        return frozenset(out)

    def __getitem__(self, name: str) -> Corridor:
        return self._corridors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._corridors)

    def __len__(self) -> int:
        return len(self._corridors)


@dataclass
class CorridorResult:
    """The outcome of one corridor under one scenario."""

    corridor: str
    scenario: str
    feasible: bool
    reason: str = ""
    route: Route | None = None
    delta_vs_reference_h: float | None = None
    title: str = ""
    reference: str = ""
    family: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def delta_vs_northern_h(self) -> float | None:
        """Deprecated name of :attr:`delta_vs_reference_h` (the reference was always ``northern``)."""
        return self.delta_vs_reference_h

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict (the ``compare`` CLI contract).

        Returns
        -------
        dict
            Feasibility, totals, breakdown, countries, crossings, breaks of gauge, ferries and the
            difference to the reference corridor (``delta_vs_reference_h``; also as ``delta_vs_northern_h``).
        """
        r = self.route
        delta = None if self.delta_vs_reference_h is None else round(self.delta_vs_reference_h, 1)
        return {
            "corridor": self.corridor,
            "family": self.family,
            "title": self.title,
            "feasible": self.feasible,
            "reason": self.reason or None,
            "length_km": round(r.length_km, 1) if r else None,
            "time_h": round(r.time_h, 1) if r else None,
            "time_days": round(r.time_days, 2) if r else None,
            "breakdown": {k: round(v, 2) for k, v in r.breakdown.items()} if r else None,
            "countries": r.countries if r else [],
            "crossings": r.crossings if r else [],
            "gauge_breaks": r.gauge_breaks if r else [],
            "ferries": r.ferries if r else [],
            "reference": self.reference,
            "delta_vs_reference_h": delta,
            "delta_vs_northern_h": delta,
        }

    def to_record(self) -> dict[str, Any]:
        """Return one flat row (for CSV and attribute tables): lists are ``;``-joined.

        Returns
        -------
        dict
            ``scenario``, ``corridor``, feasibility, totals, ``<component>_h``, countries, crossings, ferries.
        """
        r = self.route
        breakdown = r.breakdown if r else {}
        return {
            "scenario": self.scenario,
            "corridor": self.corridor,
            "family": self.family,
            "title": self.title,
            "feasible": self.feasible,
            "reason": self.reason or None,
            "length_km": r.length_km if r else None,
            "time_h": r.time_h if r else None,
            "time_days": r.time_days if r else None,
            "delta_vs_reference_h": self.delta_vs_reference_h,
            **{schema.component_attr(c): breakdown.get(c) for c in schema.COMPONENTS},
            "countries": ";".join(r.countries) if r else None,
            "crossings": ";".join(c["id"] for c in r.crossings) if r else None,
            "gauge_breaks": ";".join(g["place"] for g in r.gauge_breaks) if r else None,
            "ferries": ";".join(r.ferries) if r else None,
        }


@dataclass
class Comparison:
    """Every corridor of one origin–destination pair under each scenario."""

    origin: str
    destination: str
    origin_name: str
    destination_name: str
    reference: str
    results: dict[str, list[CorridorResult]]

    @property
    def label(self) -> str:
        """``"Xi'an → Duisburg"``."""
        return f"{self.origin_name} → {self.destination_name}"

    def corridor(self, scenario: str, name: str) -> CorridorResult:
        """Return one corridor's result under one scenario.

        Parameters
        ----------
        scenario
            A scenario name of :attr:`results`.
        name
            A corridor name.

        Returns
        -------
        CorridorResult
            The result.
        """
        return next(r for r in self.results[scenario] if r.corridor == name)

    def best(self, scenario: str, name: str) -> CorridorResult:
        """Return the fastest feasible corridor of a family (the claim "CKU" means its best variant).

        Parameters
        ----------
        scenario
            A scenario name of :attr:`results`.
        name
            A family name, or a corridor name standing for its family.

        Returns
        -------
        CorridorResult
            The fastest feasible member; if none is feasible, the corridor called ``name`` (or the
            family's first member), whose ``reason`` says why.
        """
        items = self.results[scenario]
        named = next((r for r in items if r.corridor == name), None)
        family = named.family if named is not None and named.family else name
        members = [r for r in items if r.family == family or r.corridor == name]
        if not members:
            msg = f"no corridor or family called {name!r} (corridors: {', '.join(r.corridor for r in items)})"
            raise KeyError(msg)
        feasible = [r for r in members if r.route is not None]
        if feasible:
            return min(feasible, key=lambda r: r.route.time_h if r.route is not None else float("inf"))
        return named if named is not None else members[0]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-ready dict (the ``compare`` CLI contract).

        Returns
        -------
        dict
            ``origin``, ``destination``, ``reference`` and one ``comparisons`` entry per scenario.
        """
        return {
            "origin": self.origin,
            "destination": self.destination,
            "reference": self.reference,
            "comparisons": [
                {"scenario": s, "corridors": [r.to_dict() for r in items]} for s, items in self.results.items()
            ],
        }

    def to_records(self) -> list[dict[str, Any]]:
        """Return one flat row per scenario and corridor (see :meth:`CorridorResult.to_record`).

        Returns
        -------
        list of dict
            Rows with ``origin`` and ``destination`` first.
        """
        return [
            {"origin": self.origin, "destination": self.destination, **r.to_record()}
            for items in self.results.values()
            for r in items
        ]


def load(path: str | os.PathLike[str] | None = None) -> Corridors:
    """Load corridor definitions (the embedded ``corridors.toml`` by default).

    Parameters
    ----------
    path
        A corridors TOML file.

    Returns
    -------
    Corridors
        The definitions, in file order, with the reference corridor.

    Raises
    ------
    CatalogError
        A definition names an unknown key, place or mode, or the reference is not a corridor.
    """
    path = Path(path) if path else _catalog.data_dir() / "corridors.toml"
    try:
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read corridor definitions ({exc})"
        raise CatalogError(msg) from exc
    groups = {k: frozenset(v) for k, v in cfg.get("groups", {}).items()}
    places = _catalog.load(path.parent if path.parent != _catalog.data_dir() else None).places.index
    out = {}
    for name, d in cfg.get("corridors", {}).items():
        unknown = set(d) - _KEYS
        if unknown:
            msg = f"{path}, corridors.{name}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_KEYS))}"
            raise CatalogError(msg)
        for group in d.get("via", []):
            for p in group:
                if p not in places:
                    msg = f"{path}, corridors.{name}.via: unknown place {p!r}; use a place id of places.csv"
                    raise CatalogError(msg)
        serves: set[str] = set()
        for s in d.get("serves", []):
            serves |= groups.get(s, frozenset({s}))
        east: set[str] = set()
        for s in d.get("east", ["CHN"]):
            east |= groups.get(s, frozenset({s}))
        out[name] = Corridor(
            name=name,
            title=str(d.get("title", name)),
            description=str(d.get("description", "")),
            via=tuple(tuple(g) for g in d.get("via", [])),
            avoid=tuple(d.get("avoid", [])),
            avoid_places=tuple(d.get("avoid_places", [])),
            no_ferries=bool(d.get("no_ferries", False)),
            mode=str(d.get("mode", "rail")),
            serves=frozenset(serves),
            family=str(d.get("family", name)),
            east=frozenset(east),
        )
    regions: dict[str, tuple[frozenset[str], str]] = {}
    for region, d in cfg.get("regions", {}).items():
        codes: set[str] = set()
        for c in d.get("countries", []):
            codes |= groups.get(c, frozenset({c}))
        ref = str(d.get("reference", ""))
        if ref not in out:
            msg = f"{path}, regions.{region}.reference: {ref!r} is not a corridor; use one of {', '.join(out)}"
            raise CatalogError(msg)
        regions[region] = (frozenset(codes), ref)
    reference = str(cfg.get("reference") or next((r for _c, r in regions.values()), next(iter(out), "")))
    if reference not in out:
        msg = f"{path}, key 'reference': {reference!r} is not a corridor; use one of {', '.join(out)}"
        raise CatalogError(msg)
    return Corridors(out, reference, groups, regions)


def corridor_routes(
    G: nx.MultiDiGraph | Compiled,
    c: Corridor,
    origin: str,
    destination: str,
    *,
    k: int = 1,
    avoid_links: Sequence[str] = (),
    explain: bool = True,
) -> list[Route]:
    """Return the fastest route(s) of one corridor; alternatives differ in a crossing, ferry or section.

    Parameters
    ----------
    G
        A network with travel times, or its compiled form.
    c
        The corridor.
    origin, destination
        Place names, aliases or ids.
    k
        Number of routes.
    avoid_links
        Links never used (``crossing:ID`` …).
    explain
        Explain a failure (extra searches).

    Returns
    -------
    list of Route
        Best first.

    Raises
    ------
    NoRouteError
        The corridor does not serve the destination or has no route in this network.
    """
    net = routing.compile(G)
    o, t = routing.resolve_pair(net, origin, destination)
    missing = [p for group in c.via for p in group if p not in net.places]
    if any(all(p in missing for p in group) for group in c.via):
        msg = f"this network has none of the {c.name} corridor's waypoints {', '.join(missing)}"
        raise NoRouteError(msg)
    country_o, country_t = net.places[o].country, net.places[t].country
    eastbound = c.eastbound(country_o, country_t)
    far = country_o if eastbound else country_t
    if c.serves and far not in c.serves:
        msg = f"the {c.name} corridor does not serve {'origins' if eastbound else 'destinations'} in {far}"
        raise NoRouteError(msg)
    countries = net.places.countries()
    via = [[p for p in group if p in net.places] for group in c.via]
    return routing.route(
        net,
        o,
        t,
        optimize="time",
        via=via[::-1] if eastbound else via,
        avoid_countries=[x for x in c.transit_avoid(str(country_o), str(country_t)) if x in countries],
        avoid_places=[p for p in c.avoid_places if p in net.places],
        avoid_kinds=(schema.FERRY,) if c.no_ferries else (),
        avoid_links=avoid_links,
        mode=c.mode,
        k=k,
        explain=explain,
    )


def compare_on(
    G: nx.MultiDiGraph | Compiled, origin: str, destination: str, corridors: Corridors | None = None
) -> list[CorridorResult]:
    """Compare every corridor on one scenario network.

    Parameters
    ----------
    G
        A network with travel times (its ``graph["scenario"]`` names the scenario), or its compiled form.
    origin, destination
        Place names, aliases or ids.
    corridors
        The definitions; the embedded ones by default.

    Returns
    -------
    list of CorridorResult
        One per corridor, with the difference to the reference corridor.
    """
    corridors = corridors or load()
    net = routing.compile(G)
    name = str(net.G.graph.get("scenario", ""))
    o, t = routing.resolve_pair(net, origin, destination)
    reference = corridors.reference_for(net.places[o].country, net.places[t].country)
    results = []
    for c in corridors.values():
        try:
            r: Route | None = corridor_routes(net, c, o, t)[0]
            reason = ""
        except NoRouteError as exc:
            r, reason = None, str(exc)
        results.append(
            CorridorResult(
                c.name, name, r is not None, reason, route=r, title=c.title, reference=reference, family=c.family
            )
        )
    ref = next((res.route for res in results if res.corridor == reference and res.route is not None), None)
    for res in results:
        if ref is not None and res.route is not None:
            res.delta_vs_reference_h = res.route.time_h - ref.time_h
    return results


def compare_networks(
    networks: Mapping[str, nx.MultiDiGraph | Compiled],
    origin: str,
    destination: str,
    corridors: Corridors | None = None,
) -> Comparison:
    """Compare every corridor of one pair on several scenario networks.

    Parameters
    ----------
    networks
        Scenario name → network with travel times (or its compiled form).
    origin, destination
        Place names, aliases or ids.
    corridors
        The definitions; the embedded ones by default.

    Returns
    -------
    Comparison
        Per scenario, one result per corridor.
    """
    corridors = corridors or load()
    compiled = {s: routing.compile(G) for s, G in networks.items()}
    first = next(iter(compiled.values()))
    o, t = routing.resolve_pair(first, origin, destination)
    results = {s: compare_on(net, o, t, corridors) for s, net in compiled.items()}
    reference = corridors.reference_for(first.places[o].country, first.places[t].country)
    return Comparison(o, t, first.places[o].name, first.places[t].name, reference, results)


def compare(
    origin: str, destination: str, scenarios: Sequence[str | os.PathLike[str]] | None = None
) -> dict[str, list[CorridorResult]]:
    """Route every named corridor from ``origin`` to ``destination`` under each scenario.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids.
    scenarios
        Embedded scenario names or TOML paths; ``["baseline"]`` by default.

    Returns
    -------
    dict
        Scenario name → one :class:`CorridorResult` per corridor, with
        ``delta_vs_reference_h`` (negative = faster than the reference corridor).
    """
    networks = {}
    for s in scenarios or ["baseline"]:
        G = _scenario.network(s)
        networks[str(G.graph["scenario"])] = G
    return compare_networks(networks, origin, destination).results

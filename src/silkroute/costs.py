"""Money cost per FEU (40-ft container) along a path, and the generalised cost that values time.

The cost of a path is the sum over its edges of (``data/costs.csv``, every row sourced)

``rail``      km × USD per FEU-km of the line's country and gauge: the ERAI index for the 1520 mm
              railways of Kazakhstan, Russia and Belarus (one price per FEU for the transit leg
              Dostyk → Brest, divided by this network's own length of that leg; cheaper eastbound),
              CAREC CPMM for China, Uzbekistan, Kyrgyzstan and Mongolia, the CAREC average for the
              other CAREC countries, the TEA tariff for Turkey and Iran, and a European intermodal
              rate for Europe;
``road``      km × the CPMM truck rate of the country (the CAREC average elsewhere);
``border``    at a customs crossing, the CPMM fee of leaving one country plus that of entering the
              next, by mode and direction (a crossing's own figure where the CPMM gives one);
``gauge``     a break of gauge (zero at Dostyk/Altynkol, whose gauge change is inside the Kazakh
              inbound border fee);
``ferry``     the ferry tariff per container, wagon or truck;
``port``      a port fee at each of the two ports of a ferry crossing;
``terminal``  a crane lift at a road–rail terminal.

Each value is a low/mode/high triple; an edge's expected cost (``cost_usd``, and per component
``cost_<component>_usd``) uses the expected value under the time model's distribution, and
:mod:`silkroute.uncertainty` samples the same triples (one value per row of ``costs.csv`` per draw,
shared by every edge that uses the row). The *generalised cost* adds the value of time:
``generalized_cost_usd = cost_usd + value of time × hours`` (USD per FEU-hour, ``data/economics.toml``:
the inventory holding cost of a China–Europe container by default).

>>> from silkroute import routing, scenario
>>> r = routing.fastest(scenario.network("baseline"), "Almaty", "Tashkent")
>>> round(r.cost_usd) == round(sum(r.cost_breakdown.values()))
True
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute._errors import CatalogError, InputError
from silkroute.timing import DISTRIBUTIONS, expected

__all__ = [
    "ITEM_COMPONENT",
    "CostModel",
    "Rate",
    "assign_costs",
    "edge_costs",
    "edge_terms",
    "factors_used",
    "graph_attributes",
    "leg_lengths",
    "leg_lengths_of",
    "load_economics",
    "set_value_of_time",
    "through_rate_checks",
]

Triple = tuple[float, float, float]
#: The cost component each item of ``costs.csv`` feeds.
ITEM_COMPONENT = {
    "rail_km": "rail",
    "road_km": "road",
    "border": "border",
    "gauge_change": "gauge",
    "ferry": "ferry",
    "port": "port",
    "terminal": "terminal",
}


@dataclass(frozen=True)
class Rate:
    """One row of ``costs.csv``: what it prices, where it applies and its low/mode/high in USD."""

    id: str
    item: str
    unit: str
    triple: Triple
    countries: frozenset[str] = frozenset()
    gauge: int | None = None
    mode: str | None = None
    direction: str | None = None
    links: frozenset[str] = frozenset()
    leg: tuple[str, str] | None = None
    origin: str | None = None
    destination: str | None = None
    basis: str = ""
    source: str = ""

    def matches(
        self,
        item: str,
        *,
        country: str | None = None,
        gauge: int | None = None,
        mode: str | None = None,
        direction: str | None = None,
        link: str | None = None,
    ) -> bool:
        """Tell whether the row applies to an edge with these properties.

        Parameters
        ----------
        item
            What is priced (``rail_km``, ``border`` …).
        country, gauge, mode, direction, link
            The edge's country (ISO3), gauge (mm), mode, direction (``inbound``, ``outbound``,
            ``westbound``, ``eastbound``) and link id (crossing, ferry or place id).

        Returns
        -------
        bool
            ``True`` if every condition of the row holds (an empty condition always holds).
        """
        return (
            self.item == item
            and (not self.countries or country in self.countries)
            and (self.gauge is None or self.gauge == gauge)
            and (self.mode is None or self.mode == mode)
            and (self.direction in (None, "both") or self.direction == direction)
            and (not self.links or link in self.links)
        )

    def specificity(self) -> int:
        """Return how specific the row is: a row for the link beats one for the country, which beats the default.

        Returns
        -------
        int
            4 for a row that names links, + 2 for one that names countries, + 1 for a gauge.
        """
        return 4 * bool(self.links) + 2 * bool(self.countries) + bool(self.gauge is not None)


def _optional(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _rate(row: Mapping[str, Any]) -> Rate:
    leg = None
    if _optional(row.get("leg")):
        a, b = (p.strip() for p in str(row["leg"]).split(">"))
        leg = (a, b)
    gauge = _optional(row.get("gauge"))
    return Rate(
        id=str(row["id"]),
        item=str(row["item"]),
        unit=str(row["unit"]),
        triple=schema.COST_TRIPLE.read(row),
        countries=frozenset(row.get("country") or ()),
        gauge=None if gauge is None else int(gauge),
        mode=_optional(row.get("mode")),
        direction=_optional(row.get("direction")),
        links=frozenset(row.get("links") or ()),
        leg=leg,
        origin=_optional(row.get("origin")),
        destination=_optional(row.get("destination")),
        basis=str(row.get("basis") or ""),
        source=str(row.get("source") or ""),
    )


def load_economics(cat: _catalog.Catalog) -> dict[str, Any]:
    """Read ``economics.toml`` of a catalog (the payload, FEU per train, value of time, queue calibration).

    Parameters
    ----------
    cat
        A loaded catalog.

    Returns
    -------
    dict
        The parsed file; empty when the catalog has none.

    Raises
    ------
    silkroute.CatalogError
        If the file is not valid TOML.
    """
    path = Path(cat.directory) / "economics.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the economics parameters ({exc})"
        raise CatalogError(msg) from exc


def _vot(cfg: Mapping[str, Any], path: Path) -> tuple[Triple, str]:
    table = cfg.get("value_of_time", {})
    try:
        vot = (
            float(table["low_usd_per_feu_h"]),
            float(table["mode_usd_per_feu_h"]),
            float(table["high_usd_per_feu_h"]),
        )
    except (KeyError, TypeError, ValueError):
        msg = f"{path}, table [value_of_time]: give low_usd_per_feu_h, mode_usd_per_feu_h and high_usd_per_feu_h"
        raise CatalogError(msg) from None
    if not 0 <= vot[0] <= vot[1] <= vot[2] or not all(map(math.isfinite, vot)):
        msg = f"{path}, table [value_of_time]: need 0 <= low <= mode <= high, got {vot}"
        raise CatalogError(msg)
    return vot, str(table.get("source", ""))


@dataclass(frozen=True)
class CostModel:
    """The rates of ``costs.csv``, the value of time and this network's length of each priced leg."""

    rates: tuple[Rate, ...]
    value_of_time: Triple = (0.0, 0.0, 0.0)
    feu_per_teu_price: Triple = (1.58, 1.58, 1.58)  # a FEU's price over a TEU's (the pack's rule)
    distribution: str = "pert"
    legs_km: dict[str, float] = field(default_factory=dict)  # rate id -> km of its leg on the network
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, cat: _catalog.Catalog | None = None) -> CostModel | None:
        """Read ``costs.csv`` and ``economics.toml`` of a catalog.

        Parameters
        ----------
        cat
            A loaded catalog; the embedded one by default.

        Returns
        -------
        CostModel or None
            ``None`` when the catalog has no ``costs.csv`` (its networks carry no costs).
        """
        cat = cat or _catalog.load()
        if cat.costs is None:
            return None
        cfg = load_economics(cat)
        vot, source = _vot(cfg, Path(cat.directory) / "economics.toml") if cfg else ((0.0, 0.0, 0.0), "")
        rates = tuple(_rate(r) for r in cat.costs.to_dict("records"))
        c = cfg.get("container", {})
        ratio = tuple(float(c.get(f"feu_per_teu_price_{p}", 1.58)) for p in schema.PARTS)
        return cls(rates, vot, (ratio[0], ratio[1], ratio[2]), sources={"value_of_time": source})

    @property
    def value_of_time_usd_per_h(self) -> float:
        """The expected value of time, USD per FEU-hour."""
        return self.mean(self.value_of_time)

    def expected_rates(self) -> dict[str, float]:
        """Return every rate's expected USD (:meth:`mean` of its triple), by rate id.

        Returns
        -------
        dict
            Rate id → USD (per km, per FEU crossing, per FEU and leg, as the row's unit says).
        """
        return {r.id: self.mean(r.triple) for r in self.rates}

    def mean(self, triple: Iterable[float]) -> float:
        """Return the expected value of a low/mode/high triple.

        Parameters
        ----------
        triple
            ``(low, mode, high)``.

        Returns
        -------
        float
            The mean under the model's distribution.
        """
        low, mode, high = triple
        return expected(low, mode, high, self.distribution)

    def with_value_of_time(self, usd_per_feu_h: float) -> CostModel:
        """Return a copy that values time at a fixed USD per FEU-hour.

        Parameters
        ----------
        usd_per_feu_h
            A finite number >= 0.

        Returns
        -------
        CostModel
            The copy.

        Raises
        ------
        silkroute.InputError
            If the value is negative or not finite.
        """
        v = float(usd_per_feu_h)
        if not math.isfinite(v) or v < 0:
            msg = f"the value of time must be a finite number of USD per FEU-hour >= 0, not {usd_per_feu_h!r}"
            raise InputError(msg)
        return replace(self, value_of_time=(v, v, v))

    def with_distribution(self, distribution: str) -> CostModel:
        """Return a copy whose expected values use another distribution (``pert`` or ``triangular``).

        Parameters
        ----------
        distribution
            One of :data:`silkroute.timing.DISTRIBUTIONS`.

        Returns
        -------
        CostModel
            The copy.
        """
        if distribution not in DISTRIBUTIONS:
            msg = f"unknown distribution {distribution!r}; use one of {', '.join(DISTRIBUTIONS)}"
            raise InputError(msg)
        return replace(self, distribution=distribution)

    @functools.cached_property
    def _by_item(self) -> dict[str, tuple[Rate, ...]]:
        out: dict[str, list[Rate]] = {}
        for r in self.rates:
            out.setdefault(r.item, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def _by_id(self) -> dict[str, Rate]:
        return {r.id: r for r in self.rates}

    def rate(self, rate_id: str) -> Rate:
        """Return a row by id.

        Parameters
        ----------
        rate_id
            The ``id`` of a ``costs.csv`` row.

        Returns
        -------
        Rate
            The row.
        """
        return self._by_id[rate_id]

    def find(self, item: str, **conditions: Any) -> Rate | None:
        """Return the most specific row that applies (see :meth:`Rate.matches`), first in file order on ties.

        Parameters
        ----------
        item
            What is priced.
        **conditions
            ``country``, ``gauge``, ``mode``, ``direction``, ``link``.

        Returns
        -------
        Rate or None
            The row, or ``None`` when no row (not even a default) applies. Rows priced per leg
            apply only when the network's length of their leg is known.
        """
        best: Rate | None = None
        for r in self._by_item.get(item, ()):
            if r.unit == "usd_per_feu_leg" and r.id not in self.legs_km:
                continue
            if r.matches(item, **conditions) and (best is None or r.specificity() > best.specificity()):
                best = r
        return best


def _km(d: Mapping[str, Any]) -> float:
    return float(d.get(schema.LENGTH, 0.0)) / 1000.0


def edge_terms(
    u: Mapping[str, Any], v: Mapping[str, Any], d: Mapping[str, Any], model: CostModel
) -> list[tuple[str, str, float]]:
    """Return the cost terms of one edge: ``(component, rate id, coefficient)``; USD = Σ coefficient × rate.

    Parameters
    ----------
    u, v
        The attributes of the edge's tail and head nodes (their ``country``, ``place``, ``x``).
    d
        The edge's attributes.
    model
        The cost model.

    Returns
    -------
    list of tuple
        Empty for an edge that costs nothing (a crossing without customs, an edge no row prices).
    """
    kind = d.get("kind")
    out: list[tuple[str, str, float]] = []

    def add(item: str, coef: float = 1.0, **conditions: Any) -> None:
        r = model.find(item, **conditions)
        if r is not None:
            per_leg = r.unit == "usd_per_feu_leg"
            out.append((ITEM_COMPONENT[item], r.id, coef / model.legs_km[r.id] if per_leg else coef))

    if kind in schema.TRACK_KINDS:
        mode = d.get("mode")
        country = d.get("country") or u.get("country")
        direction = "westbound" if float(v.get("x", 0.0)) < float(u.get("x", 0.0)) else "eastbound"
        gauge = d.get("gauge")
        gauge = None if gauge is None or gauge != gauge else int(gauge)
        item = "rail_km" if mode == "rail" else "road_km"
        add(item, _km(d), country=country, gauge=gauge, mode=mode, direction=direction)
    elif kind == schema.CROSSING:
        if d.get("customs"):
            for country, direction in ((u.get("country"), "outbound"), (v.get("country"), "inbound")):
                add("border", country=country, mode=d.get("mode"), direction=direction, link=d.get("crossing"))
    elif kind == schema.GAUGE_CHANGE:
        add("gauge_change", mode="rail", link=d.get("gauge_change"))
    elif kind == schema.FERRY:
        add("ferry", mode=d.get("carries"), link=d.get("ferry"))
        for port in (u.get("place"), v.get("place")):
            add("port", link=port)
    elif kind == schema.TRANSFER:
        add("terminal", link=d.get("terminal"))
    return out


def leg_lengths(G: nx.MultiDiGraph, model: CostModel) -> dict[str, float]:
    """Return this network's km of each leg priced per FEU and leg (the ERAI leg Dostyk → Brest).

    The leg's length is the shortest path between its two places over the operational rail
    lines and crossings of the rate's gauge (whatever a scenario closes), so that the per-km
    rate is the leg's price divided by the leg as this network draws it; rows that price other
    countries with the same leg's price (a proxy) get the same length.

    Parameters
    ----------
    G
        A network.
    model
        The cost model.

    Returns
    -------
    dict
        Rate id → km, for the legs whose ends are connected.
    """
    nodes = list(G.nodes)
    row = {n: i for i, n in enumerate(nodes)}
    data = [d for _u, _v, d in G.edges(data=True)]
    return leg_lengths_of(
        model,
        {a: np.array([G.nodes[n].get(a) for n in nodes], dtype=object) for a in ("place", "mode", "layer")},
        u=np.array([row[e] for e, _v in G.edges()], dtype=np.int64),
        v=np.array([row[e] for _u, e in G.edges()], dtype=np.int64),
        kind=np.array([d.get("kind") for d in data], dtype=object),
        status=np.array([d.get("status") for d in data], dtype=object),
        length=np.array([float(d.get(schema.LENGTH, 0.0)) for d in data]),
    )


def leg_lengths_of(
    model: CostModel,
    nodes: Mapping[str, np.ndarray],
    *,
    u: np.ndarray,
    v: np.ndarray,
    kind: np.ndarray,
    status: np.ndarray,
    length: np.ndarray,
) -> dict[str, float]:
    """:func:`leg_lengths` on arrays: node columns ``place``, ``mode``, ``layer``; edges by node row.

    Parameters
    ----------
    model
        The cost model.
    nodes
        ``place``, ``mode`` and ``layer`` of every node (one row each).
    u, v
        The rows of each edge's ends.
    kind, status, length
        Each edge's kind, status and length (m).

    Returns
    -------
    dict
        Rate id → km, for the legs whose ends are connected.
    """
    from scipy.sparse.csgraph import dijkstra

    n = len(nodes["place"])
    rail = nodes["mode"] == "rail"
    layer = nodes["layer"]
    track = np.isin(kind, [*schema.TRACK_KINDS, schema.CROSSING]) & (status == "operational")
    track &= rail[u] & rail[v] & (layer[u] == layer[v])
    out: dict[str, float] = {}
    done: dict[tuple[str, str, str | None], float | None] = {}
    for r in model.rates:
        if r.leg is None:
            continue
        name = schema.layer_name("rail", r.gauge) if r.gauge is not None else None
        key = (r.leg[0], r.leg[1], name)
        if key not in done:
            ok = track & (layer[u] == name) if name is not None else track
            in_layer = rail & (layer == name) if name is not None else rail
            sources = np.flatnonzero(in_layer & (nodes["place"] == r.leg[0]))
            targets = np.flatnonzero(in_layer & (nodes["place"] == r.leg[1]))
            km = None
            if len(sources) and len(targets):
                graph = _min_duplicates(length[ok], u[ok], v[ok], n)
                dist = dijkstra(graph, indices=sources, min_only=True)[targets]
                km = float(dist.min()) / 1000.0 if np.isfinite(dist).any() else None
            done[key] = km
        if done[key] is not None:
            out[r.id] = float(done[key])  # type: ignore[arg-type]
    return out


def _min_duplicates(w: np.ndarray, u: np.ndarray, v: np.ndarray, n: int) -> Any:
    """A CSR matrix of the least weight of each (u, v) pair (a CSR constructor would sum parallel edges)."""
    from scipy.sparse import csr_array

    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])] if len(u) else np.zeros(0, dtype=bool)
    return csr_array((w[first], (u[first], v[first])), shape=(n, n))


def edge_costs(
    u: Mapping[str, Any], v: Mapping[str, Any], d: Mapping[str, Any], model: CostModel, rates: Mapping[str, float]
) -> dict[str, float]:
    """Return one edge's expected USD per FEU: ``cost_<component>_usd`` and ``cost_usd``.

    Parameters
    ----------
    u, v
        The attributes of the edge's tail and head nodes.
    d
        The edge's attributes.
    model
        The cost model (with this network's leg lengths).
    rates
        Rate id → its expected USD (``model.mean`` of its triple).

    Returns
    -------
    dict
        Attribute → USD.
    """
    parts = dict.fromkeys(schema.COST_COMPONENTS, 0.0)
    for component, rate_id, coef in edge_terms(u, v, d, model):
        parts[component] += coef * rates[rate_id]
    out = {schema.cost_attr(c): usd for c, usd in parts.items()}
    out[schema.COST] = math.fsum(parts.values())
    return out


def assign_costs(G: nx.MultiDiGraph, model: CostModel | None) -> nx.MultiDiGraph:
    """Set ``cost_usd``, ``cost_<component>_usd`` and ``generalized_cost_usd`` on every edge, in place.

    Run after :func:`silkroute.timing.assign_travel_times` (the generalised cost values the
    edge's ``travel_time``). ``graph["cost_model"]`` keeps the model (with this network's leg
    lengths) for the uncertainty analysis.

    Parameters
    ----------
    G
        A network with travel times.
    model
        The cost model; ``None`` leaves the network without costs.

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself, for chaining.
    """
    if model is None:
        return G
    model = replace(model, legs_km=leg_lengths(G, model))
    rates = model.expected_rates()
    vot = model.value_of_time_usd_per_h
    for u, v, d in G.edges(data=True):
        d.update(edge_costs(G.nodes[u], G.nodes[v], d, model, rates))
        d[schema.GENERALIZED_COST] = d[schema.COST] + vot * float(d.get(schema.TRAVEL_TIME, 0.0)) / 3600.0
    G.graph.update(graph_attributes(model))
    return G


def graph_attributes(model: CostModel) -> dict[str, Any]:
    """Return the graph attributes a costed network carries: the model, its value of time, the FEU/TEU price rule.

    Parameters
    ----------
    model
        The cost model, with the network's leg lengths.

    Returns
    -------
    dict
        ``cost_model``, ``value_of_time_usd_per_feu_h`` and ``feu_per_teu_price``.
    """
    return {
        "cost_model": model,
        "value_of_time_usd_per_feu_h": model.value_of_time_usd_per_h,
        "feu_per_teu_price": model.feu_per_teu_price[1],  # the rule: its mode
    }


def set_value_of_time(G: nx.MultiDiGraph, usd_per_feu_h: float) -> nx.MultiDiGraph:
    """Value time at ``usd_per_feu_h`` on a costed network: rewrite every edge's ``generalized_cost_usd``.

    Parameters
    ----------
    G
        A network with costs (see :func:`assign_costs`).
    usd_per_feu_h
        USD per FEU-hour, >= 0.

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself, for chaining.

    Raises
    ------
    silkroute.InputError
        If the network has no costs or the value is invalid.
    """
    model = G.graph.get("cost_model")
    if not isinstance(model, CostModel):
        msg = "this network has no costs (its catalog has no costs.csv), so time cannot be valued against them"
        raise InputError(msg)
    model = model.with_value_of_time(usd_per_feu_h)
    vot = model.value_of_time_usd_per_h
    for _u, _v, d in G.edges(data=True):
        d[schema.GENERALIZED_COST] = float(d[schema.COST]) + vot * float(d.get(schema.TRAVEL_TIME, 0.0)) / 3600.0
    G.graph["cost_model"] = model
    G.graph["value_of_time_usd_per_feu_h"] = vot
    return G


def through_rate_checks(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Compare the bottom-up cost of the cheapest route with each published through rate of ``costs.csv``.

    Through rates (``item = through_rate``) are never added to a cost: they are the check. The
    modelled figure is the cheapest rail route (``optimize="cost"``) between the row's places.

    Parameters
    ----------
    G
        A network with costs.

    Returns
    -------
    list of dict
        ``id``, ``origin``, ``destination``, ``published_usd`` (low/mode/high), ``modelled_usd``,
        ``ratio`` (modelled / published mode) and ``source``; empty without costs.
    """
    from silkroute import routing
    from silkroute._errors import NoRouteError

    model = G.graph.get("cost_model")
    if not isinstance(model, CostModel):
        return []
    net = routing.compile(G)
    out = []
    for r in model.rates:
        if r.item != "through_rate" or r.origin is None or r.destination is None:
            continue
        try:
            found = routing.route(net, r.origin, r.destination, optimize="cost", mode="rail", explain=False)[0]
            modelled: float | None = found.cost_usd
        except (NoRouteError, KeyError):
            modelled = None
        out.append(
            {
                "id": r.id,
                "origin": r.origin,
                "destination": r.destination,
                "published_usd": list(r.triple),
                "modelled_usd": None if modelled is None else round(modelled, 0),
                "ratio": None if modelled is None else round(modelled / r.triple[1], 2),
                "basis": r.basis,
                "source": r.source,
            }
        )
    return out


def factors_used(G: nx.MultiDiGraph, routes: Iterable[Any]) -> list[dict[str, Any]]:
    """Return every cost row and emission factor the routes use: factor, value, basis and source.

    Parameters
    ----------
    G
        The network the routes were found on (its ``cost_model`` and ``emission_model``).
    routes
        :class:`~silkroute.routing.Route` objects.

    Returns
    -------
    list of dict
        ``kind`` (``cost`` or ``co2e``), ``id``, ``what``, ``value`` (low/mode/high with the unit),
        ``basis``, ``source``, once per row, in first-use order.
    """
    from silkroute import emissions

    cost_model, emission_model = G.graph.get("cost_model"), G.graph.get("emission_model")
    seen: dict[str, dict[str, Any]] = {}
    for r in routes:
        for (u, v, _k), d in zip(r.edges, r.edge_data, strict=True):
            if isinstance(cost_model, CostModel):
                for component, rid, _coef in edge_terms(r.G.nodes[u], r.G.nodes[v], d, cost_model):
                    if f"cost:{rid}" in seen:
                        continue
                    rate = cost_model.rate(rid)
                    low, mode, high = rate.triple
                    unit = {
                        "usd_per_feu_km": "USD/FEU-km",
                        "usd_per_feu_leg": "USD/FEU for the leg",
                        "usd_per_feu": "USD/FEU",
                    }[rate.unit]
                    where = ", ".join(sorted(rate.countries | rate.links)) or "default"
                    seen[f"cost:{rid}"] = {
                        "kind": "cost",
                        "id": rid,
                        "what": f"{component} ({where}{', ' + rate.direction if rate.direction else ''})",
                        "value": f"{low:g}/{mode:g}/{high:g} {unit}"
                        + (f" ({cost_model.legs_km[rid]:,.0f} km here)" if rid in cost_model.legs_km else ""),
                        "basis": rate.basis,
                        "source": rate.source,
                    }
            if isinstance(emission_model, emissions.EmissionModel):
                for _component, share, _part, factor, _tkm in emissions.edge_terms(r.G.nodes[u], d, emission_model):
                    for key, table, unit in (
                        (factor, emission_model.factors, "g CO2e/tkm"),
                        (share, emission_model.shares, "electrified"),
                    ):
                        if key is None or f"co2e:{key}" in seen:
                            continue
                        low, mode, high = table[key]
                        row_id, basis, source = emission_model.rows.get(key, ("", "", ""))
                        value = (
                            f"{low:g}/{mode:g}/{high:g} {unit}"
                            if unit != "electrified"
                            else f"{100 * low:g}/{100 * mode:g}/{100 * high:g} % electrified"
                        )
                        seen[f"co2e:{key}"] = {
                            "kind": "co2e",
                            "id": row_id,
                            "what": key,
                            "value": value,
                            "basis": basis,
                            "source": source,
                        }
    return list(seen.values())

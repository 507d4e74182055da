"""CO₂e per FEU along a path, by the GLEC Framework / ISO 14083 method: tonne-km × a factor by mode and traction.

For every edge that moves the container (rail and road sections, border crossings, ferries)::

    kg CO2e = payload (t per FEU, 20) × km × factor (g CO2e per tkm, well-to-wheel) / 1000
    factor(rail) = s × electric(country) + (1 − s) × diesel

``s`` is the electrified share of the line (``electrification.csv``: the line's own row, else its
country's); ``electric(country)`` is the country's grid intensity × the energy intensity of an electric
freight train, ``diesel`` a diesel freight train, road a heavy truck and ferries a RoPax ferry
(``emissions.csv``, every row sourced). A ferry's km is the straight line between its ports.
Breaks of gauge and terminal transfers move no tonne-km and emit nothing here.

Each value is a low/mode/high triple. The expected CO₂e of an edge uses the expected share and
factors (the share and the factors are independent, so the expected value of the product is the
product of expected values), split into ``co2_rail_electric_kg``, ``co2_rail_diesel_kg``,
``co2_road_kg`` and ``co2_ferry_kg``; :mod:`silkroute.uncertainty` samples the same triples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute.costs import load_economics
from silkroute.timing import expected

__all__ = ["EmissionModel", "Term", "assign_emissions", "edge_co2", "edge_terms"]

Triple = tuple[float, float, float]
#: One term of an edge's CO2e: (component, share key or None, "electric"/"diesel"/None, factor key, t·km).
Term = tuple[str, str | None, str | None, str, float]


@dataclass(frozen=True)
class EmissionModel:
    """Emission factors (g CO₂e/tkm) and electrified shares (fractions), by key, with their rows' ids and sources."""

    factors: dict[
        str, Triple
    ]  # "rail:electric:KAZ", "rail:electric:", "rail:diesel:", "road:diesel:", "ferry:marine fuel:"
    shares: dict[str, Triple]  # "line:ID", "country:KAZ", "country:" (the default); fractions 0..1
    payload_t: float = 20.0
    distribution: str = "pert"
    rows: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # key -> (row id, basis, source)

    @classmethod
    def from_catalog(cls, cat: _catalog.Catalog | None = None) -> EmissionModel | None:
        """Read ``emissions.csv``, ``electrification.csv`` and the payload of ``economics.toml``.

        Parameters
        ----------
        cat
            A loaded catalog; the embedded one by default.

        Returns
        -------
        EmissionModel or None
            ``None`` when the catalog has no ``emissions.csv``.
        """
        cat = cat or _catalog.load()
        if cat.emissions is None:
            return None
        factors: dict[str, Triple] = {}
        rows: dict[str, tuple[str, str, str]] = {}
        for r in cat.emissions.to_dict("records"):
            key = f"{r['mode']}:{r['traction']}:{r['country'] or ''}"
            factors[key] = schema.EF.read(r)
            rows[key] = (str(r["id"]), str(r["basis"]), str(r["source"]))
        shares: dict[str, Triple] = {}
        if cat.electrification is not None:
            for r in cat.electrification.to_dict("records"):
                key = f"line:{r['line']}" if r["line"] else f"country:{r['country'] or ''}"
                low, mode, high = schema.ELECTRIFIED.read(r)
                shares[key] = (low / 100.0, mode / 100.0, high / 100.0)
                rows[key] = (str(r["id"]), str(r["basis"]), str(r["source"]))
        payload = float(load_economics(cat).get("container", {}).get("payload_t_per_feu", 20.0))
        return cls(factors, shares, payload, rows=rows)

    def expected_values(self) -> tuple[dict[str, float], dict[str, float]]:
        """Return the expected value of every factor and of every electrified share, by key.

        Returns
        -------
        (factors, shares)
            Factor key → g CO₂e/tkm and share key → fraction, each the :meth:`mean` of its triple.
        """
        return {k: self.mean(t) for k, t in self.factors.items()}, {k: self.mean(t) for k, t in self.shares.items()}

    def mean(self, triple: Triple) -> float:
        """Return the expected value of a triple under the model's distribution.

        Parameters
        ----------
        triple
            ``(low, mode, high)``.

        Returns
        -------
        float
            The mean.
        """
        return expected(*triple, self.distribution)

    def factor_key(self, mode: str, traction: str, country: str | None) -> str | None:
        """Return the key of the factor for a mode, traction and country (the country's, else the default).

        Parameters
        ----------
        mode, traction
            ``rail``/``road``/``ferry`` and ``electric``/``diesel``/``marine fuel``.
        country
            ISO3 code.

        Returns
        -------
        str or None
            A key of :attr:`factors`, ``None`` if there is no factor at all.
        """
        for key in (f"{mode}:{traction}:{country or ''}", f"{mode}:{traction}:"):
            if key in self.factors:
                return key
        return None

    def share_key(self, line: str | None, country: str | None) -> str | None:
        """Return the key of the electrified share of a line (its own row, else its country's, else the default).

        Parameters
        ----------
        line
            A line id.
        country
            ISO3 code.

        Returns
        -------
        str or None
            A key of :attr:`shares`.
        """
        for key in (f"line:{line}", f"country:{country or ''}", "country:"):
            if key in self.shares:
                return key
        return None


def edge_terms(u: Mapping[str, Any], d: Mapping[str, Any], model: EmissionModel) -> list[Term]:
    """Return the CO₂e terms of one edge; kg = Σ t·km × share part × factor / 1000.

    Parameters
    ----------
    u
        The attributes of the edge's tail node (its ``country``, for crossings).
    d
        The edge's attributes.
    model
        The emission model.

    Returns
    -------
    list of Term
        ``(component, share key, part, factor key, t·km)``; part ``"electric"`` weighs the factor by the
        share, ``"diesel"`` by one minus the share, ``None`` by one.
    """
    kind = d.get("kind")
    tkm = model.payload_t * float(d.get(schema.LENGTH, 0.0)) / 1000.0
    if tkm <= 0:
        return []
    out: list[Term] = []
    if kind in (*schema.TRACK_KINDS, schema.CROSSING):
        country = d.get("country") or u.get("country")
        if d.get("mode") == "rail":
            share = model.share_key(d.get("line_id"), country)
            electric = model.factor_key("rail", "electric", country)
            diesel = model.factor_key("rail", "diesel", country)
            if share is not None and electric is not None:
                out.append(("rail_electric", share, "electric", electric, tkm))
            if diesel is not None:
                out.append(("rail_diesel", share, "diesel", diesel, tkm))
        elif d.get("mode") == "road":
            key = model.factor_key("road", "diesel", country)
            if key is not None:
                out.append(("road", None, None, key, tkm))
    elif kind == schema.FERRY:
        key = model.factor_key("ferry", "marine fuel", None)
        if key is not None:
            out.append(("ferry", None, None, key, tkm))
    return out


def _part(share: float | None, part: str | None) -> float:
    if part == "electric":
        return share or 0.0
    if part == "diesel":
        return 1.0 - (share or 0.0)
    return 1.0


def assign_emissions(G: nx.MultiDiGraph, model: EmissionModel | None) -> nx.MultiDiGraph:
    """Set ``co2_kg`` and ``co2_<component>_kg`` (expected kg CO₂e per FEU) on every edge, in place.

    Parameters
    ----------
    G
        A network.
    model
        The emission model; ``None`` leaves the network without CO₂e.

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself; ``graph["emission_model"]`` keeps the model.
    """
    if model is None:
        return G
    factors, shares = model.expected_values()
    for u, _v, d in G.edges(data=True):
        d.update(edge_co2(G.nodes[u], d, model, factors, shares))
    G.graph["emission_model"] = model
    return G


def edge_co2(
    u: Mapping[str, Any],
    d: Mapping[str, Any],
    model: EmissionModel,
    factors: Mapping[str, float],
    shares: Mapping[str, float],
) -> dict[str, float]:
    """Return one edge's expected kg CO₂e per FEU: ``co2_<component>_kg`` and ``co2_kg``.

    Parameters
    ----------
    u
        The attributes of the edge's tail node.
    d
        The edge's attributes.
    model
        The emission model.
    factors, shares
        Factor and share key → expected value (:meth:`EmissionModel.expected_values`).

    Returns
    -------
    dict
        Attribute → kg.
    """
    parts = dict.fromkeys(schema.CO2_COMPONENTS, 0.0)
    for component, share, part, factor, tkm in edge_terms(u, d, model):
        parts[component] += tkm * _part(None if share is None else shares[share], part) * factors[factor] / 1000.0
    out = {schema.co2_attr(c): kg for c, kg in parts.items()}
    out[schema.CO2] = math.fsum(parts.values())
    return out

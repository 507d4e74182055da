"""The network schema: edge kinds, attribute names and units, low/mode/high triples, time components.

This module is the one owner of these names; every other module imports them.
Networks follow the osmnx conventions (``graph["crs"]``, node ``x``/``y``,
edge ``length`` in metres, ``geometry``, ``speed_kph``, ``travel_time`` in
seconds) and add the silkroute attributes below.

Edge kinds
----------
``line``          a rail or road section (``mode``, ``gauge``, ``speed_class``, ``line_id``, ``country``);
``snap``          a short connector the builder added between a dangling line end and a line;
``crossing``      a border crossing (``crossing`` id, ``border``, ``customs``, dwell triple);
``gauge_change``  transshipment or bogie exchange between gauge layers of one station;
``ferry``         a sea or lake ferry between two ports (``ferry`` id, ``carries``, sailing and wait triples);
``transfer``      road ↔ rail at an intermodal terminal (``terminal`` place id, transfer triple).

Cost and CO₂e per FEU
---------------------
Every edge of a scenario network also carries its expected money cost per FEU (``cost_usd``,
split into ``cost_<component>_usd`` for :data:`COST_COMPONENTS`), its generalised cost
(``generalized_cost_usd`` = cost + value of time × hours) and its well-to-wheel CO₂e per FEU
(``co2_kg``, split into ``co2_<component>_kg`` for :data:`CO2_COMPONENTS`); see
:mod:`silkroute.costs` and :mod:`silkroute.emissions`.

>>> DWELL.columns
('dwell_low_h', 'dwell_mode_h', 'dwell_high_h')
>>> link_ref(CROSSING, "BY-BREST~PL-TERESPOL")
'crossing:BY-BREST~PL-TERESPOL'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "BLOCKED_BY",
    "BORDER",
    "CAPACITY",
    "CLOSED_DAYS",
    "CLOSURE",
    "CO2",
    "CO2_COMPONENTS",
    "COMPONENTS",
    "COST",
    "COST_COMPONENTS",
    "COST_TRIPLE",
    "CROSSING",
    "DEPARTURES",
    "DWELL",
    "DWELL_BASES",
    "DWELL_REVERSE",
    "EDGE_KINDS",
    "EF",
    "ELECTRIFIED",
    "EVENT_DAYS",
    "FACTORS",
    "FERRY",
    "FERRY_SAILING",
    "FERRY_WAIT",
    "GAUGES",
    "GAUGE_CHANGE",
    "GENERALIZED_COST",
    "KIND_TERMS",
    "LENGTH",
    "LINE",
    "LINE_MODES",
    "PARTS",
    "PLACE_KINDS",
    "PUBLISHED_KM",
    "REF_ATTRIBUTE",
    "REF_KINDS",
    "REST",
    "RUNNING",
    "SAILING",
    "SCHEDULE",
    "SNAP",
    "SPEED",
    "SPEED_SCALE",
    "STATUSES",
    "TRACK_KINDS",
    "TRANSFER",
    "TRANSFER_KINDS",
    "TRANSFER_TIME",
    "TRANSSHIP",
    "TRAVEL_TIME",
    "USABLE",
    "WAIT",
    "Triple",
    "co2_attr",
    "component_attr",
    "cost_attr",
    "edge_refs",
    "hours_attrs",
    "layer_gauge",
    "layer_name",
    "link_ref",
    "money_attrs",
    "split_ref",
]

# --------------------------------------------------------------------------- kinds, modes, gauges

LINE: Final = "line"
SNAP: Final = "snap"
CROSSING: Final = "crossing"
GAUGE_CHANGE: Final = "gauge_change"
FERRY: Final = "ferry"
TRANSFER: Final = "transfer"
#: Every edge kind, in the order they are documented.
EDGE_KINDS: Final = (LINE, SNAP, CROSSING, GAUGE_CHANGE, FERRY, TRANSFER)
#: Kinds that carry running time (length × pace of a speed class).
TRACK_KINDS: Final = (LINE, SNAP)
#: Kinds added by :mod:`silkroute.network` between line layers.
TRANSFER_KINDS: Final = (CROSSING, GAUGE_CHANGE, FERRY, TRANSFER)
#: Modes of line sections.
LINE_MODES: Final = ("rail", "road")
#: Track gauges in mm.
GAUGES: Final = (1435, 1520, 1668)
STATUSES: Final = ("operational", "under_construction", "planned")
#: Kinds of places (nodes that stand for a named place).
PLACE_KINDS: Final = ("city", "station", "border", "gauge_change", "port", "terminal")

# --------------------------------------------------------------------------- attributes (units in the name or here)

LENGTH: Final = "length"  # metres (osmnx)
TRAVEL_TIME: Final = "travel_time"  # seconds (osmnx)
USABLE: Final = "usable"  # bool: the edge may be used under the network's scenario
BLOCKED_BY: Final = "blocked_by"  # str | None: why not
SPEED_SCALE: Final = "speed_scale"  # factor on speed set by a scenario (1 = catalog speed)

#: The attribute holding the id of what an edge stands for, by the kind of reference.
REF_ATTRIBUTE: Final[Mapping[str, str]] = {
    CROSSING: "crossing",
    GAUGE_CHANGE: "gauge_change",
    FERRY: "ferry",
    TRANSFER: "terminal",
    "line": "line_id",
}
#: Reference kinds that ``avoid_links`` and chokepoints name (``crossing:ID`` …).
REF_KINDS: Final = (CROSSING, FERRY, GAUGE_CHANGE, "line")


def link_ref(kind: str, ident: str) -> str:
    """Return the reference of a link, ``kind:id``.

    Parameters
    ----------
    kind
        One of :data:`REF_KINDS`.
    ident
        The crossing, ferry or line id, or the gauge-change place id.

    Returns
    -------
    str
        ``"crossing:ID"``, ``"ferry:ID"``, ``"gauge_change:PLACE"`` or ``"line:ID"``.
    """
    return f"{kind}:{ident}"


def split_ref(ref: str) -> tuple[str, str]:
    """Split ``kind:id`` into its kind and id.

    Parameters
    ----------
    ref
        A link reference.

    Returns
    -------
    tuple of str
        ``(kind, id)``; the kind is empty when ``ref`` has no colon.
    """
    kind, sep, ident = ref.partition(":")
    return (kind, ident) if sep else ("", ref)


def edge_refs(d: Mapping[str, Any]) -> frozenset[str]:
    """Return the references of one edge that ``avoid_links`` can match.

    Parameters
    ----------
    d
        Edge attributes.

    Returns
    -------
    frozenset of str
        ``crossing:ID``, ``ferry:ID``, ``gauge_change:PLACE`` and ``line:ID`` as present.
    """
    return frozenset(link_ref(k, str(d[REF_ATTRIBUTE[k]])) for k in REF_KINDS if d.get(REF_ATTRIBUTE[k]))


def layer_name(mode: str, gauge: Any = None) -> str:
    """Return the layer key of a mode and gauge (``rail1520``, ``road``, ``rail``).

    Parameters
    ----------
    mode
        ``rail`` or ``road``.
    gauge
        Track gauge in mm, or ``None``/NaN/empty for unknown.

    Returns
    -------
    str
        The layer key.

    Examples
    --------
    >>> layer_name("rail", 1520), layer_name("road"), layer_name("rail", float("nan"))
    ('rail1520', 'road', 'rail')
    """
    if gauge is None or gauge == "" or (isinstance(gauge, float) and gauge != gauge):
        return str(mode)
    return f"{mode}{int(gauge)}"


def layer_gauge(layer: str) -> int | None:
    """Return the gauge of a layer key (``rail1520`` → 1520), ``None`` for a layer without one.

    Parameters
    ----------
    layer
        A layer key.

    Returns
    -------
    int or None
        The gauge in mm.
    """
    digits = layer.lstrip("abcdefghijklmnopqrstuvwxyz")
    return int(digits) if digits.isdigit() else None


# --------------------------------------------------------------------------- low/mode/high triples

PARTS: Final = ("low", "mode", "high")


@dataclass(frozen=True)
class Triple:
    """A low/mode/high value stored in three columns (``dwell_low_h``, ``dwell_mode_h``, ``dwell_high_h``).

    ``name`` identifies the quantity (it keys Monte Carlo parameters and
    scenario overrides); ``pattern`` names its columns, ``{}`` standing for
    ``low``, ``mode`` or ``high``.
    """

    name: str
    pattern: str

    @property
    def columns(self) -> tuple[str, str, str]:
        """The three column names, low first."""
        low, mode, high = (self.pattern.format(part) for part in PARTS)
        return (low, mode, high)

    def read(self, row: Mapping[str, Any]) -> tuple[float, float, float]:
        """Return ``(low, mode, high)`` of a row or edge.

        Parameters
        ----------
        row
            A mapping with the three columns.

        Returns
        -------
        tuple of float
            The values, low first.
        """
        low, mode, high = (float(row[c]) for c in self.columns)
        return (low, mode, high)


DWELL: Final = Triple("dwell", "dwell_{}_h")  # border crossing (from → to), or port and border clearance of a ferry
DWELL_REVERSE: Final = Triple("dwell", "dwell_rev_{}_h")  # border crossing in the other direction (to → from)
TRANSSHIP: Final = Triple("transship", "transship_{}_h")  # break of gauge
SAILING: Final = Triple("sailing", "sailing_{}_h")  # ferry
WAIT: Final = Triple("wait", "wait_{}_h")  # waiting for a ferry departure
TRANSFER_TIME: Final = Triple("transfer", "transfer_{}_h")  # road-rail terminal
SPEED: Final = Triple("speed", "speed_{}_kph")  # speed class
PUBLISHED_KM: Final = Triple("published_km", "published_km_{}")  # published length of a line section
COST_TRIPLE: Final = Triple("cost", "cost_{}_usd")  # costs.csv: USD per FEU, per FEU-km or per FEU and leg
EF: Final = Triple("ef", "ef_{}_g_tkm")  # emissions.csv: g CO2e per tonne-km, well-to-wheel
ELECTRIFIED: Final = Triple("electrified", "electrified_{}_pct")  # electrification.csv: share of electric traction, %
CAPACITY: Final = Triple("capacity", "capacity_{}")  # capacity.csv, in the row's unit
CLOSED_DAYS: Final = Triple("closure", "days_per_year_{}")  # closures.csv: days a year a link is closed
EVENT_DAYS: Final = Triple("event_days", "event_days_{}")  # closures.csv: length of one closure, days
DEPARTURES: Final = Triple("departures", "departures_per_week_{}")  # schedules.csv: departures a week, per direction

#: What a crossing's dwell rests on, best first: the crossing's own published figures, a similar
#: crossing's, the CAREC average of its country, the CAREC regional average, an explained assumption
#: (open borders: EAEU, Union State, Schengen).
DWELL_BASES: Final = ("published", "proxy", "country", "regional", "assumption")

# --------------------------------------------------------------------------- time components

RUNNING: Final = "running"
REST: Final = "rest"
BORDER: Final = "border"
FERRY_SAILING: Final = "ferry_sailing"
FERRY_WAIT: Final = "ferry_wait"
CLOSURE: Final = "closure"  # expected wait for a closed crossing or ferry to reopen (closures.csv)
SCHEDULE: Final = "schedule"  # expected wait for a timetabled departure (a scenario's [schedules])
#: Where door-to-door time goes, in display order; each edge stores ``<component>_h``.
COMPONENTS: Final = (RUNNING, REST, BORDER, GAUGE_CHANGE, FERRY_SAILING, FERRY_WAIT, TRANSFER, CLOSURE, SCHEDULE)

#: The triples of each transfer kind and the component each one feeds.
KIND_TERMS: Final[Mapping[str, tuple[tuple[str, Triple], ...]]] = {
    CROSSING: ((BORDER, DWELL),),
    GAUGE_CHANGE: ((GAUGE_CHANGE, TRANSSHIP),),
    FERRY: ((FERRY_SAILING, SAILING), (FERRY_WAIT, WAIT), (BORDER, DWELL)),
    TRANSFER: ((TRANSFER, TRANSFER_TIME),),
}

#: Scenario scale factors and the triple each one multiplies (``speed`` scales speed classes instead).
FACTORS: Final[Mapping[str, Triple]] = {
    "dwell": DWELL,
    "transship": TRANSSHIP,
    "ferry_wait": WAIT,
    "sailing": SAILING,
    "transfer": TRANSFER_TIME,
}


# --------------------------------------------------------------------------- money and CO2e per FEU

COST: Final = "cost_usd"  # expected USD per FEU of an edge
GENERALIZED_COST: Final = "generalized_cost_usd"  # cost + value of time x hours, USD per FEU
CO2: Final = "co2_kg"  # expected kg CO2e per FEU of an edge (well-to-wheel)
#: Where the money goes, in display order; each edge stores ``cost_<component>_usd``.
COST_COMPONENTS: Final = ("rail", "road", "border", "gauge", "ferry", "port", "terminal")
#: Where the CO2e comes from; each edge stores ``co2_<component>_kg``.
CO2_COMPONENTS: Final = ("rail_electric", "rail_diesel", "road", "ferry")


def cost_attr(component: str) -> str:
    """Return the edge attribute of a cost component's expected USD per FEU (``rail`` → ``cost_rail_usd``).

    Parameters
    ----------
    component
        One of :data:`COST_COMPONENTS`.

    Returns
    -------
    str
        The attribute name.
    """
    return f"cost_{component}_usd"


def co2_attr(component: str) -> str:
    """Return the edge attribute of a CO₂e component's expected kg per FEU (``road`` → ``co2_road_kg``).

    Parameters
    ----------
    component
        One of :data:`CO2_COMPONENTS`.

    Returns
    -------
    str
        The attribute name.
    """
    return f"co2_{component}_kg"


def money_attrs() -> tuple[str, ...]:
    """Return every cost and CO₂e edge attribute: totals first, then the components.

    Returns
    -------
    tuple of str
        ``cost_usd``, ``generalized_cost_usd``, ``co2_kg``, ``cost_<c>_usd`` …, ``co2_<c>_kg`` ….
    """
    return (
        COST,
        GENERALIZED_COST,
        CO2,
        *(cost_attr(c) for c in COST_COMPONENTS),
        *(co2_attr(c) for c in CO2_COMPONENTS),
    )


def component_attr(component: str) -> str:
    """Return the edge attribute holding a component's expected hours (``border`` → ``border_h``).

    Parameters
    ----------
    component
        One of :data:`COMPONENTS`.

    Returns
    -------
    str
        The attribute name.
    """
    return f"{component}_h"


def hours_attrs() -> tuple[str, ...]:
    """Return the ``<component>_h`` attribute of every component, in :data:`COMPONENTS` order.

    Returns
    -------
    tuple of str
        Attribute names.
    """
    return tuple(component_attr(c) for c in COMPONENTS)

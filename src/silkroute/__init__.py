"""silkroute: network analysis of the Eurasian land trade corridors.

Modules are namespaces, one concept each, listed in the order data flows:
``catalog`` (the embedded corridor catalog), ``ingest`` (OSM, GIS line files,
Overpass), ``build`` (line geometry → network), ``network`` (catalog →
network with transfer edges), ``timing`` and ``scenario`` (the time model and
what scenarios change), ``places`` and ``routing`` (look-up and paths),
``corridors`` (named corridors and their comparison), the analyses
``uncertainty``, ``sensitivity`` (what decides a comparison), ``criticality``, ``reach``, ``conflate``, ``sweep``, the main
job ``report``, ``validation`` (the model against published runs), and the outputs ``io`` (networks and layers on disk), ``maps``
(folium, offline) and ``cli``. ``schema`` owns the names of edge kinds,
attributes, units, triples and time components.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from silkroute import (
    build,
    catalog,
    cli,
    conflate,
    corridors,
    criticality,
    ingest,
    io,
    maps,
    network,
    places,
    reach,
    report,
    routing,
    scenario,
    schema,
    sections,
    sensitivity,
    sweep,
    timing,
    uncertainty,
    validation,
)
from silkroute._errors import (
    AssetError,
    CatalogError,
    InputError,
    NetworkError,
    NoRouteError,
    ScenarioError,
    SilkrouteError,
    UnknownPlaceError,
)
from silkroute.routing import Route, fastest, shortest

try:
    __version__ = version("silkroute")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "AssetError",
    "CatalogError",
    "InputError",
    "NetworkError",
    "NoRouteError",
    "Route",
    "ScenarioError",
    "SilkrouteError",
    "UnknownPlaceError",
    "__version__",
    "build",
    "catalog",
    "cli",
    "conflate",
    "corridors",
    "criticality",
    "fastest",
    "ingest",
    "io",
    "maps",
    "network",
    "places",
    "reach",
    "report",
    "routing",
    "scenario",
    "schema",
    "sections",
    "sensitivity",
    "shortest",
    "sweep",
    "timing",
    "uncertainty",
    "validation",
]

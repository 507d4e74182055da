"""silkroute: network analysis of the Eurasian land trade corridors.

Modules are namespaces, one concept each, listed in the order data flows:
``catalog`` (the embedded corridor catalog), ``ingest`` (OSM, GIS line files,
Overpass), ``build`` (line geometry → network), ``network`` (catalog →
network with transfer edges), ``timing``, ``costs``, ``emissions`` and ``scenario``
(the time model, money and CO₂e per FEU, and what scenarios change), ``queueing``
(capacity-dependent dwell), ``places`` and ``routing`` (look-up and paths),
``corridors`` (named corridors and their comparison), the analyses
``uncertainty``, ``sensitivity`` (what decides a comparison), ``assignment`` (demand at the congested
equilibrium), ``criticality``, ``reach``, ``conflate``, ``sweep``, the main
job ``report``, ``validation`` (the model against published runs), and the outputs ``io`` (networks and layers on disk), ``report_html`` (the report as one HTML page and PDF), ``maps``
(folium, offline) and ``cli``. ``schema`` owns the names of edge kinds,
attributes, units, triples and time components.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from silkroute import (
        assignment,
        build,
        catalog,
        cli,
        conflate,
        corridors,
        costs,
        criticality,
        emissions,
        ingest,
        io,
        maps,
        network,
        places,
        queueing,
        reach,
        report,
        report_html,
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
    from silkroute.routing import Route, fastest, shortest

#: Modules imported on first use (``silkroute.routing`` …), so that ``import silkroute`` and the
#: command line start fast and load only what a command needs.
_MODULES = (
    "assignment",
    "build",
    "catalog",
    "cli",
    "conflate",
    "corridors",
    "costs",
    "criticality",
    "emissions",
    "ingest",
    "io",
    "maps",
    "network",
    "places",
    "queueing",
    "reach",
    "report",
    "report_html",
    "routing",
    "scenario",
    "schema",
    "sections",
    "sensitivity",
    "sweep",
    "timing",
    "uncertainty",
    "validation",
)
_FROM_ROUTING = ("Route", "fastest", "shortest")


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("silkroute")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
            return "0+unknown"
    if name in _MODULES:
        return importlib.import_module(f"silkroute.{name}")
    if name in _FROM_ROUTING:
        return getattr(importlib.import_module("silkroute.routing"), name)
    msg = f"module 'silkroute' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "assignment",
    "build",
    "catalog",
    "cli",
    "conflate",
    "corridors",
    "costs",
    "criticality",
    "emissions",
    "fastest",
    "ingest",
    "io",
    "maps",
    "network",
    "places",
    "queueing",
    "reach",
    "report",
    "report_html",
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

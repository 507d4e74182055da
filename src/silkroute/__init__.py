"""silkroute: network analysis of the Eurasian land trade corridors.

Modules are namespaces: ``silkroute.catalog``, ``silkroute.build``,
``silkroute.network``, ``silkroute.timing``, ``silkroute.scenario``,
``silkroute.routing``, ``silkroute.corridors``, ``silkroute.maps``,
``silkroute.io``.
"""

from __future__ import annotations

from silkroute import build, catalog, network, routing, scenario, timing
from silkroute._errors import CatalogError, NoRouteError, ScenarioError, SilkrouteError, UnknownPlaceError
from silkroute.routing import Route, fastest, shortest

__all__ = [
    "CatalogError",
    "NoRouteError",
    "Route",
    "ScenarioError",
    "SilkrouteError",
    "UnknownPlaceError",
    "build",
    "catalog",
    "fastest",
    "network",
    "routing",
    "scenario",
    "shortest",
    "timing",
]
__version__ = "0.1.0"

"""The exception classes of silkroute.

Each one also subclasses the builtin a caller would naturally catch, so
``except KeyError`` still works for an unknown place.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "NoRouteError",
    "ScenarioError",
    "SilkrouteError",
    "UnknownPlaceError",
]


class SilkrouteError(Exception):
    """Base class of every error raised on purpose by silkroute."""


class CatalogError(SilkrouteError, ValueError):
    """A catalog file is malformed: the message names file, row and column."""


class ScenarioError(SilkrouteError, ValueError):
    """A scenario file or value is invalid: the message names the key and the file."""


class UnknownPlaceError(SilkrouteError, KeyError):
    """A place name, alias or id matches no place; the message lists the closest names."""

    def __str__(self) -> str:
        # KeyError.__str__ quotes its argument; we want the plain sentence.
        return str(self.args[0]) if self.args else ""


class NoRouteError(SilkrouteError, ValueError):
    """No path satisfies the request; the message says which constraint or link prevents it."""

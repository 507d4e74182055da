"""The exception classes of silkroute.

Each one also subclasses the builtin a caller would naturally catch, so
``except KeyError`` still works for an unknown place and ``except ValueError``
for any bad input. Messages are one sentence: what is wrong, where (file, row,
column, key or option) and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AssetError",
    "CatalogError",
    "InputError",
    "NetworkError",
    "NoRouteError",
    "ScenarioError",
    "SilkrouteError",
    "UnknownPlaceError",
]


class SilkrouteError(Exception):
    """Base class of every error raised on purpose by silkroute."""


class InputError(SilkrouteError, ValueError):
    """An option, argument or input file is invalid: the message names it and says how to fix it."""


class CatalogError(InputError):
    """A catalog file is malformed: the message names file, row and column."""


class ScenarioError(InputError):
    """A scenario file or value is invalid: the message names the key and the file."""


class NetworkError(InputError):
    """A network (from a file or a caller) lacks what routing needs: the message says what is missing."""


class AssetError(SilkrouteError, FileNotFoundError):
    """The pinned map libraries (npm assets) are missing or at another version: the message says how to install them."""


class UnknownPlaceError(SilkrouteError, KeyError):
    """A place name, alias or id matches no place; the message lists the closest names."""

    def __str__(self) -> str:
        # KeyError.__str__ quotes its argument; we want the plain sentence.
        return str(self.args[0]) if self.args else ""


class NoRouteError(SilkrouteError, ValueError):
    """No path satisfies the request; the message says which constraint or link prevents it."""

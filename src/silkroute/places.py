"""Places of a network and how a name, alias or id finds one.

Matching ignores case, diacritics, punctuation and spaces in every script
(:func:`silkroute._text.fold`): ``lodz`` = ``Łódź``, ``Horgos`` = ``Khorgos``,
``Alataw Pass`` = ``Alashankou``, ``ბათუმი`` = ``Batumi``.

>>> from silkroute import places, scenario
>>> index = places.PlaceIndex.from_graph(scenario.network("baseline"))
>>> index.resolve("lodz")
'PL-LODZ'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from silkroute._errors import UnknownPlaceError
from silkroute._text import fold

__all__ = ["Place", "PlaceIndex", "find_places", "resolve"]

_PAREN = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Place:
    """One place: stable id, display name, aliases, ISO3 country, kind and WGS84 position."""

    id: str
    name: str
    aliases: tuple[str, ...]
    country: str | None
    kind: str | None
    lon: float
    lat: float

    def to_dict(self) -> dict[str, Any]:
        """Return the place as a JSON-ready dict (the ``places`` CLI contract).

        Returns
        -------
        dict
            ``id``, ``name``, ``aliases`` (list), ``country``, ``kind``, ``lon``, ``lat``.
        """
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "country": self.country,
            "kind": self.kind,
            "lon": self.lon,
            "lat": self.lat,
        }


class PlaceIndex(Mapping[str, Place]):
    """The places of a network by id, with look-up by name or alias.

    Parameters
    ----------
    places
        The places; ids must be unique (the first one wins otherwise).
    """

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[str, Place] = {}
        for p in places:
            self._places.setdefault(p.id, p)
        self._keys = {
            pid: (
                (fold(p.id),),
                (fold(p.name),),
                tuple(fold(a) for a in p.aliases),
                tuple(fold(_PAREN.sub("", s)) for s in (p.name, *p.aliases)),  # "Torugart" = "Torugart (China side)"
            )
            for pid, p in self._places.items()
        }
        # folded key → the ids it names, per tier (id, name, alias, bare name): one look-up per query
        self._tiers: list[dict[str, list[str]]] = [{} for _ in range(4)]
        for pid in sorted(self._keys):
            for tier, keys in enumerate(self._keys[pid]):
                for k in dict.fromkeys(keys):
                    self._tiers[tier].setdefault(k, []).append(pid)

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> PlaceIndex:
        """Index the place nodes of a network (nodes with a ``place`` attribute).

        Parameters
        ----------
        G
            A silkroute network.

        Returns
        -------
        PlaceIndex
            One entry per place id.
        """
        out = []
        for _n, d in G.nodes(data=True):
            pid = d.get("place")
            if pid:
                aliases = tuple(a for a in str(d.get("aliases") or "").split(";") if a)
                out.append(
                    Place(
                        str(pid),
                        str(d.get("name") or pid),
                        aliases,
                        d.get("country"),
                        d.get("kind"),
                        float(d["x"]),
                        float(d["y"]),
                    )
                )
        return cls(out)

    def __getitem__(self, pid: str) -> Place:
        return self._places[pid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def countries(self) -> set[str]:
        """Return the ISO3 codes of the countries that have a place.

        Returns
        -------
        set of str
            Country codes.
        """
        return {p.country for p in self._places.values() if p.country}

    def find(self, query: str = "") -> list[Place]:
        """Return the places whose id, name or an alias contains ``query`` (all if empty), by name.

        Parameters
        ----------
        query
            Part of a name, alias or id.

        Returns
        -------
        list of Place
            Sorted by folded name, then id.
        """
        key = fold(query)
        hits = [
            self._places[pid]
            for pid, (i, n, aliases, _bare) in self._keys.items()
            if not key or key in i[0] or key in n[0] or any(key in a for a in aliases)
        ]
        return sorted(hits, key=lambda p: (fold(p.name), p.id))

    def resolve(self, query: str, *, role: str = "place") -> str:
        """Return the place id for a name, alias or id.

        An exact id wins, then a unique name, then a unique alias, then a name
        or alias without its parenthesis (``Torugart`` for ``Torugart (China side)``).

        Parameters
        ----------
        query
            A name, alias or id.
        role
            What the place is for, used in messages (``origin``, ``--via``).

        Returns
        -------
        str
            The place id.

        Raises
        ------
        UnknownPlaceError
            The name is empty, matches nothing (the message lists the closest
            names) or is ambiguous (the message lists the candidates by id).
        """
        if query in self._places:
            return query
        key = fold(str(query))
        if not key:
            msg = f"the {role} name {query!r} is empty; give a place name, alias or id (list them with `silkroute places`)"
            raise UnknownPlaceError(msg)
        for tier in range(4):
            hits = self._tiers[tier].get(key, [])
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                options = ", ".join(f"{h} ({self._places[h].name}, {self._places[h].country})" for h in hits)
                where = "" if role == "place" else f" ({role})"
                msg = f"place {query!r}{where} is ambiguous: it matches {options}; use one of these ids"
                raise UnknownPlaceError(msg)
        names = {k: p.name for pid, p in self._places.items() for k in (*self._keys[pid][1], *self._keys[pid][2])}
        close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)
        suggestions = list(dict.fromkeys(names[c] for c in close))
        hint = f"; closest names: {', '.join(suggestions)}" if suggestions else ""
        where = "" if role == "place" else f" for the {role}"
        msg = f"unknown place {query!r}{where}{hint} (list places with `silkroute places`)"
        raise UnknownPlaceError(msg)


def resolve(G: nx.MultiDiGraph, query: str) -> str:
    """Return the place id of a name, alias or id in a network (see :meth:`PlaceIndex.resolve`).

    Parameters
    ----------
    G
        A silkroute network.
    query
        A name, alias or id.

    Returns
    -------
    str
        The place id.
    """
    return PlaceIndex.from_graph(G).resolve(query)


def find_places(G: nx.MultiDiGraph, query: str = "") -> list[Place]:
    """Return the places of a network matching ``query`` (see :meth:`PlaceIndex.find`).

    Parameters
    ----------
    G
        A silkroute network.
    query
        Part of a name, alias or id; all places if empty.

    Returns
    -------
    list of Place
        Sorted by name.
    """
    return PlaceIndex.from_graph(G).find(query)

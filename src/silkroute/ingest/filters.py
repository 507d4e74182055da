"""Which ways of a file are kept: one filter for OSM files, GIS line files and Overpass downloads."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkroute._errors import InputError

__all__ = ["DEFAULT_HIGHWAY", "DEFAULT_RAILWAY", "SERVICE_TRACKS", "WayFilter", "keep_ways"]

#: ``railway=*`` values kept by default for ``mode="rail"``.
DEFAULT_RAILWAY = ("rail",)
#: ``highway=*`` values kept by default for ``mode="road"``: the roads trucks use between cities.
DEFAULT_HIGHWAY = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")
#: ``service=*`` values dropped unless asked for (tracks that are not through lines).
SERVICE_TRACKS = ("yard", "siding", "spur", "crossover")


@dataclass(frozen=True)
class WayFilter:
    """Which lines to keep where a file classifies them (OSM tags, or Geofabrik's ``fclass``).

    Parameters
    ----------
    mode
        ``"rail"`` keeps ``railway`` in :attr:`railway`; ``"road"`` keeps ``highway`` in :attr:`highway`.
    railway, highway
        Values to keep (defaults :data:`DEFAULT_RAILWAY`, :data:`DEFAULT_HIGHWAY`).
    service
        ``service=*`` values of :data:`SERVICE_TRACKS` to keep as well (yard,
        siding, spur and crossover tracks are dropped by default).
    """

    mode: str = "rail"
    railway: tuple[str, ...] = DEFAULT_RAILWAY
    highway: tuple[str, ...] = DEFAULT_HIGHWAY
    service: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in ("rail", "road"):
            msg = f"mode must be 'rail' or 'road' to read lines, not {self.mode!r}"
            raise InputError(msg)
        for name in ("railway", "highway", "service"):
            values = getattr(self, name)
            if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
                msg = f"{name} must be a list of tag values such as ['rail'], not {values!r}"
                raise InputError(msg)
            object.__setattr__(self, name, tuple(values))

    @property
    def column(self) -> str:
        """The tag column that classifies lines of this mode (``railway`` or ``highway``)."""
        return "railway" if self.mode == "rail" else "highway"

    @property
    def values(self) -> tuple[str, ...]:
        """The tag values kept for this mode."""
        return self.railway if self.mode == "rail" else self.highway

    @classmethod
    def of(
        cls,
        mode: str = "rail",
        railway: Collection[str] | None = None,
        highway: Collection[str] | None = None,
        service: Collection[str] = (),
    ) -> WayFilter:
        """Return a filter, with the defaults for what is ``None``.

        Parameters
        ----------
        mode, railway, highway, service
            As the attributes.

        Returns
        -------
        WayFilter
            The filter.
        """
        return cls(
            mode,
            tuple(railway) if railway is not None else DEFAULT_RAILWAY,
            tuple(highway) if highway is not None else DEFAULT_HIGHWAY,
            tuple(service),
        )


def keep_ways(tags: pd.DataFrame, keep: WayFilter | None = None) -> np.ndarray:
    """Return the boolean mask of ways (rows of tag columns) that pass a filter.

    Parameters
    ----------
    tags
        One row per way; columns ``railway``, ``highway``, ``service`` where present.
    keep
        The filter; rail through lines by default.

    Returns
    -------
    numpy.ndarray
        ``True`` for the ways to keep (all ``False`` if the file has no tag column for the mode).
    """
    keep = keep or WayFilter()
    if keep.column not in tags.columns:
        return np.zeros(len(tags), dtype=bool)
    mask = tags[keep.column].isin(list(keep.values)).to_numpy().copy()
    if "service" in tags.columns:
        dropped = [s for s in SERVICE_TRACKS if s not in set(keep.service)]
        mask &= ~tags["service"].isin(dropped).to_numpy()
    return np.asarray(mask, dtype=bool)

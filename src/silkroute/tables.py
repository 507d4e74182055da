"""Deprecated: the table renderers are :mod:`silkroute.cli.tables`."""

from __future__ import annotations

import warnings

from silkroute.cli.tables import chokepoints, comparison, days, reach, route, uncertainty

__all__ = ["chokepoints", "comparison", "days", "reach", "route", "uncertainty"]

warnings.warn("silkroute.tables is deprecated: use silkroute.cli.tables", DeprecationWarning, stacklevel=2)

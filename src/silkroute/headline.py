"""Deprecated: the main job is :mod:`silkroute.report` (configured by ``data/report.toml``)."""

from __future__ import annotations

import warnings
from dataclasses import replace

from silkroute import report as _report

__all__ = ["run"]

warnings.warn("silkroute.headline is deprecated: use silkroute.report.run()", DeprecationWarning, stacklevel=2)


def run(pairs: list[tuple[str, str]] | None = None, *, draws: int = 10_000, seed: int | None = 0) -> _report.Report:
    """Deprecated: :func:`silkroute.report.run` with the embedded configuration.

    Parameters
    ----------
    pairs
        (origin, destination) names; the configuration's by default.
    draws
        Monte Carlo draws per pair.
    seed
        Seed of the simulation.

    Returns
    -------
    silkroute.report.Report
        The report.
    """
    cfg = _report.ReportConfig.load()
    cfg = replace(cfg, pairs=tuple(pairs) if pairs else cfg.pairs, draws=draws, seed=seed)
    return _report.run(cfg)

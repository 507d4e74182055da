"""Options shared by the commands, and the parsing of option values into library arguments."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from silkroute._errors import InputError
from silkroute.cli.render import Fmt

__all__ = [
    "FormatOption",
    "MapOption",
    "Mode",
    "NetworkOption",
    "Optimize",
    "OptimizeOption",
    "OutputOption",
    "RefineOption",
    "ScenarioOption",
    "ScenariosOption",
    "ValueOfTimeOption",
    "parse_days",
    "parse_pair",
    "parse_pairs",
    "parse_via",
]


class Optimize(str, Enum):
    """What a route minimises."""

    time = "time"
    distance = "distance"
    cost = "cost"
    generalized = "generalized"


class Mode(str, Enum):
    """Allowed modes."""

    rail = "rail"
    road = "road"
    any = "any"


NetworkOption = Annotated[
    Path | None,
    typer.Option("--network", help="A network saved by `silkroute build` instead of the embedded catalog's."),
]
RefineOption = Annotated[
    Path | None,
    typer.Option(
        "--refine-with",
        help="A detailed network (`silkroute build`): conflate it onto the catalog and use the real track lengths.",
    ),
]
MapOption = Annotated[Path | None, typer.Option("--map", help="Also write an HTML map with this layer.")]
ScenarioOption = Annotated[str, typer.Option("--scenario", help="Embedded scenario name or TOML file.")]
ScenariosOption = Annotated[
    list[str] | None, typer.Option("--scenario", help="Embedded scenario name or TOML file. Repeatable.")
]
FormatOption = Annotated[Fmt, typer.Option("--format", help="table, json or csv.")]
OptimizeOption = Annotated[
    Optimize,
    typer.Option(help="Minimise time, distance, cost (USD per FEU) or generalized (cost + value of time x hours)."),
]
ValueOfTimeOption = Annotated[
    float | None,
    typer.Option(
        "--value-of-time",
        help="USD per FEU-hour for --optimize generalized (default: data/economics.toml, the inventory holding "
        "cost of a China-Europe container, 2.03 USD; time-sensitive goods: about 20).",
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write the table, JSON or CSV to this file instead of stdout.")
]


def parse_via(values: list[str]) -> list[list[str]]:
    """Parse ``--via A --via "B|C"``: each option a waypoint, ``|`` separates alternatives.

    Parameters
    ----------
    values
        The option values.

    Returns
    -------
    list of list of str
        One group of alternative places per waypoint.

    Raises
    ------
    silkroute.InputError
        If a waypoint names no place (``--via '|'``).
    """
    groups = []
    for item in values:
        names = [v.strip() for v in item.split("|") if v.strip()]
        if not names:
            msg = f"--via {item!r} names no place; give a place, or 'A|B' for A or B"
            raise InputError(msg)
        groups.append(names)
    return groups


def parse_days(text: str) -> list[float]:
    """Parse ``--days 5,10,15`` into finite positive numbers.

    Parameters
    ----------
    text
        Comma-separated numbers.

    Returns
    -------
    list of float
        The thresholds.

    Raises
    ------
    silkroute.InputError
        If an item is not a finite number > 0.
    """
    out = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            value = float(item)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            msg = f"--days must be comma-separated numbers of days > 0 such as 5,10,15; {item.strip()!r} is not"
            raise InputError(msg)
        out.append(value)
    if not out:
        msg = "--days names no threshold; give e.g. --days 5,10,15"
        raise InputError(msg)
    return out


def parse_pair(item: str) -> tuple[str, str]:
    """Parse ``--pair 'Xian:Duisburg'``.

    Parameters
    ----------
    item
        ``ORIGIN:DESTINATION``.

    Returns
    -------
    tuple of str
        The two names.

    Raises
    ------
    silkroute.InputError
        If the text is not two names joined by ``:``.
    """
    o, sep, t = item.partition(":")
    if not sep or not o.strip() or not t.strip():
        msg = f"--pair must look like 'Xian:Duisburg', got {item!r}"
        raise InputError(msg)
    return o.strip(), t.strip()


def parse_pairs(origin: str | None, destination: str | None) -> list[tuple[str, str]]:
    """Return ``[(origin, destination)]``, or ``[]`` when both are absent.

    Parameters
    ----------
    origin, destination
        The ``--from`` and ``--to`` values.

    Returns
    -------
    list of tuple
        Zero or one pair.

    Raises
    ------
    silkroute.InputError
        If only one of the two is given.
    """
    if (origin is None) != (destination is None):
        msg = "give both --from and --to, or neither"
        raise InputError(msg)
    return [(origin, destination)] if origin is not None and destination is not None else []

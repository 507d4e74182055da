"""Load and validate the embedded corridor catalog (``data/*.csv``).

The catalog is a set of plain CSV files described in ``data/README.md``.
:func:`load` reads them, checks every row and returns a :class:`Catalog`.
Anything wrong raises :class:`~silkroute.CatalogError` naming the file, the
row (as numbered in a spreadsheet: the header is row 1) and the column.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import LineString

from silkroute import schema
from silkroute._errors import CatalogError

__all__ = [
    "BASES",
    "COST_ITEMS",
    "DEMAND_UNITS",
    "GAUGES",
    "KINDS",
    "MODES",
    "STATUSES",
    "Catalog",
    "data_dir",
    "fingerprint",
    "load",
    "load_demand",
    "split_list",
]

MODES = schema.LINE_MODES
GAUGES = schema.GAUGES
STATUSES = schema.STATUSES
KINDS = schema.PLACE_KINDS
_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_LINK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.~-]*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
#: What a number of the economics tables rests on (see data/README.md).
BASES = ("published", "derived", "proxy", "estimate")
#: What a row of costs.csv prices.
COST_ITEMS = ("rail_km", "road_km", "border", "gauge_change", "ferry", "port", "terminal", "through_rate")
COST_UNITS = ("usd_per_feu_km", "usd_per_feu_leg", "usd_per_feu")
CAPACITY_UNITS = ("trains_per_day", "train_pairs_per_day", "feu_per_day", "teu_per_day", "teu_per_year", "mt_per_year")
#: Units of a demand file's quantity.
DEMAND_UNITS = ("trains_per_day", "trains_per_year", "feu_per_day", "teu_per_year")


def data_dir() -> Path:
    """Return the directory of the embedded catalog.

    In an installed wheel the catalog ships inside the package
    (``silkroute/data``); in a source checkout it is the repository's ``data/``.
    Never resolved against the current working directory.

    Returns
    -------
    pathlib.Path
        The directory.

    Raises
    ------
    FileNotFoundError
        If neither exists (a broken installation).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parents[1] / "data"):
        if (candidate / "places.csv").is_file():
            return candidate
    msg = (
        f"the silkroute catalog was not found next to the package ({here / 'data'}) "
        f"nor in the source checkout ({here.parents[1] / 'data'}); reinstall silkroute"
    )
    raise FileNotFoundError(msg)


def split_list(cell: str) -> list[str]:
    """Split a ``;``-separated cell into stripped, non-empty items.

    Parameters
    ----------
    cell
        The cell text.

    Returns
    -------
    list of str
        The items.

    Examples
    --------
    >>> split_list(" a; b;;c ")
    ['a', 'b', 'c']
    """
    return [item.strip() for item in str(cell).split(";") if item.strip()]


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class _Col:
    """One column of a catalog file and how to parse and check it."""

    name: str
    parse: Callable[[str], Any]
    required: bool = True
    column: bool = True  # False: the column may be absent from the file (its cells are then empty)


class _BadCellError(ValueError):
    """A cell is invalid; the message says what and how to fix it."""


def _text(cell: str) -> str:
    return cell.strip()


def _number(lo: float = -math.inf, hi: float = math.inf, *, positive: bool = False) -> Callable[[str], float]:
    def parse(cell: str) -> float:
        try:
            value = float(cell)
        except ValueError:
            msg = f"{cell!r} is not a number"
            raise _BadCellError(msg) from None
        if not math.isfinite(value) or not lo <= value <= hi:
            msg = f"{value} is outside [{lo}, {hi}]"
            raise _BadCellError(msg)
        if positive and value <= 0:
            msg = f"{value} must be greater than 0"
            raise _BadCellError(msg)
        return value

    return parse


def _pattern(regex: re.Pattern[str], example: str) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        value = cell.strip()
        if not regex.match(value):
            msg = f"{value!r} is not a valid value (expected something like {example})"
            raise _BadCellError(msg)
        return value

    return parse


def _enum(choices: Iterable[Any], cast: Callable[[str], Any] = str) -> Callable[[str], Any]:
    allowed = tuple(choices)

    def parse(cell: str) -> Any:
        try:
            value = cast(cell.strip())
        except ValueError:
            value = cell.strip()
        if value not in allowed:
            msg = f"{cell.strip()!r} is not one of {', '.join(map(str, allowed))}"
            raise _BadCellError(msg)
        return value

    return parse


def _gauge_set(cell: str) -> tuple[int, ...]:
    parse = _enum(GAUGES, int)
    return tuple(sorted({parse(item) for item in split_list(cell)}))


def _yes_no(cell: str) -> bool:
    return bool(_enum(("yes", "no"))(cell.lower()) == "yes")


def _triple(triple: schema.Triple, *, positive: bool = False, required: bool = True, column: bool = True) -> list[_Col]:
    """The low/mode/high columns of a triple (``dwell_low_h`` …)."""
    parse = _number(0, 1e6, positive=positive)
    return [_Col(c, parse, required, column) for c in triple.columns]


_SOURCE = _Col("source", _text)
_STATUS = _Col("status", _enum(STATUSES))
_BASIS = _Col("basis", _enum(BASES))


def _list(cell: str) -> tuple[str, ...]:
    return tuple(split_list(cell))


def _iso3_list(cell: str) -> tuple[str, ...]:
    parse = _pattern(_ISO3, "KAZ or KAZ;RUS")
    return tuple(parse(item) for item in split_list(cell))


def _ref_list(cell: str) -> tuple[str, ...]:
    out = []
    for item in split_list(cell):
        kind, sep, ident = item.partition(":")
        if not sep or kind not in schema.REF_KINDS or not ident:
            msg = f"{item!r} is not a link reference (crossing:ID, ferry:ID, gauge_change:PLACE or line:ID)"
            raise _BadCellError(msg)
        out.append(item)
    return tuple(out)


def _one_ref(cell: str) -> str:
    refs = _ref_list(cell)
    if len(refs) != 1:
        msg = f"{cell.strip()!r}: give exactly one link reference (crossing:ID, ferry:ID or gauge_change:PLACE)"
        raise _BadCellError(msg)
    return refs[0]


SCHEMA: dict[str, list[_Col]] = {
    "places.csv": [
        _Col("id", _pattern(_ID, "KZ-DOSTYK")),
        _Col("name", _text),
        _Col("aliases", _text, required=False),
        _Col("country", _pattern(_ISO3, "KAZ")),
        _Col("kind", _enum(KINDS)),
        _Col("lon", _number(-180, 180)),
        _Col("lat", _number(-90, 90)),
        _SOURCE,
    ],
    "lines.csv": [
        _Col("id", _pattern(_LINK_ID, "KZ-TURKSIB-AKTOGAY-ALMATY")),
        _Col("name", _text),
        _Col("mode", _enum(MODES)),
        _Col("gauge", _enum(GAUGES, int), required=False),
        _STATUS,
        _Col("speed_class", _text),
        _Col("stops", lambda c: tuple(split_list(c))),
        *_triple(schema.PUBLISHED_KM, positive=True, required=False),
        _Col("source", _text, required=False),
    ],
    "crossings.csv": [
        _Col("id", _pattern(_LINK_ID, "DOSTYK-ALASHANKOU-RAIL")),
        _Col("name", _text),
        _Col("from", _text),
        _Col("to", _text),
        _Col("mode", _enum(MODES)),
        _Col("gauge", _gauge_set, required=False),
        _Col("customs", _yes_no),
        *_triple(schema.DWELL),
        *_triple(schema.DWELL_REVERSE, required=False, column=False),
        _Col("dwell_basis", _enum(schema.DWELL_BASES), required=False, column=False),
        _SOURCE,
        _STATUS,
    ],
    "gauge_changes.csv": [
        _Col("place", _text),
        _Col("gauges", _gauge_set),
        *_triple(schema.TRANSSHIP),
        _SOURCE,
    ],
    "ferries.csv": [
        _Col("id", _pattern(_LINK_ID, "AKTAU-ALAT")),
        _Col("name", _text),
        _Col("from", _text),
        _Col("to", _text),
        _Col("carries", lambda c: tuple(_enum(MODES)(m) for m in split_list(c))),
        _STATUS,
        *_triple(schema.SAILING, positive=True),
        *_triple(schema.WAIT),
        _Col("customs", _yes_no, required=False, column=False),
        *_triple(schema.DWELL, required=False, column=False),
        _SOURCE,
    ],
    "terminals.csv": [
        _Col("place", _text),
        *_triple(schema.TRANSFER_TIME),
        _SOURCE,
    ],
    "speeds.csv": [
        _Col("class", _pattern(re.compile(r"^[a-z][a-z0-9_]*$"), "rail_kz_main")),
        _Col("mode", _enum(MODES)),
        _Col("description", _text),
        *_triple(schema.SPEED, positive=True),
        _SOURCE,
    ],
}

#: Tables a catalog may have (the economics of issue 14); a catalog without them has no costs,
#: CO2e, capacities, closures or schedules.
OPTIONAL_SCHEMA: dict[str, list[_Col]] = {
    "costs.csv": [
        _Col("id", _pattern(_LINK_ID, "C001")),
        _Col("item", _enum(COST_ITEMS)),
        _Col("country", _iso3_list, required=False),
        _Col("gauge", _enum(GAUGES, int), required=False),
        _Col("mode", _enum(MODES), required=False),
        _Col("direction", _enum(("inbound", "outbound", "both", "westbound", "eastbound")), required=False),
        _Col("links", _list, required=False),
        _Col("origin", _text, required=False),
        _Col("destination", _text, required=False),
        _Col("unit", _enum(COST_UNITS)),
        *_triple(schema.COST_TRIPLE),
        _Col("leg", _text, required=False),
        _BASIS,
        _SOURCE,
    ],
    "emissions.csv": [
        _Col("id", _pattern(_LINK_ID, "E002")),
        _Col("mode", _enum(("rail", "road", "ferry"))),
        _Col("traction", _enum(("electric", "diesel", "marine fuel"))),
        _Col("country", _pattern(_ISO3, "KAZ"), required=False),
        *_triple(schema.EF),
        _BASIS,
        _SOURCE,
    ],
    "electrification.csv": [
        _Col("id", _pattern(_LINK_ID, "EL001")),
        _Col("country", _pattern(_ISO3, "KAZ"), required=False),
        _Col("line", _text, required=False),
        *[_Col(c, _number(0, 100)) for c in schema.ELECTRIFIED.columns],
        _BASIS,
        _SOURCE,
    ],
    "capacity.csv": [
        _Col("id", _pattern(_LINK_ID, "K001")),
        _Col("link", _ref_list),
        _Col("direction", _enum(("both", "forward", "reverse"))),
        *_triple(schema.CAPACITY, positive=True),
        _Col("unit", _enum(CAPACITY_UNITS)),
        *_triple(schema.Triple("base", "base_{}_h"), required=False, column=False),
        _BASIS,
        _SOURCE,
    ],
    "closures.csv": [
        _Col("id", _pattern(_LINK_ID, "CL031")),
        _Col("link", _one_ref),
        _Col("cause", _text),
        *[_Col(c, _number(0, 365)) for c in schema.CLOSED_DAYS.columns],
        *_triple(schema.EVENT_DAYS, positive=True),
        _BASIS,
        _SOURCE,
    ],
    "schedules.csv": [
        _Col("id", _pattern(_LINK_ID, "S010")),
        _Col("link", _one_ref),
        _Col("service", _text, required=False),
        *_triple(schema.DEPARTURES, positive=True),
        _BASIS,
        _SOURCE,
    ],
}

#: Columns of a demand file (``silkroute assign --demand``, ``data/demand.csv``).
DEMAND_COLUMNS: list[_Col] = [
    _Col("id", _pattern(_LINK_ID, "DM01")),
    _Col("origin", _text),
    _Col("destination", _text),
    _Col("quantity", _number(0, 1e12)),
    _Col("unit", _enum(DEMAND_UNITS)),
    _Col("corridor", _text, required=False, column=False),
    _Col("basis", _enum(BASES), required=False, column=False),
    _Col("source", _text, required=False, column=False),
]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Catalog:
    """The validated corridor catalog.

    Attributes
    ----------
    places
        One row per place, indexed by id: name, aliases (list), country (ISO3),
        kind, lon, lat, source.
    lines
        Rail and road sections with a LineString through their stops (EPSG:4326),
        indexed by id, plus the ``country`` they lie in.
    crossings, gauge_changes, ferries, terminals, speeds
        The other tables of ``data/README.md`` with typed columns.
    directory
        Where the files were read from.
    track
        ``track.csv``: the OpenStreetMap track length of each line section
        (see :mod:`silkroute.sections`), or ``None`` if the catalog has none.
    """

    places: pd.DataFrame
    lines: gpd.GeoDataFrame
    crossings: pd.DataFrame
    gauge_changes: pd.DataFrame
    ferries: pd.DataFrame
    terminals: pd.DataFrame
    speeds: pd.DataFrame
    directory: Path
    track: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    emissions: pd.DataFrame | None = None
    electrification: pd.DataFrame | None = None
    capacity: pd.DataFrame | None = None
    closures: pd.DataFrame | None = None
    schedules: pd.DataFrame | None = None

    def copy(self) -> Catalog:
        """Return a deep copy (tables included).

        Returns
        -------
        Catalog
            The copy.
        """
        return Catalog(
            places=self.places.copy(deep=True),
            lines=self.lines.copy(deep=True),
            crossings=self.crossings.copy(deep=True),
            gauge_changes=self.gauge_changes.copy(deep=True),
            ferries=self.ferries.copy(deep=True),
            terminals=self.terminals.copy(deep=True),
            speeds=self.speeds.copy(deep=True),
            directory=self.directory,
            track=None if self.track is None else self.track.copy(deep=True),
            **{
                name: None if getattr(self, name) is None else getattr(self, name).copy(deep=True)
                for name in _OPTIONAL_FIELDS
            },
        )

    def countries(self) -> frozenset[str]:
        """Return the ISO3 codes of the catalog's places.

        Returns
        -------
        frozenset of str
            The codes.
        """
        return frozenset(str(c) for c in self.places["country"])

    def place_name(self, place_id: str) -> str:
        """Return the display name of a place id (the id itself if unknown).

        Parameters
        ----------
        place_id
            A place id.

        Returns
        -------
        str
            The name.
        """
        if place_id in self.places.index:
            return str(self.places.at[place_id, "name"])
        return place_id


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _where(path: Path, row: int | None, column: str | None) -> str:
    parts = [str(path)]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{column}'")
    return ", ".join(parts)


def _fail(path: Path, row: int | None, column: str | None, problem: str) -> CatalogError:
    msg = f"{_where(path, row, column)}: {problem}"
    return CatalogError(msg)


def _read_table(path: Path, columns: list[_Col]) -> pd.DataFrame:
    """Read one CSV file, parse every cell by its column spec, and check triples."""
    if not path.is_file():
        msg = f"{path}: catalog file is missing (expected columns: {', '.join(c.name for c in columns)})"
        raise CatalogError(msg)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"{path}: cannot be read as UTF-8 CSV ({exc}); save it as CSV UTF-8"
        raise CatalogError(msg) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    for c in columns:
        if not c.column and c.name not in raw.columns:
            raw[c.name] = ""
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; the header must include them (see data/README.md)"
        raise _fail(path, 1, missing[0], msg)
    extra = [c for c in raw.columns if c not in {col.name for col in columns} | {"notes"}]
    if extra:
        warnings.warn(f"{path}: ignoring unknown column(s) {', '.join(extra)}", UserWarning, stacklevel=3)
    records = []
    for i, row in enumerate(raw.itertuples(index=False), start=2):
        cells = dict(zip(raw.columns, row, strict=True))
        record: dict[str, Any] = {}
        for col in columns:
            cell = str(cells[col.name]).strip()
            if not cell:
                if col.required:
                    raise _fail(path, i, col.name, "is empty; fill it in")
                record[col.name] = None
                continue
            try:
                record[col.name] = col.parse(cell)
            except _BadCellError as exc:
                raise _fail(path, i, col.name, str(exc)) from None
        if "notes" in cells:
            record["notes"] = str(cells["notes"]).strip()
        records.append(record)
    table = pd.DataFrame.from_records(
        records, columns=[c.name for c in columns] + (["notes"] if "notes" in raw.columns else [])
    )
    for low in [c.name for c in columns if "_low" in c.name]:
        names = [low, low.replace("_low", "_mode"), low.replace("_low", "_high")]
        for i, (lo, mode, hi) in enumerate(table[names].itertuples(index=False), start=2):
            present = [not _missing(v) for v in (lo, mode, hi)]
            if any(present) and not all(present):
                raise _fail(path, i, names[present.index(False)], "give all of low, mode and high, or none")
            if all(present) and not lo <= mode <= hi:
                msg = f"low <= mode <= high is violated ({lo} / {mode} / {hi}); reorder the values"
                raise _fail(path, i, names[0] if lo > mode else names[2], msg)
    return table


def _check_unique(path: Path, table: pd.DataFrame, column: str) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(table[column], start=2):
        if value in seen:
            msg = f"duplicate {column} {value!r} (first at row {seen[value]}); ids must be unique"
            raise _fail(path, i, column, msg)
        seen[value] = i


def _check_refs(path: Path, table: pd.DataFrame, column: str, places: pd.DataFrame) -> None:
    known = places.index
    for i, value in enumerate(table[column], start=2):
        for ref in value if isinstance(value, list | tuple) else [value]:
            if ref not in known:
                msg = f"unknown place {ref!r}; add it to places.csv or fix the id"
                raise _fail(path, i, column, msg)


@functools.lru_cache(maxsize=4)
def _load_cached(directory: Path, fingerprint: tuple[Any, ...]) -> Catalog:
    return _load(directory)


def _directory(directory: str | os.PathLike[str] | None) -> Path:
    path = data_dir() if directory is None else Path(directory).resolve()
    if not path.is_dir():
        msg = f"{path}: not a directory with catalog files; pass the folder that holds places.csv, lines.csv, …"
        raise CatalogError(msg)
    return path


def fingerprint(directory: str | os.PathLike[str] | None = None) -> tuple[Any, ...]:
    """Return what identifies the content of a catalog directory: each file's name, size and modification time.

    Caches of catalog-derived objects (the catalog itself, its network) use it
    as part of their key, so an edited file is never answered from a stale copy.

    Parameters
    ----------
    directory
        A catalog directory; the embedded catalog by default.

    Returns
    -------
    tuple
        ``(directory, ((name, size, mtime_ns), …))``.
    """
    path = _directory(directory)
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".csv", ".toml"))
    return (str(path), tuple((str(p.relative_to(path)), *_stat(p)) for p in files))


def _stat(p: Path) -> tuple[int, int]:
    st = p.stat()
    return (st.st_size, st.st_mtime_ns)


def load(directory: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate the catalog.

    Parameters
    ----------
    directory
        A directory with the catalog files; the embedded catalog by default.

    Returns
    -------
    Catalog
        A copy the caller may change (the validated tables are cached per file content).

    Raises
    ------
    CatalogError
        On the first invalid cell or inconsistency, naming file, row and column.
    """
    path = _directory(directory)
    return _load_cached(path, fingerprint(path)).copy()


def _load(directory: Path) -> Catalog:
    tables = {name: _read_table(directory / name, cols) for name, cols in SCHEMA.items()}
    p = directory / "places.csv"
    places = tables["places.csv"]
    _check_unique(p, places, "id")
    places["aliases"] = places["aliases"].map(lambda a: tuple(split_list(a)) if a else ())
    places = places.set_index("id", drop=False)

    speeds = tables["speeds.csv"]
    _check_unique(directory / "speeds.csv", speeds, "class")
    speeds = speeds.set_index("class", drop=False)

    lines = _check_lines(directory / "lines.csv", tables["lines.csv"], places, speeds)
    crossings = _check_crossings(directory / "crossings.csv", tables["crossings.csv"], places)
    ferries = tables["ferries.csv"]
    fpath = directory / "ferries.csv"
    _check_unique(fpath, ferries, "id")
    for col in ("from", "to"):
        _check_refs(fpath, ferries, col, places)
        for i, ref in enumerate(ferries[col], start=2):
            if places.at[ref, "kind"] != "port":
                msg = f"{ref} is a {places.at[ref, 'kind']}, not a port; set its kind to port in places.csv"
                raise _fail(fpath, i, col, msg)
    for name in ("gauge_changes.csv", "terminals.csv"):
        _check_refs(directory / name, tables[name], "place", places)
        _check_unique(directory / name, tables[name], "place")
    gauge_changes = tables["gauge_changes.csv"]
    for i, gauges in enumerate(gauge_changes["gauges"], start=2):
        if len(gauges) < 2:
            raise _fail(directory / "gauge_changes.csv", i, "gauges", "name at least two gauges, e.g. 1435;1520")
    cat = Catalog(
        places=places,
        lines=lines,
        crossings=crossings.set_index("id", drop=False),
        gauge_changes=gauge_changes.set_index("place", drop=False),
        ferries=ferries.set_index("id", drop=False),
        terminals=tables["terminals.csv"].set_index("place", drop=False),
        speeds=speeds,
        directory=directory,
        track=_read_track(directory / "track.csv"),
    )
    optional = {}
    for name, cols in OPTIONAL_SCHEMA.items():
        path = directory / name
        if path.is_file():
            table = _none_for_missing(_read_table(path, cols))
            _check_unique(path, table, "id")
            _OPTIONAL_CHECKS[name](path, table, cat)
            optional[name.removesuffix(".csv")] = table.set_index("id", drop=False)
    return Catalog(**{**{f: getattr(cat, f) for f in _BASE_FIELDS}, **optional})


# --------------------------------------------------------------------------- economics tables

_BASE_FIELDS = (
    "places", "lines", "crossings", "gauge_changes", "ferries", "terminals", "speeds", "directory", "track",
)  # fmt: skip
_OPTIONAL_FIELDS = ("costs", "emissions", "electrification", "capacity", "closures", "schedules")


def _none_for_missing(table: pd.DataFrame) -> pd.DataFrame:
    """Empty optional cells as ``None`` (not NaN), so that ``if row[column]`` means "given"."""
    return table.astype(object).where(pd.notna(table), None)


def _known_refs(cat: Catalog) -> dict[str, Any]:
    """The ids a link reference may name, by its kind."""
    return {
        schema.CROSSING: cat.crossings.index,
        schema.FERRY: cat.ferries.index,
        schema.GAUGE_CHANGE: cat.gauge_changes.index,
        "line": cat.lines.index,
    }


def _check_ref(path: Path, row: int, column: str, ref: str, cat: Catalog, kinds: Iterable[str]) -> None:
    kind, ident = schema.split_ref(ref)
    allowed = tuple(kinds)
    if kind not in allowed:
        msg = f"{ref!r} is a {kind or 'bare'} reference; this table takes {', '.join(k + ':ID' for k in allowed)}"
        raise _fail(path, row, column, msg)
    known = _known_refs(cat)[kind]
    if ident not in known:
        close = difflib.get_close_matches(ident, list(map(str, known)), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        msg = f"unknown {kind} {ident!r} in {ref!r} (not in the catalog){hint}"
        raise _fail(path, row, column, msg)


def _check_countries(path: Path, row: int, column: str, codes: Iterable[str], cat: Catalog) -> None:
    known = cat.countries()
    for code in codes:
        if code not in known:
            msg = f"country {code!r} has no place in the catalog (places.csv); use an ISO3 code of its countries"
            raise _fail(path, row, column, msg)


def _check_place(path: Path, row: int, column: str, place: Any, cat: Catalog) -> None:
    if place not in cat.places.index:
        close = difflib.get_close_matches(str(place), list(cat.places.index), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        msg = f"unknown place {place!r}; use a place id of places.csv{hint}"
        raise _fail(path, row, column, msg)


def _check_costs(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    per_km = ("rail_km", "road_km")
    link_kinds = {"border": "crossing", "gauge_change": "gauge_change", "ferry": "ferry", "port": "place"}
    for i, row in enumerate(table.to_dict("records"), start=2):
        item, unit = row["item"], row["unit"]
        if (item in per_km) != (unit in ("usd_per_feu_km", "usd_per_feu_leg")):
            want = "usd_per_feu_km or usd_per_feu_leg" if item in per_km else "usd_per_feu"
            raise _fail(path, i, "unit", f"a {item} row is priced in {want}, not {unit}")
        if unit == "usd_per_feu_leg":
            ends = [p.strip() for p in str(row["leg"] or "").split(">")]
            if len(ends) != 2 or not all(ends):
                raise _fail(path, i, "leg", "a usd_per_feu_leg row names its leg as FROM>TO (place ids)")
            for end in ends:
                _check_place(path, i, "leg", end, cat)
        if row["country"]:
            _check_countries(path, i, "country", row["country"], cat)
        if item == "through_rate":
            for col in ("origin", "destination"):
                if not row[col]:
                    raise _fail(path, i, col, "a through_rate row needs an origin and a destination (place ids)")
                _check_place(path, i, col, row[col], cat)
        for link in row["links"] or ():
            kind = link_kinds.get(item)
            if kind is None:
                raise _fail(path, i, "links", f"a {item} row applies by country, gauge and mode, not to links")
            if kind == "place":
                _check_place(path, i, "links", link, cat)
            else:
                _check_ref(path, i, "links", schema.link_ref(kind, link), cat, (kind,))


def _check_emissions(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for i, row in enumerate(table.to_dict("records"), start=2):
        if row["country"]:
            _check_countries(path, i, "country", [row["country"]], cat)
        key = (row["mode"], row["traction"], row["country"])
        if key in seen:
            msg = f"a second factor for {row['mode']} {row['traction']} {row['country'] or '(default)'} (first at row {seen[key]})"
            raise _fail(path, i, "country", msg)
        seen[key] = i


def _check_electrification(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for i, row in enumerate(table.to_dict("records"), start=2):
        if row["country"] and row["line"]:
            raise _fail(path, i, "line", "give a country or a line, not both")
        if row["line"]:
            _check_ref(path, i, "line", schema.link_ref("line", row["line"]), cat, ("line",))
        if row["country"]:
            _check_countries(path, i, "country", [row["country"]], cat)
        key = (row["country"], row["line"])
        if key in seen:
            raise _fail(
                path,
                i,
                "line" if row["line"] else "country",
                f"a second share for the same place (first at row {seen[key]})",
            )
        seen[key] = i


def _check_capacity(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(table.to_dict("records"), start=2):
        for ref in row["link"]:
            _check_ref(path, i, "link", ref, cat, schema.REF_KINDS)
            for direction in ("forward", "reverse") if row["direction"] == "both" else (row["direction"],):
                if (ref, direction) in seen:
                    msg = f"{ref} {direction} has a capacity already (row {seen[(ref, direction)]}); one binding value per link"
                    raise _fail(path, i, "link", msg)
                seen[(ref, direction)] = i


def _check_closures(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    seen: dict[str, int] = {}
    for i, row in enumerate(table.to_dict("records"), start=2):
        _check_ref(path, i, "link", row["link"], cat, (schema.CROSSING, schema.FERRY, schema.GAUGE_CHANGE))
        if row["link"] in seen:
            raise _fail(path, i, "link", f"{row['link']} has a closure row already (row {seen[row['link']]}); sum them")
        seen[row["link"]] = i


def _check_schedules(path: Path, table: pd.DataFrame, cat: Catalog) -> None:
    for i, row in enumerate(table.to_dict("records"), start=2):
        _check_ref(path, i, "link", row["link"], cat, (schema.CROSSING, schema.FERRY, schema.GAUGE_CHANGE))


_OPTIONAL_CHECKS: dict[str, Callable[[Path, pd.DataFrame, Catalog], None]] = {
    "costs.csv": _check_costs,
    "emissions.csv": _check_emissions,
    "electrification.csv": _check_electrification,
    "capacity.csv": _check_capacity,
    "closures.csv": _check_closures,
    "schedules.csv": _check_schedules,
}


def load_demand(path: str | os.PathLike[str] | None = None, cat: Catalog | None = None) -> pd.DataFrame:
    """Load and check a demand file (the embedded ``data/demand.csv`` by default).

    Columns: ``id``, ``origin``, ``destination`` (place ids), ``quantity``, ``unit``
    (:data:`DEMAND_UNITS`), and optionally
    ``corridor`` (a corridor name of ``corridors.toml``), ``basis`` and ``source``.

    Parameters
    ----------
    path
        A CSV file.
    cat
        The catalog whose places the file names; the embedded one by default.

    Returns
    -------
    pandas.DataFrame
        One row per flow, indexed by id.

    Raises
    ------
    CatalogError
        Naming the file, row and column of the first problem.
    """
    cat = cat or load()
    file = Path(path) if path is not None else cat.directory / "demand.csv"
    table = _none_for_missing(_read_table(file, DEMAND_COLUMNS))
    if table.empty:
        raise _fail(file, None, None, "has no rows; give at least one origin, destination and quantity")
    _check_unique(file, table, "id")
    for i, row in enumerate(table.to_dict("records"), start=2):
        for col in ("origin", "destination"):
            _check_place(file, i, col, row[col], cat)
        if row["origin"] == row["destination"]:
            raise _fail(file, i, "destination", f"the same place as the origin ({row['origin']})")
    return table.set_index("id", drop=False)


_TRACK_COLUMNS = ("line_id", "seq", "from", "to", "status", "reason", "geodesic_km", "osm_km", "geometry", "source")


def _read_track(path: Path) -> pd.DataFrame | None:
    """Read ``track.csv`` (OSM track lengths of line sections) if the catalog has one."""
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, dtype={"line_id": str, "from": str, "to": str, "reason": str}, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"{path}: cannot be read as CSV ({exc}); re-create it with scripts/derive_track.py"
        raise CatalogError(msg) from exc
    missing = [c for c in _TRACK_COLUMNS if c not in table.columns]
    if missing:
        raise _fail(path, 1, missing[0], "missing column; re-create the file with scripts/derive_track.py")
    for column in ("geodesic_km", "osm_km"):
        table[column] = pd.to_numeric(table[column].replace("", np.nan), errors="coerce")
    return table


def _check_lines(path: Path, lines: pd.DataFrame, places: pd.DataFrame, speeds: pd.DataFrame) -> gpd.GeoDataFrame:
    _check_unique(path, lines, "id")
    _check_refs(path, lines, "stops", places)
    countries, geoms = [], []
    country_of, lon, lat = (places[c].to_dict() for c in ("country", "lon", "lat"))
    for i, row in enumerate(lines.itertuples(index=False), start=2):
        if len(row.stops) < 2:
            raise _fail(path, i, "stops", "a line needs at least two stops")
        if len(set(row.stops)) != len(row.stops):
            raise _fail(path, i, "stops", "a stop is listed twice; split the line into two rows")
        if row.mode == "rail" and _missing(row.gauge):
            raise _fail(path, i, "gauge", "a rail line needs a gauge (1435, 1520 or 1668)")
        if row.mode == "road" and not _missing(row.gauge):
            raise _fail(path, i, "gauge", "a road has no gauge; leave the cell empty")
        if row.speed_class not in speeds.index:
            msg = f"unknown speed class {row.speed_class!r}; use one of {', '.join(speeds.index)}"
            raise _fail(path, i, "speed_class", msg)
        if speeds.at[row.speed_class, "mode"] != row.mode:
            raise _fail(
                path,
                i,
                "speed_class",
                f"{row.speed_class} is a {speeds.at[row.speed_class, 'mode']} class, this line is {row.mode}",
            )
        stop_countries = [country_of[s] for s in row.stops]
        if len(set(stop_countries)) > 1:
            pairs = ", ".join(f"{s} ({c})" for s, c in zip(row.stops, stop_countries, strict=True))
            msg = (
                f"stops lie in more than one country ({pairs}); end the line at the border and add a crossings.csv row"
            )
            raise _fail(path, i, "stops", msg)
        countries.append(stop_countries[0])
        geoms.append(LineString([(lon[s], lat[s]) for s in row.stops]))
    gauges = pd.Series([None if _missing(g) else int(g) for g in lines["gauge"]], index=lines.index, dtype=object)
    out = gpd.GeoDataFrame(lines.assign(country=countries, gauge=gauges), geometry=geoms, crs="EPSG:4326")
    return out.set_index("id", drop=False)


def _check_crossings(path: Path, crossings: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    _check_unique(path, crossings, "id")
    for col in ("from", "to"):
        _check_refs(path, crossings, col, places)
    for i, row in enumerate(crossings.to_dict("records"), start=2):
        a, b = row["from"], row["to"]
        if places.at[a, "country"] == places.at[b, "country"]:
            msg = f"{a} and {b} are both in {places.at[a, 'country']}; a crossing joins two countries"
            raise _fail(path, i, "to", msg)
        if row["mode"] == "rail" and not row["gauge"]:
            raise _fail(path, i, "gauge", "a rail crossing needs the gauge(s) of the track that crosses")
    return crossings

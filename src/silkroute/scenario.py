"""Scenario files (TOML): which links are open and how slow things are.

A scenario opens or closes links and places, forbids countries, scales dwell,
speed and waits (globally or for one crossing, ferry, place, country, mode or
speed class) and overrides individual values. The embedded scenarios live in
``data/scenarios/``; any other ``.toml`` file works the same way::

    name = "cku-open"
    description = "The CKU railway operational at its design parameters"
    extends = "baseline"              # optional: start from another scenario

    [open]                            # make links usable
    statuses = ["under_construction"] # every link with this status
    lines = []                        # line ids; also crossings = [], ferries = []

    [close]                           # make links or places unusable
    lines = []; crossings = []; ferries = []; places = []

    [avoid]
    countries = ["RUS", "BLR"]        # no node in these countries is used

    [scale]                           # global factors
    dwell = 1.0; transship = 1.0; ferry_wait = 1.0; sailing = 1.0; transfer = 1.0; speed = 1.0

    [[scale.where]]                   # a targeted factor
    crossing = "CN-ALASHANKOU~KZ-DOSTYK"  # or ferry, place, country, mode, speed_class, line
    dwell = 0.5

    [override.crossings."CN-ALASHANKOU~KZ-DOSTYK"]   # also override.ferries / gauge_changes / terminals / speeds
    dwell_mode_h = 6.0

    [closures."ferry:KZ-AKTAU-PORT~AZ-ALAT"]  # a recurring closure (adds to or replaces closures.csv)
    days_per_year_low = 5.0; days_per_year_mode = 10.0; days_per_year_high = 20.0
    event_days_low = 1.0; event_days_mode = 5.0; event_days_high = 6.0
    source = "..."

    [schedules."ferry:GE-POTI~RO-CONSTANTA"]  # a timetable: the wait is half the headway
    row = "S020"                              # a row of schedules.csv, or:
    # departures_per_week_low = 0.5; departures_per_week_mode = 0.69; departures_per_week_high = 1.0

A closure's expected wait is P(closed) × mean remaining closure = days/365 × event days/2; a
timetable's is half the headway 7/departures a week days (on a ferry it replaces the catalog's
wait for a departure). Unknown keys or ids raise :class:`~silkroute.ScenarioError` naming the key
and the file.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute._errors import CatalogError, ScenarioError
from silkroute._validate import validate_network
from silkroute.costs import CostModel, assign_costs, edge_costs, graph_attributes, leg_lengths_of
from silkroute.emissions import EmissionModel, assign_emissions, edge_co2
from silkroute.network import clean_copy, default_network
from silkroute.timing import Closure, Schedule, TimeModel, assign_travel_times, set_edge_times

__all__ = [
    "FACTORS",
    "AppliedTables",
    "Scenario",
    "apply",
    "apply_tables",
    "available",
    "load",
    "network",
    "scenario_dir",
]

_SECTIONS = {
    "name", "description", "extends", "open", "close", "avoid", "scale", "override", "source", "closures", "schedules",
}  # fmt: skip
_OPEN_KEYS = {"statuses", "lines", "crossings", "ferries"}
_CLOSE_KEYS = {"lines", "crossings", "ferries", "places"}
#: Scale factors a scenario may set (``speed`` scales speed classes, the others a triple; see schema.FACTORS).
FACTORS = (*schema.FACTORS, "speed")
_SELECTORS = ("crossing", "ferry", "place", "country", "mode", "speed_class", "line")
#: Override table → (catalog table, triples it may override).
_OVERRIDE_TABLES: dict[str, tuple[str, tuple[schema.Triple, ...]]] = {
    "crossings": ("crossings", (schema.DWELL,)),
    "ferries": ("ferries", (schema.SAILING, schema.WAIT)),
    "gauge_changes": ("gauge_changes", (schema.TRANSSHIP,)),
    "terminals": ("terminals", (schema.TRANSFER_TIME,)),
    "speeds": ("speeds", (schema.SPEED,)),
}
#: Override table → the edge attribute holding the row id.
_OVERRIDE_REFS = {
    "crossings": "crossing",
    "ferries": "ferry",
    "gauge_changes": "gauge_change",
    "terminals": "terminal",
}


@dataclass
class Scenario:
    """A parsed, validated scenario."""

    name: str
    description: str = ""
    path: Path | None = None
    open_statuses: list[str] = field(default_factory=list)
    open_links: dict[str, list[str]] = field(default_factory=dict)
    close_links: dict[str, list[str]] = field(default_factory=dict)
    close_places: list[str] = field(default_factory=list)
    avoid_countries: list[str] = field(default_factory=list)
    scale: dict[str, float] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    overrides: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    closures: dict[str, Closure] = field(default_factory=dict)  # link reference -> closure (adds to closures.csv)
    schedules: dict[str, Schedule] = field(default_factory=dict)  # link reference -> timetable
    files: tuple[Path, ...] = ()  # the file and the files it extends, for cache keys

    def summary(self) -> str:
        """Return one line describing what the scenario changes.

        Returns
        -------
        str
            The changes, ``;``-separated.
        """
        parts = []
        if self.open_statuses:
            parts.append("opens " + ", ".join(self.open_statuses) + " links")
        for kind, ids in self.open_links.items():
            if ids:
                parts.append(f"opens {kind} {', '.join(ids)}")
        for kind, ids in self.close_links.items():
            if ids:
                parts.append(f"closes {kind} {', '.join(ids)}")
        if self.close_places:
            parts.append("closes " + ", ".join(self.close_places))
        if self.avoid_countries:
            parts.append("avoids " + ", ".join(self.avoid_countries))
        parts += [f"{k} x{v:g}" for k, v in self.scale.items() if v != 1.0]
        parts += [
            f"{', '.join(f'{k}={r[k]}' for k in _SELECTORS if k in r)}: "
            + ", ".join(f"{f} x{r[f]:g}" for f in FACTORS if f in r)
            for r in self.rules
        ]
        parts += [f"overrides {t} {i}" for t, rows in self.overrides.items() for i in rows]
        parts += [
            f"closes {ref} {c.days[1]:g} days a year (events of {c.event_days[1]:g} days)"
            for ref, c in self.closures.items()
        ]
        parts += [f"timetable {ref}: {t.departures[1]:g} departures a week" for ref, t in self.schedules.items()]
        return "; ".join(parts) or "operational links only, catalog values"


def scenario_dir() -> Path:
    """Return the directory of the embedded scenarios.

    Returns
    -------
    pathlib.Path
        ``data/scenarios``.
    """
    return _catalog.data_dir() / "scenarios"


def available() -> list[str]:
    """Return the names of the embedded scenarios.

    Returns
    -------
    list of str
        Sorted names.
    """
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def load(name_or_path: str | os.PathLike[str], cat: _catalog.Catalog | None = None) -> Scenario:
    """Load a scenario by embedded name (``"baseline"``) or from a TOML file.

    Parameters
    ----------
    name_or_path
        An embedded scenario name or a ``.toml`` file.
    cat
        The catalog whose ids the scenario may name; the embedded one by default.

    Returns
    -------
    Scenario
        The parsed scenario, with everything it extends merged in.

    Raises
    ------
    ScenarioError
        Unknown name, unreadable file, unknown key or id, a value that is not a finite number in range.
    """
    cat = cat or _catalog.load()
    return _load(name_or_path, cat, seen=(), base_dir=None)


def _resolve(name_or_path: str | os.PathLike[str], base_dir: Path | None) -> Path:
    text = str(name_or_path)
    path = Path(text)
    if base_dir is not None and not path.is_absolute() and (path.suffix == ".toml" or "/" in text):
        path = base_dir / path  # a relative ``extends`` is relative to the file that names it
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            msg = f"scenario file {path} does not exist; check the path (or use an embedded name: {', '.join(available())})"
            raise ScenarioError(msg)
        return path
    embedded = scenario_dir() / f"{text}.toml"
    if not embedded.is_file():
        close = difflib.get_close_matches(text, available(), n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        msg = f"unknown scenario {text!r}: use one of {', '.join(available())} or a path to a .toml file{hint}"
        raise ScenarioError(msg)
    return embedded


def _load(
    name_or_path: str | os.PathLike[str], cat: _catalog.Catalog, seen: tuple[Path, ...], base_dir: Path | None
) -> Scenario:
    path = _resolve(name_or_path, base_dir).resolve()
    if path in seen:
        msg = f"{path}: 'extends' forms a cycle ({' -> '.join(p.name for p in (*seen, path))})"
        raise ScenarioError(msg)
    try:
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise ScenarioError(msg) from exc
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text (byte {exc.start}); save the scenario file as UTF-8"
        raise ScenarioError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc})"
        raise ScenarioError(msg) from exc
    base = Scenario(name="")
    if "extends" in cfg:
        try:
            base = _load(cfg["extends"], cat, (*seen, path), path.parent)
        except ScenarioError as exc:
            if str(path) in str(exc):
                raise
            raise _err(path, "extends", str(exc)) from None
    sc = _parse(cfg, path, cat, base)
    sc.files = (path, *base.files)
    return sc


def _err(path: Path, key: str, problem: str) -> ScenarioError:
    return ScenarioError(f"{path}, key '{key}': {problem}")


def _check_keys(path: Path, section: str, table: Any, allowed: set[str] | tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _err(path, section, "must be a table")
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _err(
                path,
                f"{section}.{key}" if section else key,
                f"unknown key{hint}; allowed: {', '.join(sorted(allowed))}",
            )
    return table


def _ids(path: Path, key: str, value: Any, known: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(path, key, "must be a list of strings")
    for v in value:
        if v not in known:
            close = difflib.get_close_matches(v, list(map(str, known)), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise _err(path, key, f"unknown {what} {v!r}{hint}")
    return list(value)


def _factor(path: Path, key: str, value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise _err(path, key, f"must be a finite number > 0 (1 = unchanged), got {value!r}")
    return float(value)


def _parse(cfg: dict[str, Any], path: Path, cat: _catalog.Catalog, base: Scenario) -> Scenario:
    _check_keys(path, "", cfg, _SECTIONS)
    sc = copy.deepcopy(base)
    sc.name = str(cfg.get("name", path.stem))
    sc.description = str(cfg.get("description", base.description))
    sc.path = path
    tables = {"lines": cat.lines.index, "crossings": cat.crossings.index, "ferries": cat.ferries.index}
    countries = set(cat.places["country"])
    opened = _check_keys(path, "open", cfg.get("open", {}), _OPEN_KEYS)
    sc.open_statuses += _ids(path, "open.statuses", opened.get("statuses", []), _catalog.STATUSES, "status")
    for kind in ("lines", "crossings", "ferries"):
        sc.open_links[kind] = sc.open_links.get(kind, []) + _ids(
            path, f"open.{kind}", opened.get(kind, []), tables[kind], kind[:-1] if kind != "ferries" else "ferry"
        )
    closed = _check_keys(path, "close", cfg.get("close", {}), _CLOSE_KEYS)
    for kind in ("lines", "crossings", "ferries"):
        sc.close_links[kind] = sc.close_links.get(kind, []) + _ids(
            path, f"close.{kind}", closed.get(kind, []), tables[kind], kind[:-1] if kind != "ferries" else "ferry"
        )
    sc.close_places += _ids(path, "close.places", closed.get("places", []), cat.places.index, "place")
    avoid = _check_keys(path, "avoid", cfg.get("avoid", {}), {"countries"})
    sc.avoid_countries += _ids(path, "avoid.countries", avoid.get("countries", []), countries, "country (ISO3)")
    scale = _check_keys(path, "scale", cfg.get("scale", {}), (*FACTORS, "where"))
    for f in FACTORS:
        if f in scale:
            sc.scale[f] = sc.scale.get(f, 1.0) * _factor(path, f"scale.{f}", scale[f])
    for i, rule in enumerate(scale.get("where", [])):
        key = f"scale.where[{i}]"
        _check_keys(path, key, rule, (*_SELECTORS, *FACTORS))
        selectors = [s for s in _SELECTORS if s in rule]
        if not selectors:
            raise _err(path, key, f"name what to scale with one of {', '.join(_SELECTORS)}")
        known = {
            "crossing": cat.crossings.index,
            "ferry": cat.ferries.index,
            "place": cat.places.index,
            "country": countries,
            "mode": ("rail", "road", "ferry"),
            "speed_class": cat.speeds.index,
            "line": cat.lines.index,
        }
        for s in selectors:
            _ids(path, f"{key}.{s}", [rule[s]], known[s], s)
        for f in FACTORS:
            if f in rule:
                _factor(path, f"{key}.{f}", rule[f])
        sc.rules.append(dict(rule))
    overrides = _check_keys(path, "override", cfg.get("override", {}), set(_OVERRIDE_TABLES))
    for table, rows in overrides.items():
        attr, triples = _OVERRIDE_TABLES[table]
        frame = getattr(cat, attr)
        columns = {c for t in triples for c in t.columns}
        for rid, values in _check_keys(path, f"override.{table}", rows, set(map(str, frame.index))).items():
            _check_keys(path, f"override.{table}.{rid}", values, columns)
            merged = {**sc.overrides.get(table, {}).get(rid, {})}
            for col, v in values.items():
                positive = table == "speeds" or col.startswith("sailing")
                ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                if not ok or v < 0 or (positive and v == 0):
                    bound = "> 0" if positive else ">= 0"
                    raise _err(path, f"override.{table}.{rid}.{col}", f"must be a finite number {bound}, got {v!r}")
                merged[col] = float(v)
            row = frame.loc[rid]
            for t in triples:
                low, mode, high = (merged.get(c, float(row[c])) for c in t.columns)
                if not low <= mode <= high:
                    msg = f"low <= mode <= high is violated ({low:g} / {mode:g} / {high:g}) after the override; set all three"
                    raise _err(path, f"override.{table}.{rid}", msg)
            sc.overrides.setdefault(table, {})[rid] = merged
    sc.closures.update(_closures(path, cfg.get("closures", {}), cat))
    sc.schedules.update(_schedules(path, cfg.get("schedules", {}), cat))
    return sc


def _link_key(path: Path, section: str, ref: Any, cat: _catalog.Catalog) -> str:
    kind, ident = schema.split_ref(str(ref))
    known = {
        schema.CROSSING: cat.crossings.index,
        schema.FERRY: cat.ferries.index,
        schema.GAUGE_CHANGE: cat.gauge_changes.index,
    }
    if kind not in known:
        raise _err(path, f"{section}.{ref}", "name a link as crossing:ID, ferry:ID or gauge_change:PLACE")
    if ident not in known[kind]:
        close = difflib.get_close_matches(ident, list(map(str, known[kind])), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise _err(path, f"{section}.{ref}", f"unknown {kind} {ident!r}{hint}")
    return str(ref)


def _triple_of(
    path: Path, key: str, values: dict[str, Any], triple: schema.Triple, *, positive: bool
) -> tuple[float, float, float]:
    if triple.columns[1] not in values:
        raise _err(
            path, key, f"give at least {triple.columns[1]} (and optionally {triple.columns[0]}, {triple.columns[2]})"
        )
    out = []
    for col in triple.columns:
        v = values.get(col, values[triple.columns[1]])
        ok = (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
            and (v > 0 if positive else v >= 0)
        )
        if not ok:
            raise _err(path, f"{key}.{col}", f"must be a finite number {'> 0' if positive else '>= 0'}, got {v!r}")
        out.append(float(v))
    low, mode, high = out
    if not low <= mode <= high:
        raise _err(path, key, f"low <= mode <= high is violated ({low:g} / {mode:g} / {high:g})")
    return (low, mode, high)


def _closures(path: Path, table: Any, cat: _catalog.Catalog) -> dict[str, Closure]:
    allowed = {*schema.CLOSED_DAYS.columns, *schema.EVENT_DAYS.columns, "source"}
    out = {}
    for ref, values in _check_keys(
        path, "closures", table, {str(k) for k in table} if isinstance(table, dict) else set()
    ).items():
        key = _link_key(path, "closures", ref, cat)
        _check_keys(path, f"closures.{ref}", values, allowed)
        days = _triple_of(path, f"closures.{ref}", values, schema.CLOSED_DAYS, positive=False)
        if days[2] > 365:
            raise _err(path, f"closures.{ref}.{schema.CLOSED_DAYS.columns[2]}", "a year has 365 days")
        event = _triple_of(path, f"closures.{ref}", values, schema.EVENT_DAYS, positive=True)
        out[key] = Closure(days, event, str(values.get("source", path)))
    return out


def _schedules(path: Path, table: Any, cat: _catalog.Catalog) -> dict[str, Schedule]:
    allowed = {*schema.DEPARTURES.columns, "row", "source"}
    out = {}
    for ref, values in _check_keys(
        path, "schedules", table, {str(k) for k in table} if isinstance(table, dict) else set()
    ).items():
        key = _link_key(path, "schedules", ref, cat)
        _check_keys(path, f"schedules.{ref}", values, allowed)
        if "row" in values:
            rows = cat.schedules
            if rows is None or values["row"] not in rows.index:
                known = ", ".join(rows.index) if rows is not None else "none (the catalog has no schedules.csv)"
                raise _err(path, f"schedules.{ref}.row", f"unknown schedules.csv row {values['row']!r}; rows: {known}")
            row = rows.loc[values["row"]]
            if row["link"] != key:
                raise _err(path, f"schedules.{ref}.row", f"row {values['row']} is for {row['link']}, not {key}")
            out[key] = Schedule(schema.DEPARTURES.read(row), str(row["source"]))
        else:
            departures = _triple_of(path, f"schedules.{ref}", values, schema.DEPARTURES, positive=True)
            out[key] = Schedule(departures, str(values.get("source", path)))
    return out


# --------------------------------------------------------------------------- applying


def _matches(rule: dict[str, Any], d: dict[str, Any], countries: set[str]) -> bool:
    checks = {
        "crossing": d.get("crossing"),
        "ferry": d.get("ferry"),
        "place": d.get("gauge_change") or d.get("terminal"),
        "mode": d.get("mode"),
        "speed_class": d.get("speed_class"),
        "line": d.get("line_id"),
    }
    for key, value in checks.items():
        if key in rule and rule[key] != value:
            return False
    return not ("country" in rule and rule["country"] not in countries)


def _rule_factor(rules: list[dict[str, Any]], factor: str, d: dict[str, Any], countries: set[str]) -> float:
    out = 1.0
    for rule in rules:
        if factor in rule and _matches(rule, d, countries):
            out *= float(rule[factor])
    return out


def _blocked(scenario: Scenario, d: dict[str, Any], places: set[Any], countries: set[str]) -> str | None:
    """Why an edge is unusable under a scenario, or ``None``."""
    refs = {(k, d.get(attr)) for k, attr in (("lines", "line_id"), ("crossings", "crossing"), ("ferries", "ferry"))}
    refs = {(k, i) for k, i in refs if i}
    closed = {(k, i) for k, ids in scenario.close_links.items() for i in ids}
    opened = {(k, i) for k, ids in scenario.open_links.items() for i in ids}
    if refs & closed:
        return "closed by scenario " + scenario.name
    hit = places & set(scenario.close_places)
    if hit:
        return f"place {sorted(hit)[0]} closed by scenario {scenario.name}"
    avoided = countries & set(scenario.avoid_countries)
    if avoided:
        return f"country {sorted(avoided)[0]} avoided by scenario {scenario.name}"
    status = d.get("status", "operational")
    if status != "operational" and status not in scenario.open_statuses and not refs & opened:
        return f"status {status}"
    return None


def apply(
    G: nx.MultiDiGraph,
    scenario: Scenario,
    model: TimeModel | None = None,
    *,
    cost_model: CostModel | bool | None = True,
    emission_model: EmissionModel | bool | None = True,
) -> nx.MultiDiGraph:
    """Return a copy of a network under a scenario, with travel times, costs and CO₂e assigned.

    Every edge gets ``usable`` (bool) and, when unusable, ``blocked_by``: the
    reason (``"status under_construction"``, ``"closed by scenario"``,
    ``"country RUS avoided"``) that routing reports when a route needs it.

    Parameters
    ----------
    G
        A network without or with travel times (it is not changed).
    scenario
        A loaded scenario.
    model
        The time model; the embedded catalog's by default.
    cost_model, emission_model
        The cost and CO₂e models (:mod:`silkroute.costs`, :mod:`silkroute.emissions`); ``True``
        (the default) reads them from the catalog the network was built from, ``None`` or
        ``False`` leaves the network without costs or CO₂e.

    Returns
    -------
    networkx.MultiDiGraph
        The copy, with ``graph["scenario"]``, ``graph["time_model"]`` and, with costs,
        ``graph["cost_model"]`` and ``graph["emission_model"]``.
    """
    validate_network(G)
    model = (model or TimeModel.from_catalog()).with_speeds(scenario.overrides.get("speeds", {}))
    model = model.with_closures(scenario.closures).with_schedules(scenario.schedules)
    H = clean_copy(G)
    for u, v, d in H.edges(data=True):
        _apply_edge(d, H.nodes[u], H.nodes[v], scenario)
    H.graph["scenario"] = scenario.name
    assign_travel_times(H, model)
    if cost_model is True or emission_model is True:
        cat = _catalog_of(G.graph)
        cost_model = CostModel.from_catalog(cat) if cost_model is True else cost_model
        emission_model = EmissionModel.from_catalog(cat) if emission_model is True else emission_model
    if isinstance(cost_model, CostModel):
        assign_costs(H, cost_model.with_distribution(model.distribution))
    if isinstance(emission_model, EmissionModel):
        assign_emissions(H, replace(emission_model, distribution=model.distribution))
    return H


def _catalog_of(graph: Mapping[str, Any]) -> _catalog.Catalog:
    """The catalog a network was built from (``graph["catalog"]``), else the embedded one."""
    directory = graph.get("catalog")
    try:
        return _catalog.load(directory)
    except CatalogError:
        return _catalog.load()


def _apply_edge(d: dict[str, Any], nu: Mapping[str, Any], nv: Mapping[str, Any], scenario: Scenario) -> None:
    """Set what a scenario changes on one edge (usable, blocked_by, scaled and overridden values), in place."""
    countries = {c for c in (nu.get("country"), nv.get("country"), d.get("country")) if c}
    blocked = _blocked(scenario, d, {nu.get("place"), nv.get("place")} - {None}, countries)
    d[schema.USABLE] = blocked is None
    d[schema.BLOCKED_BY] = blocked
    for factor, triple in schema.FACTORS.items():
        if d.get("kind") in schema.KIND_TERMS and any(t is triple for _c, t in schema.KIND_TERMS[d["kind"]]):
            scale = scenario.scale.get(factor, 1.0) * _rule_factor(scenario.rules, factor, d, countries)
            if scale != 1.0:
                for c in triple.columns:
                    d[c] = float(d[c]) * scale
    if d.get("kind") in schema.TRACK_KINDS:
        d[schema.SPEED_SCALE] = scenario.scale.get("speed", 1.0) * _rule_factor(scenario.rules, "speed", d, countries)
    for table, attr in _OVERRIDE_REFS.items():
        rid = d.get(attr)
        if rid is not None and rid in scenario.overrides.get(table, {}):
            d.update(scenario.overrides[table][rid])


def _files_key(paths: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)


@functools.lru_cache(maxsize=16)
def _applied(scenario_key: tuple[Any, ...], catalog_key: tuple[Any, ...], name_or_path: str) -> nx.MultiDiGraph:
    catalog_dir = catalog_key[0]
    cat = _catalog.load(catalog_dir)
    return apply(
        default_network(catalog_dir),
        load(name_or_path, cat),
        TimeModel.from_catalog(cat),
        cost_model=CostModel.from_catalog(cat),
        emission_model=EmissionModel.from_catalog(cat),
    )


def network(
    name_or_path: str | os.PathLike[str] = "baseline",
    *,
    base: nx.MultiDiGraph | None = None,
    refine_with: nx.MultiDiGraph | None = None,
    catalog_dir: str | os.PathLike[str] | None = None,
) -> nx.MultiDiGraph:
    """Return a network under a scenario, with travel times: a new graph the caller may change.

    The embedded network under an embedded or file scenario is computed once
    per content of the catalog and scenario files (both are part of the cache
    key) and copied for each caller.

    Parameters
    ----------
    name_or_path
        An embedded scenario name or a TOML file.
    base
        A network to use instead of the catalog's (e.g. one loaded with
        :func:`silkroute.io.load_network`); it is not changed.
    refine_with
        A detailed network (OSM or any line file, see :mod:`silkroute.build`)
        conflated onto the catalog: matched sections take the real track's
        length and geometry (see :mod:`silkroute.conflate`).
    catalog_dir
        Another catalog directory instead of the embedded one.

    Returns
    -------
    networkx.MultiDiGraph
        The network with ``usable``, ``blocked_by``, ``travel_time`` and the
        ``<component>_h`` hours on every edge.
    """
    cat = _catalog.load(catalog_dir)
    if base is None and refine_with is None:
        sc = load(name_or_path, cat)
        return clean_copy(_applied(_files_key(sc.files), _catalog.fingerprint(catalog_dir), str(name_or_path)))
    G = base if base is not None else default_network(catalog_dir)
    if refine_with is not None:
        from silkroute import conflate

        G = conflate.refine_network(G, conflate.conflate(cat, refine_with))
    return apply(
        G,
        load(name_or_path, cat),
        TimeModel.from_catalog(cat),
        cost_model=CostModel.from_catalog(cat),
        emission_model=EmissionModel.from_catalog(cat),
    )


# --------------------------------------------------------------------------- a network file's tables under a scenario

#: Edge attributes that what a scenario changes and the time model depend on (besides the length).
_SIGNATURE = (
    "kind",
    "mode",
    "status",
    "line_id",
    "crossing",
    "ferry",
    "gauge_change",
    "terminal",
    "speed_class",
    "country",
    "carries",
    "direction",
    "gauge",
    "customs",
    schema.SPEED_SCALE,
)
_TRIPLE_COLUMNS = tuple(
    dict.fromkeys(c for terms in schema.KIND_TERMS.values() for _comp, t in terms for c in t.columns)
)
#: Attributes that scale with the length on line and snap edges.
_PER_KM = (
    schema.TRAVEL_TIME,
    *(schema.component_attr(c) for c in schema.COMPONENTS),
    schema.COST,
    *(schema.cost_attr(c) for c in schema.COST_COMPONENTS),
)
#: Attributes that scale with the length on every edge (t·km).
_PER_TKM = (schema.CO2, *(schema.co2_attr(c) for c in schema.CO2_COMPONENTS))
_WRITTEN = (schema.USABLE, schema.BLOCKED_BY, schema.SPEED_SCALE, "speed_kph", *_PER_KM, *_PER_TKM, *_TRIPLE_COLUMNS)


class AppliedTables:
    """A network file's tables under a scenario, with travel times: :func:`apply`'s result as columns.

    Edges are grouped by everything the scenario and the time model read
    except the length (kind, status, line, crossing, ferry, speed class,
    country, the places and countries of both ends, the low/mode/high hours);
    :func:`apply`'s own per-edge steps run once per group on a 1 km
    representative, and the hours of line and snap edges scale with their
    length. :meth:`edge` returns what the edge's attributes in ``apply(G)``
    would be.

    Parameters
    ----------
    tables
        The network file's tables (:func:`silkroute.io.read_network_tables`).
    scenario
        A loaded scenario.
    model
        The time model (with the scenario's speed overrides, closures and timetables).
    cost_model, emission_model
        The cost and CO₂e models, ``None`` for a network without costs or CO₂e.
    """

    def __init__(
        self,
        tables: Any,
        scenario: Scenario,
        model: TimeModel,
        cost_model: CostModel | None = None,
        emission_model: EmissionModel | None = None,
    ) -> None:
        import numpy as np

        self.tables, self.time_model = tables, model
        self.graph: dict[str, Any] = {**tables.graph, "scenario": scenario.name, "time_model": model}
        m = tables.n_edges
        self.u, self.v = tables.end_rows()
        self.length = np.asarray(tables.column("edges", schema.LENGTH), dtype=float)
        codes = [tables.codes("edges", name) for name in _SIGNATURE + _TRIPLE_COLUMNS if tables.has("edges", name)]
        for name in ("place", "country"):
            node_codes = tables.codes("nodes", name)
            codes += [node_codes[self.u], node_codes[self.v]]
        codes.append((self.length == 0).astype(np.int64))
        x = np.asarray(tables.column("nodes", "x"), dtype=float)
        codes.append((x[self.v] < x[self.u]).astype(np.int64))  # westbound (rates by direction)
        # one integer per signature (mixed radix, renumbered before it would overflow): a 1-D unique
        key, size = np.zeros(m, dtype=np.int64), 1
        for c in codes:
            r = int(c.max(initial=0)) + 1
            if size * r >= 2**62:
                _seen, key = np.unique(key, return_inverse=True)
                key, size = key.astype(np.int64).reshape(-1), int(key.max(initial=0)) + 1
            key, size = key * r + c, size * r
        _keys, first, self.group = np.unique(key, return_index=True, return_inverse=True)
        self.group = np.asarray(self.group, dtype=np.int64).reshape(-1)
        self.reps: list[dict[str, Any]] = []
        rep_rows = first.tolist()
        tails = tables.rows("nodes", self.u[first].tolist())
        heads = tables.rows("nodes", self.v[first].tolist())
        ends = list(zip(tails, heads, strict=True))
        for d, (nu, nv) in zip(tables.rows("edges", rep_rows, geometry=False), ends, strict=True):
            if d.get("kind") in schema.TRACK_KINDS and d.get(schema.LENGTH, 0) != 0:
                d[schema.LENGTH] = 1000.0
            _apply_edge(d, nu, nv, scenario)
            set_edge_times(d, model)
            self.reps.append(d)
        if cost_model is not None:
            cost_model = replace(
                cost_model.with_distribution(model.distribution), legs_km=self._leg_lengths(cost_model)
            )
            rates = cost_model.expected_rates()
            for d, (nu, nv) in zip(self.reps, ends, strict=True):
                d.update(edge_costs(nu, nv, d, cost_model, rates))
            self.graph.update(graph_attributes(cost_model))
        if emission_model is not None:
            emission_model = replace(emission_model, distribution=model.distribution)
            factors, shares = emission_model.expected_values()
            for d, (nu, _nv) in zip(self.reps, ends, strict=True):
                d.update(edge_co2(nu, d, emission_model, factors, shares))
            self.graph["emission_model"] = emission_model
        self.track = np.array([d.get("kind") in schema.TRACK_KINDS for d in self.reps], dtype=bool)
        rep_length = np.array([float(d.get(schema.LENGTH, 0.0)) for d in self.reps])[self.group]
        #: Per edge: the factor of per-km values (line and snap edges) and of per-t·km values (every edge).
        self.per_km = np.where(self.track[self.group] & (self.length != 0), self.length / 1000.0, 1.0)
        self.per_tkm = np.divide(self.length, rep_length, out=np.ones(m), where=rep_length > 0)
        self.travel_time = self._column(schema.TRAVEL_TIME)
        self.usable = np.array([bool(d[schema.USABLE]) for d in self.reps], dtype=bool)[self.group]
        self.cost = self._column(schema.COST) if cost_model is not None else None
        self.generalized = (
            self.cost + float(self.graph["value_of_time_usd_per_feu_h"]) * self.travel_time / 3600.0
            if self.cost is not None
            else None
        )
        self._edges: dict[int, dict[str, Any]] = {}
        self._nodes: dict[int, dict[str, Any]] = {}

    def edge(self, i: int) -> dict[str, Any]:
        """Return the attributes of edge row ``i`` under the scenario (cached).

        Parameters
        ----------
        i
            Edge row.

        Returns
        -------
        dict
            As ``apply(load_network(path), scenario)`` would have them (hours to rounding).
        """
        if i not in self._edges:
            self.load_edges([i])
        return self._edges[i]

    def load_edges(self, rows: Sequence[int]) -> None:
        """Read the edge rows not read yet in one go (a route's edges), so that :meth:`edge` finds them.

        Parameters
        ----------
        rows
            Edge rows.
        """
        missing = list(dict.fromkeys(i for i in rows if i not in self._edges))
        for i, d in zip(missing, self.tables.rows("edges", missing) if missing else [], strict=True):
            d.update(self._written(i))
            self._edges[i] = d

    def _column(self, key: str) -> Any:
        """One written attribute of every edge, as an array."""
        import numpy as np

        rep = np.array([float(d[key]) for d in self.reps])[self.group]
        return rep * (self.per_tkm if key in _PER_TKM else self.per_km if key in _PER_KM else 1.0)

    def _written(self, i: int) -> dict[str, Any]:
        """What the scenario, the time model and the cost and CO₂e models set on edge row ``i``."""
        rep = self.reps[int(self.group[i])]
        out = {}
        for key in _WRITTEN:
            if key in rep:
                scale = self.per_tkm[i] if key in _PER_TKM else self.per_km[i] if key in _PER_KM else None
                out[key] = rep[key] if scale is None else rep[key] * float(scale)
        if self.generalized is not None:
            out[schema.GENERALIZED_COST] = float(self.generalized[i])
        return out

    def _leg_lengths(self, model: CostModel) -> dict[str, float]:
        """The km of each leg priced per leg, on these tables (:func:`silkroute.costs.leg_lengths`)."""
        import numpy as np

        t = self.tables

        def col(table: str, name: str) -> Any:
            return np.asarray(t.column(table, name), dtype=object)  # all None for a column the table lacks

        return leg_lengths_of(
            model,
            {a: col("nodes", a) for a in ("place", "mode", "layer")},
            u=self.u,
            v=self.v,
            kind=col("edges", "kind"),
            status=col("edges", "status"),
            length=self.length,
        )

    def node(self, i: int) -> dict[str, Any]:
        """Return the attributes of node row ``i`` (a scenario does not change nodes).

        Parameters
        ----------
        i
            Node row.

        Returns
        -------
        dict
            The node's attributes.
        """
        if i not in self._nodes:
            self.load_nodes([i])
        return self._nodes[i]

    def load_nodes(self, rows: Sequence[int]) -> None:
        """Read the node rows not read yet in one go (a route's nodes), so that :meth:`node` finds them.

        Parameters
        ----------
        rows
            Node rows.
        """
        missing = list(dict.fromkeys(i for i in rows if i not in self._nodes))
        self._nodes.update(zip(missing, self.tables.rows("nodes", missing) if missing else [], strict=True))

    def to_graph(self) -> nx.MultiDiGraph:
        """Build the networkx graph under the scenario.

        Returns
        -------
        networkx.MultiDiGraph
            The graph with every edge's attributes from :meth:`edge`'s rules, graph attributes included.
        """
        G = self.tables.to_graph()
        G.graph.update(self.graph)
        ends = zip(*(self.tables.column("edges", c) for c in ("u", "v", "key")), strict=True)
        for i, (u, v, k) in enumerate(ends):
            G.edges[u, v, k].update(self._written(i))
        return G


def apply_tables(
    tables: Any,
    name_or_path: str | os.PathLike[str] = "baseline",
    *,
    catalog_dir: str | os.PathLike[str] | None = None,
    value_of_time: float | None = None,
) -> AppliedTables:
    """Put a network file's tables under a scenario without building a graph (for large networks).

    Parameters
    ----------
    tables
        :func:`silkroute.io.read_network_tables` of the network file.
    name_or_path
        An embedded scenario name or a TOML file.
    catalog_dir
        Another catalog directory instead of the embedded one (its ids, speeds, costs and emission factors).
    value_of_time
        USD per FEU-hour for the generalised cost (the catalog's by default).

    Returns
    -------
    AppliedTables
        The travel times, costs, CO₂e and usable flags as columns; :func:`silkroute.routing.compile` takes it.
    """
    cat = _catalog.load(catalog_dir)
    sc = load(name_or_path, cat)
    model = TimeModel.from_catalog(cat).with_speeds(sc.overrides.get("speeds", {}))
    model = model.with_closures(sc.closures).with_schedules(sc.schedules)
    cost_model = CostModel.from_catalog(cat)
    if cost_model is not None and value_of_time is not None:
        cost_model = cost_model.with_value_of_time(value_of_time)
    return AppliedTables(tables, sc, model, cost_model, EmissionModel.from_catalog(cat))

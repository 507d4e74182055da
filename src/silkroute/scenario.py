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
    crossing = "DOSTYK-ALASHANKOU"    # or ferry, place, country, mode, speed_class, line
    dwell = 0.5

    [override.crossings.DOSTYK-ALASHANKOU]   # also override.ferries / gauge_changes / terminals / speeds
    dwell_mode_h = 6.0

Unknown keys or ids raise :class:`~silkroute.ScenarioError` naming the key and the file.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import schema
from silkroute._errors import ScenarioError
from silkroute._validate import validate_network
from silkroute.network import clean_copy, default_network
from silkroute.timing import TimeModel, assign_travel_times

__all__ = ["FACTORS", "Scenario", "apply", "available", "load", "network", "scenario_dir"]

_SECTIONS = {"name", "description", "extends", "open", "close", "avoid", "scale", "override", "source"}
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
    return sc


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


def apply(G: nx.MultiDiGraph, scenario: Scenario, model: TimeModel | None = None) -> nx.MultiDiGraph:
    """Return a copy of a network under a scenario, with travel times assigned.

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

    Returns
    -------
    networkx.MultiDiGraph
        The copy, with ``graph["scenario"]`` and ``graph["time_model"]``.
    """
    validate_network(G)
    model = (model or TimeModel.from_catalog()).with_speeds(scenario.overrides.get("speeds", {}))
    H = clean_copy(G)
    for u, v, d in H.edges(data=True):
        nu, nv = H.nodes[u], H.nodes[v]
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
            d[schema.SPEED_SCALE] = scenario.scale.get("speed", 1.0) * _rule_factor(
                scenario.rules, "speed", d, countries
            )
        for table, attr in _OVERRIDE_REFS.items():
            rid = d.get(attr)
            if rid is not None and rid in scenario.overrides.get(table, {}):
                d.update(scenario.overrides[table][rid])
    H.graph["scenario"] = scenario.name
    return assign_travel_times(H, model)


def _files_key(paths: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)


@functools.lru_cache(maxsize=16)
def _applied(scenario_key: tuple[Any, ...], catalog_key: tuple[Any, ...], name_or_path: str) -> nx.MultiDiGraph:
    catalog_dir = catalog_key[0]
    cat = _catalog.load(catalog_dir)
    return apply(default_network(catalog_dir), load(name_or_path, cat), TimeModel.from_catalog(cat))


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
    return apply(G, load(name_or_path, cat), TimeModel.from_catalog(cat))

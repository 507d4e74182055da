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
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute._errors import ScenarioError
from silkroute.network import clean_copy, default_network
from silkroute.timing import TimeModel, assign_travel_times

__all__ = ["Scenario", "apply", "available", "load", "network"]

_SECTIONS = {"name", "description", "extends", "open", "close", "avoid", "scale", "override", "source"}
_OPEN_KEYS = {"statuses", "lines", "crossings", "ferries"}
_CLOSE_KEYS = {"lines", "crossings", "ferries", "places"}
FACTORS = ("dwell", "transship", "ferry_wait", "sailing", "transfer", "speed")
_SELECTORS = ("crossing", "ferry", "place", "country", "mode", "speed_class", "line")
_OVERRIDE_TABLES = {
    "crossings": ("crossings", "dwell_{}_h"),
    "ferries": ("ferries", "sailing_{}_h", "wait_{}_h"),
    "gauge_changes": ("gauge_changes", "transship_{}_h"),
    "terminals": ("terminals", "transfer_{}_h"),
    "speeds": ("speeds", "speed_{}_kph"),
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

    def summary(self) -> str:
        """One line describing what the scenario changes."""
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
    """Directory of the embedded scenarios."""
    return _catalog.data_dir() / "scenarios"


def available() -> list[str]:
    """Names of the embedded scenarios."""
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def load(name_or_path: str | Path, cat: _catalog.Catalog | None = None) -> Scenario:
    """Load a scenario by embedded name (``"baseline"``) or from a TOML file.

    Raises
    ------
    ScenarioError
        Unknown name, unreadable file, unknown key or id.
    """
    cat = cat or _catalog.load()
    return _load(name_or_path, cat, seen=())


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    path = Path(text)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            msg = f"scenario file {path} does not exist"
            raise ScenarioError(msg)
        return path
    embedded = scenario_dir() / f"{text}.toml"
    if not embedded.is_file():
        close = difflib.get_close_matches(text, available(), n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        msg = f"unknown scenario {text!r}: use one of {', '.join(available())} or a path to a .toml file{hint}"
        raise ScenarioError(msg)
    return embedded


def _load(name_or_path: str | Path, cat: _catalog.Catalog, seen: tuple[Path, ...]) -> Scenario:
    path = _resolve(name_or_path).resolve()
    if path in seen:
        msg = f"{path}: 'extends' forms a cycle ({' -> '.join(p.name for p in (*seen, path))})"
        raise ScenarioError(msg)
    try:
        cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise ScenarioError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc})"
        raise ScenarioError(msg) from exc
    base = Scenario(name="")
    if "extends" in cfg:
        try:
            base = _load(cfg["extends"], cat, (*seen, path))
        except ScenarioError as exc:
            if str(path) in str(exc):
                raise
            raise _err(path, "extends", str(exc)) from None
    return _parse(cfg, path, cat, base)


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
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise _err(path, key, f"must be a positive number, got {value!r}")
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
        attr, *patterns = _OVERRIDE_TABLES[table]
        frame = getattr(cat, attr)
        columns = {p.format(part) for p in patterns for part in ("low", "mode", "high")}
        for rid, values in _check_keys(path, f"override.{table}", rows, set(map(str, frame.index))).items():
            _check_keys(path, f"override.{table}.{rid}", values, columns)
            for col, v in values.items():
                if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
                    raise _err(path, f"override.{table}.{rid}.{col}", f"must be a number >= 0, got {v!r}")
            sc.overrides.setdefault(table, {}).setdefault(rid, {}).update({k: float(v) for k, v in values.items()})
    return sc


# --------------------------------------------------------------------------- applying

_FACTOR_TARGETS = {  # factor -> (edge kinds, triple patterns)
    "dwell": ({"crossing"}, ("dwell_{}_h",)),
    "transship": ({"gauge_change"}, ("transship_{}_h",)),
    "ferry_wait": ({"ferry"}, ("wait_{}_h",)),
    "sailing": ({"ferry"}, ("sailing_{}_h",)),
    "transfer": ({"transfer"}, ("transfer_{}_h",)),
}


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


def _scale_triples(d: dict[str, Any], patterns: tuple[str, ...], factor: float) -> None:
    for p in patterns:
        for part in ("low", "mode", "high"):
            d[p.format(part)] = float(d[p.format(part)]) * factor


def apply(G: nx.MultiDiGraph, scenario: Scenario, model: TimeModel | None = None) -> nx.MultiDiGraph:
    """Return a copy of ``G`` under ``scenario``, with travel times assigned.

    Every edge gets ``usable`` (bool) and, when unusable, ``blocked_by``: the
    reason (``"status under_construction"``, ``"closed by scenario"``,
    ``"country RUS avoided"``) that routing reports when a route needs it.
    """
    model = model or TimeModel.from_catalog()
    H = clean_copy(G)
    speeds = dict(model.speeds_kph)
    for cls, values in scenario.overrides.get("speeds", {}).items():
        low, mode, high = speeds[cls]
        speeds[cls] = (
            values.get("speed_low_kph", low),
            values.get("speed_mode_kph", mode),
            values.get("speed_high_kph", high),
        )
    model = TimeModel(speeds, model.drive_hours, model.distribution, model.sources)
    opened = {(k, i) for k, ids in scenario.open_links.items() for i in ids}
    closed = {(k, i) for k, ids in scenario.close_links.items() for i in ids}
    closed_places, avoided = set(scenario.close_places), set(scenario.avoid_countries)
    id_of = {"lines": "line_id", "crossings": "crossing", "ferries": "ferry"}
    for u, v, d in H.edges(data=True):
        nu, nv = H.nodes[u], H.nodes[v]
        countries = {c for c in (nu.get("country"), nv.get("country"), d.get("country")) if c}
        refs = {(k, d.get(attr)) for k, attr in id_of.items() if d.get(attr)}
        blocked = None
        if refs & closed:
            blocked = "closed by scenario " + scenario.name
        elif {nu.get("place"), nv.get("place")} & closed_places:
            place = ({nu.get("place"), nv.get("place")} & closed_places).pop()
            blocked = f"place {place} closed by scenario {scenario.name}"
        elif countries & avoided:
            blocked = f"country {sorted(countries & avoided)[0]} avoided by scenario {scenario.name}"
        elif (
            d.get("status", "operational") != "operational"
            and d["status"] not in scenario.open_statuses
            and not refs & opened
        ):
            blocked = f"status {d['status']}"
        d["usable"] = blocked is None
        d["blocked_by"] = blocked
        for f, (kinds, patterns) in _FACTOR_TARGETS.items():
            if d.get("kind") in kinds:
                factor = scenario.scale.get(f, 1.0)
                factor *= _rule_factor(scenario.rules, f, d, countries)
                if factor != 1.0:
                    _scale_triples(d, patterns, factor)
        if d.get("kind") in ("line", "snap"):
            d["speed_scale"] = scenario.scale.get("speed", 1.0) * _rule_factor(scenario.rules, "speed", d, countries)
        _override(d, scenario.overrides)
    H.graph["scenario"] = scenario.name
    return assign_travel_times(H, model)


def _rule_factor(rules: list[dict[str, Any]], factor: str, d: dict[str, Any], countries: set[str]) -> float:
    out = 1.0
    for rule in rules:
        if factor in rule and _matches(rule, d, countries):
            out *= float(rule[factor])
    return out


def _override(d: dict[str, Any], overrides: dict[str, dict[str, dict[str, float]]]) -> None:
    keys = {
        "crossings": d.get("crossing"),
        "ferries": d.get("ferry"),
        "gauge_changes": d.get("gauge_change"),
        "terminals": d.get("terminal"),
    }
    for table, rid in keys.items():
        if rid is not None and rid in overrides.get(table, {}):
            d.update(overrides[table][rid])


def network(name_or_path: str | Path = "baseline", *, catalog_dir: str | None = None) -> nx.MultiDiGraph:
    """Return the catalog network under a scenario, with travel times.

    The graph is cached per scenario: treat it as read-only (``network.clean_copy`` it to edit).

    Parameters
    ----------
    name_or_path
        An embedded scenario name or a TOML file.
    catalog_dir
        Another catalog directory instead of the embedded one.
    """
    return _network(str(name_or_path), catalog_dir)


@functools.lru_cache(maxsize=8)
def _network(name_or_path: str, catalog_dir: str | None) -> nx.MultiDiGraph:
    cat = _catalog.load(catalog_dir)
    return apply(default_network(catalog_dir), load(name_or_path, cat), TimeModel.from_catalog(cat))

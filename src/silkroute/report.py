"""The main job: compare the corridors for the headline pairs once and answer the seed claim.

:func:`run` reads a report configuration (``data/report.toml`` by default:
pairs, scenarios, draws, the claim under test), builds each scenario network
once, compares every corridor for every pair, simulates the time
distributions, and writes a plain-language answer that says by how many days,
for which pairs and under which assumptions. The :class:`Report` it returns is
what the table and JSON renderers, the map and the GIS layers draw: nothing is
computed twice, and nothing here is a constant about the answer.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx

from silkroute import catalog as _catalog
from silkroute import corridors as _corridors
from silkroute import routing, schema
from silkroute import scenario as _scenario
from silkroute import sensitivity as _sensitivity
from silkroute import validation as _validation
from silkroute._errors import InputError, NoRouteError
from silkroute.uncertainty import UncertaintyResult, simulate_on

__all__ = ["Claim", "PairFinding", "Report", "ReportConfig", "run"]

_COMPONENT_LABELS = {
    schema.RUNNING: "running",
    schema.BORDER: "border dwell",
    schema.GAUGE_CHANGE: "gauge changes",
    schema.FERRY_WAIT: "ferry waits",
    schema.FERRY_SAILING: "ferry sailing",
    schema.REST: "truck rest",
    schema.TRANSFER: "transfers",
}


@dataclass(frozen=True)
class Claim:
    """The claim under test: ``corridor`` is faster than the reference corridor by ``days``."""

    text: str
    source: str
    corridor: str
    scenario: str
    days: tuple[float, float]
    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    history: str = ""  # where the claim comes from and what it left unsaid
    first_days: tuple[float, float] | None = None  # the range first stated (7–8 days), also tested


@dataclass(frozen=True)
class ReportConfig:
    """Pairs, scenarios, draws and the claim of a report (see ``data/report.toml``)."""

    pairs: tuple[tuple[str, str], ...]
    scenarios: tuple[str, ...]
    draws: int
    seed: int | None
    distribution: str | None
    claim: Claim
    path: Path | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ReportConfig:
        """Read a report configuration.

        Parameters
        ----------
        path
            A TOML file; ``data/report.toml`` by default.

        Returns
        -------
        ReportConfig
            The configuration; relative scenario paths are resolved against the file's directory.

        Raises
        ------
        silkroute.InputError
            If the file is missing, not TOML, or a key is missing or of the wrong type.
        """
        file = Path(path) if path is not None else _catalog.data_dir() / "report.toml"
        try:
            cfg = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            msg = f"report configuration {file} cannot be read ({exc.strerror}); check the path"
            raise InputError(msg) from None
        except tomllib.TOMLDecodeError as exc:
            msg = f"report configuration {file} is not valid TOML ({exc})"
            raise InputError(msg) from None

        def need(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
            if key not in table:
                msg = f"{file}: key '{where}{key}' is missing (see data/report.toml)"
                raise InputError(msg)
            value = table[key]
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                msg = f"{file}, key '{where}{key}': {value!r} has the wrong type (see data/report.toml)"
                raise InputError(msg)
            return value

        pairs = need(cfg, "pairs", list)
        if not pairs or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
        ):
            msg = f"{file}, key 'pairs': give a list of [origin, destination] name pairs"
            raise InputError(msg)
        scenarios = need(cfg, "scenarios", list)
        if not scenarios or not all(isinstance(x, str) for x in scenarios):
            msg = f"{file}, key 'scenarios': give a list of scenario names or TOML files"
            raise InputError(msg)
        draws = need(cfg, "draws", int)
        if draws < 0:
            msg = f"{file}, key 'draws': {draws} must be >= 0 (0 skips the simulation)"
            raise InputError(msg)
        c = need(cfg, "claim", dict)
        days = need(c, "days", list, "claim.")
        if len(days) != 2 or not all(isinstance(d, int | float) for d in days) or not 0 <= days[0] <= days[1]:
            msg = f"{file}, key 'claim.days': give [low, high] days with 0 <= low <= high"
            raise InputError(msg)
        claim = Claim(
            text=str(need(c, "text", str, "claim.")),
            source=str(c.get("source", "")),
            corridor=str(need(c, "corridor", str, "claim.")),
            scenario=str(need(c, "scenario", str, "claim.")),
            days=(float(days[0]), float(days[1])),
            origins=tuple(need(c, "origins", list, "claim.")),
            destinations=tuple(need(c, "destinations", list, "claim.")),
            history=str(c.get("history", "")),
            first_days=_days_pair(file, c.get("first_days"), "claim.first_days"),
        )
        if claim.scenario not in scenarios:
            msg = f"{file}, key 'claim.scenario': {claim.scenario!r} is not one of the scenarios {scenarios}"
            raise InputError(msg)
        base = file.parent

        def scenario_ref(s: str) -> str:
            return str(base / s) if s.endswith(".toml") and not Path(s).is_absolute() else s

        seed = cfg.get("seed", 0)
        return cls(
            pairs=tuple((str(a), str(b)) for a, b in pairs),
            scenarios=tuple(scenario_ref(s) for s in scenarios),
            draws=draws,
            seed=None if seed is None else int(seed),
            distribution=str(cfg.get("distribution") or "") or None,
            claim=claim,
            path=file,
        )


@dataclass
class PairFinding:
    """What the comparison says about one origin–destination pair."""

    comparison: _corridors.Comparison
    claim: Claim
    simulation: UncertaintyResult | None = None
    in_claim_region: bool = False
    sensitivity: _sensitivity.Sensitivity | None = None
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``"Xi'an → Duisburg"``."""
        return self.comparison.label

    def _pair(self) -> tuple[_corridors.CorridorResult, _corridors.CorridorResult]:
        c = self.comparison
        return c.best(self.claim.scenario, c.reference), c.best(self.claim.scenario, self.claim.corridor)

    @property
    def saving_days(self) -> float | None:
        """Days of the fastest reference-family corridor minus the fastest claim-family corridor (positive: faster)."""
        ref, alt = self._pair()
        if ref.route is None or alt.route is None:
            return None
        return (ref.route.time_h - alt.route.time_h) / 24.0

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict.

        Returns
        -------
        dict
            Pair, whether it is in the claim's region, the saving and the comparison and simulation.
        """
        return {
            "origin": self.comparison.origin,
            "destination": self.comparison.destination,
            "in_claim_region": self.in_claim_region,
            "europe": self.in_claim_region,  # deprecated name
            "saving_days": None if self.saving_days is None else round(self.saving_days, 2),
            "claim_corridor": self._pair()[1].corridor,
            "reference_corridor": self._pair()[0].corridor,
            "comparisons": {s: [r.to_dict() for r in rs] for s, rs in self.comparison.results.items()},
            "uncertainty": self.simulation.to_dict() if self.simulation else None,
            "sensitivity": self.sensitivity.to_dict() if self.sensitivity else None,
            "baselines": self.baselines,
        }


@dataclass
class Report:
    """Everything the main job computed, once: networks, comparisons, simulations and the answer."""

    config: ReportConfig
    catalog: _catalog.Catalog
    networks: dict[str, nx.MultiDiGraph]
    corridors: _corridors.Corridors
    findings: list[PairFinding]
    sentences: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)  # the `silkroute validate` summary, quoted

    @property
    def comparisons(self) -> list[_corridors.Comparison]:
        """The comparison of every pair, in configuration order."""
        return [f.comparison for f in self.findings]

    @property
    def base_network(self) -> nx.MultiDiGraph:
        """The network of the first scenario (drawn under the routes on the map and exported as a layer)."""
        return next(iter(self.networks.values()))

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (the ``report --format json`` contract).

        Returns
        -------
        dict
            The claim, the reference corridor, one entry per pair and the answer in sentences.
        """
        return {
            "claim": {
                "text": self.config.claim.text,
                "corridor": self.config.claim.corridor,
                "scenario": self.config.claim.scenario,
                "days": list(self.config.claim.days),
                "source": self.config.claim.source,
                "history": self.config.claim.history,
            },
            "claim_days": list(self.config.claim.days),
            "sensitivity": [f.sensitivity.to_dict() for f in self.findings if f.sensitivity is not None],
            "reference": self.corridors.reference,
            "scenarios": list(self.networks),
            "draws": self.config.draws,
            "seed": self.config.seed,
            "pairs": [f.to_dict() for f in self.findings],
            "answer": self.sentences,
            "validation": self.validation,
        }


def _breakdown_delta(f: PairFinding) -> str:
    ref, alt = f._pair()
    assert ref.route is not None and alt.route is not None
    parts = []
    for comp, label in _COMPONENT_LABELS.items():
        delta = (alt.route.breakdown[comp] - ref.route.breakdown[comp]) / 24.0
        if abs(delta) >= 0.05:
            parts.append(f"{label} {delta:+.1f} d")
    return ", ".join(parts) or "no component differs by 0.05 d or more"


def _triple_text(d: Mapping[str, Any], triple: schema.Triple) -> str:
    low, mode, high = triple.read(d)
    return f"{low:g}/{mode:g}/{high:g} h"


def _assumptions(G: nx.MultiDiGraph, findings: list[PairFinding], claim: Claim) -> str:
    """The values on the claim corridor's routes that decide the answer, read from the scenario network."""
    model = G.graph["time_model"]
    seen: dict[str, str] = {}
    for f in findings:
        alt = f._pair()[1].route
        if alt is None:
            continue
        for d in alt.edge_data:
            kind = d.get("kind")
            if kind == schema.CROSSING and d["name"] not in seen:
                seen[d["name"]] = f"{d['name']} dwell {_triple_text(d, schema.DWELL)}"
            elif kind == schema.GAUGE_CHANGE and d["name"] not in seen:
                seen[d["name"]] = f"{d['name']} {_triple_text(d, schema.TRANSSHIP)}"
            elif kind == schema.FERRY and d["name"] not in seen:
                seen[d["name"]] = f"{d['name']} wait {_triple_text(d, schema.WAIT)}"
            elif kind in schema.TRACK_KINDS and d.get("status") != "operational":
                cls = d.get("speed_class")
                key = f"speed class {cls}"
                if cls in model.speeds_kph and key not in seen:
                    low, mode, high = model.speeds_kph[cls]
                    seen[key] = (
                        f"{claim.corridor} commercial speed {low * 24:,.0f}/{mode * 24:,.0f}/{high * 24:,.0f} km/day"
                    )
    parts = list(seen.values())[:8]
    return "; ".join([*parts, f"expected values under the {model.distribution} distribution"])


def _verdict(s: float, low: float, high: float) -> str:
    if low <= s <= high:
        return f"within the claimed {low:g}–{high:g} days"
    if s > high:
        return f"more than the claimed {high:g} days"
    if s > 0:
        return f"less than the claimed {low:g} days"
    return "i.e. not faster at all"


def _days_pair(file: Path, value: Any, key: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(d, int | float) for d in value):
        msg = f"{file}, key '{key}': give [low, high] days"
        raise InputError(msg)
    low, high = float(value[0]), float(value[1])
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= high):
        msg = f"{file}, key '{key}': give [low, high] days with 0 <= low <= high"
        raise InputError(msg)
    return (low, high)


def _swing_text(w: _sensitivity.Swing, target: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.0f} {w.unit}" if w.unit == "km/day" else f"{v:,.1f} {w.unit}"

    where = (
        f"no value of it gives {target:g} d"
        if w.break_even is None
        else f"{target:g} d would need {fmt(w.break_even)} ({'inside' if w.break_even_within_range else 'outside'} "
        "its sourced range)"
    )
    return f"{w.label} {fmt(w.low)}–{fmt(w.high)} moves it {w.saving_at_low:+.1f} to {w.saving_at_high:+.1f} d; {where}"


def _explained(f: PairFinding, claim: Claim) -> list[str]:
    """The sensitivity and the other baselines of one pair, as sentences."""
    low, high = claim.days
    out = []
    t = f.sensitivity
    if t is not None:
        top = "; ".join(_swing_text(w, t.target_days) for w in t.top(3))
        dists = ", ".join(f"{v:+.1f} d under {d}" for d, v in t.saving_days.items())
        out.append(f"{f.label}, what decides it ({t.claim_corridor} vs {t.reference_corridor}; saving {dists}): {top}.")
    inside = []
    parts = []
    for name, b in f.baselines.items():
        if "saving_days" not in b:
            continue
        saving = float(b["saving_days"])
        parts.append(f"{name} {saving:+.1f} d")
        if low <= saving <= high:
            inside.append(name)
    if parts:
        verdict = (
            f"inside {low:g}–{high:g} days against {', '.join(inside)}"
            if inside
            else f"no baseline gives {low:g}–{high:g} days"
        )
        out.append(f"{f.label}, {claim.corridor} against each baseline that serves it: {'; '.join(parts)}: {verdict}.")
    return out


def _answer(findings: list[PairFinding], G: nx.MultiDiGraph, claim: Claim) -> list[str]:
    low, high = claim.days
    lines = [f"The claim: {claim.text}. {claim.history}".strip()] if claim.history else []
    for f in findings:
        s = f.saving_days
        ref, alt = f._pair()
        if s is None:
            why = alt.reason if alt.route is None else ref.reason
            lines.append(f"{f.label}: no like-for-like comparison ({why}).")
            continue
        assert ref.route is not None and alt.route is not None
        text = (
            f"{f.label}: in scenario {claim.scenario}, {alt.corridor} takes {alt.route.time_days:.1f} d vs "
            f"{ref.route.time_days:.1f} d {ref.corridor} ({alt.route.length_km:,.0f} vs "
            f"{ref.route.length_km:,.0f} km): {'saves' if s > 0 else 'loses'} {abs(s):.1f} d, "
            f"{_verdict(s, low, high)}. Difference by component: {_breakdown_delta(f)}."
        )
        if f.simulation is not None:
            d = f.simulation.difference(alt.corridor, ref.corridor)
            if d is not None:
                text += (
                    f" Under uncertainty P({alt.corridor} faster) = {d['p_a_faster']:.0%}, "
                    f"P(≥ {low:g} d faster) = {d['p_a_faster_by_7d']:.0%}, "
                    f"P(≥ {high:g} d faster) = {d['p_a_faster_by_10d']:.0%}."
                )
        lines.append(text)
        lines.extend(_explained(f, claim))
    region = [f for f in findings if f.in_claim_region and f.saving_days is not None]
    if region:
        savings = [f.saving_days for f in region if f.saving_days is not None]
        inside = [s for s in savings if low <= s <= high]
        references = ", ".join(dict.fromkeys(f._pair()[0].corridor for f in region))
        lines.append(
            f"Verdict on the claim ({claim.text}): the best {claim.corridor} variant saves {min(savings):+.1f} to "
            f"{max(savings):+.1f} days versus the fastest reference corridor of each pair ({references}); "
            f"{len(inside)} of {len(region)} pairs fall inside {low:g}–{high:g} days. "
            f"Assumptions: {_assumptions(G, findings, claim)}."
        )
        lines.append(_other_baselines(region, claim))
    return lines


def _other_baselines(region: list[PairFinding], claim: Claim) -> str:
    """Which baseline, distribution or input, if any, makes the claimed range true for the claim's pairs."""
    ranges = [claim.days] + ([claim.first_days] if claim.first_days and claim.first_days != claim.days else [])
    sentences = []
    for low, high in ranges:
        hits = [
            f"{f.label} against {name} ({float(b['saving_days']):+.1f} d)"
            for f in region
            for name, b in f.baselines.items()
            if "saving_days" in b and low <= float(b["saving_days"]) <= high
        ]
        tri = [
            f"{f.label} ({f.sensitivity.saving_days['triangular']:+.1f} d)"
            for f in region
            if f.sensitivity is not None and low <= f.sensitivity.saving_days.get("triangular", -1e9) <= high
        ]
        what = f"{low:g}–{high:g} days"
        sentences.append(
            (
                f"{what} holds against {'; '.join(hits)}"
                if hits
                else f"{what} holds against no baseline that serves "
                "these pairs (northern via Alashankou/Khorgos, Trans-Siberian via Manzhouli, Trans-Mongolian, Middle "
                "Corridor, southern via Iran)"
            )
            + (f", and under the triangular distribution for {'; '.join(tri)}" if tri else ", under PERT or triangular")
        )
    target = claim.days[0]
    inputs = [
        f"{f.label}: {w.label} at {w.break_even:,.1f} {w.unit}"
        for f in region
        if f.sensitivity is not None
        for w in f.sensitivity.swings
        if w.break_even is not None and w.break_even_within_range
    ]
    sentences.append(
        f"a single input inside its sourced range reaches {target:g} days for {'; '.join(inputs[:4])}"
        if inputs
        else f"no single input inside its sourced range brings a pair to {target:g} days"
    )
    return "Other baselines and assumptions: " + "; ".join(sentences) + "."


def _regional_defaults(findings: list[PairFinding]) -> str:
    """List the crossings on the compared routes that still use the regional default dwell."""
    used: dict[str, set[str]] = {}
    for f in findings:
        for items in f.comparison.results.values():
            for r in items:
                for d in r.route.edge_data if r.route is not None else ():
                    if d.get("kind") == schema.CROSSING and d.get("dwell_basis") == "regional":
                        used.setdefault(str(d["name"]), set()).add(r.corridor)
    if not used:
        return "No compared route uses the regional default border dwell: every crossing has its own figure."
    parts = [f"{name} ({', '.join(sorted(c))})" for name, c in sorted(used.items())]
    return (
        "Crossings on the compared routes that still use the regional default dwell (CAREC regional average, "
        f"no crossing-specific figure): {'; '.join(parts)}."
    )


def run(config: ReportConfig | str | os.PathLike[str] | None = None) -> Report:
    """Compare, simulate and answer the claim for the configured pairs.

    Parameters
    ----------
    config
        A :class:`ReportConfig`, a TOML file, or ``None`` for ``data/report.toml``.

    Returns
    -------
    Report
        The networks, comparisons, simulations and sentences, for every renderer.
    """
    cfg = config if isinstance(config, ReportConfig) else ReportConfig.load(config)
    cat = _catalog.load()
    defs = _corridors.load()
    for name in (cfg.claim.corridor, defs.reference):
        if name not in defs:
            msg = f"{cfg.path}, key 'claim.corridor': {name!r} is not a corridor of corridors.toml ({', '.join(defs)})"
            raise InputError(msg)
    networks = {}
    for s in cfg.scenarios:
        G = _scenario.network(s)
        networks[str(G.graph["scenario"])] = G
    claim_scenario = str(_scenario.load(cfg.claim.scenario, cat).name)
    claim = replace(cfg.claim, scenario=claim_scenario)
    compiled = {s: routing.compile(G) for s, G in networks.items()}
    model = networks[claim_scenario].graph["time_model"]
    if cfg.distribution:
        model = model.with_distribution(cfg.distribution)
    origins, destinations = defs.countries(claim.origins), defs.countries(claim.destinations)
    findings = []
    for o, t in cfg.pairs:
        comparison = _corridors.compare_networks(compiled, o, t, defs)
        net = compiled[claim_scenario]
        sim = (
            simulate_on(
                net,
                comparison.origin,
                comparison.destination,
                draws=cfg.draws,
                seed=cfg.seed,
                corridors=defs,
                model=model,
            )
            if cfg.draws
            else None
        )
        region = (
            net.places[comparison.origin].country in origins
            and net.places[comparison.destination].country in destinations
        )
        try:
            tornado = _sensitivity.sensitivity(
                net,
                comparison.origin,
                comparison.destination,
                claim=claim.corridor,
                corridors=defs,
                model=model,
                target_days=claim.days[0],
            )
        except NoRouteError:
            tornado = None
        against = _sensitivity.baselines(
            net, comparison.origin, comparison.destination, claim=claim.corridor, corridors=defs
        )
        findings.append(PairFinding(comparison, claim, sim, region, tornado, against))
    report = Report(replace(cfg, claim=claim), cat, networks, defs, findings)
    report.sentences = _answer(findings, networks[claim_scenario], claim)
    report.sentences.append(_regional_defaults(findings))
    check = _validation.validate()
    report.validation = [
        f"Model check (silkroute validate, {len(check.results)} published runs):",
        *check.summary_lines(),
    ]
    return report

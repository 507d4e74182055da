"""The headline analysis: does the CKU railway cut China–Europe transit by 7–10 days.

Runs the corridor comparison for the headline origin–destination pairs under
``baseline`` and ``cku-open``, simulates the time distributions, and writes a
plain-language answer to the seed claim that says by how many days, for which
pairs and under which assumptions. Every number comes from the catalog and the
routes; nothing here is a constant about the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from silkroute import corridors as _corridors
from silkroute import routing
from silkroute import scenario as _scenario
from silkroute.uncertainty import UncertaintyResult, simulate_on

__all__ = ["CLAIM", "PAIRS", "SCENARIOS", "Headline", "PairFinding", "run"]

PAIRS = [
    ("Kashgar", "Tashkent"),
    ("Kashgar", "Istanbul"),
    ("Urumqi", "Tehran"),
    ("Xi'an", "Duisburg"),
    ("Xi'an", "Istanbul"),
]
SCENARIOS = ["baseline", "cku-open"]
CLAIM = (7.0, 10.0)  # days: "CKU cuts China-Europe transit by 7-10 days versus the northern routes"
_EUROPE_GATEWAYS = {"TUR"}  # Istanbul counts as a China-Europe destination (the claim's "Southern Europe")


@dataclass
class PairFinding:
    """What the comparison says about one origin–destination pair."""

    origin: str
    destination: str
    results: dict[str, list[_corridors.CorridorResult]]
    simulation: UncertaintyResult | None = None
    europe: bool = False
    label: str = ""

    def corridor(self, scenario: str, name: str) -> _corridors.CorridorResult:
        """One corridor's result under one scenario."""
        return next(r for r in self.results[scenario] if r.corridor == name)

    @property
    def saving_days(self) -> float | None:
        """Northern minus CKU days under cku-open (positive: CKU is faster)."""
        n, c = self.corridor("cku-open", "northern"), self.corridor("cku-open", "cku")
        if n.route is None or c.route is None:
            return None
        return (n.route.time_h - c.route.time_h) / 24.0

    def best(self, scenario: str) -> _corridors.CorridorResult | None:
        """The fastest feasible corridor under a scenario."""
        feasible = [r for r in self.results[scenario] if r.route is not None]
        return min(feasible, key=lambda r: r.route.time_h) if feasible else None  # type: ignore[union-attr]


@dataclass
class Headline:
    """All pairs, and the answer in sentences."""

    findings: list[PairFinding]
    draws: int
    seed: int | None
    sentences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "claim_days": list(CLAIM),
            "pairs": [
                {
                    "origin": f.origin,
                    "destination": f.destination,
                    "europe": f.europe,
                    "saving_days_cku_vs_northern": None if f.saving_days is None else round(f.saving_days, 2),
                    "comparisons": {s: [r.to_dict() for r in rs] for s, rs in f.results.items()},
                    "uncertainty": f.simulation.to_dict() if f.simulation else None,
                }
                for f in self.findings
            ],
            "answer": self.sentences,
        }


def _breakdown_delta(f: PairFinding) -> str:
    n, c = f.corridor("cku-open", "northern").route, f.corridor("cku-open", "cku").route
    assert n is not None and c is not None
    parts = []
    for comp, label in [
        ("running", "running"),
        ("border", "border dwell"),
        ("gauge_change", "gauge changes"),
        ("ferry_wait", "ferry waits"),
        ("ferry_sailing", "ferry sailing"),
        ("rest", "truck rest"),
        ("transfer", "transfers"),
    ]:
        delta = (c.breakdown[comp] - n.breakdown[comp]) / 24.0
        if abs(delta) >= 0.05:
            parts.append(f"{label} {delta:+.1f} d")
    return ", ".join(parts)


def _assumptions(G: Any) -> str:
    """The values that decide the answer, read from the scenario network's edges."""
    model = G.graph["time_model"]

    def dwell(kind: str, attr: str, ref: str, prefix: str) -> str:
        for _u, _v, d in G.edges(data=True):
            if d.get("kind") == kind and d.get(attr) == ref:
                return f"{d[prefix + '_low_h']:g}/{d[prefix + '_mode_h']:g}/{d[prefix + '_high_h']:g} h"
        return "n/a"

    def first_ref(kind: str, word: str) -> str:
        refs = (str(d[kind]) for _u, _v, d in G.edges(data=True) if d.get("kind") == kind and word in str(d.get(kind)))
        return next(refs, "")

    low, mode, high = model.speeds_kph.get("rail_new_line", (0, 0, 0))
    caspian = first_ref("ferry", "AKTAU") or first_ref("ferry", "TURKMENBASHI")
    brest = first_ref("crossing", "BREST") or first_ref("crossing", "TERESPOL")
    return (
        f"CKU commercial speed {low * 24:,.0f}/{mode * 24:,.0f}/{high * 24:,.0f} km/day (low/mode/high); "
        f"Makmal transshipment {dwell('gauge_change', 'gauge_change', 'KG-MAKMAL', 'transship')}; "
        f"Brest–Terespol dwell {dwell('crossing', 'crossing', brest, 'dwell')}; "
        f"Caspian ferry wait ({caspian}) {dwell('ferry', 'ferry', caspian, 'wait')}; "
        f"expected values under the {model.distribution} distribution"
    )


def _answer(findings: list[PairFinding], G: Any) -> list[str]:
    low, high = CLAIM
    lines = []
    for f in findings:
        s = f.saving_days
        n, c = f.corridor("cku-open", "northern"), f.corridor("cku-open", "cku")
        if s is None:
            why = c.reason if c.route is None else n.reason
            lines.append(f"{f.label}: no like-for-like comparison ({why}).")
            continue
        assert n.route is not None and c.route is not None
        verdict = (
            "within the claimed 7–10 days"
            if low <= s <= high
            else "more than the claimed 10 days"
            if s > high
            else "less than the claimed 7 days"
            if s > 0
            else "i.e. CKU is not faster at all"
        )
        text = (
            f"{f.label}: with CKU open, CKU takes {c.route.time_days:.1f} d vs "
            f"{n.route.time_days:.1f} d northern ({c.route.length_km:,.0f} vs {n.route.length_km:,.0f} km): "
            f"{'saves' if s > 0 else 'loses'} {abs(s):.1f} d, {verdict}. Difference by component: {_breakdown_delta(f)}."
        )
        if f.simulation is not None:
            d = f.simulation.difference("cku", "northern")
            if d is not None:
                text += (
                    f" Under uncertainty P(CKU faster) = {d['p_a_faster']:.0%}, "
                    f"P(≥ 7 d faster) = {d['p_a_faster_by_7d']:.0%}, P(≥ 10 d faster) = {d['p_a_faster_by_10d']:.0%}."
                )
        lines.append(text)
    europe = [f for f in findings if f.europe and f.saving_days is not None]
    if europe:
        savings = [f.saving_days for f in europe if f.saving_days is not None]
        inside = [f for f in europe if f.saving_days is not None and low <= f.saving_days <= high]
        lines.append(
            f"Verdict on the seed claim for China–Europe pairs: CKU saves {min(savings):+.1f} to {max(savings):+.1f} days "
            f"versus the northern route; {len(inside)} of {len(europe)} pairs fall inside 7–10 days. "
            f"Assumptions: {_assumptions(G)}."
        )
    return lines


def run(pairs: list[tuple[str, str]] | None = None, *, draws: int = 10_000, seed: int | None = 0) -> Headline:
    """Compare, simulate and answer the seed claim for the headline pairs.

    Parameters
    ----------
    pairs
        (origin, destination) names; :data:`PAIRS` by default.
    draws
        Monte Carlo draws per pair (0 to skip the simulation).
    seed
        Seed of the simulation.
    """
    defs = _corridors.load()
    networks = {s: _scenario.network(s) for s in SCENARIOS}
    findings = []
    for o, t in pairs or PAIRS:
        results = {s: _corridors.compare_on(G, o, t, defs) for s, G in networks.items()}
        G = networks["cku-open"]
        oid, tid = routing.resolve(G, o), routing.resolve(G, t)
        country = {p["id"]: p["country"] for p in routing.find_places(G)}
        dest_country = country[tid]
        europe = country[oid] == "CHN" and (
            dest_country in _EUROPE_GATEWAYS
            or dest_country
            in next((c.serves for c in defs.values() if c.name == "middle"), frozenset()) - {"AZE", "GEO"}
        )
        sim = simulate_on(G, oid, tid, draws=draws, seed=seed, corridors=defs) if draws else None
        names = {p["id"]: p["name"] for p in routing.find_places(G)}
        findings.append(PairFinding(oid, tid, results, sim, europe, f"{names[oid]} → {names[tid]}"))
    head = Headline(findings, draws, seed)
    head.sentences = _answer(findings, networks["cku-open"])
    return head

"""Which assumptions decide a corridor comparison: one-at-a-time swings (a tornado) and break-even values.

For one origin–destination pair, the *saving* is the expected door-to-door days
of the fastest corridor of the reference family minus those of the fastest
corridor of the claim family (positive: the claim corridor is faster). Each
uncertain input on the candidate paths of either family (a speed class, a
crossing's dwell in one direction, a break of gauge, a ferry's wait or sailing,
a terminal transfer, truck rest) is set in turn to its low and its high value,
every other input at its expected value, and the saving recomputed: the range is
the input's swing. The *break-even* value of an input is the value at which the
saving equals the target (7 days for the claim "7–10 days faster"), the others
at their expected values; it is reported with whether it lies inside the
input's sourced low..high.

Every input is first swung on a set of candidate paths (the best
``candidates`` alternatives of each corridor, which differ in a crossing, ferry
or section). The inputs with the largest swings are then checked by routing
every corridor again with the input at each end (a weight vector on the compiled
network, no graph copy), and so is each break-even value; the optimal paths found
join the candidates and the values are recomputed until the candidates hold the
optimum at every point reported. The saving is also given under the PERT and the
triangular distribution of the three-point values (their expected values differ).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np

from silkroute import corridors as _corridors
from silkroute import routing, schema
from silkroute._engine import Compiled
from silkroute._errors import InputError, NoRouteError
from silkroute.routing import Route
from silkroute.timing import DISTRIBUTIONS, TimeModel, edge_parameters, expected, rest_factor

__all__ = ["Sensitivity", "Swing", "baselines", "sensitivity"]

_REST = ("rest", "road")
#: How wide a break-even search looks, as multiples of an input's sourced range.
_SEARCH_SPAN = 20.0
#: How many of the largest swings are checked by routing again (their ends and break-even values).
EXACT_TOP = 8
_ROUNDS = 4


@dataclass(frozen=True)
class Swing:
    """One input's effect on the saving, in the input's own unit (km/day for a speed, hours otherwise)."""

    parameter: str  # e.g. "dwell:CN-ALASHANKOU~KZ-DOSTYK:forward"
    label: str
    unit: str
    low: float
    mode: float
    high: float
    saving_at_low: float  # days
    saving_at_high: float  # days
    break_even: float | None  # the input value giving the target saving, if there is one
    break_even_within_range: bool

    @property
    def swing_days(self) -> float:
        """Width of the saving's range over the input's low..high (days)."""
        return abs(self.saving_at_high - self.saving_at_low)

    def to_dict(self) -> dict[str, Any]:
        """Return the swing as a JSON-ready dict.

        Returns
        -------
        dict
            The input, its triple, the savings at its ends, the swing and the break-even value.
        """
        return {
            "parameter": self.parameter,
            "label": self.label,
            "unit": self.unit,
            "low": round(self.low, 3),
            "mode": round(self.mode, 3),
            "high": round(self.high, 3),
            "saving_at_low_days": round(self.saving_at_low, 3),
            "saving_at_high_days": round(self.saving_at_high, 3),
            "swing_days": round(self.swing_days, 3),
            "break_even": None if self.break_even is None else round(self.break_even, 3),
            "break_even_within_range": self.break_even_within_range,
        }


@dataclass
class Sensitivity:
    """The tornado of one pair: the saving at expected values and the swing of every input."""

    origin: str
    destination: str
    scenario: str
    claim: str
    reference: str
    target_days: float
    saving_days: dict[str, float]  # distribution → saving at expected values
    claim_corridor: str
    reference_corridor: str
    swings: list[Swing] = field(default_factory=list)  # largest swing first

    def top(self, n: int = 3) -> list[Swing]:
        """Return the ``n`` inputs that move the saving most.

        Parameters
        ----------
        n
            How many.

        Returns
        -------
        list of Swing
            Largest swing first.
        """
        return self.swings[:n]

    def to_dict(self) -> dict[str, Any]:
        """Return the sensitivity as a JSON-ready dict (the ``sensitivity`` member of the JSON outputs).

        Returns
        -------
        dict
            The pair, the families compared, the saving per distribution and every swing.
        """
        return {
            "origin": self.origin,
            "destination": self.destination,
            "scenario": self.scenario,
            "claim": self.claim,
            "reference": self.reference,
            "claim_corridor": self.claim_corridor,
            "reference_corridor": self.reference_corridor,
            "target_days": self.target_days,
            "saving_days": {k: round(v, 3) for k, v in self.saving_days.items()},
            "swings": [s.to_dict() for s in self.swings],
        }


def _family(defs: _corridors.Corridors, name: str) -> str:
    if name in defs:
        return defs[name].family or name
    families = {c.family for c in defs.values()}
    if name not in families:
        msg = f"{name!r} is neither a corridor nor a family of corridors.toml ({', '.join(defs)})"
        raise InputError(msg)
    return name


def _paths(net: Compiled, defs: _corridors.Corridors, family: str, o: str, t: str, k: int) -> list[tuple[str, Route]]:
    out = []
    for c in defs.values():
        if (c.family or c.name) != family:
            continue
        try:
            routes = _corridors.corridor_routes(net, c, o, t, k=k, explain=False)
        except NoRouteError:
            continue
        out += [(c.name, r) for r in routes]
    return out


def _label(key: tuple[str, str], names: Mapping[str, str]) -> tuple[str, str]:
    """A readable label and the unit of an input."""
    kind, ident = key
    if kind == "pace":
        return f"speed {ident}", "km/day"
    if key == _REST:
        return "truck rest per driving hour", "h/h"
    base, _, direction = ident.partition(":")
    name = names.get(base, base)
    what = {
        schema.DWELL.name: "border dwell",
        schema.TRANSSHIP.name: "break of gauge",
        schema.WAIT.name: "ferry wait",
        schema.SAILING.name: "ferry sailing",
        schema.TRANSFER_TIME.name: "terminal transfer",
    }.get(kind, kind)
    suffix = {"forward": " (as listed)", "reverse": " (reverse)"}.get(direction, "")
    return f"{what} {name}{suffix}", "h"


def sensitivity(
    G: nx.MultiDiGraph | Compiled,
    origin: str,
    destination: str,
    *,
    claim: str = "cku",
    reference: str | None = None,
    target_days: float = 7.0,
    corridors: _corridors.Corridors | None = None,
    model: TimeModel | None = None,
    candidates: int = 4,
) -> Sensitivity:
    """Swing each uncertain input over its low..high and find its break-even value for ``target_days``.

    Parameters
    ----------
    G
        A scenario network with travel times, or its compiled form.
    origin, destination
        Place names, aliases or ids.
    claim
        The corridor (or family) claimed to be faster.
    reference
        The corridor (or family) it is measured against; by default the reference of the
        destination's region (``corridors.toml``).
    target_days
        The saving the break-even values are found for.
    corridors
        The definitions; the embedded ones by default.
    model
        The time model; the network's by default.
    candidates
        Alternative paths per corridor.

    Returns
    -------
    Sensitivity
        The saving per distribution and the swings, largest first.

    Raises
    ------
    NoRouteError
        If neither family has a route for the pair.
    InputError
        If ``claim`` or ``reference`` names no corridor or family.
    """
    net = routing.compile(G)
    model = model or net.G.graph.get("time_model") or TimeModel.from_catalog()
    defs = corridors or _corridors.load()
    o, t = routing.resolve_pair(net, origin, destination)
    ref_name = reference or defs.reference_for(net.places[o].country, net.places[t].country)
    claim_family, ref_family = _family(defs, claim), _family(defs, ref_name)
    sides = {"claim": _paths(net, defs, claim_family, o, t, candidates)}
    sides["reference"] = _paths(net, defs, ref_family, o, t, candidates)
    for side, family in (("claim", claim_family), ("reference", ref_family)):
        if not sides[side]:
            msg = f"no corridor of the {family} family has a route from {net.places[o].name} to {net.places[t].name}"
            raise NoRouteError(msg)
    problem = _Problem(net, model, defs, o, t, claim_family, ref_family, sides)
    x0 = problem.means(model.distribution)
    base = {dist: problem.exact(problem.means(dist)) for dist in DISTRIBUTIONS}
    approx = []
    for j, key in enumerate(problem.keys):
        lo, _mode, hi = problem.triples[key]
        if hi > lo:
            ends = np.repeat(x0[None, :], 2, axis=0)
            ends[:, j] = (lo, hi)
            approx.append((abs(float(np.diff(problem.saving(ends))[0])), j))
    approx.sort(reverse=True)
    checked = {j for _w, j in approx[:EXACT_TOP]}
    swings = []
    for _width, j in approx:
        key = problem.keys[j]
        lo, mode, hi = problem.triples[key]
        x_lo, x_hi = x0.copy(), x0.copy()
        x_lo[j], x_hi[j] = lo, hi
        if j in checked:
            s_lo, s_hi = problem.exact(x_lo), problem.exact(x_hi)
            be = _break_even(problem.saving, x0, j, lo, hi, target_days)
            for _ in range(_ROUNDS):  # confirm the break-even by routing again; new optimal paths join in
                if be is None:
                    break
                xb = x0.copy()
                xb[j] = be
                if abs(problem.exact(xb) - target_days) < 1e-6:
                    break
                be = _break_even(problem.saving, x0, j, lo, hi, target_days)
        else:
            s_lo, s_hi = (float(v) for v in problem.saving(np.vstack([x_lo, x_hi])))
            be = None
        label, unit = _label(key, problem.names)
        pace = key[0] == "pace"
        shown: Callable[[float], float] = (lambda p: 24.0 / p) if pace else (lambda v: v)
        swings.append(
            Swing(
                parameter=f"{key[0]}:{key[1]}",
                label=label,
                unit=unit,
                low=shown(hi) if pace else lo,
                mode=shown(mode),
                high=shown(lo) if pace else hi,
                saving_at_low=s_hi if pace else s_lo,  # a speed's low value is the high pace
                saving_at_high=s_lo if pace else s_hi,
                break_even=None if be is None else shown(be),
                break_even_within_range=be is not None and lo - 1e-12 <= be <= hi + 1e-12,
            )
        )
    swings.sort(key=lambda s: -s.swing_days)
    return Sensitivity(
        origin=o,
        destination=t,
        scenario=str(net.G.graph.get("scenario", "")),
        claim=claim_family,
        reference=ref_family,
        target_days=target_days,
        saving_days=base,
        claim_corridor=problem.best_corridor["claim"],
        reference_corridor=problem.best_corridor["reference"],
        swings=[s for s in swings if s.swing_days > 1e-9],
    )


class _Problem:
    """The saving as a function of the input vector: on candidate paths, and exactly by routing again."""

    def __init__(
        self,
        net: Compiled,
        model: TimeModel,
        defs: _corridors.Corridors,
        o: str,
        t: str,
        claim_family: str,
        ref_family: str,
        sides: dict[str, list[tuple[str, Route]]],
    ) -> None:
        self.net, self.model, self.o, self.t = net, model, o, t
        self.members = {
            "claim": [c for c in defs.values() if (c.family or c.name) == claim_family],
            "reference": [c for c in defs.values() if (c.family or c.name) == ref_family],
        }
        # every edge's terms: the whole network, so that any path can be timed for any input vector
        triples: dict[tuple[str, str], tuple[float, float, float]] = {_REST: rest_factor(model.drive_hours)}
        self.names: dict[str, str] = {}
        rows: list[tuple[int, tuple[str, str], float, bool]] = []
        for i, (u, v, k) in enumerate(net.edge_keys):
            d = net.view.edges[(u, v, k)]
            for _component, key, triple, c in edge_parameters(d, model):
                triples[key] = triple
                rows.append((i, key, c, d.get("mode") == "road" and key[0] == "pace"))
            for kind in (schema.CROSSING, schema.GAUGE_CHANGE, schema.FERRY, "terminal"):
                if d.get(kind):
                    self.names[str(d[kind])] = str(d.get("name") or d[kind])
        self.keys = sorted(triples)
        self.triples = triples
        index = {key: j for j, key in enumerate(self.keys)}
        m = len(net.edge_keys)
        self.edge_coef = np.zeros((m, len(self.keys)))
        self.edge_road = np.zeros((m, len(self.keys)))
        for i, key, c, is_road in rows:
            self.edge_coef[i, index[key]] += c
            if is_road:
                self.edge_road[i, index[key]] += c
        self.rest = index[_REST]
        self.rows: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"claim": [], "reference": []}
        self._seen: set[tuple[str, tuple[int, ...]]] = set()
        self.best_corridor = {side: min(items, key=lambda cr: cr[1].time_h)[0] for side, items in sides.items()}
        edge_index = {e: i for i, e in enumerate(net.edge_keys)}
        for side, items in sides.items():
            for _c, r in items:
                self._add(side, [edge_index[e] for e in r.edges])

    def _add(self, side: str, edges: list[int]) -> None:
        key = (side, tuple(edges))
        if key not in self._seen:
            self._seen.add(key)
            self.rows[side].append((self.edge_coef[edges].sum(axis=0), self.edge_road[edges].sum(axis=0)))

    def means(self, distribution: str) -> np.ndarray:
        return np.array([expected(*self.triples[k], distribution) for k in self.keys])

    def saving(self, x: np.ndarray) -> np.ndarray:
        """Saving (days) on the candidate paths, for input vectors ``x`` of shape (n, keys)."""
        best: dict[str, np.ndarray] = {}
        for side, rows in self.rows.items():
            coef = np.array([c for c, _r in rows])
            road = np.array([r for _c, r in rows])
            hours = x @ coef.T + (x @ road.T) * x[:, self.rest : self.rest + 1]
            best[side] = hours.min(axis=1)
        return np.asarray((best["reference"] - best["claim"]) / 24.0)

    def exact(self, x: np.ndarray) -> float:
        """Saving (days) by routing every corridor of both families again with the inputs ``x``."""
        hours = self.edge_coef @ x + (self.edge_road @ x) * x[self.rest]
        net = replace(self.net, weights={**self.net.weights, "time": hours * 3600.0})
        edge_index = {e: i for i, e in enumerate(net.edge_keys)}
        for side, members in self.members.items():
            for c in members:
                try:
                    r = _corridors.corridor_routes(net, c, self.o, self.t, explain=False)[0]
                except NoRouteError:
                    continue
                self._add(side, [edge_index[e] for e in r.edges])
        return float(self.saving(x[None, :])[0])


def _break_even(
    saving: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, j: int, lo: float, hi: float, target: float
) -> float | None:
    """The value of input ``j`` (nearest its sourced range) at which the saving equals ``target``, or ``None``."""
    span = max(hi - lo, abs(hi), 1e-9)
    grid = np.unique(np.r_[np.linspace(0.0, hi + _SEARCH_SPAN * span, 801), np.linspace(lo, hi, 81)])
    grid = grid[grid >= 0]
    xs = np.repeat(x0[None, :], len(grid), axis=0)
    xs[:, j] = grid
    diff = saving(xs) - target
    crossings = np.nonzero(np.sign(diff[:-1]) * np.sign(diff[1:]) <= 0)[0]
    if len(crossings) == 0:
        return None
    centre = (lo + hi) / 2
    i = min(crossings, key=lambda c: abs(grid[c] - centre))
    a, b = grid[i], grid[i + 1]
    for _ in range(60):  # bisection on the bracket
        m = (a + b) / 2
        xm = x0.copy()
        xm[j] = m
        fm = float(saving(xm[None, :])[0]) - target
        xa = x0.copy()
        xa[j] = a
        fa = float(saving(xa[None, :])[0]) - target
        if fa * fm <= 0:
            b = m
        else:
            a = m
    return float((a + b) / 2) if (a + b) / 2 > 0 else None


def baselines(
    G: nx.MultiDiGraph | Compiled,
    origin: str,
    destination: str,
    *,
    claim: str = "cku",
    corridors: _corridors.Corridors | None = None,
) -> dict[str, dict[str, Any]]:
    """Measure the claim corridor against every other corridor that serves the pair.

    Parameters
    ----------
    G
        A scenario network with travel times, or its compiled form.
    origin, destination
        Place names, aliases or ids.
    claim
        The corridor (or family) claimed to be faster; its fastest member is used.
    corridors
        The definitions; the embedded ones by default.

    Returns
    -------
    dict
        Baseline corridor → ``{"saving_days", "baseline_days", "claim_days", "claim_corridor"}``,
        or ``{"reason"}`` where the baseline (or the claim) has no route.
    """
    net = routing.compile(G)
    defs = corridors or _corridors.load()
    family = _family(defs, claim)
    o, t = routing.resolve_pair(net, origin, destination)
    best: Route | None = None
    best_name = ""
    results: dict[str, Route | str] = {}
    for c in defs.values():
        try:
            r = _corridors.corridor_routes(net, c, o, t, explain=False)[0]
        except NoRouteError as exc:
            results[c.name] = str(exc)
            continue
        results[c.name] = r
        if (c.family or c.name) == family and (best is None or r.time_h < best.time_h):
            best, best_name = r, c.name
    out: dict[str, dict[str, Any]] = {}
    for name, found in results.items():
        if (defs[name].family or name) == family:
            continue
        if isinstance(found, str) or best is None:
            out[name] = {"reason": found if isinstance(found, str) else f"no {family} corridor has a route"}
            continue
        out[name] = {
            "saving_days": round((found.time_h - best.time_h) / 24.0, 3),
            "baseline_days": round(found.time_days, 3),
            "claim_days": round(best.time_days, 3),
            "claim_corridor": best_name,
        }
    return out

"""Calibrate the uncertain modes of the time model on the published runs of ``data/validation.csv``.

Fitted: the mode of each rail speed class (``data/speeds.csv``) and the mode of
the wait for a ferry departure (``data/ferries.csv``) on the routes of the
scored runs, each inside its own sourced low..high; ferries whose wait has the
same sourced low/mode/high (the Aktau and Kuryk sailings of one fleet) share one
mode, so a fit cannot move trains from one port to the other. Border dwell, breaks of gauge
and sailing times keep their published values. Each scored run with a published
day range is routed on the current data; its expected time is linear in each
parameter's mode (the pace, hours per km, for a speed), so a candidate set of
modes is scored exactly on those routes. The search maximises the number of day
ranges met (optionally by a margin), then minimises the squared distance of the misses (in
days) and, last, the change from the current modes. The fitted modes are then
applied and every run routed again (routes can change with the times); this
repeats a few times and the fit that meets most ranges after re-routing wins. It
is seeded and re-runnable::

    python scripts/calibrate.py            # print the fit
    python scripts/calibrate.py --write    # also write the fitted modes to data/

``silkroute validate`` then shows the same numbers.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import numpy as np

from silkroute import catalog, schema, validation
from silkroute import scenario as _scenario
from silkroute.timing import TimeModel, assign_travel_times, edge_parameters

DRAWS = 200_000
ROUNDS = 6  # coordinate-descent sweeps after the random search
REFITS = 4  # fit, re-route, fit again
FIT_WAITS = False  # also fit ferry-wait modes (--waits)
GRID = 41  # values tried per parameter and sweep
MARGIN_D = 0.0  # a fit may ask a range to be met by this many days (robust to re-routing); 0 = just met


@dataclass(frozen=True)
class Parameter:
    """One fitted mode: a speed class (km/h, entering as its pace) or a ferry's wait (hours)."""

    key: tuple[str, str]
    members: tuple[tuple[str, str], ...]
    low: float
    mode: float
    high: float

    @property
    def is_speed(self) -> bool:
        """Whether the parameter is a speed class (else a ferry wait)."""
        return self.key[0] == "pace"

    def expected(self, mode: np.ndarray, distribution: str) -> np.ndarray:
        """Expected hours per unit (per km for a speed, per use for a wait) for an array of modes."""
        w = 4.0 if distribution == "pert" else 1.0
        if self.is_speed:  # the pace triple is (1/high, 1/mode, 1/low)
            return (1.0 / self.high + w / mode + 1.0 / self.low) / (w + 2.0)
        return (self.low + w * mode + self.high) / (w + 2.0)

    def label(self) -> str:
        """What the parameter is, for the printout."""
        return f"speed {self.key[1]}" if self.is_speed else f"ferry wait {', '.join(m[1] for m in self.members)}"

    def shown(self, value: float) -> str:
        """A value in the unit the data files use (km/day for speeds, hours for waits)."""
        return f"{value * 24:,.0f} km/day" if self.is_speed else f"{value:,.0f} h"


def _decompose(
    result: validation.RunResult, model: TimeModel, fitted: set[tuple[str, str]]
) -> tuple[float, dict[tuple[str, str], float]]:
    """Fixed hours of a run's route and its coefficient (km, or uses) per fitted parameter."""
    assert result.route is not None
    fixed, coef = 0.0, defaultdict(float)
    for d in result.route.edge_data:
        for _component, key, triple, c in edge_parameters(d, model):
            if key in fitted and (key[0] != "pace" or d.get("mode") == "rail"):
                coef[key] += c
            else:
                fixed += c * model.mean(triple)
    return fixed, dict(coef)


def _parameters(runs: list[validation.RunResult], model: TimeModel, cat: catalog.Catalog) -> list[Parameter]:
    """The rail speed classes on the routes of the runs, and their ferry waits (grouped by the catalog triple)."""
    found: dict[tuple[str, str], Parameter] = {}
    catalog_wait = {str(f): schema.WAIT.read(row) for f, row in cat.ferries.iterrows()}
    waits: dict[tuple[float, float, float], tuple[float, float, float]] = {}  # catalog triple → current triple
    for r in runs:
        assert r.route is not None
        for d in r.route.edge_data:
            for _component, key, triple, _c in edge_parameters(d, model):
                if key[0] == "pace" and d.get("mode") == "rail":
                    low, mode, high = model.speeds_kph[key[1]]
                    found[key] = Parameter(key, (key,), low, mode, high)
                elif FIT_WAITS and key[0] == schema.WAIT.name and triple[0] < triple[2]:
                    waits[catalog_wait[key[1]]] = tuple(triple)  # type: ignore[assignment]
    for original, current in sorted(waits.items()):
        members = tuple((schema.WAIT.name, f) for f, t in catalog_wait.items() if t == original)
        found[members[0]] = Parameter(members[0], members, *current)
    return sorted(found.values(), key=lambda p: (not p.is_speed, p.key))


def _write(path: Path, id_column: str, column: str, values: dict[str, float]) -> None:
    """Replace one column's value in the rows whose id is in ``values`` (atomically)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row[id_column] in values:
            row[column] = f"{values[row[id_column]]:g}"
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _networks(scenarios: list[str], speeds: dict[str, float], waits: dict[str, float]) -> dict[str, nx.MultiDiGraph]:
    """The runs' scenario networks with some speed and ferry-wait modes replaced."""
    out = {}
    for name in scenarios:
        G = _scenario.network(name)
        model: TimeModel = G.graph["time_model"]
        model = replace(model, speeds_kph={c: (t[0], speeds.get(c, t[1]), t[2]) for c, t in model.speeds_kph.items()})
        for _u, _v, d in G.edges(data=True):
            if d.get("kind") == schema.FERRY and d.get("ferry") in waits:
                d[schema.WAIT.columns[1]] = waits[str(d["ferry"])]
        out[name] = assign_travel_times(G, model)
    return out


def _fit(
    runs: list[validation.RunResult], model: TimeModel, cat: catalog.Catalog, seed: int
) -> tuple[list[Parameter], np.ndarray]:
    """Fit the modes on the routes of ``runs``; return the parameters and their fitted modes."""
    params = _parameters(runs, model, cat)
    fitted = {m for p in params for m in p.members}
    parts = [_decompose(r, model, fitted) for r in runs]
    fixed = np.array([f for f, _c in parts])
    coef = np.array([[sum(c.get(m, 0.0) for m in p.members) for p in params] for _f, c in parts])  # runs × params
    low_d = np.array([r.run.days[0] for r in runs if r.run.days])
    high_d = np.array([r.run.days[1] for r in runs if r.run.days])
    lo = np.array([p.low for p in params])
    hi = np.array([p.high for p in params])
    current = np.array([p.mode for p in params])

    def score(modes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        unit = np.column_stack([p.expected(modes[:, j], model.distribution) for j, p in enumerate(params)])
        days = (fixed[None, :] + unit @ coef.T) / 24.0  # candidates × runs
        miss = np.maximum(low_d + MARGIN_D - days, 0) + np.maximum(days - high_d + MARGIN_D, 0)
        return -(miss == 0).sum(axis=1), (miss**2).sum(axis=1).round(6), np.abs(modes / current - 1).sum(axis=1)

    rng = np.random.default_rng(seed)
    cand = np.vstack([current, lo + (hi - lo) * rng.random((DRAWS, len(params)))])
    key = score(cand)
    i = int(np.lexsort(key[::-1])[0])
    best, best_key = cand[i].copy(), tuple(k[i] for k in key)
    for _ in range(ROUNDS):
        for j in range(len(params)):
            trial = np.repeat(best[None, :], GRID, axis=0)
            trial[:, j] = np.linspace(lo[j], hi[j], GRID)
            key = score(trial)
            k = int(np.lexsort(key[::-1])[0])
            if tuple(x[k] for x in key) < best_key:
                best, best_key = trial[k].copy(), tuple(x[k] for x in key)
    return params, best


def _scored(result: validation.Validation) -> list[validation.RunResult]:
    return [r for r in result.results if r.run.scored and r.run.days is not None and r.route is not None]


def _met(runs: list[validation.RunResult]) -> int:
    return sum(bool(r.days_met) for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Fit, print and (with ``--write``) write the modes; return the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help="write the fitted modes to data/speeds.csv and ferries.csv"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--waits", action="store_true", help="also fit the ferry-wait modes")
    args = parser.parse_args(argv)
    global FIT_WAITS
    FIT_WAITS = args.waits

    cat = catalog.load()
    model = TimeModel.from_catalog(cat)
    runs = _scored(validation.validate())
    scenarios = sorted({r.run.scenario for r in runs})
    start_met = _met(runs)
    speeds: dict[str, float] = {}
    waits: dict[str, float] = {}
    best: tuple[int, dict[str, float], dict[str, float], list[validation.RunResult]] = (start_met, {}, {}, runs)
    for _ in range(REFITS):
        now = {c: (t[0], speeds.get(c, t[1]), t[2]) for c, t in model.speeds_kph.items()}
        params, modes = _fit(runs, replace(model, speeds_kph=now), cat, args.seed)
        # rounded as the files write them (km/h to 0.01, hours to 1), kept inside low..high
        speeds = {
            p.key[1]: min(max(round(float(modes[j]), 2), p.low), p.high) for j, p in enumerate(params) if p.is_speed
        }
        waits = {
            m[1]: float(min(max(round(float(modes[j])), p.low), p.high))
            for j, p in enumerate(params)
            if not p.is_speed
            for m in p.members
        }
        runs = _scored(validation.validate(networks=_networks(scenarios, speeds, waits)))
        if _met(runs) > best[0]:
            best = (_met(runs), dict(speeds), dict(waits), runs)
    met, speeds, waits, runs = best
    print(f"{len(runs)} scored runs with a published day range")
    print(f"current modes: {start_met} met; fitted modes: {met} met (each run routed again on the fitted values)")
    for c, v in speeds.items():
        low, mode, high = model.speeds_kph[c]
        print(f"  speed {c:<36} {mode * 24:8,.0f} -> {v * 24:8,.0f} km/day   ({low * 24:,.0f} .. {high * 24:,.0f})")
    for f, v in waits.items():
        print(f"  ferry wait {f:<31} {float(cat.ferries.loc[f, 'wait_mode_h']):8,.0f} -> {v:8,.0f} h")
    for r in runs:
        lo_d, hi_d = r.run.days or (0.0, 0.0)
        print(f"  {r.run.id:<5} {lo_d:g}–{hi_d:g} d: {r.days:5.1f} d {'met' if r.days_met else 'MISS'}")
    if args.write and (speeds or waits):
        directory = Path(cat.directory)
        _write(directory / "speeds.csv", "class", "speed_mode_kph", speeds)
        if waits:
            _write(directory / "ferries.csv", "id", "wait_mode_h", waits)
        print(f"wrote {len(speeds)} speed modes and {len(waits)} ferry wait modes to {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rich tables of results for the terminal: routes, corridor comparisons, distributions, chokepoints, reach.

Renderers draw results; they never compute them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from silkroute.assignment import Assignment
    from silkroute.corridors import Comparison
    from silkroute.criticality import Chokepoint
    from silkroute.routing import Route
    from silkroute.sensitivity import Sensitivity
    from silkroute.uncertainty import UncertaintyResult
    from silkroute.validation import Validation

__all__ = ["assignment", "chokepoints", "comparison", "costs", "days", "reach", "route", "uncertainty", "validation"]


#: Below this console width tables use the compact layout (long text below the table, light borders).
NARROW = 120


def _narrow(out: Console) -> bool:
    return out.width < NARROW


def _table(out: Console, title: str, *columns: tuple[str, str]) -> Table:
    """A table whose cells wrap or fold but are never cut with an ellipsis.

    ``columns`` are ``(header, kind)``: ``name`` (kept whole on one line), ``num``
    (right-aligned) or ``text`` (wraps).
    """
    narrow = _narrow(out)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        padding=(0, 1),
        pad_edge=not narrow,
        title_justify="left" if narrow else "center",
    )
    for header, kind in columns:
        table.add_column(header, justify="right" if kind == "num" else "left", overflow="fold", no_wrap=kind == "name")
    return table


def _notes(out: Console, lines: list[str]) -> None:
    """Long text moved out of a narrow table: one indented line per row, wrapped at the console width."""
    for line in lines:
        out.print("  " + line, overflow="fold")


def days(hours: float) -> str:
    """Return hours as ``"123.4 h (5.1 d)"``.

    Parameters
    ----------
    hours
        Hours.

    Returns
    -------
    str
        The text.

    Examples
    --------
    >>> days(123.4)
    '123.4 h (5.1 d)'
    """
    return f"{hours:,.1f} h ({hours / 24:,.1f} d)"


def route(out: Console, r: Route, title: str) -> None:
    """Print one route: totals, where the time goes, crossings, breaks of gauge, places.

    Parameters
    ----------
    out
        The console.
    r
        The route.
    title
        The heading.
    """
    out.print(f"[bold]{title}[/]")
    out.print(
        f"  {r.length_km:,.0f} km, {days(r.time_h)}; countries: {' → '.join(r.countries)}; modes: {', '.join(r.modes)}"
    )
    table = _table(
        out, "where the time goes", ("component", "name"), ("hours", "num"), ("days", "num"), ("share", "num")
    )
    total = r.time_h or 1.0
    for component, h in r.breakdown.items():
        if h > 0:
            table.add_row(component, f"{h:,.1f}", f"{h / 24:,.2f}", f"{100 * h / total:.0f} %")
    out.print(table)
    if r.cost_breakdown is not None:
        parts = ", ".join(f"{k} {v:,.0f}" for k, v in r.cost_breakdown.items() if v >= 0.5)
        out.print(f"  cost: {r.cost_usd or 0.0:,.0f} USD per FEU ({parts})", overflow="fold")
    if r.co2_breakdown is not None:
        parts = ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in r.co2_breakdown.items() if v >= 0.5)
        out.print(f"  CO2e: {r.co2_kg or 0.0:,.0f} kg per FEU ({parts})", overflow="fold")
    for c in r.crossings:
        out.print(f"  border: {c['name']} ({c['border']}, {c['mode']}), {c['dwell_h']:.1f} h")
    for g in r.gauge_breaks:
        out.print(f"  break of gauge: {g['name']} {g['from_gauge']} → {g['to_gauge']} mm, {g['hours']:.1f} h")
    out.print("  via: " + " – ".join(p["name"] for p in r.places))


def comparison(out: Console, comp: Comparison) -> None:
    """Print one table per scenario and, for several scenarios, the change between them.

    On a narrow console (under :data:`NARROW` columns) the hours are shown without
    units and the route or the reason a corridor is not feasible follows the table,
    one line per corridor, so that corridor names are never cut.

    Parameters
    ----------
    out
        The console.
    comp
        One pair's comparison.
    """
    results = comp.results
    narrow = _narrow(out)
    for name, items in results.items():
        head = [("corridor", "name"), ("km", "num")]
        head += (
            [("days", "num"), ("Δ d", "num"), ("run h", "num"), ("border", "num"), ("gauge", "num"),
             ("ferry", "num"), ("other", "num")]
            if narrow
            else [("time", "num"), (f"Δ vs {comp.reference}", "num"), ("running", "num"), ("border", "num"),
                  ("gauge", "num"), ("ferry", "num"), ("rest+transfer", "num"), ("route / why not", "text")]
        )  # fmt: skip
        table = _table(out, f"{comp.label} — scenario {name}", *head)
        notes = []
        for r in items:
            if not r.feasible or r.route is None:
                cells = [r.corridor, "–", "not feasible" if not narrow else "–", "", "", "", "", "", ""]
                table.add_row(*(cells if narrow else [*cells, r.reason]))
                notes.append(f"{r.corridor}: not feasible: {r.reason}")
                continue
            bd = r.route.breakdown
            delta = "" if r.delta_vs_reference_h is None else f"{r.delta_vs_reference_h / 24:+.1f}"
            unit = "" if narrow else " h"
            cells = [
                r.corridor,
                f"{r.route.length_km:,.0f}",
                f"{r.route.time_days:.1f}" if narrow else days(r.route.time_h),
                delta if narrow else (delta and delta + " d"),
                f"{bd['running']:.0f}{unit}",
                f"{bd['border']:.0f}{unit}",
                f"{bd['gauge_change']:.0f}{unit}",
                f"{bd['ferry_sailing'] + bd['ferry_wait']:.0f}{unit}",
                f"{bd['rest'] + bd['transfer']:.0f}{unit}",
            ]
            table.add_row(*(cells if narrow else [*cells, " → ".join(r.route.countries)]))
            notes.append(f"{r.corridor}: {' → '.join(r.route.countries)}")
        out.print(table)
        if narrow:
            out.print(
                f"  Δ d: days vs {comp.reference} (the reference); hours: running, border, gauge, ferry, other = "
                "rest + transfer",
                overflow="fold",
            )
            _notes(out, notes)
    for name, items in results.items():
        costs(out, f"{comp.label} — scenario {name}: cost and CO2e per FEU", items)
    if len(results) > 1:
        names = list(results)
        table = _table(
            out,
            "change between scenarios (days)",
            ("corridor", "name"),
            *((n, "num") for n in names),
            *((f"Δ {n} vs {names[0]}", "num") for n in names[1:]),
        )
        by = {n: {r.corridor: r for r in results[n]} for n in names}
        for c in by[names[0]]:
            routes = [by[n][c].route for n in names]
            cells = [f"{x.time_days:.1f}" if x is not None else "–" for x in routes]
            deltas = []
            for b in routes[1:]:
                a = routes[0]
                deltas.append(
                    f"{b.time_days - a.time_days:+.1f}" if a and b else ("opens" if b else ("closes" if a else "–"))
                )
            table.add_row(c, *cells, *deltas)
        out.print(table)


def costs(out: Console, title: str, items: list[Any]) -> None:
    """Print the cost (USD per FEU) and CO₂e (kg per FEU) of each corridor, with where the money goes.

    Nothing is printed when no route has costs (a network whose catalog has no ``costs.csv``).

    Parameters
    ----------
    out
        The console.
    title
        The heading.
    items
        :class:`~silkroute.corridors.CorridorResult` objects.
    """
    priced = [r for r in items if r.route is not None and r.route.cost_breakdown is not None]
    if not priced:
        return
    narrow = _narrow(out)
    head = [("corridor", "name"), ("USD", "num"), ("rail", "num"), ("border", "num"), ("gauge", "num"),
            ("ferry", "num"), ("other", "num"), ("kg CO2e", "num")]  # fmt: skip
    if not narrow:
        head += [("rail el./diesel kg", "num"), ("generalized USD", "num")]
    table = _table(out, title, *head)
    for r in items:
        route_ = r.route
        if route_ is None or route_.cost_breakdown is None:
            table.add_row(r.corridor, "–", *([""] * (len(head) - 2)))
            continue
        c = route_.cost_breakdown
        co2 = route_.co2_breakdown or {}
        cells = [
            r.corridor,
            f"{route_.cost_usd or 0.0:,.0f}",
            f"{c['rail']:,.0f}",
            f"{c['border']:,.0f}",
            f"{c['gauge']:,.0f}",
            f"{c['ferry']:,.0f}",
            f"{c['road'] + c['port'] + c['terminal']:,.0f}",
            "–" if route_.co2_kg is None else f"{route_.co2_kg:,.0f}",
        ]
        if not narrow:
            cells += [
                f"{co2.get('rail_electric', 0.0):,.0f}/{co2.get('rail_diesel', 0.0):,.0f}",
                "–" if route_.generalized_cost_usd is None else f"{route_.generalized_cost_usd:,.0f}",
            ]
        table.add_row(*cells)
    out.print(table)
    if narrow:
        out.print("  USD and kg CO2e per FEU; other = road + port + terminal", overflow="fold")


def sweep(out: Console, results: list[dict[str, Any]]) -> None:
    """Print a sweep: one row per task and corridor (days P10/P50/P90), and each task's headline gain.

    Parameters
    ----------
    out
        The console.
    results
        :func:`silkroute.sweep.sweep`'s tasks (``UncertaintyResult.to_dict`` each).
    """
    if not results:
        out.print("no tasks")
        return
    first = results[0]
    table = _table(
        out,
        f"sweep: door-to-door days ({first['draws']:,} draws per task, {first['distribution']})",
        ("pair", "name"),
        ("scenario", "name"),
        ("corridor", "name"),
        ("P10", "num"),
        ("P50", "num"),
        ("P90", "num"),
    )
    skipped = 0
    for r in results:
        pair = f"{r['origin']} → {r['destination']}"
        for c in r["corridors"]:
            if not c["feasible"]:
                skipped += 1
                continue
            table.add_row(pair, r["scenario"], c["corridor"], *(f"{c[f'p{q}_days']:.1f}" for q in (10, 50, 90)))
    out.print(table)
    if skipped:
        out.print(
            f"{skipped} task corridors do not serve their pair (--format json gives each reason)", highlight=False
        )
    for r in results:
        for d in r["differences"]:
            if d.get("b") == r.get("reference") and d.get("a") != d.get("b"):
                gains = ", ".join(f"P(≥ {k} d faster) {v:.0%}" for k, v in d["p_a_faster_by"].items())
                out.print(
                    f"{r['origin']} → {r['destination']} ({r['scenario']}): {d['a']} vs {d['b']}: "
                    f"median gain {-d['p50_days']:.1f} d, P(faster) {d['p_a_faster']:.0%}, {gains}",
                    highlight=False,
                )


def uncertainty(out: Console, res: UncertaintyResult) -> None:
    """Print corridor time distributions and the probability of the headline gains.

    Parameters
    ----------
    out
        The console.
    res
        A simulation.
    """
    narrow = _narrow(out)
    cols = [("corridor", "name"), ("expected", "num"), ("P10", "num"), ("P50", "num"), ("P90", "num"),
            ("mean", "num"), ("paths", "num")]  # fmt: skip
    table = _table(
        out,
        f"{res.origin} → {res.destination} — scenario {res.scenario}: door-to-door days "
        f"({res.draws:,} draws, {res.distribution}, seed {res.seed})",
        *cols,
        *([] if narrow else [("why not", "text")]),
    )
    notes = []
    for c in res.corridors:
        q = c.quantiles()
        if not c.feasible:
            table.add_row(c.corridor, "–", "", "", "", "", "", *([] if narrow else [c.reason]))
            notes.append(f"{c.corridor}: not feasible: {c.reason}")
            continue
        table.add_row(
            c.corridor,
            f"{c.expected_days:.1f}",
            f"{q['p10_days']:.1f}",
            f"{q['p50_days']:.1f}",
            f"{q['p90_days']:.1f}",
            f"{q['mean_days']:.1f}",
            str(len(c.candidates)),
            *([] if narrow else [""]),
        )
    out.print(table)
    if narrow:
        _notes(out, notes)
    diffs = _table(
        out,
        "differences",
        ("a vs b", "text"),
        ("median a−b d" if narrow else "median a − b (d)", "num"),
        ("P(a faster)", "num"),
        ("≥ 7 d" if narrow else "P(a faster by ≥ 7 d)", "num"),
        ("≥ 10 d" if narrow else "P(a faster by ≥ 10 d)", "num"),
    )
    ref = res.reference
    for d in res.differences():
        if ref in (d["a"], d["b"]):
            diffs.add_row(
                f"{d['a']} vs {d['b']}",
                f"{d['p50_days']:+.1f}",
                f"{d['p_a_faster']:.0%}",
                f"{d['p_a_faster_by_7d']:.0%}",
                f"{d['p_a_faster_by_10d']:.0%}",
            )
    out.print(diffs)
    if narrow:
        out.print("  ≥ 7 d, ≥ 10 d: P(a faster by at least 7 or 10 days)", overflow="fold")
    priced = [c for c in res.corridors if c.cost_usd is not None or c.co2_kg is not None]
    if priced:
        money = _table(
            out,
            "cost (USD) and CO2e (kg) per FEU of the path taken in each draw",
            ("corridor", "name"),
            ("USD P10", "num"),
            ("P50", "num"),
            ("P90", "num"),
            ("kg P10", "num"),
            ("P50", "num"),
            ("P90", "num"),
        )
        for c in priced:
            q = c.quantiles()
            money.add_row(
                c.corridor,
                *(
                    f"{q[k]:,.0f}" if q[k] is not None else "–"
                    for k in ("p10_cost_usd", "p50_cost_usd", "p90_cost_usd")
                ),
                *(f"{q[k]:,.0f}" if q[k] is not None else "–" for k in ("p10_co2_kg", "p50_co2_kg", "p90_co2_kg")),
            )
        out.print(money)


def chokepoints(out: Console, points: list[Chokepoint], title: str, limit: int = 25) -> None:
    """Print the chokepoint ranking.

    Parameters
    ----------
    out
        The console.
    points
        The ranking.
    title
        The heading.
    limit
        Rows shown (the rest is counted).
    """
    weighted = any(p.volume_feu_per_day is not None for p in points)
    cols = [("rank", "num"), ("link", "text"), ("used by", "text"), ("cuts", "text"), ("max added", "num")]
    if weighted:
        cols += [("FEU/d", "num"), ("FEU-d/d", "num")]
    table = _table(out, title, *cols)
    for rank, p in enumerate(points[:limit], start=1):
        cells = [str(rank), p.name, ", ".join(p.used_by), ", ".join(p.cut) or "–", f"{p.max_added_days:+.1f} d"]
        if weighted:
            cells += [f"{p.volume_feu_per_day or 0.0:,.0f}", f"{p.weighted_feu_days or 0.0:,.0f}"]
        table.add_row(*cells)
    out.print(table)
    if weighted:
        out.print(
            "  FEU/d: assigned demand through the link; FEU-d/d: FEU-days lost per day it is closed", overflow="fold"
        )
    if len(points) > limit:
        out.print(f"  … {len(points) - limit} more links (see --format json)")


def assignment(out: Console, a: Assignment, limit: int = 30) -> None:
    """Print an equilibrium assignment: utilisation, wait and dwell per capacitated link, then each flow.

    Parameters
    ----------
    out
        The console.
    a
        The assignment.
    limit
        Link rows shown (the busiest; the rest is counted).
    """
    narrow = _narrow(out)
    state = "converged" if a.converged else "NOT converged"
    out.print(
        f"[bold]Assignment, scenario {a.scenario}[/]: Frank-Wolfe, {a.iterations} iterations, relative gap "
        f"{a.relative_gap:.1e} ({state}, tolerance {a.tolerance:g}); queue v = {a.queue.variability:.2f}, "
        f"{a.queue.feu_per_train:g} FEU per train",
        overflow="fold",
    )
    loaded = [link for link in a.links if link.flow_feu_per_day > 0]
    table = _table(
        out,
        "capacitated links (per direction)",
        ("link", "text"),
        ("dir", "name"),
        ("trains/d", "num"),
        ("cap.", "num"),
        ("ρ", "num"),
        ("base h", "num"),
        ("wait h", "num"),
        ("dwell d", "num"),
    )
    for link in loaded[:limit]:
        table.add_row(
            link.name if not narrow else link.name.split(" (")[0],
            "fwd" if link.direction == "forward" else "rev",
            f"{link.flow_feu_per_day / link.feu_per_train:.1f}",
            f"{link.capacity_feu_per_day / link.feu_per_train:.1f}",
            f"{link.utilisation:.2f}" + (" !" if link.utilisation >= 1 else ""),
            f"{link.base_h:.1f}",
            f"{link.wait_h:.1f}",
            f"{link.dwell_h / 24:.2f}",
        )
    out.print(table)
    if len(loaded) > limit:
        out.print(f"  … {len(loaded) - limit} more loaded links (see --format json)")
    out.print(
        "  fwd: as the catalog lists the link (from → to); ρ = flow / capacity; dwell = base + wait", overflow="fold"
    )
    flows = _table(
        out,
        "flows",
        ("flow", "name"),
        ("from → to", "text"),
        ("FEU/d", "num"),
        ("days", "num"),
        ("free d", "num"),
        ("crossings (share)", "text"),
    )
    for f in a.flows:
        split = ", ".join(
            f"{ref.split(':', 1)[1].split('~')[0]} {share:.0%}"
            for ref, share in f.crossings().items()
            if ref.split(":", 1)[1].startswith("CN-")
        )
        flows.add_row(
            f.flow.id,
            f"{f.flow.origin} → {f.flow.destination}",
            f"{f.flow.feu_per_day:,.0f}",
            f"{f.time_h / 24:.2f}",
            f"{f.free_time_h / 24:.2f}",
            split or ", ".join(f"{ref.split(':', 1)[1]} {share:.0%}" for ref, share in list(f.crossings().items())[:2]),
        )
    out.print(flows)


def reach(out: Console, places: Any, title: str) -> None:
    """Print the places within each threshold of days.

    Parameters
    ----------
    out
        The console.
    places
        The places layer of :func:`silkroute.reach.reach_on`.
    title
        The heading.
    """
    table = _table(out, title, ("within", "name"), ("places", "text"))
    for band, group in places.groupby("within_days", sort=True):
        names = ", ".join(f"{n} ({d:.1f})" for n, d in zip(group["name"], group["time_days"], strict=True))
        table.add_row(f"{band:g} d", f"{len(group)}: {names}")
    out.print(table)


def validation(out: Console, result: Validation) -> None:
    """Print each published run with the modelled km and days, then the summary.

    Parameters
    ----------
    out
        The console.
    result
        The comparison of :func:`silkroute.validation.validate`.
    """
    narrow = _narrow(out)
    table = _table(
        out,
        "published runs vs the model",
        ("run", "name"),
        ("from → to", "text"),
        ("pub. km" if narrow else "published km", "num"),
        ("km" if narrow else "model km", "num"),
        ("error", "num"),
        ("pub. d" if narrow else "published d", "num"),
        ("d" if narrow else "model d", "num"),
        ("met", "name"),
    )
    for r in result.results:
        run = r.run
        km = (
            ""
            if run.km is None
            else (f"{run.km[0]:,.0f}" if run.km[0] == run.km[1] else f"{run.km[0]:,.0f}–{run.km[1]:,.0f}")
        )
        days_ = (
            ""
            if run.days is None
            else (f"{run.days[0]:g}" if run.days[0] == run.days[1] else f"{run.days[0]:g}–{run.days[1]:g}")
        )
        err = r.km_error
        met = "" if r.days_met is None else ("yes" if r.days_met else "no")
        table.add_row(
            run.id + ("" if run.scored else (f" {run.role[0]}" if narrow else f" ({run.role})")),
            f"{run.origin} → {run.destination}",
            km,
            "–" if r.km is None else f"{r.km:,.0f}",
            "" if err is None else f"{100 * err:+.1f} %",
            days_,
            "–" if r.days is None else f"{r.days:.1f}",
            met if r.route is not None or run.days is None else "no route",
        )
    if narrow:  # stacked: the run and its route on one line, the numbers on the next
        out.print("[bold]published runs vs the model[/] (tail, claim, doubtful: shown, not scored)")
        for r in result.results:
            run = r.run
            role = "" if run.scored else f" ({run.role})"
            out.print(f"{run.id}{role}  {run.origin} → {run.destination}", overflow="fold")
            parts = []
            if run.km is not None:
                pub = f"{run.km[0]:,.0f}" if run.km[0] == run.km[1] else f"{run.km[0]:,.0f}–{run.km[1]:,.0f}"
                err = r.km_error
                model = "–" if r.km is None else f"{r.km:,.0f}"
                parts.append(f"km {model} vs {pub}" + ("" if err is None else f" ({100 * err:+.1f} %)"))
            if run.days is not None:
                pub = f"{run.days[0]:g}" if run.days[0] == run.days[1] else f"{run.days[0]:g}–{run.days[1]:g}"
                model = "–" if r.days is None else f"{r.days:.1f}"
                met = "no route" if r.route is None else ("met" if r.days_met else "not met")
                parts.append(f"days {model} vs {pub}: {met}")
            out.print("      " + " · ".join(parts), overflow="fold")
    else:
        out.print(table)
    for line in result.summary_lines():
        out.print(line, overflow="fold")


def sensitivity(out: Console, s: Sensitivity, limit: int = 12) -> None:
    """Print the tornado: each input's swing of the saving and its break-even value.

    Parameters
    ----------
    out
        The console.
    s
        A sensitivity.
    limit
        Rows shown (the rest is counted).
    """
    saving = ", ".join(f"{v:+.1f} d ({d})" for d, v in s.saving_days.items())
    narrow = _narrow(out)
    table = _table(
        out,
        f"{s.origin} → {s.destination} — {s.claim_corridor} vs {s.reference_corridor} ({s.scenario}): saving {saving}",
        ("input", "text"),
        ("low–high", "num"),
        ("at low" if narrow else "saving at low", "num"),
        ("at high" if narrow else "saving at high", "num"),
        (f"{s.target_days:g} d at" if narrow else f"break-even {s.target_days:g} d", "num"),
    )
    for w in s.swings[:limit]:
        table.add_row(
            w.label,
            f"{w.format(w.low)}–{w.format(w.high)} {w.unit}",
            f"{w.saving_at_low:+.1f} d",
            f"{w.saving_at_high:+.1f} d",
            w.break_even_text().replace(" (outside)", " (out)"),
        )
    out.print(table)
    if len(s.swings) > limit:
        out.print(f"  … {len(s.swings) - limit} more inputs (see --format json); '(out)': outside the sourced range")

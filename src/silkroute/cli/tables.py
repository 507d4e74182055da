"""Rich tables of results for the terminal: routes, corridor comparisons, distributions, chokepoints, reach.

Renderers draw results; they never compute them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from silkroute.corridors import Comparison
    from silkroute.criticality import Chokepoint
    from silkroute.routing import Route
    from silkroute.uncertainty import UncertaintyResult
    from silkroute.validation import Validation

__all__ = ["chokepoints", "comparison", "days", "reach", "route", "uncertainty", "validation"]


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
    table = Table("component", "hours", "days", "share", title="where the time goes")
    total = r.time_h or 1.0
    for component, h in r.breakdown.items():
        if h > 0:
            table.add_row(component, f"{h:,.1f}", f"{h / 24:,.2f}", f"{100 * h / total:.0f} %")
    out.print(table)
    for c in r.crossings:
        out.print(f"  border: {c['name']} ({c['border']}, {c['mode']}), {c['dwell_h']:.1f} h")
    for g in r.gauge_breaks:
        out.print(f"  break of gauge: {g['name']} {g['from_gauge']} → {g['to_gauge']} mm, {g['hours']:.1f} h")
    out.print("  via: " + " – ".join(p["name"] for p in r.places))


def comparison(out: Console, comp: Comparison) -> None:
    """Print one table per scenario and, for several scenarios, the change between them.

    Parameters
    ----------
    out
        The console.
    comp
        One pair's comparison.
    """
    results = comp.results
    for name, items in results.items():
        table = Table(
            "corridor",
            "km",
            "time",
            f"Δ vs {comp.reference}",
            "running",
            "border",
            "gauge",
            "ferry",
            "rest+transfer",
            "route / why not",
            title=f"{comp.label} — scenario {name}",
            show_lines=False,
        )
        for r in items:
            if not r.feasible or r.route is None:
                table.add_row(r.corridor, "–", "not feasible", "", "", "", "", "", "", r.reason)
                continue
            bd = r.route.breakdown
            delta = "" if r.delta_vs_reference_h is None else f"{r.delta_vs_reference_h / 24:+.1f} d"
            table.add_row(
                r.corridor,
                f"{r.route.length_km:,.0f}",
                days(r.route.time_h),
                delta,
                f"{bd['running']:.0f} h",
                f"{bd['border']:.0f} h",
                f"{bd['gauge_change']:.0f} h",
                f"{bd['ferry_sailing'] + bd['ferry_wait']:.0f} h",
                f"{bd['rest'] + bd['transfer']:.0f} h",
                " → ".join(r.route.countries),
            )
        out.print(table)
    if len(results) > 1:
        names = list(results)
        table = Table(
            "corridor", *names, *(f"Δ {n} vs {names[0]}" for n in names[1:]), title="change between scenarios (days)"
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


def uncertainty(out: Console, res: UncertaintyResult) -> None:
    """Print corridor time distributions and the probability of the headline gains.

    Parameters
    ----------
    out
        The console.
    res
        A simulation.
    """
    table = Table(
        "corridor",
        "expected",
        "P10",
        "P50",
        "P90",
        "mean",
        "paths",
        "why not",
        title=f"{res.origin} → {res.destination} — scenario {res.scenario}: door-to-door days "
        f"({res.draws:,} draws, {res.distribution}, seed {res.seed})",
    )
    for c in res.corridors:
        q = c.quantiles()
        if not c.feasible:
            table.add_row(c.corridor, "–", "", "", "", "", "", c.reason)
            continue
        table.add_row(
            c.corridor,
            f"{c.expected_days:.1f}",
            f"{q['p10_days']:.1f}",
            f"{q['p50_days']:.1f}",
            f"{q['p90_days']:.1f}",
            f"{q['mean_days']:.1f}",
            str(len(c.candidates)),
            "",
        )
    out.print(table)
    diffs = Table(
        "a vs b",
        "median a − b (d)",
        "P(a faster)",
        "P(a faster by ≥ 7 d)",
        "P(a faster by ≥ 10 d)",
        title="differences",
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
    table = Table("rank", "link", "used by", "cuts", "max added", title=title)
    for rank, p in enumerate(points[:limit], start=1):
        table.add_row(str(rank), p.name, ", ".join(p.used_by), ", ".join(p.cut) or "–", f"{p.max_added_days:+.1f} d")
    out.print(table)
    if len(points) > limit:
        out.print(f"  … {len(points) - limit} more links (see --format json)")


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
    table = Table("within", "places", title=title)
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
    table = Table(
        "run",
        "from → to",
        "published km",
        "model km",
        "error",
        "published d",
        "model d",
        "met",
        title="published runs vs the model",
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
            run.id + ("" if run.scored else f" ({run.role})"),
            f"{run.origin} → {run.destination}",
            km,
            "–" if r.km is None else f"{r.km:,.0f}",
            "" if err is None else f"{100 * err:+.1f} %",
            days_,
            "–" if r.days is None else f"{r.days:.1f}",
            met if r.route is not None or run.days is None else "no route",
        )
    out.print(table)
    for line in result.summary_lines():
        out.print(line)

"""The main job as one self-contained HTML page (and its PDF): tables, charts, the map, sources.

The page draws a :class:`silkroute.report.Report`; it computes nothing. Charts
are inline SVG made with matplotlib (text kept as text, so it can be searched and
printed sharply); the corridor map is the offline folium page in an ``iframe``
whose source is inlined, so the file opens with no network. Printing to PDF
uses headless Chromium through playwright (``to_pdf``).
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from silkroute import schema
from silkroute._errors import InputError
from silkroute._files import atomic_path

if TYPE_CHECKING:
    from silkroute.report import PairFinding, Report

__all__ = ["render", "to_pdf", "write"]

#: Colours of the time components in the stacked bars.
COMPONENT_COLOURS = {
    schema.RUNNING: "#4c78a8",
    schema.REST: "#9ecae9",
    schema.BORDER: "#e45756",
    schema.GAUGE_CHANGE: "#f58518",
    schema.FERRY_SAILING: "#72b7b2",
    schema.FERRY_WAIT: "#54a24b",
    schema.TRANSFER: "#b279a2",
    schema.CLOSURE: "#bab0ac",
    schema.SCHEDULE: "#eeca3b",
}
_LABELS = {
    schema.RUNNING: "running",
    schema.REST: "truck rest",
    schema.BORDER: "border dwell",
    schema.GAUGE_CHANGE: "break of gauge",
    schema.FERRY_SAILING: "ferry sailing",
    schema.FERRY_WAIT: "ferry wait",
    schema.TRANSFER: "transfer",
    schema.CLOSURE: "closure wait",
    schema.SCHEDULE: "timetable wait",
}

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1.1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text,th.text{text-align:left}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3em 0}
.answer li{margin:.3em 0}.small{font-size:.8em;color:#555}
figure{margin:.8em 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}
iframe{width:100%;height:640px;border:1px solid #ccc}
section.pair{page-break-before:always}
@media print{iframe{height:520px}body{margin:0;max-width:none}}
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG (text kept as text)."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9})
    return plt


def breakdown_chart(f: PairFinding, scenario: str) -> str:
    """Stacked horizontal bars: where the time goes, per feasible corridor of one scenario.

    Parameters
    ----------
    f
        One pair's finding.
    scenario
        The scenario whose routes are drawn.

    Returns
    -------
    str
        Inline SVG ("" when no corridor is feasible).
    """
    rows = [r for r in f.comparison.results[scenario] if r.route is not None]
    if not rows:
        return ""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    handles: dict[str, Any] = {}
    for i, r in enumerate(rows):
        left = 0.0
        assert r.route is not None
        for comp in schema.COMPONENTS:
            width = r.route.breakdown.get(comp, 0.0) / 24.0
            if width > 0:
                bars = ax.barh(i, width, left=left, color=COMPONENT_COLOURS[comp])
                handles.setdefault(comp, bars[0])
                left += width
        ax.text(left + 0.1, i, f"{r.route.time_days:.1f} d", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [r.corridor for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("door-to-door days (expected)")
    ax.set_title(f"{f.label} — where the time goes ({scenario})", loc="left")
    order = [c for c in schema.COMPONENTS if c in handles]
    ax.legend([handles[c] for c in order], [_LABELS[c] for c in order], loc="upper center", fontsize=7,
              frameon=False, ncol=len(order), bbox_to_anchor=(0.5, -0.18))  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def distribution_chart(f: PairFinding) -> str:
    """Box plots of the simulated door-to-door days of each feasible corridor.

    Parameters
    ----------
    f
        One pair's finding (with a simulation).

    Returns
    -------
    str
        Inline SVG ("" without a simulation).
    """
    sim = f.simulation
    if sim is None:
        return ""
    rows = [c for c in sim.corridors if c.feasible and c.days is not None and len(c.days)]
    if not rows:
        return ""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    ax.boxplot(
        [c.days for c in rows],
        orientation="horizontal",
        whis=(10, 90),
        showfliers=False,
        tick_labels=[c.corridor for c in rows],
        medianprops={"color": "#e45756"},
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"door-to-door days ({sim.draws:,} draws, {sim.distribution}; box P25–P75, whiskers P10–P90)")
    ax.set_title(f"{f.label} — uncertainty ({sim.scenario})", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def tornado_chart(f: PairFinding, top: int = 10) -> str:
    """The tornado: the saving at each input's low and high value, largest swing on top.

    Parameters
    ----------
    f
        One pair's finding (with a sensitivity).
    top
        How many inputs.

    Returns
    -------
    str
        Inline SVG ("" without a sensitivity).
    """
    t = f.sensitivity
    if t is None or not t.swings:
        return ""
    plt = _pyplot()
    swings = t.top(top)
    base = t.saving_days.get("pert", next(iter(t.saving_days.values())))
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(swings) + 1.4))
    for i, w in enumerate(swings):
        for value, colour in ((w.saving_at_low, "#4c78a8"), (w.saving_at_high, "#f58518")):
            ax.barh(i, value - base, left=base, color=colour, alpha=0.85)
    ax.axvline(base, color="#222", lw=0.8)
    ax.axvline(t.target_days, color="#e45756", lw=0.8, ls="--")
    ax.set_yticks(range(len(swings)), [w.label[:60] for w in swings])
    ax.invert_yaxis()
    ax.set_xlabel(f"saving of {t.claim_corridor} over {t.reference_corridor}, days (blue: input low, orange: high)")
    ax.set_title(f"{f.label} — what decides it (dashed: {t.target_days:g} d)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _table(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]], text_cols: Iterable[int] = ()) -> str:
    texts = set(text_cols)
    head = "".join(f'<th class="text">{_e(h)}</th>' if j in texts else f"<th>{_e(h)}</th>" for j, h in
                   enumerate(header))  # fmt: skip
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{_e(c)}</td>' if j in texts else f"<td>{_e(c)}</td>" for j, c in
                         enumerate(row)) + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _comparison_tables(f: PairFinding) -> str:
    out = []
    for scenario, items in f.comparison.results.items():
        rows = []
        for r in items:
            if r.route is None:
                rows.append([r.corridor, "–", "–", "", "", "", "", "", "", r.reason])
                continue
            bd = r.route.breakdown
            delta = "" if r.delta_vs_reference_h is None else f"{r.delta_vs_reference_h / 24:+.1f}"
            rows.append(
                [
                    r.corridor,
                    f"{r.route.length_km:,.0f}",
                    f"{r.route.time_days:.1f}",
                    delta,
                    f"{bd[schema.RUNNING] / 24:.1f}",
                    f"{bd[schema.BORDER] / 24:.1f}",
                    f"{(bd[schema.FERRY_SAILING] + bd[schema.FERRY_WAIT]) / 24:.1f}",
                    "–" if r.route.cost_usd is None else f"{r.route.cost_usd:,.0f}",
                    "–" if r.route.co2_kg is None else f"{r.route.co2_kg:,.0f}",
                    " → ".join(r.route.countries),
                ]
            )
        out.append(
            _table(
                f"{f.label} — scenario {scenario} (reference {f.comparison.reference})",
                [
                    "corridor",
                    "km",
                    "days",
                    "Δ d",
                    "running d",
                    "border d",
                    "ferry d",
                    "USD/FEU",
                    "kg CO₂e/FEU",
                    "route / why not",
                ],
                rows,
                text_cols=(9,),
            )
        )
        out.append(_cost_table(f, scenario, items))
    return "\n".join(out)


def _cost_table(f: PairFinding, scenario: str, items: Sequence[Any]) -> str:
    """Where the money and the CO₂e go, per corridor (empty on a network without costs)."""
    rows = []
    for r in items:
        route = r.route
        if route is None or route.cost_breakdown is None:
            continue
        c, e = route.cost_breakdown, route.co2_breakdown or {}
        rows.append(
            [r.corridor, f"{route.cost_usd or 0.0:,.0f}", *(f"{c[k]:,.0f}" for k in schema.COST_COMPONENTS),
             f"{route.co2_kg or 0.0:,.0f}", *(f"{e.get(k, 0.0):,.0f}" for k in schema.CO2_COMPONENTS)]
        )  # fmt: skip
    if not rows:
        return ""
    return _table(
        f"{f.label} — scenario {scenario}: cost (USD per FEU) and CO₂e (kg per FEU, well-to-wheel) by component",
        ["corridor", "USD", *schema.COST_COMPONENTS, "kg CO₂e", *(k.replace("_", " ") for k in schema.CO2_COMPONENTS)],
        rows,
    )


def _money_sections(rep: Report) -> str:
    """The through-rate check and the cost and CO₂e factors with their sources."""
    parts = []
    if rep.cost_checks:
        parts.append(
            _table(
                "Bottom-up cost of the cheapest rail route against published through rates (USD per FEU)",
                ["row", "from → to", "published low/mode/high", "modelled", "modelled / published", "source"],
                [
                    [
                        c["id"],
                        f"{c['origin']} → {c['destination']}",
                        "/".join(f"{v:,.0f}" for v in c["published_usd"]),
                        "–" if c["modelled_usd"] is None else f"{c['modelled_usd']:,.0f}",
                        "–" if c["ratio"] is None else f"{c['ratio']:.2f}",
                        c["source"],
                    ]
                    for c in rep.cost_checks
                ],
                text_cols=(1, 5),
            )
        )
    if rep.factors:
        parts.append(
            _table(
                "Cost rows and CO₂e factors on the compared routes (low/mode/high) and their sources",
                ["kind", "row", "what", "value", "basis", "source"],
                [[x["kind"], x["id"], x["what"], x["value"], x["basis"], x["source"]] for x in rep.factors],
                text_cols=(2, 3, 5),
            )
        )
    return "\n".join(parts)


def _sensitivity_table(f: PairFinding) -> str:
    t = f.sensitivity
    if t is None:
        return ""
    rows = []
    for w in t.top(10):
        rows.append(
            [w.label, f"{w.format(w.low)}–{w.format(w.high)} {w.unit}", f"{w.saving_at_low:+.1f}",
             f"{w.saving_at_high:+.1f}", w.break_even_text()]
        )  # fmt: skip
    savings = ", ".join(f"{v:+.1f} d ({d})" for d, v in t.saving_days.items())
    return _table(
        f"What decides it: {t.claim_corridor} vs {t.reference_corridor}, saving {savings}",
        ["input", "sourced low–high", "saving at low (d)", "saving at high (d)", f"break-even for {t.target_days:g} d"],
        rows,
        text_cols=(0,),
    )


def _baselines_table(f: PairFinding) -> str:
    rows = []
    for name, b in f.baselines.items():
        if "saving_days" in b:
            rows.append([name, f"{b['baseline_days']:.1f}", f"{b['claim_days']:.1f}", f"{b['saving_days']:+.1f}",
                         b["claim_corridor"]])  # fmt: skip
        else:
            rows.append([name, "–", "–", "–", b.get("reason", "")])
    if not rows:
        return ""
    return _table(
        f"{f.label}: the claim against every baseline",
        ["baseline", "baseline d", "claim d", "saving d", "claim corridor / why not"],
        rows,
        text_cols=(4,),
    )


def _assumptions(rep: Report) -> str:
    """The values on the claim corridors' routes, with the catalog's source of each."""
    cat = rep.catalog
    seen: dict[str, list[str]] = {}
    for f in rep.findings:
        alt = f._pair()[1].route
        if alt is None:
            continue
        for d in alt.edge_data:
            kind = d.get("kind")
            if kind == schema.CROSSING and d["crossing"] in cat.crossings.index and d["name"] not in seen:
                row = cat.crossings.loc[d["crossing"]]
                low, mode, high = schema.DWELL.read(d)
                seen[d["name"]] = ["border dwell", d["name"], f"{low:g}/{mode:g}/{high:g} h",
                                   str(d.get("dwell_basis", "")), str(row["source"])]  # fmt: skip
            elif kind == schema.GAUGE_CHANGE and d["gauge_change"] in cat.gauge_changes.index and d["name"] not in seen:
                row = cat.gauge_changes.loc[d["gauge_change"]]
                low, mode, high = schema.TRANSSHIP.read(d)
                seen[d["name"]] = ["break of gauge", d["name"], f"{low:g}/{mode:g}/{high:g} h", "", str(row["source"])]
            elif kind == schema.FERRY and d["ferry"] in cat.ferries.index and d["name"] not in seen:
                row = cat.ferries.loc[d["ferry"]]
                low, mode, high = schema.WAIT.read(d)
                seen[d["name"]] = ["ferry wait", d["name"], f"{low:g}/{mode:g}/{high:g} h", "", str(row["source"])]
            elif kind in schema.TRACK_KINDS and d.get("speed_class") in cat.speeds.index:
                cls = str(d["speed_class"])
                key = f"speed {cls}"
                if key not in seen:
                    row = cat.speeds.loc[cls]
                    low, mode, high = (24 * v for v in schema.SPEED.read(row))
                    seen[key] = ["speed class", cls, f"{low:,.0f}/{mode:,.0f}/{high:,.0f} km/day", "",
                                 str(row["source"])]  # fmt: skip
    return _table(
        "Assumptions on the claim corridors' routes (low/mode/high) and their sources",
        ["what", "where", "value", "basis", "source"],
        seen.values(),
        text_cols=(0, 1, 3, 4),
    )


def render(rep: Report, *, map_html: str | None = None) -> str:
    """Render the report as one self-contained HTML page.

    Parameters
    ----------
    rep
        The computed report.
    map_html
        An offline map page to embed (``silkroute.maps.corridor_map`` saved offline);
        ``None`` leaves the map out.

    Returns
    -------
    str
        The page.
    """
    claim = rep.config.claim
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>silkroute report — {_e(claim.text)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(claim.text)}?</h1>",
        f"<p class='small'>Scenarios {', '.join(_e(s) for s in rep.networks)}; claim tested in "
        f"{_e(claim.scenario)}; {rep.config.draws:,} Monte Carlo draws (seed {rep.config.seed}).</p>",
        "<h2>The answer</h2><ul class='answer'>",
        *(f"<li>{_e(s)}</li>" for s in rep.sentences),
        "</ul>",
        "<h2>Model check</h2><ul>",
        *(f"<li>{_e(line)}</li>" for line in rep.validation),
        "</ul>",
    ]
    if map_html:
        parts.append(
            f"<h2>Map</h2><iframe title='corridor map' srcdoc=\"{html.escape(map_html, quote=True)}\"></iframe>"
        )
    claim_scenario = claim.scenario
    for f in rep.findings:
        parts.append(f"<section class='pair'><h2>{_e(f.label)}</h2>")
        parts.append(_comparison_tables(f))
        for chart in (breakdown_chart(f, claim_scenario), distribution_chart(f), tornado_chart(f)):
            if chart:
                parts.append(f"<figure>{chart}</figure>")
        parts.append(_sensitivity_table(f))
        parts.append(_baselines_table(f))
        parts.append("</section>")
    parts.append("<section class='pair'><h2>Assumptions and sources</h2>")
    parts.append(_assumptions(rep))
    parts.append(_money_sections(rep))
    parts.append("</section></body></html>")
    return "\n".join(p for p in parts if p)


def write(rep: Report, path: str | os.PathLike[str], *, map_html: str | None = None) -> Path:
    """Write the HTML report atomically.

    Parameters
    ----------
    rep
        The computed report.
    path
        The ``.html`` file.
    map_html
        An offline map page to embed, or ``None``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        msg = f"--html {path}: the report is an HTML page; give a file name ending in .html"
        raise InputError(msg)
    page = render(rep, map_html=map_html)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *, timeout_s: float = 60) -> Path:
    """Print an HTML report to PDF with headless Chromium (playwright), atomically.

    Parameters
    ----------
    html_path
        The report page.
    pdf_path
        The ``.pdf`` to write.
    timeout_s
        How long to wait for the page (and its map) to render.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    silkroute.InputError
        If playwright or its Chromium is not installed (the message says how to install them).
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        msg = "printing to PDF needs playwright (pip install playwright) and Chromium (apt-get install chromium)"
        raise InputError(msg) from None
    pdf_path = Path(pdf_path)
    with atomic_path(pdf_path) as tmp, sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        except PlaywrightError as exc:
            msg = f"cannot start headless Chromium to print the PDF ({str(exc).splitlines()[0]}); install chromium"
            raise InputError(msg) from None
        try:
            page = browser.new_page()
            page.route(
                "**/*", lambda route: route.abort() if route.request.url.startswith("http") else route.continue_()
            )
            page.goto(Path(html_path).resolve().as_uri(), timeout=timeout_s * 1000, wait_until="load")
            page.pdf(
                path=str(tmp),
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
        finally:
            browser.close()
    return pdf_path


def _chromium() -> str | None:
    """A system Chromium if playwright's own is not installed."""
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None

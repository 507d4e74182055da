"""Renderers: JSON without NaN, CSV from records, tables that are never cut when written to a file."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from silkroute import corridors, scenario, uncertainty
from silkroute._errors import InputError
from silkroute.cli import render, tables


def test_json_has_no_nan_or_infinity() -> None:
    text = render.to_json({"a": math.nan, "b": [math.inf, 1.5], "c": {"d": -math.inf}})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
    assert "NaN" not in text and "Infinity" not in text


def test_csv_joins_lists_and_blanks_nan() -> None:
    text = render.to_csv([{"a": 1, "b": ["x", "y"]}, {"a": math.nan, "c": "z"}])
    assert text.splitlines() == ["a,b,c", "1,x;y,", ",,z"]


def test_emit_refuses_csv_without_rows() -> None:
    with pytest.raises(InputError, match="--format csv is not available"):
        render.emit(render.Fmt.csv, data=dict)


@pytest.fixture(scope="module")
def comparison() -> corridors.Comparison:
    networks = {s: scenario.network(s) for s in ("baseline", "cku-open")}
    return corridors.compare_networks(networks, "Kashgar", "Istanbul")


def test_comparison_table_in_a_file_is_not_cut(comparison: corridors.Comparison, tmp_path: Path) -> None:
    out = tmp_path / "table.txt"
    render.emit(render.Fmt.table, data=comparison.to_dict, table=lambda c: tables.comparison(c, comparison), output=out)
    text = out.read_text(encoding="utf-8")
    for r in comparison.results["cku-open"]:
        assert r.corridor in text  # full corridor names, not "nor…"
        if r.route is not None:
            assert f"{r.route.length_km:,.0f}" in text
    assert "…" not in text
    assert "change between scenarios" in text and "opens" in text  # the CKU opens in cku-open


def test_uncertainty_table_names_the_reference() -> None:
    res = uncertainty.simulate("Kashgar", "Istanbul", "cku-open", draws=200, seed=1)
    buf = io.StringIO()
    tables.uncertainty(render.console(buf), res)
    text = buf.getvalue()
    assert res.reference == "middle"  # Turkey is measured against the Middle Corridor (corridors.toml regions)
    assert "cku-iran vs middle" in text and "middle vs cku-iran" in text
    assert "northern vs" not in text  # the northern corridor does not serve Turkey
    assert f"({res.draws:,} draws" in " ".join(text.split())  # the title wraps at the table's width


def test_route_table_lists_where_the_time_goes() -> None:
    from silkroute import routing

    r = routing.fastest(scenario.network("baseline"), "Almaty", "Tashkent")
    buf = io.StringIO()
    tables.route(render.console(buf), r, "test")
    text = buf.getvalue()
    assert "where the time goes" in text and "running" in text and "border" in text
    assert " – ".join(p["name"] for p in r.places) in text


def _at_80(draw) -> str:  # type: ignore[no-untyped-def]
    from rich.console import Console

    buf = io.StringIO()
    draw(Console(file=buf, width=80, soft_wrap=False, highlight=False))
    return buf.getvalue()


def test_tables_fit_80_columns_without_cutting_names(comparison: corridors.Comparison) -> None:
    """An 80-column terminal: every line fits, names stay whole (no ellipsis), the long text follows the table."""
    from silkroute import criticality, routing, sensitivity, validation

    G = scenario.network("cku-open")
    res = uncertainty.simulate("Kashgar", "Istanbul", "cku-open", draws=200, seed=1)
    texts = {
        "compare": _at_80(lambda out: tables.comparison(out, comparison)),
        "uncertainty": _at_80(lambda out: tables.uncertainty(out, res)),
        "sensitivity": _at_80(
            lambda out: tables.sensitivity(out, sensitivity.sensitivity(G, "Kashgar", "Istanbul"), limit=40)
        ),
        "validate": _at_80(lambda out: tables.validation(out, validation.validate())),
        "criticality": _at_80(
            lambda out: tables.chokepoints(out, criticality.criticality_on(G, "Almaty", "Tashkent"), "chokepoints")
        ),
        "route": _at_80(lambda out: tables.route(out, routing.fastest(G, "Kashgar", "Istanbul"), "route")),
    }
    for name, text in texts.items():
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80, (name, max(lines, key=len))
        assert not any("…" in line and "more" not in line for line in lines), name
    for r in comparison.results["cku-open"]:
        assert f" {r.corridor} " in texts["compare"]  # whole corridor names in the table
        if r.route is not None:
            assert " → ".join(r.route.countries) in texts["compare"]  # the route follows the table
    for c in res.corridors:
        assert f" {c.corridor} " in texts["uncertainty"]
    for run in validation.load_runs():
        assert f"{run.origin} → {run.destination}" in texts["validate"]

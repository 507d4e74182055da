"""Cost and CO2e reach every output: route/compare JSON and CSV, the layers, the uncertainty JSON, the tables at
80 columns; --optimize cost|generalized and --value-of-time on the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from silkroute import assignment, catalog, corridors, criticality, routing, uncertainty
from silkroute import io as sio
from silkroute.cli import app, tables

runner = CliRunner()


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_route_json_has_cost_and_co2_and_optimize_cost_is_cheapest() -> None:
    fast = _json(["route", "--from", "Xi'an", "--to", "Duisburg"])["routes"][0]
    cheap = _json(["route", "--from", "Xi'an", "--to", "Duisburg", "--optimize", "cost"])["routes"][0]
    for r in (fast, cheap):
        assert r["cost_usd"] == pytest.approx(sum(r["cost_breakdown"].values()), abs=1.0)
        assert r["co2_kg"] == pytest.approx(sum(r["co2_breakdown"].values()), abs=1.0)
    assert cheap["cost_usd"] <= fast["cost_usd"] + 0.1
    csv_out = runner.invoke(app, ["route", "--from", "Almaty", "--to", "Tashkent", "--format", "csv"])
    assert csv_out.exit_code == 0 and "cost_rail_usd" in csv_out.output.splitlines()[0]


def test_value_of_time_moves_the_generalized_cost() -> None:
    base = _json(
        ["compare", "--from", "Kashgar", "--to", "Tashkent", "--scenario", "cku-open", "--optimize", "generalized"]
    )
    high = _json(
        ["compare", "--from", "Kashgar", "--to", "Tashkent", "--scenario", "cku-open", "--optimize", "generalized",
         "--value-of-time", "50"]
    )  # fmt: skip
    assert base["optimize"] == "generalized"
    b = {c["corridor"]: c for c in base["comparisons"][0]["corridors"] if c["feasible"]}
    h = {c["corridor"]: c for c in high["comparisons"][0]["corridors"] if c["feasible"]}
    for name in b.keys() & h.keys():
        assert h[name]["generalized_cost_usd"] == pytest.approx(h[name]["cost_usd"] + 50 * h[name]["time_h"], rel=1e-3)
    bad = runner.invoke(app, ["compare", "--from", "Kashgar", "--to", "Tashkent", "--value-of-time", "-3"])
    assert bad.exit_code == 2 and "--value-of-time" in bad.output


def test_layers_carry_cost_and_co2(tmp_path: Path, baseline) -> None:  # type: ignore[no-untyped-def]
    comp = corridors.compare_networks({"baseline": baseline}, "Almaty", "Tashkent")
    sio.export_layers(
        tmp_path, ["corridors", "routes", "network"], network=baseline, catalog=catalog.load(), comparisons=[comp]
    )
    corr = json.loads((tmp_path / "corridors.geojson").read_text(encoding="utf-8"))
    routes = json.loads((tmp_path / "routes.geojson").read_text(encoding="utf-8"))
    network = json.loads((tmp_path / "network.geojson").read_text(encoding="utf-8"))
    northern = next(f["properties"] for f in corr["features"] if f["properties"]["corridor"] == "northern")
    segments = [f["properties"] for f in routes["features"] if f["properties"]["corridor"] == "northern"]
    assert northern["cost_usd"] == pytest.approx(sum(s["cost_usd"] for s in segments), rel=1e-9)
    assert northern["co2_kg"] == pytest.approx(sum(s["co2_kg"] for s in segments), rel=1e-9)
    assert {"cost_rail_usd", "co2_rail_diesel_kg", "generalized_cost_usd"} <= set(northern)
    assert all("cost_usd" in f["properties"] for f in network["features"])


def test_uncertainty_reports_cost_and_co2_quantiles(cku_open) -> None:  # type: ignore[no-untyped-def]
    res = uncertainty.simulate_on(cku_open, "Kashgar", "Tashkent", draws=3000, seed=2)
    for c in res.to_dict()["corridors"]:
        if c["feasible"]:
            assert c["p10_cost_usd"] <= c["p50_cost_usd"] <= c["p90_cost_usd"]
            assert c["p10_co2_kg"] <= c["p50_co2_kg"] <= c["p90_co2_kg"]
            assert c["mean_cost_usd"] == pytest.approx(c["expected_cost_usd"], rel=0.1)


def _at_80(draw) -> list[str]:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    draw(Console(file=buf, width=80, soft_wrap=False, highlight=False))
    return buf.getvalue().splitlines()


def test_economics_tables_fit_80_columns(baseline, cku_open) -> None:  # type: ignore[no-untyped-def]
    comp = corridors.compare_networks({"cku-open": cku_open}, "Kashgar", "Istanbul")
    a = assignment.assign(baseline)
    net = routing.compile(baseline)
    points = criticality.criticality_on(net, "Almaty", "Tashkent", volumes=a.volumes)
    outputs = {
        "compare": _at_80(lambda out: tables.comparison(out, comp)),
        "assign": _at_80(lambda out: tables.assignment(out, a)),
        "criticality": _at_80(lambda out: tables.chokepoints(out, points, "chokepoints")),
        "route": _at_80(lambda out: tables.route(out, routing.fastest(cku_open, "Kashgar", "Istanbul"), "r")),
    }
    for name, lines in outputs.items():
        assert max(len(line) for line in lines) <= 80, (name, max(lines, key=len))
        assert "…" not in "\n".join(lines) or name == "criticality", name
    text = "\n".join(outputs["compare"])
    assert "cost and CO2e per FEU" in text and "kg CO2e" in text
    assert "Khorgos–Altynkol" in "\n".join(outputs["assign"])

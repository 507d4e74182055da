"""`silkroute validate`: the model against published runs, and the thresholds the model must keep."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest
from pyproj import Geod
from typer.testing import CliRunner

from silkroute import catalog, validation
from silkroute._errors import CatalogError
from silkroute.cli import app

GEOD = Geod(ellps="WGS84")  # ground truth for the great-circle check


@pytest.fixture(scope="module")
def result() -> validation.Validation:
    return validation.validate()


def test_the_model_meets_the_published_runs(result: validation.Validation) -> None:
    """The acceptance thresholds: median |km error| <= 5 %, >= 80 % of published day ranges met."""
    s = result.summary()
    lines = "; ".join(result.summary_lines())
    assert s["km_runs"] >= 10 and s["day_ranges"] >= 15, lines
    assert s["median_abs_km_error"] <= validation.KM_TOLERANCE, lines
    assert s["share_day_ranges_met"] >= validation.DAYS_SHARE, lines


def test_summary_is_computed_from_the_runs(result: validation.Validation) -> None:
    """Recompute the summary independently from the published bounds and the routes' own numbers."""
    errors, met = [], []
    for r in result.results:
        if not r.run.scored or r.route is None:
            continue
        if r.run.km:
            low, high = r.run.km
            km = r.route.length_km
            errors.append(0.0 if low <= km <= high else min(abs(km - low) / low, abs(km - high) / high))
        if r.run.days:
            met.append(r.run.days[0] <= r.route.time_h / 24 <= r.run.days[1])
    s = result.summary()
    assert s["median_abs_km_error"] == pytest.approx(statistics.median(errors), abs=1e-4)
    assert s["day_ranges_met"] == sum(met) and s["day_ranges"] == len(met)


def test_every_run_is_sourced_routed_and_plausible(result: validation.Validation) -> None:
    places = catalog.load().places
    ids = [r.run.id for r in result.results]
    assert len(ids) == len(set(ids)) >= 30
    for r in result.results:
        run = r.run
        assert run.role in validation.ROLES
        assert run.source.split(",")[0].strip() and "http" in run.source, run.id
        assert "fact" not in run.source.lower() and "/work" not in run.source, run.id  # no internal ids or paths
        assert run.km or run.days, run.id
        assert r.route is not None, (run.id, r.reason)  # every run's route exists on its scenario network
        if run.km:  # the published length is at least the great-circle distance of the route's ends
            a, b = (places.loc[r.route.places[i]["id"]] for i in (0, -1))
            geo = GEOD.inv(a["lon"], a["lat"], b["lon"], b["lat"])[2] / 1000
            assert run.km[1] >= geo, run.id
        if run.days:
            assert 0 < run.days[0] <= run.days[1] < 60, run.id
        if run.via:  # the route passes the waypoints the run names
            visited = {p["id"] for p in r.route.places} | set(r.route.ferries)
            for group in run.via:
                names = {g.removeprefix("ferry:") for g in group}
                assert names & visited, (run.id, group)
    # both directions are validated, and every corridor region of the claim has runs
    assert any(r.run.destination.startswith("CN-") for r in result.results)
    assert {r.run.destination[:2] for r in result.results} >= {"PL", "DE", "GE", "IR", "UZ", "ES", "IT"}


def test_only_scored_runs_count(result: validation.Validation) -> None:
    """A tail, a claim or a doubtful figure is shown but never moves the summary."""
    base = result.summary()
    tampered = [
        validation.RunResult(validation.Run(**{**r.run.__dict__, "days": (0.0, 0.01)}), r.route, r.reason)
        if not r.run.scored
        else r
        for r in result.results
    ]
    again = validation.Validation(tampered, result.regional_default, result.catalog_regional).summary()
    assert again == base
    roles = {r.run.role for r in result.results}
    assert roles == set(validation.ROLES)


def test_regional_default_crossings_are_listed(result: validation.Validation) -> None:
    cat = catalog.load()
    regional = set(cat.crossings.index[cat.crossings["dwell_basis"] == "regional"])
    assert set(result.catalog_regional) == regional
    assert set(result.regional_default) <= regional
    assert all(name in result.summary_lines()[3] for name in result.catalog_regional.values())


def test_validate_cli_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["validate", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"runs", "summary"} <= set(data) and len(data["runs"]) >= 30
    assert data["summary"]["share_day_ranges_met"] >= validation.DAYS_SHARE
    out = tmp_path / "runs.csv"
    res = runner.invoke(app, ["validate", "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(data["runs"]) and {"id", "model_km", "km_error", "days_met"} <= set(rows[0])
    res = runner.invoke(app, ["validate"])
    assert res.exit_code == 0 and "median |error|" in res.output and "day ranges met" in res.output


def test_bad_runs_file_names_file_row_and_column(tmp_path: Path) -> None:
    src = catalog.data_dir() / "validation.csv"
    with src.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])

    def write(edit: dict[str, str], at: int = 3) -> Path:
        path = tmp_path / "runs.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows([{**r, **edit} if i == at else r for i, r in enumerate(rows)])
        return path

    with pytest.raises(CatalogError, match=r"runs\.csv, row 5, column 'role'"):
        validation.load_runs(write({"role": "guess"}))
    with pytest.raises(CatalogError, match=r"runs\.csv, row 5: a published km or day value is not a number"):
        validation.load_runs(write({"published_days_low": "two"}))
    with pytest.raises(CatalogError, match=r"runs\.csv, row 5 \(run V04\).*Atlantis"):
        validation.validate(validation.load_runs(write({"origin": "Atlantis"})))
    res = CliRunner().invoke(app, ["validate", "--runs", str(write({"origin": "Atlantis"}))])
    assert res.exit_code != 0 and "row 5" in res.output

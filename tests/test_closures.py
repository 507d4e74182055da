"""Closures and timetables: the expected wait they add (P(closed) × mean remaining closure; half the headway),
in routing and in the Monte Carlo (a sampled wait with the same mean)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from silkroute import routing, scenario, schema, uncertainty
from silkroute._errors import ScenarioError

DATA = Path(__file__).resolve().parents[1] / "data"
AKTAU = "ferry:KZ-AKTAU-PORT~AZ-ALAT"


def _pert(low: float, mode: float, high: float) -> float:
    return (low + 4 * mode + high) / 6


def test_catalog_closures_add_the_expected_wait(baseline) -> None:  # type: ignore[no-untyped-def]
    """Torugart road: holidays 10/16/27 days a year in closures of 1/3.5/8 days (closures.csv CL031)."""
    with (DATA / "closures.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == "CL031")
    days = _pert(*(float(row[f"days_per_year_{p}"]) for p in ("low", "mode", "high")))
    event = _pert(*(float(row[f"event_days_{p}"]) for p in ("low", "mode", "high")))
    expected_h = days / 365 * event / 2 * 24
    edges = [d for _u, _v, d in baseline.edges(data=True) if d.get("crossing") == "CN-TORUGART~KG-TORUGART-ROAD"]
    assert edges and all(d["closure_h"] == pytest.approx(expected_h) for d in edges)
    assert all(d["travel_time"] == pytest.approx((d["border_h"] + expected_h) * 3600) for d in edges)
    rail = [d for _u, _v, d in baseline.edges(data=True) if d.get("crossing") == "CN-ALASHANKOU~KZ-DOSTYK"]
    assert all(d["closure_h"] == 0.0 for d in rail)  # rail keeps working on holidays (CL039)


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nextends = "baseline"\n' + text, encoding="utf-8")
    return path


def test_a_scenario_closure_and_timetable_add_their_waits(tmp_path: Path) -> None:
    closed = _scenario(
        tmp_path,
        f"""[closures."{AKTAU}"]
days_per_year_mode = 36.5
event_days_mode = 2.0
source = "test"
[schedules."ferry:KZ-KURYK-PORT~AZ-ALAT"]
departures_per_week_mode = 7.0
""",
    )
    G = scenario.network(closed)
    base = scenario.network("baseline")

    def ferry(G, ferry_id):  # type: ignore[no-untyped-def]
        return next(d for _u, _v, d in G.edges(data=True) if d.get("ferry") == ferry_id and d["carries"] == "rail")

    aktau, aktau0 = ferry(G, "KZ-AKTAU-PORT~AZ-ALAT"), ferry(base, "KZ-AKTAU-PORT~AZ-ALAT")
    assert aktau["closure_h"] == pytest.approx(0.1 * 1.0 * 24)  # P(closed) = 10 %, mean remaining 1 day
    assert aktau["travel_time"] - aktau0["travel_time"] == pytest.approx((2.4 - aktau0["closure_h"]) * 3600)
    kuryk = ferry(G, "KZ-KURYK-PORT~AZ-ALAT")
    assert kuryk["schedule_h"] == pytest.approx(12.0)  # daily departures: half of 24 h
    assert kuryk["ferry_wait_h"] == 0.0  # the timetable replaces the wait for a ship that sails when full


def test_the_monte_carlo_samples_the_wait_with_the_same_mean(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        f"""[closures."{AKTAU}"]
days_per_year_low = 20.0
days_per_year_mode = 36.5
days_per_year_high = 60.0
event_days_low = 1.0
event_days_mode = 2.0
event_days_high = 5.0
[schedules."{AKTAU}"]
departures_per_week_low = 2.0
departures_per_week_mode = 3.5
departures_per_week_high = 7.0
""",
    )
    G = scenario.network(path)
    r = routing.route(G, "KZ-AKTAU-PORT", "AZ-ALAT", via=["ferry:KZ-AKTAU-PORT~AZ-ALAT"], mode="rail")[0]
    model = G.graph["time_model"]
    draws = 200_000
    rng = np.random.default_rng(3)
    keys = [("closure", AKTAU), ("headway", AKTAU)]
    triples = np.array([model.closures[AKTAU].days, model.schedules[AKTAU].headway_h])
    values = uncertainty._phase(keys, uncertainty.sample_triples(triples, draws, rng), model, rng)
    closure_h = values[0] * model.mean(model.closures[AKTAU].event_days) * 24 / 730
    schedule_h = values[1] * 0.5
    assert closure_h.mean() == pytest.approx(r.breakdown[schema.CLOSURE], rel=0.03)
    assert schedule_h.mean() == pytest.approx(r.breakdown[schema.SCHEDULE], rel=0.01)
    assert (closure_h == 0).mean() == pytest.approx(1 - _pert(20, 36.5, 60) / 365, abs=0.01)  # mostly open
    assert schedule_h.max() <= 168 / 2 + 1e-9 and schedule_h.min() >= 0  # never more than one headway (84 h)
    sim = uncertainty.simulate_on(G, "KZ-AKTAU-PORT", "TR-ISTANBUL", draws=20_000, seed=1)
    assert sim.draws == 20_000


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[closures."crossing:NOWHERE"]\ndays_per_year_mode = 1\nevent_days_mode = 1\n', "unknown crossing"),
        ('[closures."line:UZ-KELES-TASHKENT"]\ndays_per_year_mode = 1\nevent_days_mode = 1\n', "crossing:ID"),
        (f'[closures."{AKTAU}"]\ndays_per_year_mode = 400\nevent_days_mode = 1\n', "365"),
        (f'[closures."{AKTAU}"]\nevent_days_mode = 1\n', "days_per_year_mode"),
        (f'[schedules."{AKTAU}"]\ndepartures_per_week_mode = 0\n', "> 0"),
        (f'[schedules."{AKTAU}"]\nrow = "S020"\n', "is for ferry:GE-POTI"),
        (f'[schedules."{AKTAU}"]\nevery = 3\n', "unknown key"),
    ],
)
def test_bad_closures_and_schedules_name_the_key(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ScenarioError, match=None) as info:
        scenario.load(_scenario(tmp_path, text))
    assert words in str(info.value) and "s.toml" in str(info.value)


def test_the_scheduled_ferries_scenario_uses_the_catalog_rows() -> None:
    sc = scenario.load("scheduled-ferries")
    assert set(sc.schedules) >= {AKTAU, "ferry:GE-POTI~RO-CONSTANTA"}
    assert sc.schedules["ferry:GE-POTI~RO-CONSTANTA"].departures == (0.69, 0.69, 0.69)

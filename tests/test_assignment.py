"""The congested assignment: utilisation = demand / capacity on a hand-checkable case, Wardrop equilibrium
(equal times on used routes, relative gap below the tolerance), flow conservation, and bad demand files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkroute import assignment, criticality, queueing, routing
from silkroute.assignment import Capacity, Flow
from silkroute.cli import app

BREST = "crossing:BY-BREST~PL-TERESPOL"
ALASHANKOU = "crossing:CN-ALASHANKOU~KZ-DOSTYK"
KHORGOS = "crossing:CN-KHORGOS~KZ-ALTYNKOL"


@pytest.fixture(scope="module")
def embedded(baseline):  # type: ignore[no-untyped-def]
    return assignment.assign(baseline, tolerance=1e-4, max_iterations=2000)


def test_utilisation_is_demand_over_capacity_on_one_route(baseline) -> None:  # type: ignore[no-untyped-def]
    """100 FEU a day Xi'an > Duisburg on the northern corridor; Brest westbound takes 16 trains of 55 FEU a day."""
    q = queueing.QueueModel(4.8, 55.0, 0.98)
    cap = Capacity(BREST, "forward", (880.0, 880.0, 880.0))
    flow = Flow("T1", "CN-XIAN", "DE-DUISBURG", 100.0, "northern")
    a = assignment.assign(baseline, [flow], capacity=[cap], queue=q)
    (link,) = a.links
    assert link.flow_feu_per_day == pytest.approx(100.0)
    assert link.utilisation == pytest.approx(100.0 / 880.0)
    rho = 100.0 / 880.0
    assert link.wait_h == pytest.approx(4.8 * rho / (1 - rho) * 1.5)  # t_s = 24 h x 55 / 880
    free = routing.route(baseline, "Xi'an", "Duisburg", mode="rail")[0]
    (result,) = a.flows
    assert result.time_h == pytest.approx(free.time_h + link.wait_h, rel=1e-9)
    assert result.crossings()[BREST] == pytest.approx(1.0)
    assert a.converged and a.relative_gap < 1e-3


def test_two_crossings_reach_wardrop_equilibrium(baseline) -> None:  # type: ignore[no-untyped-def]
    """A flow big enough to split between Alashankou and Khorgos: both used, at equal times, gap below tolerance."""
    q = queueing.QueueModel(4.8, 55.0, 0.98)
    caps = [Capacity(ALASHANKOU, "forward", (600.0,) * 3), Capacity(KHORGOS, "forward", (600.0,) * 3)]
    flow = Flow("T2", "CN-URUMQI", "KZ-ALMATY", 900.0, "northern")
    a = assignment.assign(baseline, [flow], capacity=caps, queue=q, tolerance=1e-5, max_iterations=5000)
    assert a.converged and a.relative_gap < 1e-5
    loads = {link.ref: link for link in a.links}
    assert loads[ALASHANKOU].flow_feu_per_day + loads[KHORGOS].flow_feu_per_day == pytest.approx(900.0)
    assert min(link.flow_feu_per_day for link in loads.values()) > 50  # both used
    (result,) = a.flows
    used = [hours for _r, share, hours in result.paths if share > 0.01]
    assert len(used) >= 2
    assert max(used) - min(used) < 0.01 * min(used)  # no used route is more than 1 % slower than another
    assert result.time_h == pytest.approx(min(used))


def test_the_embedded_demand_converges_and_conserves_flow(embedded) -> None:  # type: ignore[no-untyped-def]
    a = embedded
    assert a.converged and a.relative_gap < 1e-4
    demand = {f.id: f.feu_per_day for f in assignment.load_demand()}
    west = demand["DM01"] + demand["DM03"]
    east = demand["DM02"] + demand["DM04"]
    loads = {(link.ref, link.direction): link.flow_feu_per_day for link in a.links}
    assert loads[(ALASHANKOU, "forward")] + loads[(KHORGOS, "forward")] == pytest.approx(west, rel=1e-9)
    assert loads[(ALASHANKOU, "reverse")] + loads[(KHORGOS, "reverse")] == pytest.approx(east, rel=1e-9)
    for f in a.flows:
        assert sum(share for _r, share, _h in f.paths) == pytest.approx(1.0)
        assert f.time_h >= f.free_time_h - 1e-9
    d = a.to_dict()
    assert {"links", "flows", "relative_gap", "iterations", "queue"} <= set(d)
    assert all(0 <= link["utilisation"] < 1 for link in d["links"])


def test_demand_units_convert_to_feu_per_day() -> None:
    flows = {f.id: f for f in assignment.load_demand()}
    assert flows["DM01"].feu_per_day == pytest.approx(412000 / 2 / 365)  # TEU a year
    assert flows["DM03"].feu_per_day == pytest.approx(flows["DM03"].quantity * 55 / 365)  # trains a year


def test_chokepoints_weighted_by_volume(baseline, embedded) -> None:  # type: ignore[no-untyped-def]
    net = routing.compile(baseline)
    points = criticality.criticality_on(net, "Xi'an", "Duisburg", volumes=embedded.volumes)
    assert points[0].volume_feu_per_day is not None and points[0].volume_feu_per_day > 0
    for p in points:
        assert p.weighted_feu_days == pytest.approx((p.volume_feu_per_day or 0.0) * p.max_added_days)
    weights = [p.weighted_feu_days or 0.0 for p in points]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    # a line's volume is the flow through it (its busiest section per direction), not a sum over sections
    line = next(p for p in points if p.kind == "line" and (p.volume_feu_per_day or 0) > 0)
    total = sum(f.feu_per_day for f in assignment.load_demand())
    assert line.volume_feu_per_day <= total + 1e-6


runner = CliRunner()

GOOD = "id,origin,destination,quantity,unit,corridor\nA1,CN-XIAN,DE-DUISBURG,5,trains_per_day,northern\n"


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (
            "id,origin,destination,quantity,unit\nA1,CN-NOWHERE,DE-DUISBURG,5,trains_per_day\n",
            2,
            "origin",
            "unknown place",
        ),
        (
            "id,origin,destination,quantity,unit\nA1,CN-XIAN,DE-DUISBURG,lots,trains_per_day\n",
            2,
            "quantity",
            "not a number",
        ),
        ("id,origin,destination,quantity,unit\nA1,CN-XIAN,DE-DUISBURG,5,boxes\n", 2, "unit", "not one of"),
        ("id,origin,destination,unit\nA1,CN-XIAN,DE-DUISBURG,trains_per_day\n", 1, "quantity", "missing column"),
        (GOOD + "A1,CN-XIAN,KZ-ALMATY,5,trains_per_day,northern\n", 3, "id", "duplicate"),
        (
            "id,origin,destination,quantity,unit,corridor\nA1,CN-XIAN,DE-DUISBURG,5,trains_per_day,polar\n",
            2,
            "corridor",
            "unknown corridor",
        ),
        ("id,origin,destination,quantity,unit\nA1,CN-XIAN,CN-XIAN,5,trains_per_day\n", 2, "destination", "same place"),
        ("id,origin,destination,quantity,unit\nA1,CN-XIAN,DE-DUISBURG,-5,trains_per_day\n", 2, "quantity", "outside"),
    ],
)
def test_bad_demand_files_exit_2_naming_file_row_and_column(
    tmp_path: Path, text: str, row: int, column: str, words: str
) -> None:
    path = tmp_path / "demand.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["assign", "--demand", str(path)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert str(path) in message and f"row {row}" in message and f"column '{column}'" in message and words in message


def test_assign_cli_json_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(app, ["assign", "--demand", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["converged"] and data["flows"][0]["feu_per_day"] == pytest.approx(275.0)
    csv_out = runner.invoke(app, ["assign", "--demand", str(path), "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.output.startswith("scenario,ref,direction")
    bad = runner.invoke(app, ["assign", "--demand", str(path), "--tolerance", "2"])
    assert bad.exit_code == 2 and "--tolerance" in bad.output

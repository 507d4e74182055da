"""Chokepoints and reach on the default network: properties that must hold."""

from __future__ import annotations

import pytest

from silkroute import criticality, reach, routing


@pytest.fixture(scope="module")
def points(baseline):
    return criticality.criticality_on(baseline, "Xi'an", "Istanbul")


def test_closing_a_link_never_makes_a_corridor_faster(points) -> None:
    assert len(points) > 20
    for p in points:
        for corridor, added in p.added_h.items():
            assert added is None or added >= -1e-9, (p.ref, corridor, added)


def test_chokepoints_are_ranked_and_named(points, baseline) -> None:
    kinds = {p.kind for p in points}
    assert {"crossing", "line", "gauge_change"} <= kinds
    cut_counts = [len(p.cut) for p in points]
    assert cut_counts == sorted(cut_counts, reverse=True)
    gdf = criticality.to_gdf(baseline, points)
    assert len(gdf) == len(points) and gdf.geometry.notna().all()
    assert list(gdf["rank"]) == list(range(1, len(points) + 1))


def test_reach_is_monotone_in_days(baseline) -> None:
    previous: set[str] = set()
    for days in (2, 5, 10, 15, 30):
        places, _edges = reach.reach_on(baseline, "Urumqi", [days])
        ids = set(places["id"])
        assert previous <= ids
        assert (places["time_days"] <= days + 1e-9).all()
        previous = ids
    assert len(previous) > 100


def test_reach_agrees_with_routing(baseline) -> None:
    places, _edges = reach.reach_on(baseline, "Almaty", [3, 6])
    row = places[places["id"] == "UZ-TASHKENT"].iloc[0]
    assert row["time_h"] == pytest.approx(routing.fastest(baseline, "Almaty", "Tashkent").time_h, abs=0.01)
    assert row["within_days"] == (3 if row["time_days"] <= 3 else 6)

"""The tornado against an independent re-timing: each swing's end and break-even value, set on the network
and routed again, gives the saving the sensitivity reports."""

from __future__ import annotations

import pytest

from silkroute import corridors, scenario, sensitivity
from silkroute.timing import assign_travel_times


def _saving(G, origin: str, destination: str) -> float:  # type: ignore[no-untyped-def]
    """Reference-family best minus CKU-family best, in days, by routing every corridor (no candidates)."""
    defs = corridors.load()
    c = corridors.compare_networks({"s": G}, origin, destination, defs)
    ref, alt = c.best("s", c.reference), c.best("s", "cku")
    assert ref.route is not None and alt.route is not None
    return (ref.route.time_h - alt.route.time_h) / 24.0


def _set(G, parameter: str, value: float):  # type: ignore[no-untyped-def]
    """A copy of G with one input fixed at ``value`` (its low, mode and high all equal to it)."""
    G = G.copy()
    kind, _, ident = parameter.partition(":")
    model = G.graph["time_model"]
    if kind == "pace":
        model = model.with_speeds(
            {ident: {"speed_low_kph": value / 24, "speed_mode_kph": value / 24, "speed_high_kph": value / 24}}
        )
        return assign_travel_times(G, model)
    ref, _, direction = ident.partition(":")
    attr = {"dwell": "crossing", "transship": "gauge_change", "wait": "ferry", "sailing": "ferry"}[kind]
    prefix = {"dwell": "dwell", "transship": "transship", "wait": "wait", "sailing": "sailing"}[kind]
    for _u, _v, d in G.edges(data=True):
        if str(d.get(attr)) == ref and (not direction or d.get("direction") == direction):
            for part in ("low", "mode", "high"):
                d[f"{prefix}_{part}_h"] = value
    return assign_travel_times(G, model)


@pytest.fixture(scope="module")
def cku_open():  # type: ignore[no-untyped-def]
    return scenario.network("cku-open")


@pytest.mark.parametrize(("origin", "destination"), [("Kashgar", "Tashkent"), ("Urumqi", "Tehran")])
def test_swing_ends_and_break_even_match_a_re_timed_network(cku_open, origin: str, destination: str) -> None:  # type: ignore[no-untyped-def]
    s = sensitivity.sensitivity(cku_open, origin, destination)
    assert s.saving_days["pert"] == pytest.approx(_saving(cku_open, origin, destination), abs=1e-6)
    checked = 0
    for w in s.top(3):
        kind = w.parameter.partition(":")[0]
        if kind not in ("pace", "dwell", "transship", "wait", "sailing"):
            continue
        assert _saving(_set(cku_open, w.parameter, w.low), origin, destination) == pytest.approx(
            w.saving_at_low, abs=1e-6
        )
        assert _saving(_set(cku_open, w.parameter, w.high), origin, destination) == pytest.approx(
            w.saving_at_high, abs=1e-6
        )
        if w.break_even is not None:
            got = _saving(_set(cku_open, w.parameter, w.break_even), origin, destination)
            assert got == pytest.approx(s.target_days, abs=1e-3)
        checked += 1
    assert checked >= 2
    widths = [w.swing_days for w in s.swings]
    assert widths == sorted(widths, reverse=True) and widths[0] > 0.5


def test_distributions_differ_and_baselines_are_consistent(cku_open) -> None:  # type: ignore[no-untyped-def]
    s = sensitivity.sensitivity(cku_open, "Kashgar", "Istanbul")
    assert s.reference == "middle" and s.claim == "cku"
    assert s.saving_days["triangular"] != pytest.approx(s.saving_days["pert"])
    b = sensitivity.baselines(cku_open, "Kashgar", "Istanbul")
    assert "reason" in b["northern"]  # the northern corridor does not serve Turkey
    assert b["middle"]["saving_days"] == pytest.approx(s.saving_days["pert"], abs=1e-3)
    assert s.to_dict()["swings"][0]["swing_days"] == pytest.approx(s.swings[0].swing_days, abs=1e-3)


def test_bad_family_is_an_input_error(cku_open) -> None:  # type: ignore[no-untyped-def]
    from silkroute._errors import InputError

    with pytest.raises(InputError, match="neither a corridor nor a family"):
        sensitivity.sensitivity(cku_open, "Kashgar", "Tashkent", claim="hyperloop")

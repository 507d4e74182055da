"""Scenario files: what they change, and how bad files are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from silkroute import routing, scenario
from silkroute._errors import ScenarioError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('name = "x"\n[scale]\ndwel = 2\n', "key 'scale.dwel': unknown key (did you mean 'dwell'?)"),
        ('name = "x"\ncolour = "red"\n', "key 'colour': unknown key"),
        ('name = "x"\n[close]\ncrossings = ["NOPE"]\n', "key 'close.crossings': unknown crossing 'NOPE'"),
        ('name = "x"\n[avoid]\ncountries = ["RUSSIA"]\n', "unknown country (ISO3) 'RUSSIA'"),
        ('name = "x"\n[scale]\ndwell = -1\n', "must be a finite number > 0"),
        ('name = "x"\n[[scale.where]]\ndwell = 2\n', "name what to scale"),
        ('name = "x"\n[override.ferries."KZ-AKTAU-PORT~AZ-ALAT"]\nwait_mode = 3\n', "unknown key"),
        ('name = "x"\n[open]\nstatuses = ["dreamt"]\n', "unknown status 'dreamt'"),
        ('name = "x"\nextends = "nowhere"\n', "unknown scenario 'nowhere'"),
        ("name = [unclosed\n", "not valid TOML"),
    ],
)
def test_bad_scenario_files(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        scenario.load(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_embedded_scenarios_load() -> None:
    assert {"baseline", "cku-open", "avoid-russia", "caspian-daily"} <= set(scenario.available())
    for name in scenario.available():
        assert scenario.load(name).description


def test_cku_open_opens_only_the_cku(baseline, cku_open) -> None:
    opened = {
        d.get("line_id") or d.get("crossing")
        for (u, v, k), d in cku_open.edges.items()
        if d["usable"] and not baseline.edges[u, v, k]["usable"]
    }
    assert opened == {
        "CN-CKU-KASHGAR-TORUGART",
        "KG-CKU-TORUGART-MAKMAL",
        "KG-CKU-MAKMAL-JALAL-ABAD",
        "UZ-CKU-KHANABAD-ANDIJAN",
        "CN-TORUGART~KG-TORUGART-RAIL",
        "CKU-KG-JALAL-ABAD~UZ-KHANABAD",
    }


def test_avoid_russia_and_caspian_daily() -> None:
    G = scenario.network("avoid-russia")
    r = routing.fastest(G, "Xi'an", "Duisburg", mode="rail")
    assert not {"RUS", "BLR"} & set(r.countries)
    slow = routing.fastest(scenario.network("baseline"), "Urumqi", "Baku", mode="rail")
    fast = routing.fastest(scenario.network("caspian-daily"), "Urumqi", "Baku", mode="rail")
    assert fast.breakdown["ferry_wait"] == pytest.approx(12.0)  # PERT mean of 0/12/24 h
    assert slow.breakdown["ferry_wait"] > fast.breakdown["ferry_wait"]


def test_scaling_rules_and_overrides(tmp_path: Path) -> None:
    base = routing.fastest(scenario.network("baseline"), "Xi'an", "Duisburg", mode="rail")
    crossing = next(c["id"] for c in base.crossings if c["border"] == "BLR-POL")
    dwell = next(c["dwell_h"] for c in base.crossings if c["id"] == crossing)
    path = write(tmp_path, f'name = "x"\n[[scale.where]]\ncrossing = "{crossing}"\ndwell = 0.5\n[scale]\nspeed = 2.0\n')
    r = routing.fastest(scenario.network(path), "Xi'an", "Duisburg", mode="rail")
    assert next(c["dwell_h"] for c in r.crossings if c["id"] == crossing) == pytest.approx(dwell / 2, abs=0.01)
    assert r.breakdown["running"] == pytest.approx(base.breakdown["running"] / 2, rel=0.05)

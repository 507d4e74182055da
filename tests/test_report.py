"""The main job: computed once, the answer built from the comparisons, the configuration checked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkroute import corridors, report
from silkroute._errors import InputError
from silkroute.cli import app

PAIRS = (("Kashgar", "Tashkent"), ("Xi'an", "Duisburg"), ("Urumqi", "Tehran"))


@pytest.fixture(scope="module")
def small() -> report.Report:
    cfg = replace(report.ReportConfig.load(), pairs=PAIRS, draws=300, seed=3)
    return report.run(cfg)


def test_report_answers_from_its_own_comparisons(small: report.Report) -> None:
    claim = small.config.claim
    assert [f.comparison.origin for f in small.findings] == ["CN-KASHGAR", "CN-XIAN", "CN-URUMQI"]
    assert set(small.networks) == {"baseline", "cku-open"}
    assert small.sentences[0].startswith("The claim:") and "2017" in small.sentences[0]  # its history first
    for f in small.findings:
        sentence = next(x for x in small.sentences if x.startswith(f"{f.label}: "))
        results = f.comparison.results[claim.scenario]
        reference = small.corridors[f.comparison.reference].family
        refs = [r for r in results if r.family == reference and r.route is not None]
        alts = [r for r in results if r.family == claim.corridor and r.route is not None]
        if not refs or not alts:
            assert "no like-for-like comparison" in sentence
            continue
        # the fastest variant of each family, checked independently of Comparison.best
        ref = min(refs, key=lambda r: r.route.time_h)  # type: ignore[union-attr]
        alt = min(alts, key=lambda r: r.route.time_h)  # type: ignore[union-attr]
        assert ref.route is not None and alt.route is not None
        assert f.saving_days == pytest.approx((ref.route.time_h - alt.route.time_h) / 24)
        assert f"{alt.route.time_days:.1f} d vs {ref.route.time_days:.1f} d {ref.corridor}" in sentence
        d = f.simulation.difference(alt.corridor, ref.corridor)  # type: ignore[union-attr]
        assert f"P({alt.corridor} faster) = {d['p_a_faster']:.0%}" in sentence
    region = [f for f in small.findings if f.in_claim_region]
    assert [f.comparison.destination for f in region] == ["DE-DUISBURG"]  # Tashkent and Tehran are not Europe
    verdict = next(s for s in small.sentences if s.startswith("Verdict"))
    assert small.sentences[-1].startswith(("Crossings on the compared routes", "No compared route"))
    assert small.validation[0].startswith("Model check") and "day ranges met" in small.validation[2]
    assert verdict.startswith("Verdict on the claim") and f"of {len(region)} pairs" in verdict


def test_report_json_contract(small: report.Report) -> None:
    data = json.loads(json.dumps(small.to_dict()))
    assert {"claim", "reference", "scenarios", "pairs", "answer", "draws", "seed"} <= set(data)
    assert data["claim"]["days"] == [7.0, 10.0] and data["reference"] == "northern"
    pair = data["pairs"][0]
    assert {"origin", "destination", "in_claim_region", "saving_days", "comparisons", "uncertainty"} <= set(pair)
    assert set(pair["comparisons"]) == {"baseline", "cku-open"}


def test_report_computes_each_comparison_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The table, the map and the layers draw the same results: one comparison per pair, no more."""
    calls: list[tuple[str, str]] = []
    real = corridors.compare_networks

    def counting(networks, origin, destination, defs=None):  # type: ignore[no-untyped-def]
        calls.append((origin, destination))
        return real(networks, origin, destination, defs)

    monkeypatch.setattr(corridors, "compare_networks", counting)
    config = tmp_path / "report.toml"
    base = report.ReportConfig.load().path
    assert base is not None
    text = base.read_text(encoding="utf-8")
    start, end = text.index("pairs = ["), text.index("]\n\n", text.index("pairs = [")) + 2
    config.write_text(
        text[:start]
        + 'pairs = [["Kashgar", "Tashkent"], ["Almaty", "Tashkent"]]\n'
        + text[end:].replace("draws = 10000", "draws = 0"),
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "report",
            "--config",
            str(config),
            "--map",
            str(tmp_path / "m.html"),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.stderr
    assert calls == [("Kashgar", "Tashkent"), ("Almaty", "Tashkent")]
    assert (tmp_path / "m.html").stat().st_size > 100_000
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[:2] == ["corridors.geojson", "crossings.geojson"]
    assert [p["origin"] for p in json.loads(res.stdout)["pairs"]] == ["CN-KASHGAR", "KZ-ALMATY"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("pairs = []\n", "key 'pairs'"),
        ('pairs = [["A"]]\n', "key 'pairs'"),
        ('pairs = [["A", "B"]]\nscenarios = []\n', "key 'scenarios'"),
        ('pairs = [["A", "B"]]\nscenarios = ["baseline"]\ndraws = -1\n', "key 'draws'"),
        ('pairs = [["A", "B"]]\nscenarios = ["baseline"]\ndraws = 1\n', "key 'claim' is missing"),
        ("pairs = [unclosed\n", "not valid TOML"),
    ],
)
def test_report_configuration_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=words):
        report.ReportConfig.load(path)
    with pytest.raises(InputError, match="cannot be read"):
        report.ReportConfig.load(tmp_path / "missing.toml")


def test_report_explains_what_decides_each_pair(small: report.Report) -> None:
    """Each pair: the tornado's top inputs, the saving under both distributions, every other baseline."""
    data = small.to_dict()
    assert data["sensitivity"] and all(s["swings"] for s in data["sensitivity"])
    for f in small.findings:
        assert f.sensitivity is not None
        assert set(f.sensitivity.saving_days) == {"pert", "triangular"}
        explained = next(x for x in small.sentences if x.startswith(f"{f.label}, what decides it"))
        assert f.sensitivity.top(1)[0].label in explained
        against = next(x for x in small.sentences if x.startswith(f"{f.label}, {small.config.claim.corridor} against"))
        for name, b in f.baselines.items():
            if "saving_days" in b:
                assert f"{name} {b['saving_days']:+.1f} d" in against
    assert any(x.startswith("Other baselines and assumptions:") for x in small.sentences)

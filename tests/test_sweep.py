"""Sweeps give the same results locally and on a 2-worker Dask LocalCluster."""

from __future__ import annotations

import pytest

from silkroute.sweep import sweep, task_seeds

PAIRS = [("Kashgar", "Tashkent"), ("Xi'an", "Istanbul")]


def test_task_seeds_are_stable_and_distinct() -> None:
    assert task_seeds(7, 4) == task_seeds(7, 4)
    assert len(set(task_seeds(7, 4))) == 4
    assert task_seeds(7, 4) != task_seeds(8, 4)


def test_local_sweep_matches_dask_cluster() -> None:
    pytest.importorskip("dask.distributed")
    local = sweep(PAIRS, ["baseline", "cku-open"], draws=500, seed=3)
    remote = sweep(PAIRS, ["baseline", "cku-open"], draws=500, seed=3, scheduler="local")
    assert remote == local
    assert [(r["origin"], r["scenario"]) for r in local] == [
        ("CN-KASHGAR", "baseline"),
        ("CN-KASHGAR", "cku-open"),
        ("CN-XIAN", "baseline"),
        ("CN-XIAN", "cku-open"),
    ]


def test_sweep_command_formats_agree() -> None:
    """--format json (the default), csv and table carry the same tasks and quantiles."""
    import csv
    import io
    import json

    from typer.testing import CliRunner

    from silkroute.cli import app

    runner = CliRunner()
    args = ["sweep", "--pair", "Kashgar:Tashkent", "--pair", "Xi'an:Istanbul", "--draws", "300", "--seed", "5"]
    as_json = runner.invoke(app, args)
    assert as_json.exit_code == 0, as_json.output
    tasks = json.loads(as_json.stdout)
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == sum(len(t["corridors"]) for t in tasks)
    for row, c in zip(rows, [c for t in tasks for c in t["corridors"]], strict=True):
        assert row["corridor"] == c["corridor"]
        if c["feasible"]:
            assert float(row["p50_days"]) == c["p50_days"]
    table = runner.invoke(app, [*args, "--format", "table"])
    assert table.exit_code == 0, table.output
    feasible = [c for t in tasks for c in t["corridors"] if c["feasible"]]
    assert all(f"{c['p50_days']:.1f}" in table.stdout for c in feasible)
    assert "CN-KASHGAR → UZ-TASHKENT" in table.stdout and "median gain" in table.stdout
    from rich.console import Console

    from silkroute.cli import tables

    buf = io.StringIO()
    tables.sweep(Console(file=buf, width=80, soft_wrap=False, highlight=False), tasks)
    assert max(len(line) for line in buf.getvalue().splitlines()) <= 80
    assert "CN-XIAN → TR-ISTANBUL" in buf.getvalue()

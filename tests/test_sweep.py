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

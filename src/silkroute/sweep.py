"""Sweeps: many origin–destination pairs × scenarios × Monte Carlo draws, locally or on Dask.

Each (pair, scenario) task gets its own seed spawned from the sweep's seed
(``numpy.random.SeedSequence``), so a task's result does not depend on where
or in which order it runs: a Dask cluster returns exactly the local results.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["run_task", "sweep", "task_seeds"]

log = logging.getLogger(__name__)


def task_seeds(seed: int | None, n: int) -> list[int]:
    """One independent 63-bit seed per task, derived from the sweep seed."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def run_task(origin: str, destination: str, scenario: str, draws: int, seed: int) -> dict[str, Any]:
    """Simulate one pair under one scenario (runs in a worker process too)."""
    from silkroute.uncertainty import simulate

    return simulate(origin, destination, scenario, draws=draws, seed=seed).to_dict()


def sweep(
    pairs: Sequence[tuple[str, str]],
    scenarios: Sequence[str] = ("baseline",),
    *,
    draws: int = 10_000,
    seed: int | None = 0,
    scheduler: str | None = None,
) -> list[dict[str, Any]]:
    """Simulate every pair under every scenario.

    Parameters
    ----------
    pairs
        (origin, destination) place names.
    scenarios
        Scenario names or TOML files.
    draws
        Monte Carlo draws per task.
    seed
        Sweep seed; each task's seed is spawned from it.
    scheduler
        ``None``: run here, one task after another; ``"local"``: a Dask
        LocalCluster with 2 workers on 127.0.0.1 (no dashboard); otherwise the
        address of a Dask scheduler (``tcp://host:8786``).

    Returns
    -------
    list of dict
        One :meth:`UncertaintyResult.to_dict` per task, in (pair, scenario) order.
    """
    tasks = [(o, t, s) for o, t in pairs for s in scenarios]
    seeds = task_seeds(seed, len(tasks))
    if scheduler is None:
        return [run_task(o, t, s, draws, sd) for (o, t, s), sd in zip(tasks, seeds, strict=True)]
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        log.info("sweep: %d tasks on %s", len(tasks), scheduler)
        futures = [
            client.submit(run_task, o, t, s, draws, sd, pure=False) for (o, t, s), sd in zip(tasks, seeds, strict=True)
        ]
        return list(client.gather(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

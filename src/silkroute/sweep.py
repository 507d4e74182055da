"""Sweeps: many origin–destination pairs × scenarios × Monte Carlo draws, locally or on Dask.

Each (pair, scenario) task gets its own seed spawned from the sweep's seed
(``numpy.random.SeedSequence``), so a task's result does not depend on where
or in which order it runs: a Dask cluster returns exactly the local results.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from silkroute._blocks import dask_client
from silkroute._progress import progress

__all__ = ["run_task", "sweep", "task_seeds"]

log = logging.getLogger(__name__)


def task_seeds(seed: int | None, n: int) -> list[int]:
    """Return one independent 63-bit seed per task, derived from the sweep seed.

    Parameters
    ----------
    seed
        The sweep seed.
    n
        Number of tasks.

    Returns
    -------
    list of int
        The seeds.
    """
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def run_task(
    origin: str, destination: str, scenario: str, draws: int, seed: int, network: str | None = None
) -> dict[str, Any]:
    """Simulate one pair under one scenario (runs in a worker process too).

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids.
    scenario
        Scenario name or TOML file.
    draws
        Monte Carlo draws.
    seed
        The task's seed.
    network
        A network file (``silkroute build``) instead of the embedded network.

    Returns
    -------
    dict
        :meth:`silkroute.uncertainty.UncertaintyResult.to_dict`.
    """
    from silkroute import scenario as _scenario
    from silkroute.uncertainty import simulate_on

    if network is not None:  # a network file: compiled from its tables, no graph
        from silkroute import io, routing

        net = routing.compile(_scenario.apply_tables(io.read_network_tables(network), scenario))
        return simulate_on(net, origin, destination, draws=draws, seed=seed).to_dict()
    return simulate_on(_scenario.network(scenario), origin, destination, draws=draws, seed=seed).to_dict()


def sweep(
    pairs: Sequence[tuple[str, str]],
    scenarios: Sequence[str] = ("baseline",),
    *,
    draws: int = 10_000,
    seed: int | None = 0,
    scheduler: str | None = None,
    network: str | os.PathLike[str] | None = None,
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
    network
        A network file (``silkroute build``) every task loads instead of the embedded network.

    Returns
    -------
    list of dict
        One :meth:`UncertaintyResult.to_dict` per task, in (pair, scenario) order.
    """
    tasks = [(o, t, str(s)) for o, t in pairs for s in scenarios]
    seeds = task_seeds(seed, len(tasks))
    net = None if network is None else str(Path(network).resolve())
    if scheduler is None:
        out = []
        with progress("Simulating pairs × scenarios", total=len(tasks)) as advance:
            for (o, t, s), sd in zip(tasks, seeds, strict=True):
                out.append(run_task(o, t, s, draws, sd, net))
                advance(1)
        return out
    from dask.distributed import as_completed

    with dask_client(scheduler) as client:
        log.info("sweep: %d tasks on %s", len(tasks), scheduler)
        futures = [
            client.submit(run_task, o, t, s, draws, sd, net, pure=False)
            for (o, t, s), sd in zip(tasks, seeds, strict=True)
        ]
        with progress("Simulating pairs × scenarios", total=len(tasks)) as advance:
            for _future in as_completed(futures):  # type: ignore[no-untyped-call]
                advance(1)
        return list(client.gather(futures))

"""Origin blocks of a cost matrix, computed here (one process per core) or on a Dask cluster.

``scipy.sparse.csgraph.dijkstra`` holds the GIL (two threads take as long as
one, see ``benchmarks/bench_matrix.py``), so local parallelism uses processes:
each worker receives the CSR matrix and the target groups once (pool
initializer) and then only the source groups of its blocks. On Dask the matrix
and the targets are scattered to every worker once. Every path computes each
block with :func:`silkroute._engine.group_costs`, so the result does not depend
on where a block ran.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
import scipy.sparse as sp

from silkroute._engine import group_costs
from silkroute._progress import progress

__all__ = ["DEFAULT_BLOCK", "cores", "costs", "dask_client"]

log = logging.getLogger(__name__)

#: Origins per block: a block's distance rows (nodes × network nodes × 8 bytes) stay small.
DEFAULT_BLOCK = 32
_STATE: dict[str, Any] = {}


def cores() -> int:
    """Return the number of cores this process may use.

    Returns
    -------
    int
        At least 1.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def dask_client(scheduler: str) -> Iterator[Any]:
    """Connect to a Dask scheduler, or start a 2-worker LocalCluster for ``"local"``.

    Parameters
    ----------
    scheduler
        ``"local"`` or a scheduler address (``tcp://host:8786``).

    Yields
    ------
    distributed.Client
        The client; closed (with its LocalCluster) on exit.
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def _init(matrix: sp.csr_array, targets: Sequence[np.ndarray]) -> None:
    _STATE["matrix"], _STATE["targets"] = matrix, targets


def _run(sources: Sequence[np.ndarray]) -> np.ndarray:
    return group_costs(_STATE["matrix"], sources, _STATE["targets"])


def costs(
    matrix: sp.csr_array,
    sources: Sequence[np.ndarray],
    targets: Sequence[np.ndarray],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    block: int = DEFAULT_BLOCK,
    description: str = "Routing origins",
) -> np.ndarray:
    """Return the source-group × target-group cost matrix, computed in blocks of source groups.

    Parameters
    ----------
    matrix
        Square CSR matrix of edge weights.
    sources
        Node index arrays, one per row.
    targets
        Node index arrays, one per column.
    workers
        Local processes (1: in this process). Ignored with ``scheduler``.
    scheduler
        A Dask scheduler address, or ``"local"`` for a 2-worker LocalCluster.
    block
        Source groups per block.
    description
        The progress bar's label (one step per block).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sources), len(targets))``, ``inf`` where unreachable.
    """
    block = max(1, int(block))
    blocks = [list(sources[i : i + block]) for i in range(0, len(sources), block)]
    out = np.full((len(sources), len(targets)), np.inf)
    if not blocks or not len(targets):
        return out
    done: dict[int, np.ndarray] = {}
    if scheduler is not None:
        with dask_client(scheduler) as client:
            m, t = client.scatter([matrix, list(targets)], broadcast=True)
            futures = {client.submit(group_costs, m, b, t, pure=False): i for i, b in enumerate(blocks)}
            from dask.distributed import as_completed as dask_completed

            log.info("matrix: %d blocks on %s", len(blocks), scheduler)
            with progress(description, total=len(blocks)) as advance:
                for fut in dask_completed(futures):  # type: ignore[no-untyped-call]
                    done[futures[fut]] = fut.result()
                    advance(1)
    elif workers > 1 and len(blocks) > 1:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            min(workers, len(blocks)), mp_context=context, initializer=_init, initargs=(matrix, list(targets))
        ) as pool:
            jobs = {pool.submit(_run, b): i for i, b in enumerate(blocks)}
            with progress(description, total=len(blocks)) as advance:
                for job in as_completed(jobs):
                    done[jobs[job]] = job.result()
                    advance(1)
    else:
        with progress(description, total=len(blocks)) as advance:
            for i, b in enumerate(blocks):
                done[i] = group_costs(matrix, b, targets)
                advance(1)
    for i, values in done.items():
        out[i * block : i * block + len(values)] = values
    return out

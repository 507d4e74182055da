"""Progress bars for long steps (build, OSM reading, matrix, uncertainty, sweep).

A bar appears only on an interactive terminal (stderr), only once a step has
taken longer than :data:`DELAY_S`, and never while quiet mode is on (the CLI
turns it on for ``--format json``/``csv`` and ``SILKROUTE_NO_PROGRESS=1`` turns
it off everywhere). Library code calls::

    with progress("Routing origins", total=len(origins)) as advance:
        for o in origins:
            ...
            advance(1)
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

__all__ = ["DELAY_S", "progress", "quiet"]

#: Seconds a step runs before its bar appears.
DELAY_S = 1.0
_QUIET = False


@contextlib.contextmanager
def quiet(enabled: bool = True) -> Iterator[None]:
    """Suppress progress bars inside the block (the CLI does this for machine-readable output).

    Parameters
    ----------
    enabled
        ``False`` leaves the current setting alone.

    Yields
    ------
    None
        Nothing; restores the previous setting on exit.
    """
    global _QUIET
    before = _QUIET
    _QUIET = _QUIET or enabled
    try:
        yield
    finally:
        _QUIET = before


def _wanted() -> bool:
    if _QUIET or os.environ.get("SILKROUTE_NO_PROGRESS"):
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextlib.contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """Show a progress bar on stderr for a step that may take more than a second.

    Parameters
    ----------
    description
        What the step does ("Reading OSM ways").
    total
        Units of work, or ``None`` for a spinner without a total.

    Yields
    ------
    callable
        ``advance(n)``: report ``n`` more units done.
    """
    if not _wanted():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    start = time.monotonic()
    done = 0.0
    bar: Progress | None = None
    task = None

    def advance(n: float) -> None:
        nonlocal done, bar, task
        done += n
        if bar is None and time.monotonic() - start >= DELAY_S:
            bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,.0f}/{task.total:,.0f}" if total else ""),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            task = bar.add_task(description, total=total, completed=int(done))
        elif bar is not None and task is not None:
            bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()

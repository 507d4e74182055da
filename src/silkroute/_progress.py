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
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DELAY_S", "progress", "quiet"]

#: Seconds a step runs before its bar appears.
DELAY_S = 1.0
_QUIET = False
_ACTIVE = 0  # bars open: a step inside a step shows no second bar (rich has one live display)


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

    The bar appears :data:`DELAY_S` after the step starts, whether or not the
    step reports progress in between (a timer shows it; a spinner and the
    elapsed time keep moving), and disappears when the step ends. A step run
    inside another one shows no bar of its own.

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
    global _ACTIVE
    if not _wanted() or _ACTIVE:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    lock = threading.Lock()
    state: dict[str, Any] = {"done": 0.0, "bar": None, "task": None, "closed": False}

    def show() -> None:
        with lock:
            if state["closed"]:
                return
            columns = [SpinnerColumn(), TextColumn("{task.description}")]
            if total:
                columns += [BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}")]
            bar = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            bar.start()
            state["task"] = bar.add_task(description, total=total, completed=state["done"])
            state["bar"] = bar

    def advance(n: float) -> None:
        with lock:
            state["done"] += n
            if state["bar"] is not None:
                state["bar"].update(state["task"], completed=state["done"])

    timer = threading.Timer(DELAY_S, show)
    timer.daemon = True
    timer.start()
    _ACTIVE += 1
    try:
        yield advance
    finally:
        _ACTIVE -= 1
        timer.cancel()
        with lock:
            state["closed"] = True
            if state["bar"] is not None:
                state["bar"].stop()

"""The ``silkroute`` command line: options → one library call → a renderer (see :mod:`silkroute.cli.app`)."""

from __future__ import annotations

from silkroute.cli.app import app, main

__all__ = ["app", "main"]

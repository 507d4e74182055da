"""Renderers of the command line: JSON (never NaN or Infinity), CSV from flat records, rich tables.

A command hands a result to :func:`emit` with the ways it can be shown; the
renderer writes to standard output or, with ``-o FILE``, to a file
(atomically). Tables written to a file or a pipe are not cut to the width of a
terminal.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from rich.console import Console

from silkroute._errors import InputError
from silkroute._files import atomic_path

__all__ = ["Fmt", "console", "emit", "err", "json_safe", "to_csv", "to_json"]

#: Width of tables that do not go to a terminal (a file or a pipe): wide enough that nothing is cut.
FILE_WIDTH = 200


class Fmt(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"


err = Console(stderr=True, soft_wrap=True, highlight=False)


def console(file: Any = None) -> Console:
    """Return a console for tables: the terminal's width on a terminal, :data:`FILE_WIDTH` elsewhere.

    Parameters
    ----------
    file
        A text stream; standard output by default.

    Returns
    -------
    rich.console.Console
        The console.
    """
    stream = file or sys.stdout
    tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=stream, soft_wrap=False, highlight=False, width=None if tty else FILE_WIDTH)


def json_safe(value: Any) -> Any:
    """Return ``value`` with every non-finite float replaced by ``None`` (JSON has no NaN or Infinity).

    Parameters
    ----------
    value
        Nested dicts, lists and scalars.

    Returns
    -------
    Any
        The same structure.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and not isinstance(value, str | bytes):
        return json_safe(item())
    return value


def to_json(data: Any) -> str:
    """Return data as indented JSON text (UTF-8 characters kept, no NaN).

    Parameters
    ----------
    data
        JSON-ready data.

    Returns
    -------
    str
        The text, with a final newline.
    """
    return json.dumps(json_safe(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """Return flat records as CSV text (columns in first-seen order; lists ``;``-joined; no NaN).

    Parameters
    ----------
    records
        Rows.

    Returns
    -------
    str
        The text.
    """
    rows = [dict(r) for r in records]
    fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v) for k, v in r.items()})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    value = json_safe(value)
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def emit(
    fmt: Fmt,
    *,
    data: Callable[[], Any],
    records: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
    table: Callable[[Console], None] | None = None,
    output: Path | None = None,
) -> None:
    """Write a result in the chosen format to standard output or a file.

    Parameters
    ----------
    fmt
        ``table``, ``json`` or ``csv``.
    data
        The JSON form of the result.
    records
        Its flat rows (for CSV); ``None`` when the result has no tabular form.
    table
        Prints it as tables on a console; ``None`` to print the JSON instead.
    output
        A file to write instead of standard output (written atomically).

    Raises
    ------
    silkroute.InputError
        If ``csv`` is asked for a result without rows.
    """
    if fmt is Fmt.csv and records is None:
        msg = "--format csv is not available for this command's result; use --format json or table"
        raise InputError(msg)
    if fmt is Fmt.json or (fmt is Fmt.table and table is None):
        text = to_json(data())
    elif fmt is Fmt.csv:
        assert records is not None
        text = to_csv(records())
    else:
        assert table is not None
        if output is None:
            table(console())
            return
        buf = io.StringIO()
        table(console(buf))
        text = buf.getvalue()
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}")

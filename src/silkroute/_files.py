"""Atomic writes: a file, or a directory of files, is replaced whole or not at all.

Temporary files live next to their target under a known name,
``.silkroute-tmp-<pid>-<token>-<name>``, so the final :func:`os.replace` is a
rename on one file system. A write that is killed (``kill -9``) leaves such an
entry behind; every later write into the same directory removes the entries of
processes that no longer run (:func:`clean_stale`), so a leftover never
outlives the next run. Replacing a file keeps its permission bits.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from silkroute._errors import InputError

__all__ = ["TMP_PREFIX", "atomic_dir", "atomic_path", "clean_stale"]

#: Prefix of every temporary entry silkroute writes.
TMP_PREFIX = ".silkroute-tmp-"
_TMP_RE = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-[0-9a-f]+-(old-)?(.+)$")
_SQLITE_SIDE = ("-journal", "-wal", "-shm")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_stale(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary entries that killed writes left in a directory.

    An entry belongs to a dead process when the pid in its name no longer runs.
    A directory swap that was killed between its two renames left the old
    directory under a temporary name and no target: it is renamed back.

    Parameters
    ----------
    directory
        The directory to clean (nothing happens if it does not exist).

    Returns
    -------
    list of pathlib.Path
        The entries removed or restored.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    done = []
    for entry in directory.iterdir():
        match = _TMP_RE.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        target = directory / match.group(3)
        if match.group(2) and not target.exists():
            entry.rename(target)
        else:
            _remove(entry)
        done.append(entry)
    return done


def _temporary(target: Path, *, old: bool = False) -> Path:
    return target.with_name(f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{'old-' if old else ''}{target.name}")


def _keep_mode(source: Path, target: Path) -> None:
    """Give ``target`` the permission bits of ``source`` if ``source`` exists."""
    with contextlib.suppress(FileNotFoundError):
        target.chmod(stat.S_IMODE(source.stat().st_mode))


def _make_parent(target: Path) -> None:
    """Create the parent directory of ``target``; a file in the way is an input error, not a crash."""
    for parent in (target.parent, *target.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                msg = f"cannot write {target}: {parent} is a file, not a directory; choose another output path"
                raise InputError(msg)
            break
    if target.is_dir():
        msg = f"cannot write {target}: it is a directory; give a file name"
        raise InputError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` once the block succeeds.

    The temporary file lies in the directory of ``path`` and ends with its name
    (drivers that look at the extension still work). If the block raises, the
    temporary file and any SQLite side files are removed and ``path`` is left
    untouched. An existing file keeps its permission bits.

    Parameters
    ----------
    path
        The file to write. Its parent directory is created if needed.

    Yields
    ------
    pathlib.Path
        Where the block must write the complete file.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("complete")
    >>> target.read_text()
    'complete'
    """
    target = Path(path)
    _make_parent(target)
    clean_stale(target.parent)
    tmp = _temporary(target)
    try:
        yield tmp
        _keep_mode(target, tmp)
        tmp.replace(target)
    finally:
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in _SQLITE_SIDE)):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory that replaces the directory ``path`` as a whole once the block succeeds.

    Files already in ``path`` are hard-linked (or copied) into the temporary
    directory first, so files the block does not write survive; the block must
    write each of its files to a fresh path (unlink it first, as
    :func:`atomic_path`'s callers do by writing a new file). Readers see either
    the old set of files or the new one, never a mix.

    Parameters
    ----------
    path
        The directory to (re)write; created if absent.

    Yields
    ------
    pathlib.Path
        The temporary directory to write into.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    if target.exists() and not target.is_dir():
        msg = f"{target} exists and is not a directory; choose another output directory"
        raise NotADirectoryError(msg)
    tmp = _temporary(target)
    tmp.mkdir()
    try:
        if target.is_dir():
            for entry in target.iterdir():
                if entry.is_file() and not entry.name.startswith(TMP_PREFIX):
                    try:
                        os.link(entry, tmp / entry.name)
                    except OSError:
                        shutil.copy2(entry, tmp / entry.name)
            _keep_mode(target, tmp)
        yield tmp
        if target.is_dir():
            old = _temporary(target, old=True)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)

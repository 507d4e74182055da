"""The user guide runs: every code block of ``docs/**/*.md``, and the site builds offline.

How the pages' code is run (``docs/index.md``, *About these pages*, says the same for authors):

* ```` ```python ```` blocks of one page run in order in one namespace, in a fresh temporary
  working directory that the page's command blocks share;
* ```` ```bash ```` / ```` ```console ```` blocks hold ``silkroute`` commands, one a line (``$ `` and
  ``# comments`` allowed); each runs in process through typer's ``CliRunner`` and must exit 0, or
  the code a trailing ``# exit N`` names. Any other command is an error: a reader must be able to
  paste the block. Commands shown but not run go in ```` ```sh ```` blocks;
* a ```` ```text title="Output" ```` block right after a code block is that block's output (what
  the Python block prints, or what the commands write: standard output, then standard error;
  tables as written to a file or a pipe, 200 columns wide).
  ``python tests/test_docs.py --update [PAGE ...]`` reruns the pages and rewrites those blocks;
  with ``SILKROUTE_DOCS_STRICT=1`` the test also fails when an output block is stale.

``mkdocs build --strict`` then builds the site into a temporary directory with every socket
refused, and the pages must load no script, style sheet or font from another host.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import socket
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?P<lang>[\w+-]*)(?P<attrs>[^\n`]*)$")
_RUN = ("python", "bash", "console")
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


@dataclass
class Block:
    """One fenced block of a page."""

    page: Path
    lang: str
    attrs: str
    code: str
    start: int  # line index of the opening fence
    end: int  # line index of the closing fence
    indent: str

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.start + 1}"

    @property
    def is_output(self) -> bool:
        return self.lang == "text" and 'title="Output"' in self.attrs


def blocks(page: Path) -> list[Block]:
    """Return the fenced blocks of a page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks = m["indent"], m["ticks"]
        j = i + 1
        while j < len(lines) and lines[j].strip() != ticks:
            j += 1
        if j == len(lines):
            msg = f"{page}:{i + 1}: code block never closed"
            raise ValueError(msg)
        body = "\n".join(line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : j])
        out.append(Block(page, m["lang"], m["attrs"].strip(), body, i, j, indent))
        i = j + 1
    return out


def _commands(block: Block) -> list[tuple[str, int]]:
    """The ``silkroute`` commands of a bash/console block and the exit code each must end with."""
    out = []
    for raw in block.code.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:].strip()
        if not line or line.startswith("#"):
            continue
        expected = 0
        m = _EXIT.search(line)
        if m:
            expected, line = int(m[1]), line[: m.start()]
        if not line.startswith("silkroute "):
            msg = f"{block.where}: {line!r} is not a silkroute command; show other commands in a ```sh block"
            raise ValueError(msg)
        out.append((line, expected))
    return out


def runnable(block: Block) -> bool:
    """Whether the block is code the test runs (``bash``/``console`` only with silkroute commands)."""
    if block.lang == "python":
        return True
    if block.lang in ("bash", "console"):
        return any(line.strip().lstrip("$ ").startswith("silkroute ") for line in block.code.splitlines())
    return False


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_page(page: Path, workdir: Path) -> list[tuple[Block, str]]:
    """Run the page's code blocks in ``workdir``; return each runnable block with its output.

    Raises
    ------
    AssertionError
        A block raised, or a command ended with another exit code than expected.
    """
    from typer.testing import CliRunner

    from silkroute.cli import app

    runner = CliRunner()
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    results = []
    with _cwd(workdir):
        for block in blocks(page):
            if not runnable(block):
                continue
            if block.lang == "python":
                buf = io.StringIO()
                code = compile(block.code, block.where, "exec")
                try:
                    with contextlib.redirect_stdout(buf):
                        exec(code, namespace)
                except Exception as exc:
                    msg = f"{block.where}: the Python block raised {type(exc).__name__}: {exc}\n{buf.getvalue()}"
                    raise AssertionError(msg) from exc
                output = buf.getvalue()
            else:
                parts = []
                for command, expected in _commands(block):
                    res = runner.invoke(app, shlex.split(command, comments=True)[1:], catch_exceptions=False)
                    if res.exit_code != expected:
                        msg = (
                            f"{block.where}: `{command}` exited {res.exit_code}, expected {expected}\n"
                            f"{res.stdout}\n{res.stderr}"
                        )
                        raise AssertionError(msg)
                    parts.append(res.stdout + res.stderr)
                output = "".join(parts)
            results.append((block, _clean(output, workdir)))
    return results


def _clean(text: str, workdir: Path) -> str:
    """Output as shown in a page: no temporary paths, no trailing spaces."""
    for d in {str(workdir), str(workdir.resolve())}:
        text = text.replace(d + os.sep, "").replace(d, ".")
    return "\n".join(line.rstrip() for line in text.splitlines())


def stale_outputs(page: Path, results: list[tuple[Block, str]]) -> list[tuple[Block, Block, str]]:
    """Output blocks whose text differs from a fresh run: (code block, output block, fresh output)."""
    all_blocks = blocks(page)
    lines = page.read_text(encoding="utf-8").splitlines()
    out = []
    for block, output in results:
        following = next((b for b in all_blocks if b.start > block.end), None)
        if following is None or not following.is_output:
            continue
        between = lines[block.end + 1 : following.start]
        if any(line.strip() for line in between):
            continue
        if following.code.strip("\n") != output.strip("\n"):
            out.append((block, following, output))
    return out


def update(page: Path, workdir: Path) -> int:
    """Rewrite the output blocks of a page from a fresh run; return how many changed."""
    stale = stale_outputs(page, run_page(page, workdir))
    lines = page.read_text(encoding="utf-8").splitlines()
    for _block, target, output in sorted(stale, key=lambda s: -s[1].start):
        body = [f"{target.indent}{line}" if line else "" for line in output.strip("\n").splitlines()]
        lines[target.start + 1 : target.end] = body
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(stale)


def pages() -> list[Path]:
    """The pages with code to run."""
    return sorted(p for p in DOCS.rglob("*.md") if "_ext" not in p.parts and any(runnable(b) for b in blocks(p)))


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_runs(page: Path, tmp_path: Path) -> None:
    results = run_page(page, tmp_path)
    assert results, f"{page}: no code block ran"
    if os.environ.get("SILKROUTE_DOCS_STRICT"):
        stale = stale_outputs(page, results)
        assert not stale, (
            f"{len(stale)} stale output block(s), first at {stale[0][1].where}; "
            f"run `python tests/test_docs.py --update {page.relative_to(ROOT)}`"
        )


def test_command_blocks_are_silkroute_commands() -> None:
    for page in DOCS.rglob("*.md"):
        for block in blocks(page):
            if block.lang in ("bash", "console"):
                _commands(block)  # raises for a line a reader could not paste as shown


def test_the_runner_finds_blocks_and_outputs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent(
            """\
            # A page

            === "Python"

                ```python
                x = 2
                print(x * 21)
                ```

                ```text title="Output"
                0
                ```

            ```bash
            $ silkroute scenarios --format json   # the embedded scenarios
            silkroute route --from Nowhere --to Tashkent  # exit 2
            ```

            ```sh
            ls -l
            ```
            """
        ),
        encoding="utf-8",
    )
    found = blocks(page)
    assert [(b.lang, runnable(b)) for b in found] == [("python", True), ("text", False), ("bash", True), ("sh", False)]
    assert found[0].code == "x = 2\nprint(x * 21)" and found[1].is_output
    assert _commands(found[2])[1] == ("silkroute route --from Nowhere --to Tashkent", 2)
    assert update(page, tmp_path) == 1
    assert "    42\n" in page.read_text(encoding="utf-8")
    assert update(page, tmp_path) == 0


def test_site_builds_strict_and_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    def refuse(*args: Any, **kwargs: Any) -> Any:
        msg = "the documentation build must not use the network"
        raise OSError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    site = tmp_path / "site"
    with _cwd(ROOT):
        config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site), strict=True)
        build(config)
    html = sorted(site.rglob("*.html"))
    assert (site / "index.html").is_file() and len(html) > 20
    external = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for path in html:
        text = path.read_text(encoding="utf-8")
        assert not external.search(text), f"{path.relative_to(site)} loads an asset from another host"
        assert "fonts.googleapis" not in text
    api = (site / "api" / "routing.html").read_text(encoding="utf-8")
    assert "silkroute.routing.fastest" in api and ":func:" not in api


if __name__ == "__main__":  # python tests/test_docs.py --update [PAGE ...]
    import tempfile

    args = sys.argv[1:]
    if not args or args[0] != "--update":
        sys.exit("usage: python tests/test_docs.py --update [docs/PAGE.md ...]")
    sys.path.insert(0, str(ROOT / "src"))
    targets = [Path(a).resolve() for a in args[1:]] or pages()
    for target in targets:
        with tempfile.TemporaryDirectory() as tmp:
            changed = update(target, Path(tmp))
        print(f"{target}: {changed} output block(s) updated")

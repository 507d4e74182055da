"""Griffe extension: turn the Sphinx roles of silkroute's docstrings into mkdocs cross-references.

The docstrings are numpydoc with Sphinx roles (``:func:`compile```, ``:class:`~silkroute.ScenarioError```,
``:data:`silkroute.schema.COMPONENTS```). mkdocstrings renders Markdown, where a role would show as
literal text. This extension resolves each role's target against the loaded package (absolute,
then relative to the object's class, module and parent packages) and writes an *optional* autorefs
reference: a link where the target is rendered in the API reference, plain code where it is not
(a private helper), never a broken link or a build warning. Double-backtick literals are already
code in Markdown and stay as they are. Doctest lines (``>>>``) outside a numpydoc Examples
section become ``pycon`` code blocks (Markdown would read ``>>>`` as a quote), and an rST
literal-block marker (a paragraph ending in ``::``) ends in one colon. An attribute without a
docstring takes the ``#:`` comment above it (the Sphinx convention the source uses), else its
trailing ``# comment`` (units such as ``# metres (osmnx)``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|meth|class|data|attr|mod|exc|obj|const):`(?P<target>[^`]+)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the docstrings of every object of ``pkg``."""
        for obj in _walk(pkg):
            if obj.is_attribute and obj.docstring is None:
                comment = _comment(obj)
                if comment:
                    obj.docstring = griffe.Docstring(comment, parent=obj)
            if obj.docstring is not None:
                text = _ROLE.sub(lambda m, o=obj: _reference(pkg, o, m["target"]), obj.docstring.value)
                text = re.sub(r"(</autoref>|</code>)\\+ ", r"\1", text)  # rST "\ " after a role: no space
                obj.docstring.value = _literal_blocks(_doctests(text))


def _doctests(text: str) -> str:
    """Fence runs of doctest lines (``>>>`` and their output) that are not in an Examples section."""
    out: list[str] = []
    lines = text.splitlines()
    in_examples = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and line.strip():
            in_examples = line.strip() == "Examples"
        if line.lstrip().startswith(">>>") and not in_examples:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _literal_blocks(text: str) -> str:
    return re.sub(r"(\S)::\n", r"\1:\n", text)


def _comment(obj: griffe.Object) -> str:
    """The ``#:`` lines above an attribute, else its trailing comment."""
    lines = (
        obj.lines_collection[obj.filepath]
        if isinstance(obj.filepath, Path) and obj.filepath in obj.lines_collection
        else None
    )
    if not lines or obj.lineno is None:
        return ""
    above = []
    i = obj.lineno - 2
    while i >= 0 and lines[i].strip().startswith("#:"):
        above.insert(0, lines[i].strip()[2:].strip())
        i -= 1
    if above:
        return " ".join(above)
    first = lines[obj.lineno - 1]
    code, sep, trailing = first.partition("  # ")
    return trailing.strip() if sep and code.strip() and '"' not in trailing and "'" not in trailing else ""


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    out = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            out.extend(_walk(member))
    return out


def _reference(pkg: griffe.Module, obj: griffe.Object, target: str) -> str:
    text = target.strip()
    short = text.startswith("~")
    text = text.lstrip("~").strip()
    label = text.rsplit(".", 1)[-1] if short else text
    path = _resolve(pkg, obj, text)
    code = f"<code>{label}</code>"
    return f'<autoref identifier="{path}" optional>{code}</autoref>' if path else code


def _resolve(pkg: griffe.Module, obj: griffe.Object, text: str) -> str | None:
    scopes: list[str] = []
    current: griffe.Object | None = obj
    while current is not None:
        scopes.append(current.path)
        current = current.parent
    candidates = [text, *(f"{scope}.{text}" for scope in scopes)]
    for candidate in candidates:
        if candidate == pkg.path or candidate.startswith(pkg.path + "."):
            relative = candidate[len(pkg.path) + 1 :]
            try:
                found = pkg[relative] if relative else pkg
            except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
                continue
            return str(found.path)
    return None

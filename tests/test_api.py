"""The public surface: every module importable from ``silkroute``, documented in numpydoc, typed, one-way imports."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import silkroute

SRC = Path(silkroute.__file__).parent
DEPRECATED = {"silkroute.lines", "silkroute.osm", "silkroute.headline", "silkroute.tables"}
#: Outputs draw results: they never import the modules that compute them.
OUTPUTS = ("silkroute.io", "silkroute.maps", "silkroute.cli.tables", "silkroute.cli.render")
ANALYSIS = {"silkroute.scenario", "silkroute.routing", "silkroute.corridors", "silkroute.uncertainty"}


def public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(SRC)], prefix="silkroute."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]) or info.name in DEPRECATED:
            continue
        names.append(info.name)
    return sorted(names)


def public_callables() -> list[tuple[str, str, object]]:
    out = []
    for name in public_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if getattr(obj, "__module__", None) != name:
                continue  # re-exported: checked where it is defined
            if inspect.isfunction(obj):
                out.append((name, attr, obj))
            elif inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if meth_name.startswith("_"):
                        continue
                    func = meth.__func__ if isinstance(meth, classmethod | staticmethod) else meth
                    if inspect.isfunction(func):
                        out.append((name, f"{attr}.{meth_name}", func))
    return out


def test_import_silkroute_exposes_every_public_module() -> None:
    top = {m.split(".")[1] for m in public_modules()}
    assert top <= set(silkroute.__all__)
    for name in top:
        assert inspect.ismodule(getattr(silkroute, name)), name
    assert re.match(r"^\d+\.\d+", silkroute.__version__)
    assert (SRC / "py.typed").is_file()


def test_every_module_has_all_and_a_docstring() -> None:
    for name in public_modules():
        module = importlib.import_module(name)
        assert module.__doc__ and module.__doc__.strip(), name
        assert hasattr(module, "__all__"), name


@pytest.mark.parametrize(("module", "name", "func"), public_callables(), ids=lambda x: x if isinstance(x, str) else "")
def test_public_functions_document_parameters_and_returns(module: str, name: str, func: object) -> None:
    doc = inspect.getdoc(func) or ""
    assert doc, f"{module}.{name} has no docstring"
    sig = inspect.signature(func)  # type: ignore[arg-type]
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    if params and not isinstance(getattr(func, "__self__", None), type):
        assert re.search(r"^Parameters\n-{4,}", doc, re.M), f"{module}.{name}: no numpydoc Parameters section"
        documented = set()
        for line in re.findall(r"^(\S[^\n]*)$", doc.split("Parameters", 1)[1], re.M):
            for item in line.split(","):
                documented.add(item.strip().split(" : ")[0].lstrip("*"))
        missing = [p.name for p in params if p.name not in documented]
        assert not missing, f"{module}.{name}: parameters {missing} are not documented"
    returns = sig.return_annotation
    if returns not in (None, "None", inspect.Signature.empty) and not name.endswith("__init__"):
        assert re.search(r"^(Returns|Yields)\n-{4,}", doc, re.M), f"{module}.{name}: no Returns section"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_outputs_never_import_the_analysis() -> None:
    """Maps, layers and renderers draw results; they do not build networks or run comparisons."""
    for name in OUTPUTS:
        base = SRC.joinpath(*name.split(".")[1:])
        files = list(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
        for path in files:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            runtime = set()
            for node in tree.body:  # TYPE_CHECKING blocks are types only
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, ast.ImportFrom) and sub.module:
                        runtime.add(sub.module)
                        runtime.update(f"{sub.module}.{a.name}" for a in sub.names)
                    elif isinstance(sub, ast.Import):
                        runtime.update(a.name for a in sub.names)
            assert not runtime & ANALYSIS, f"{path.relative_to(SRC)} imports {sorted(runtime & ANALYSIS)}"


def test_no_import_cycle_between_ingest_and_build() -> None:
    ingest = set().union(*(_imports(p) for p in (SRC / "ingest").glob("*.py")))
    assert not any(m.startswith("silkroute.build") for m in ingest)


def test_edge_kind_names_come_from_the_schema() -> None:
    """No module but schema spells the triple columns or the kind tuples itself."""
    pattern = re.compile(r'"(dwell|transship|sailing|wait|transfer)_\{\}_h"|"(line)", "(snap)"')
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name != "schema.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("silkroute.lines", "build_from_file", "silkroute.build.from_file"),
        ("silkroute.osm", "graph_from_osm", "silkroute.build.from_file"),
        ("silkroute.headline", "run", "silkroute.report.run"),
        ("silkroute.tables", "comparison", "silkroute.cli.tables"),
    ],
)
def test_deprecated_modules_warn_and_forward(old: str, name: str, new: str) -> None:
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.rsplit(".", 1)[0].replace(".", r"\.")):
        module = importlib.import_module(old)
    assert callable(getattr(module, name))


def test_deprecated_osm_shim_builds_the_same_network() -> None:
    import sys

    from silkroute import build

    from .conftest import FIXTURES

    sys.modules.pop("silkroute.osm", None)
    with pytest.warns(DeprecationWarning):
        osm = importlib.import_module("silkroute.osm")
    hand = FIXTURES / "osm" / "gauge_name_station.osm"
    old, new = osm.graph_from_osm(hand), build.from_file(hand)
    assert sorted(d["key"] for _, d in old.nodes(data=True)) == sorted(d["key"] for _, d in new.nodes(data=True))

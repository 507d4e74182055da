"""`kill -9` during every writing command: the target is the old file or a complete new one, never a mix,
and no temporary file outlives the next run.

For each command a first run writes the target (state A). Then the command is
started again with different inputs (state B) and killed with SIGKILL at a
random moment of its run, several times; after each kill the target must be
exactly A or exactly B (a multi-file export: every file from one run). After the
next complete run no temporary entry (``.silkroute-tmp-*``) may remain.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from silkroute._files import TMP_PREFIX

TRIES = 6
#: Commands whose output is byte-identical for the same input (a GeoPackage stores a timestamp, a folium map
#: random element ids: those are checked for completeness only).
DETERMINISTIC = {"export", "validate", "compare", "report"}
CLI = [sys.executable, "-c", "import sys; from silkroute.cli import main; sys.argv[0] = 'silkroute'; main()"]


def _digest(path: Path) -> str:
    """A digest of a file, or of every file of a directory (names and contents)."""
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(f.relative_to(path).as_posix().encode() + b"\0" + f.read_bytes())
        return h.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(argv: list[str], cwd: Path) -> float:
    start = time.monotonic()
    res = subprocess.run([*CLI, *argv], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    return time.monotonic() - start


def _leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.startswith(TMP_PREFIX)]


def _lines_file(tmp: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = tmp / "lines.geojson"
    lines = [shapely.LineString([(76.9 + i * 0.01, 43.2), (77.5, 43.6 + i * 0.01), (78.0, 44.0)]) for i in range(300)]
    gpd.GeoDataFrame({"name": [f"l{i}" for i in range(len(lines))]}, geometry=lines, crs="EPSG:4326").to_file(path)
    return path


# name → (target relative to the work dir, argv for state A, argv for state B, check of a complete target)
def _commands(tmp: Path) -> dict[str, tuple[str, list[str], list[str], Callable[[Path], None]]]:
    lines = str(_lines_file(tmp))

    def html(p: Path) -> None:
        assert p.read_text(encoding="utf-8").rstrip().endswith("</html>")

    def gpkg(p: Path) -> None:
        from silkroute import io

        io.load_network(p)

    def layers(p: Path) -> None:
        for f in p.glob("*.geojson"):
            json.loads(f.read_text(encoding="utf-8"))

    def csv_file(p: Path) -> None:
        assert p.read_text(encoding="utf-8").count("\n") > 5

    base = (Path(__file__).parents[1] / "data" / "report.toml").read_text(encoding="utf-8")
    start, end = base.index("pairs = ["), base.index("]\n\n", base.index("pairs = [")) + 2
    for label, pair in (("a", '["Almaty", "Tashkent"]'), ("b", '["Kashgar", "Tashkent"]')):
        text = base[:start] + f"pairs = [{pair}]\n" + base[end:]
        text = text.replace("draws = 10000", "draws = 0").replace(
            'scenarios = ["baseline", "cku-open"]', 'scenarios = ["baseline"]'
        )
        text = text.replace('scenario = "cku-open"', 'scenario = "baseline"')
        (tmp / f"report-{label}.toml").write_text(text, encoding="utf-8")
    return {
        "report": (
            "out",
            ["report", "--config", "report-a.toml", "--out", "out", "--format", "json", "-o", "r.json"],
            ["report", "--config", "report-b.toml", "--out", "out", "--format", "json", "-o", "r.json"],
            layers,
        ),
        "build": (
            "net.gpkg",
            ["build", "--lines", lines, "-o", "net.gpkg"],
            ["build", "--lines", lines, "-o", "net.gpkg", "--snap-m", "5"],
            gpkg,
        ),
        "map": (
            "m.html",
            ["map", "-o", "m.html"],
            ["map", "-o", "m.html", "--from", "Almaty", "--to", "Tashkent"],
            html,
        ),
        "export": (
            "layers",
            ["export", "-o", "layers", "--layers", "places,routes", "--from", "Almaty", "--to", "Tashkent"],
            ["export", "-o", "layers", "--layers", "places,routes", "--from", "Kashgar", "--to", "Tashkent"],
            layers,
        ),
        "validate": (
            "runs.csv",
            ["validate", "--format", "csv", "-o", "runs.csv"],
            ["validate", "--format", "json", "-o", "runs.csv"],
            csv_file,
        ),
        "compare": (
            "cmp.json",
            ["compare", "--from", "Almaty", "--to", "Tashkent", "--format", "json", "-o", "cmp.json"],
            ["compare", "--from", "Kashgar", "--to", "Tashkent", "--format", "json", "-o", "cmp.json"],
            lambda p: json.loads(p.read_text(encoding="utf-8")) and None,
        ),
    }


@pytest.mark.parametrize("name", ["build", "map", "export", "report", "validate", "compare"])
def test_kill_9_leaves_old_or_new_and_no_temp_files(tmp_path: Path, name: str) -> None:
    target_name, argv_a, argv_b, check = _commands(tmp_path)[name]
    target = tmp_path / target_name
    _run(argv_b, tmp_path)
    state_b = _digest(target)
    check(target)
    duration = _run(argv_a, tmp_path)
    state_a = _digest(target)
    check(target)
    rng = random.Random(hash(name) % 1000)
    corrupt = leftover_after_kill = 0
    for i in range(TRIES):
        argv = argv_b if i % 2 == 0 else argv_a
        before = _digest(target)
        proc = subprocess.Popen([*CLI, *argv], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * rng.uniform(0.3, 1.1))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        if not target.exists():
            corrupt += 1
            continue
        try:
            check(target)  # complete and readable
        except Exception:
            corrupt += 1
            continue
        if name in DETERMINISTIC:  # byte-identical outputs: the old target, or the complete new one, never a mix
            expected = state_b if argv is argv_b else state_a
            corrupt += _digest(target) not in (before, expected)
        leftover_after_kill += len(_leftovers(tmp_path))
    assert corrupt == 0, f"{name}: {corrupt} of {TRIES} kills left a mixed or partial target"
    _run(argv_a, tmp_path)  # the next complete run cleans what the killed ones left
    assert _leftovers(tmp_path) == [], f"{name}: temp files outlived the next run"
    if name in DETERMINISTIC:
        assert _digest(target) == state_a
    check(target)
    mode = 0o600
    target_file = target if target.is_file() else next(target.glob("*.geojson"))
    target_file.chmod(mode)
    _run(argv_a, tmp_path)
    if target.is_file():  # an overwrite keeps the file's mode
        assert (target.stat().st_mode & 0o777) == mode
    print(f"{name}: {TRIES} kills, {corrupt} corrupt targets, {leftover_after_kill} temp entries right after the kills")

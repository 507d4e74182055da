"""Shared helpers of the benchmarks: timing, peak memory, tables with ratios, results files."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
REAL = ROOT.parent / "shared" / "data" / "real"
PYTHON = sys.executable


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(code: str, *, src: Path | None = None) -> dict[str, float]:
    """Run Python code in a fresh process; it prints 'key=value' lines; adds its wall time and peak RSS (MB)."""
    env = {**os.environ, "PYTHONPATH": str(src or ROOT / "src"), "SILKROUTE_NO_PROGRESS": "1"}
    t0 = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M", PYTHON, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    wall = time.perf_counter() - t0
    values = {"wall_s": wall}
    for line in (out.stdout + out.stderr).splitlines():
        key, sep, value = line.partition("=")
        if sep and key.replace("_", "").isalnum():
            with contextlib.suppress(ValueError):
                values[key] = float(value)
    values["rss_mb"] = values.pop("maxrss_kb", float("nan")) / 1024.0
    return values


def run_cli(args: Sequence[str], *, src: Path | None = None) -> dict[str, float]:
    """Wall time and peak RSS (MB) of one `silkroute` command in a fresh process (stdout discarded)."""
    code = f"import sys; from silkroute.cli import main; sys.argv = ['silkroute', *{list(args)!r}]; main()"
    env = {**os.environ, "PYTHONPATH": str(src or ROOT / "src"), "SILKROUTE_NO_PROGRESS": "1"}
    t0 = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M", PYTHON, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=str(src.parent if src else ROOT),
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"silkroute {' '.join(args)} failed ({out.returncode}): {out.stderr[-500:]}")
    rss = next(float(line.split("=")[1]) for line in out.stderr.splitlines() if line.startswith("maxrss_kb="))
    return {"wall_s": wall, "rss_mb": rss / 1024.0, "stdout": out.stdout}  # type: ignore[dict-item]


def run_process(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return its wall seconds, its own peak RSS (MB) and its stdout."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True, env={**os.environ})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        stderr = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {stderr[-2000:]}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read()


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Format a plain-text table (numbers right-aligned)."""
    cells = [[str(h) for h in header], *[[_fmt(v) for v in r] for r in rows]]
    numeric = [[isinstance(v, int | float) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r, num in zip(cells[1:], numeric, strict=True):
        lines.append("  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(r, widths, num, strict=True)))
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return "-"
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.1f} at start ({time.strftime('%Y-%m-%d %H:%M')})"


def save(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\n(written to {path.relative_to(ROOT)})")
    return path


def eurasia(path: Path, places: Path | None = None) -> Path:
    """Build the Eurasian OSM rail network once (silkroute build), or reuse it."""
    if path.is_file():
        return path
    source = REAL / "rail_osm_eurasia_skeleton.geojson.gz"
    if not source.is_file():
        raise SystemExit(f"{source} is missing: this benchmark needs ../shared/data/real")
    args = ["build", "--lines", str(source), "--places", str(places or ROOT / "data" / "places.csv"), "-o", str(path)]
    print(f"building {path} (silkroute {' '.join(args)}) ...", flush=True)
    run_cli(args)
    return path

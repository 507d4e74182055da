"""Whole commands before and after: `silkroute route`, `uncertainty` and `matrix`, wall time and peak RSS.

Run: .venv/bin/python benchmarks/bench_cli.py --before DIR [--network /tmp/eurasia.gpkg]
DIR is another source tree, e.g. the branch's start: `mkdir DIR && git archive fe00a73 | tar -x -C DIR`.
Each command runs in a fresh process (best of --repeat). Not a test.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _util import eurasia, machine, run_cli, save, table

COMMANDS = {
    "route, embedded network": ["route", "--from", "Xi'an", "--to", "Duisburg", "--format", "json"],
    "uncertainty 10,000 draws, embedded (cku-open)": [
        "uncertainty", "--from", "Xi'an", "--to", "Duisburg", "--scenario", "cku-open", "--draws", "10000", "--format", "json",
    ],
    "route --network Eurasia": ["route", "--network", "{net}", "--from", "Urumqi", "--to", "Duisburg", "--format", "json"],
    "uncertainty 10,000 draws --network Eurasia": [
        "uncertainty", "--network", "{net}", "--from", "Urumqi", "--to", "Duisburg", "--draws", "10000", "--format", "json",
    ],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--network", type=Path, default=Path("/tmp/eurasia.gpkg"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    net = str(eurasia(args.network))
    rows = []
    for name, cmd in COMMANDS.items():
        cmd = [c.replace("{net}", net) for c in cmd]
        before = min((run_cli(cmd, src=args.before / "src") for _ in range(args.repeat)), key=lambda r: r["wall_s"])
        after = min((run_cli(cmd) for _ in range(args.repeat)), key=lambda r: r["wall_s"])
        rows.append(
            (
                name,
                before["wall_s"],
                after["wall_s"],
                before["wall_s"] / after["wall_s"],
                before["rss_mb"],
                after["rss_mb"],
            )
        )
    header = ["command", "before s", "after s", "speed-up", "before RSS MB", "after RSS MB"]
    out = [machine(), "", table(f"whole commands, fresh process, best of {args.repeat}", header, rows)]
    save("bench_cli", "\n".join(out))


if __name__ == "__main__":
    main()

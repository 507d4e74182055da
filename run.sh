#!/usr/bin/env bash
# Set up (venv, npm assets) and run the main job on the embedded data: the corridor comparison for
# the headline origin-destination pairs, the answer to the seed claim, maps/corridors.html, the
# self-contained HTML report maps/report.html and
# the GeoJSON layers in out/.
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/setup
exec .venv/bin/silkroute report --map maps/corridors.html --html maps/report.html --out out "$@"

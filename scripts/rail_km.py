#!/usr/bin/env python3
"""Measure a rail distance on the OpenStreetMap railway skeleton of ``scgraph-data`` (``world_railways``).

Used for the one rail distance a cost row of ``data/costs.csv`` needs and its source does not give
(C203: Rotterdam - Busto Arsizio, 1,010.2 km). Run from the repository root::

    python scripts/rail_km.py 51.9225 4.4792 45.6119 8.8517

Dependencies: the PyPI packages ``scgraph`` (3.x) and ``scgraph-data`` 2.0.0 (© OpenStreetMap
contributors, ODbL 1.0). The data module is parsed and its import of ``scgraph.core`` (scgraph 2.x)
pointed at ``scgraph.geograph`` (scgraph 3.x), so both versions work.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path


def _geograph() -> object:
    spec = importlib.util.find_spec("scgraph_data.world_railways")
    if spec is None or spec.origin is None:
        sys.exit("scgraph-data is not installed: pip install scgraph-data==2.0.0 scgraph")
    source = Path(spec.origin).read_text(encoding="utf-8")
    if importlib.util.find_spec("scgraph.core") is None:
        source = source.replace("from scgraph.core import GeoGraph", "from scgraph.geograph import GeoGraph")
    namespace: dict[str, object] = {}
    exec(compile(source, spec.origin, "exec"), namespace)
    return next(v for k, v in namespace.items() if k.endswith("geograph"))


def main() -> None:
    """Print the rail km between two points (latitude, longitude)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("lat1", "lon1", "lat2", "lon2"):
        parser.add_argument(name, type=float)
    args = parser.parse_args()
    graph = _geograph()
    path = graph.get_shortest_path(  # type: ignore[attr-defined]
        origin_node={"latitude": args.lat1, "longitude": args.lon1},
        destination_node={"latitude": args.lat2, "longitude": args.lon2},
        output_units="km",
    )
    print(f"{path['length']:.1f} km")


if __name__ == "__main__":
    main()

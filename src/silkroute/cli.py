"""The ``silkroute`` command.

Exit codes: 0 ok, 2 bad input (unknown place, bad scenario or catalog file,
bad option), 3 no route. Errors go to stderr as one sentence; ``--debug``
adds the traceback.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from silkroute import corridors as _corridors
from silkroute import routing, scenario, tables
from silkroute._errors import NoRouteError, SilkrouteError
from silkroute.timing import COMPONENTS

__all__ = ["app", "main"]

app = typer.Typer(
    name="silkroute",
    help="Network analysis of the Eurasian land trade corridors: China – Central Asia – Europe, Caucasus, Turkey, Iran.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_STATE = {"debug": False}


class Fmt(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"


class Optimize(str, Enum):
    """What a route minimises."""

    time = "time"
    distance = "distance"


class Mode(str, Enum):
    """Allowed modes."""

    rail = "rail"
    road = "road"
    any = "any"


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _STATE["debug"] = debug


@contextmanager
def _errors() -> Iterator[None]:
    """Turn silkroute errors into one stderr sentence and the contract's exit code."""
    try:
        yield
    except NoRouteError as exc:
        _report(exc)
        raise typer.Exit(3) from None
    except (SilkrouteError, ValueError, KeyError, FileNotFoundError, OSError) as exc:
        _report(exc)
        raise typer.Exit(2) from None


def _report(exc: BaseException) -> None:
    if _STATE["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    err.print(f"[bold red]error:[/] {text}", highlight=False, markup=True)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _network(scenario_name: str, network_path: Path | None) -> Any:
    """The embedded network under a scenario, or a saved network (``silkroute build``) under it."""
    if network_path is None:
        return scenario.network(scenario_name)
    from silkroute import io as _io
    from silkroute.timing import TimeModel

    G = _io.load_network(network_path)
    return scenario.apply(G, scenario.load(scenario_name), TimeModel.from_catalog())


NetworkOption = Annotated[
    Path | None, typer.Option("--network", help="A network saved by `silkroute build` instead of the embedded catalog.")
]


# --------------------------------------------------------------------------- places


@app.command()
def places(
    query: Annotated[str, typer.Argument(help="Part of a name, alias or id; all places if omitted.")] = "",
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    network_path: NetworkOption = None,
) -> None:
    """List places (id, name, aliases, country, kind, lon, lat)."""
    with _errors():
        G = _network("baseline", network_path)
        found = routing.find_places(G, query)
        if fmt is Fmt.json:
            _json([{k: p[k] for k in ("id", "name", "aliases", "country", "kind", "lon", "lat")} for p in found])
            return
        table = Table("id", "name", "aliases", "country", "kind", "lon", "lat", title=f"{len(found)} places")
        for p in found:
            table.add_row(
                p["id"],
                p["name"],
                ", ".join(p["aliases"]),
                p["country"],
                p["kind"],
                f"{p['lon']:.4f}",
                f"{p['lat']:.4f}",
            )
        out.print(table)


# --------------------------------------------------------------------------- route


def _parse_via(values: list[str]) -> list[list[str]]:
    """``--via A --via "B|C"``: each option a waypoint, ``|`` separates alternatives."""
    return [[v.strip() for v in item.split("|") if v.strip()] for item in values]


@app.command()
def route(
    origin: Annotated[str, typer.Option("--from", help="Origin place (name, alias or id).")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    optimize: Annotated[Optimize, typer.Option(help="Minimise time or distance.")] = Optimize.time,
    scenario_name: Annotated[str, typer.Option("--scenario", help="Embedded scenario name or TOML file.")] = "baseline",
    via: Annotated[list[str] | None, typer.Option(help="Waypoint, in order; 'A|B' = A or B. Repeatable.")] = None,
    avoid_country: Annotated[list[str] | None, typer.Option(help="ISO3 country never entered. Repeatable.")] = None,
    mode: Annotated[Mode, typer.Option(help="rail, road or any.")] = Mode.any,
    k: Annotated[
        int,
        typer.Option(
            "-k", min=1, max=10, help="Number of routes (alternatives differ in a crossing, ferry or gauge change)."
        ),
    ] = 1,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    network_path: NetworkOption = None,
) -> None:
    """Find the fastest or shortest routes between two places, with the time breakdown."""
    with _errors():
        G = _network(scenario_name, network_path)
        routes = routing.route(
            G,
            origin,
            destination,
            optimize=optimize.value,
            via=_parse_via(via or []),
            avoid_countries=avoid_country or [],
            mode=mode.value,
            k=k,
        )
        o, t = routing.resolve(G, origin), routing.resolve(G, destination)
        if fmt is Fmt.json:
            _json(
                {
                    "origin": o,
                    "destination": t,
                    "scenario": G.graph["scenario"],
                    "optimize": optimize.value,
                    "routes": [r.to_dict() for r in routes],
                }
            )
            return
        for i, r in enumerate(routes, start=1):
            tables.route(
                out,
                r,
                f"Route {i}/{len(routes)}: {r.places[0]['name']} → {r.places[-1]['name']} "
                f"({G.graph['scenario']}, {optimize.value})",
            )


# --------------------------------------------------------------------------- compare


def _compare_rows(results: dict[str, list[_corridors.CorridorResult]]) -> list[dict[str, Any]]:
    rows = []
    for name, items in results.items():
        for res in items:
            d = res.to_dict()
            rows.append({"scenario": name, **d})
    return rows


@app.command()
def compare(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Scenario name or TOML file. Repeatable.")
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, json or csv.")] = Fmt.table,
    network_path: NetworkOption = None,
    refine_with: Annotated[
        Path | None,
        typer.Option(
            "--refine-with",
            help="A detailed network (`silkroute build`): conflate it onto the catalog and use the real track lengths.",
        ),
    ] = None,
) -> None:
    """Compare the named corridors (northern, middle, cku, southern-iran) under one or more scenarios."""
    with _errors():
        names = scenario_names or ["baseline"]
        networks = {name: _network(name, network_path) for name in names}
        if refine_with is not None:
            from silkroute import catalog as _catalog
            from silkroute import conflate as _conflate
            from silkroute import io as _io

            refinement = _conflate.conflate(_catalog.load(), _io.load_network(refine_with))
            err.print(refinement.summary(), highlight=False)
            networks = {name: _conflate.refine_network(G, refinement) for name, G in networks.items()}
        defs = _corridors.load()
        results = {
            str(G.graph["scenario"]): _corridors.compare_on(G, origin, destination, defs) for G in networks.values()
        }
        G = next(iter(networks.values()))
        o, t = routing.resolve(G, origin), routing.resolve(G, destination)
        if fmt is Fmt.json:
            _json(
                {
                    "origin": o,
                    "destination": t,
                    "comparisons": [
                        {"scenario": s, "corridors": [r.to_dict() for r in items]} for s, items in results.items()
                    ],
                }
            )
            return
        if fmt is Fmt.csv:
            buf = io.StringIO()
            fields = [
                "scenario",
                "corridor",
                "feasible",
                "reason",
                "length_km",
                "time_h",
                "time_days",
                "delta_vs_northern_h",
                *(f"{c}_h" for c in COMPONENTS),
                "countries",
                "crossings",
            ]
            writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for row in _compare_rows(results):
                writer.writerow(
                    {
                        **{k: row[k] for k in fields[:8]},
                        **{f"{c}_h": (row["breakdown"] or {}).get(c) for c in COMPONENTS},
                        "countries": ";".join(row["countries"]),
                        "crossings": ";".join(c["id"] for c in row["crossings"]),
                    }
                )
            sys.stdout.write(buf.getvalue())
            return
        tables.comparison(out, results, o, t)


@app.command()
def uncertainty(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Scenario name or TOML file. Repeatable.")
    ] = None,
    draws: Annotated[int, typer.Option(min=1, max=1_000_000, help="Monte Carlo draws.")] = 10_000,
    seed: Annotated[int | None, typer.Option(help="Random seed (reproducible results).")] = 0,
    distribution: Annotated[str | None, typer.Option(help="pert or triangular (default: data/timing.toml).")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Monte Carlo door-to-door days per corridor: P10/P50/P90 and P(a faster than b by >= 7 / 10 days)."""
    from silkroute import uncertainty as _uncertainty

    with _errors():
        results = [
            _uncertainty.simulate(origin, destination, s, draws=draws, seed=seed, distribution=distribution)
            for s in scenario_names or ["baseline"]
        ]
        if fmt is Fmt.json:
            _json(results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results])
            return
        for res in results:
            tables.uncertainty(out, res)


@app.command()
def criticality(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_name: Annotated[str, typer.Option("--scenario", help="Scenario name or TOML file.")] = "baseline",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the ranking as a GeoJSON layer.")
    ] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Also write an HTML map with this layer.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Chokepoints: close each crossing, break of gauge, ferry and line section in turn and rank by added days."""
    from silkroute import criticality as _criticality

    with _errors():
        G = scenario.network(scenario_name)
        points = _criticality.criticality_on(G, origin, destination)
        layer = _criticality.to_gdf(G, points)
        if output is not None:
            _write_layer(layer, output)
        if map_path is not None:
            name = f"Chokepoints {origin} → {destination}"
            _write_map(G, layer, name, "max_added_days", map_path, fields=("used_by", "cuts"))
        if fmt is Fmt.json:
            _json(
                {
                    "origin": routing.resolve(G, origin),
                    "destination": routing.resolve(G, destination),
                    "scenario": G.graph["scenario"],
                    "chokepoints": [p.to_dict() for p in points],
                }
            )
            return
        tables.chokepoints(out, points, f"{origin} → {destination} — chokepoints, scenario {G.graph['scenario']}")


@app.command()
def reach(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    days: Annotated[str, typer.Option(help="Comma-separated thresholds in days.")] = "5,10,15",
    scenario_name: Annotated[str, typer.Option("--scenario", help="Scenario name or TOML file.")] = "baseline",
    mode: Annotated[Mode, typer.Option(help="rail, road or any.")] = Mode.any,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Also write the reachable places and network as GeoJSON (FILE.places.geojson, FILE.network.geojson).",
        ),
    ] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Also write an HTML map with this layer.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Places and network reachable within N days."""
    from silkroute import reach as _reach

    with _errors():
        try:
            limits = [float(d) for d in days.split(",") if d.strip()]
        except ValueError:
            msg = f"--days must be comma-separated numbers such as 5,10,15, got {days!r}"
            raise ValueError(msg) from None
        G = scenario.network(scenario_name)
        places_gdf, edges_gdf = _reach.reach_on(G, origin, limits, mode=mode.value)
        if output is not None:
            _write_layer(places_gdf, output.with_suffix(".places.geojson"))
            _write_layer(edges_gdf, output.with_suffix(".network.geojson"))
        if map_path is not None:
            _write_map(G, edges_gdf, f"Reach from {origin} (days)", "within_days", map_path, places=places_gdf)
        if fmt is Fmt.json:
            _json(
                {
                    "origin": routing.resolve(G, origin),
                    "scenario": G.graph["scenario"],
                    "days": limits,
                    "places": places_gdf.drop(columns="geometry").to_dict("records"),
                }
            )
            return
        tables.reach(out, places_gdf, f"reachable from {origin} — scenario {G.graph['scenario']}")


@app.command()
def sweep(
    pair: Annotated[list[str], typer.Option("--pair", help="'ORIGIN:DESTINATION'. Repeatable.")],
    scenario_names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Scenario name or TOML file. Repeatable.")
    ] = None,
    draws: Annotated[int, typer.Option(min=1, help="Monte Carlo draws per task.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Sweep seed.")] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="'local' for a 2-worker Dask LocalCluster, or a scheduler address.")
    ] = None,
) -> None:
    """Monte Carlo for many pairs × scenarios, optionally on a Dask cluster; JSON out."""
    from silkroute import sweep as _sweep

    with _errors():
        pairs = []
        for item in pair:
            o, sep, t = item.partition(":")
            if not sep or not o.strip() or not t.strip():
                msg = f"--pair must look like 'Xian:Duisburg', got {item!r}"
                raise ValueError(msg)
            pairs.append((o.strip(), t.strip()))
        _json(_sweep.sweep(pairs, scenario_names or ["baseline"], draws=draws, seed=seed, scheduler=scheduler))


@app.command("map")
def map_(
    origin: Annotated[str | None, typer.Option("--from", help="Origin: draw each corridor's route to --to.")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="Destination.")] = None,
    scenario_names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Scenario name or TOML file. Repeatable.")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("maps/network.html"),
    cdn: Annotated[
        bool,
        typer.Option(
            "--cdn/--offline",
            help="Load the JS/CSS from CDNs and add a basemap (needs a network), or inline everything (default).",
        ),
    ] = False,
    network_path: NetworkOption = None,
) -> None:
    """Write an HTML map: the network by gauge and status, crossings, gauge changes, and the corridors' routes."""
    from silkroute import maps

    with _errors():
        pairs = _pairs(origin, destination)
        tiles = "CartoDB positron" if cdn else None
        if network_path is not None:
            if pairs:
                msg = "--from/--to routes are drawn on the embedded catalog only; drop them with --network"
                raise ValueError(msg)
            m = maps.network_map(_network((scenario_names or ["baseline"])[0], network_path), tiles=tiles)
        else:
            m = maps.corridor_map(pairs, scenario_names or ["baseline"], tiles=tiles)
        path = maps.save(m, output, offline=not cdn)
        err.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {'CDN' if cdn else 'offline'})")


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("-o", "--output", help="Directory to write into.")],
    layers: Annotated[
        str, typer.Option(help="Comma-separated: network,places,crossings,corridors,routes.")
    ] = "network,places,crossings,corridors,routes",
    origin: Annotated[str | None, typer.Option("--from", help="Origin for the corridors and routes layers.")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="Destination.")] = None,
    scenario_names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Scenario name or TOML file. Repeatable.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="geojson (one file per layer) or gpkg (one table per layer).")
    ] = "geojson",
    network_path: NetworkOption = None,
) -> None:
    """Export GIS layers (RFC 7946 GeoJSON or GeoPackage), written atomically."""
    from silkroute import io as _io

    with _errors():
        if fmt not in ("geojson", "gpkg"):
            msg = f"--format must be geojson or gpkg, not {fmt!r}"
            raise ValueError(msg)
        names = [s.strip() for s in layers.split(",") if s.strip()]
        pairs = _pairs(origin, destination)
        scenarios_ = scenario_names or ["baseline"]
        G = _network(scenarios_[0], network_path) if network_path else None
        paths = _io.export_layers(out_dir, names, pairs=pairs, scenarios=scenarios_, fmt=fmt, G=G)
        for path in paths:
            err.print(f"wrote {path}")


@app.command()
def report(
    map_path: Annotated[Path | None, typer.Option("--map", help="Write the corridor map (HTML) here.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the GeoJSON layers into this directory.")] = None,
    draws: Annotated[int, typer.Option(min=0, help="Monte Carlo draws per pair (0: none).")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """The main job: headline corridor comparisons, the answer to the 7–10 day claim, map and layers."""
    from silkroute import headline

    with _errors():
        head = headline.run(draws=draws, seed=seed)
        if fmt is Fmt.json:
            _json(head.to_dict())
        else:
            for f in head.findings:
                tables.comparison(out, f.results, *f.label.split(" → ", 1))
                if f.simulation is not None:
                    tables.uncertainty(out, f.simulation)
            out.rule("Does CKU cut China–Europe transit by 7–10 days versus the northern routes?")
            for sentence in head.sentences:
                out.print("• " + sentence, highlight=False)
        _report_outputs(head, map_path, out_dir)


def _report_outputs(head: Any, map_path: Path | None, out_dir: Path | None) -> None:
    """Write the map and layers of the main job, and say where they are."""
    pairs = [(f.origin, f.destination) for f in head.findings]
    if map_path is not None:
        from silkroute import maps

        m = maps.corridor_map(pairs, ["baseline", "cku-open"])
        maps.save(m, map_path, offline=True)
        err.print(f"map: {map_path.resolve()}")
    if out_dir is not None:
        from silkroute import io as _io

        paths = _io.export_layers(out_dir, pairs=pairs, scenarios=["baseline", "cku-open"])
        err.print(f"layers: {', '.join(str(p) for p in paths)}")


def _pairs(origin: str | None, destination: str | None) -> list[tuple[str, str]]:
    """``[(origin, destination)]``, ``[]`` when both are absent; one without the other is an error."""
    if (origin is None) != (destination is None):
        msg = "give both --from and --to, or neither"
        raise ValueError(msg)
    return [(origin, destination)] if origin is not None and destination is not None else []


def _write_map(
    G: Any, layer: Any, name: str, value: str, path: Path, *, fields: tuple[str, ...] = (), places: Any = None
) -> None:
    from silkroute import maps

    m = maps.network_map(G, title=name)
    maps.add_ranked_layer(m, layer, name, value, fields=fields)
    if places is not None:
        maps.add_ranked_layer(m, places, f"{name}: places", value, fields=("time_days",))
    err.print(f"wrote {maps.save(m, path)}")


def _write_layer(gdf: Any, path: Path) -> None:
    from silkroute import io as _io

    _io.write_geojson(gdf, path)
    err.print(f"wrote {path}")


@app.command()
def build(
    output: Annotated[Path, typer.Option("-o", "--output", help="GeoPackage to write the network to.")],
    lines_file: Annotated[
        Path | None, typer.Option("--lines", help="GIS line file: GeoPackage, GeoJSON(.gz), Shapefile, GeoParquet.")
    ] = None,
    osm_file: Annotated[Path | None, typer.Option("--osm", help="OpenStreetMap file: .osm, .osm.gz, .osm.pbf.")] = None,
    places_file: Annotated[
        Path | None,
        typer.Option("--places", help="Places: CSV with id,lon,lat (like data/places.csv) or a point file."),
    ] = None,
    mode: Annotated[Mode, typer.Option(help="rail or road.")] = Mode.rail,
    gauge_by_country: Annotated[
        bool,
        typer.Option(
            "--gauge-by-country",
            help="Fill missing gauges by country (1520 former USSR, 1435 CHN/IRN/TUR/EU, 1668 ESP/PRT).",
        ),
    ] = False,
    countries: Annotated[
        Path | None, typer.Option(help="Country polygons with an ISO3 column (needed by --gauge-by-country).")
    ] = None,
    snap_m: Annotated[
        float | None,
        typer.Option(
            "--snap-m", help="Snap dangling line ends within this many metres (default 0 for OSM, 50 otherwise)."
        ),
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file.")] = None,
    place: Annotated[
        str | None, typer.Option(help="Download this place's OSM ways from Overpass instead (needs --online).")
    ] = None,
    online: Annotated[
        bool, typer.Option("--online", help="Allow network access (Overpass/Nominatim) for --place.")
    ] = False,
) -> None:
    """Build a routable network from any line file or OSM extract (or, with --online, Overpass); print the build report."""
    from silkroute import io as _io
    from silkroute import lines as _lines

    with _errors():
        if sum(x is not None for x in (lines_file, osm_file, place)) != 1:
            msg = "give exactly one of --lines FILE or --osm FILE (or --place NAME with --online)"
            raise ValueError(msg)
        if mode is Mode.any:
            msg = "--mode must be rail or road for a build"
            raise ValueError(msg)
        if place is not None:
            if not online:
                msg = f"downloading {place!r} from Overpass needs network access: add --online (silkroute never goes online by default)"
                raise ValueError(msg)
            from silkroute import osm as _osm

            places_table = _lines.read_places(places_file) if places_file else None
            G = _osm.download(place, online=True, mode=mode.value, places=places_table)
        else:
            source = lines_file or osm_file
            assert source is not None
            G = _lines.build_from_file(
                source,
                places=places_file,
                mode=mode.value,
                gauge_by_country=gauge_by_country,
                countries=countries,
                snap_m=snap_m,
                layer=layer,
            )
        out.print(_lines.summary(G), highlight=False)
        path = _io.save_network(G, output)
        err.print(f"wrote {path}; use it with --network {path}")


@app.command()
def scenarios() -> None:
    """List the embedded scenarios."""
    with _errors():
        table = Table("name", "description", "changes")
        for name in scenario.available():
            sc = scenario.load(name)
            table.add_row(name, sc.description, sc.summary())
        out.print(table)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

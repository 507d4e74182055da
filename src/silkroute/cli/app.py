"""The ``silkroute`` command: options → one library call → a renderer.

Exit codes: 0 ok, 2 bad input (unknown place, bad option, scenario, catalog or
network file), 3 no route. Errors go to stderr as one sentence; ``--debug``
adds the traceback.
"""

from __future__ import annotations

import importlib
import math
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from silkroute._errors import InputError, NoRouteError, SilkrouteError
from silkroute.cli import tables
from silkroute.cli.options import (
    FormatOption,
    MapOption,
    Mode,
    NetworkOption,
    Optimize,
    OutputOption,
    RefineOption,
    ScenarioOption,
    ScenariosOption,
    parse_days,
    parse_pair,
    parse_pairs,
    parse_via,
)
from silkroute.cli.render import Fmt, emit, err

if TYPE_CHECKING:
    import networkx as nx

    from silkroute import catalog as _catalog
    from silkroute import corridors as _corridors
    from silkroute import places as _places
    from silkroute import routing, scenario
else:

    class _Lazy:
        """A module imported on first attribute access: a command loads only what it uses (fast startup)."""

        def __init__(self, name: str) -> None:
            self._name = name

        def __getattr__(self, attr: str) -> Any:
            return getattr(importlib.import_module(self._name), attr)

    _catalog = _Lazy("silkroute.catalog")
    _corridors = _Lazy("silkroute.corridors")
    _places = _Lazy("silkroute.places")
    routing = _Lazy("silkroute.routing")
    scenario = _Lazy("silkroute.scenario")

__all__ = ["app", "main"]

app = typer.Typer(
    name="silkroute",
    help="Network analysis of the Eurasian land trade corridors: China – Central Asia – Europe, Caucasus, Turkey, Iran.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_STATE = {"debug": False}


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _STATE["debug"] = debug


@contextmanager
def _errors() -> Iterator[None]:
    """Turn errors into one stderr sentence and the contract's exit code."""
    try:
        yield
    except NoRouteError as exc:
        _report(exc)
        raise typer.Exit(3) from None
    except (SilkrouteError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        _report(exc)
        raise typer.Exit(2) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug: say so in one sentence, the traceback with --debug
        if _STATE["debug"]:
            traceback.print_exception(exc, file=sys.stderr)
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
            "(this is a bug in silkroute; rerun with --debug and report the traceback)",
            markup=True,
        )
        raise typer.Exit(1) from None


def _report(exc: BaseException) -> None:
    if _STATE["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in text:
        text = f"{exc.filename}: {exc.strerror or text}"
    err.print(f"[bold red]error:[/] {text}", markup=True)


def _load(path: Path | None) -> nx.MultiDiGraph | None:
    from silkroute import io as _io

    return _io.load_network(path) if path is not None else None


def _networks(
    names: Sequence[str], network_path: Path | None = None, refine_with: Path | None = None
) -> dict[str, nx.MultiDiGraph]:
    """Scenario name → the network under it (the embedded one, or ``--network``, refined with ``--refine-with``)."""
    base, detailed = _load(network_path), _load(refine_with)
    if detailed is not None:
        from silkroute import conflate

        err.print(conflate.conflate(_catalog.load(), detailed).summary(), highlight=False)
    out = {}
    for name in names:
        G = scenario.network(name, base=base, refine_with=detailed)
        out[str(G.graph["scenario"])] = G
    return out


def _one(name: str, network_path: Path | None = None) -> nx.MultiDiGraph:
    return next(iter(_networks([name], network_path).values()))


# --------------------------------------------------------------------------- places and routes


@app.command()
def places(
    query: Annotated[str, typer.Argument(help="Part of a name, alias or id; all places if omitted.")] = "",
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: OutputOption = None,
) -> None:
    """List places (id, name, aliases, country, kind, lon, lat)."""
    with _errors():
        found = [p.to_dict() for p in _places.find_places(_one("baseline", network_path), query)]

        def table(out: Any) -> None:
            from rich.table import Table

            t = Table("id", "name", "aliases", "country", "kind", "lon", "lat", title=f"{len(found)} places")
            for p in found:
                t.add_row(
                    p["id"],
                    p["name"],
                    ", ".join(p["aliases"]),
                    p["country"],
                    p["kind"],
                    f"{p['lon']:.4f}",
                    f"{p['lat']:.4f}",
                )
            out.print(t)

        emit(fmt, data=lambda: found, records=lambda: found, table=table, output=output)


@app.command()
def route(
    origin: Annotated[str, typer.Option("--from", help="Origin place (name, alias or id).")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    optimize: Annotated[Optimize, typer.Option(help="Minimise time or distance.")] = Optimize.time,
    scenario_name: ScenarioOption = "baseline",
    via: Annotated[
        list[str] | None,
        typer.Option(
            help="Waypoint, in order: a place, or a link the route must use (ferry:ID, ferry:PLACE such as "
            "ferry:Aktau, crossing:ID, line:ID); 'A|B' = A or B. Repeatable."
        ),
    ] = None,
    avoid_country: Annotated[list[str] | None, typer.Option(help="ISO3 country never entered. Repeatable.")] = None,
    avoid_place: Annotated[list[str] | None, typer.Option(help="Place never passed. Repeatable.")] = None,
    avoid_link: Annotated[
        list[str] | None,
        typer.Option(help="Link never used: crossing:ID, ferry:ID, gauge_change:PLACE or line:ID. Repeatable."),
    ] = None,
    avoid_kind: Annotated[
        list[str] | None, typer.Option(help="Edge kind never used (ferry, crossing, transfer, …). Repeatable.")
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(help="rail, road or any (default: rail, or any where an end is off the rail network)."),
    ] = None,
    k: Annotated[
        int,
        typer.Option(
            "-k",
            min=1,
            max=10,
            help="Number of routes (alternatives differ in a crossing, ferry or section, never only in where a break "
            "of gauge is booked).",
        ),
    ] = 1,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: OutputOption = None,
) -> None:
    """Find the fastest or shortest routes between two places, with the time breakdown."""
    with _errors():
        G = _one(scenario_name, network_path)
        net = routing.compile(G)
        routes = routing.route(
            net,
            origin,
            destination,
            optimize=optimize.value,
            via=parse_via(via or []),
            avoid_countries=avoid_country or [],
            avoid_places=avoid_place or [],
            avoid_links=avoid_link or [],
            avoid_kinds=avoid_kind or [],
            mode=None if mode is None else mode.value,
            k=k,
        )
        o, t = routing.resolve_pair(net, origin, destination)
        data = {
            "origin": o,
            "destination": t,
            "scenario": G.graph["scenario"],
            "optimize": optimize.value,
            "routes": [r.to_dict() for r in routes],
        }

        def records() -> list[dict[str, Any]]:
            return [
                {
                    "rank": i,
                    "origin": o,
                    "destination": t,
                    "scenario": G.graph["scenario"],
                    **{
                        k: v
                        for k, v in r.to_dict().items()
                        if k not in ("breakdown", "places", "crossings", "gauge_breaks")
                    },
                    **{f"{c}_h": h for c, h in r.breakdown.items()},
                    "crossings": [c["id"] for c in r.crossings],
                    "gauge_breaks": [g["place"] for g in r.gauge_breaks],
                    "places": [p["id"] for p in r.places],
                }
                for i, r in enumerate(routes, start=1)
            ]

        def table(out: Any) -> None:
            for i, r in enumerate(routes, start=1):
                title = (
                    f"Route {i}/{len(routes)}: {r.places[0]['name']} → {r.places[-1]['name']} "
                    f"({G.graph['scenario']}, {optimize.value})"
                )
                tables.route(out, r, title)

        emit(fmt, data=lambda: data, records=records, table=table, output=output)


@app.command()
def compare(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_names: ScenariosOption = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    refine_with: RefineOption = None,
    output: OutputOption = None,
) -> None:
    """Compare the named corridors under one or more scenarios."""
    with _errors():
        networks = _networks(scenario_names or ["baseline"], network_path, refine_with)
        comp = _corridors.compare_networks(networks, origin, destination)
        emit(
            fmt,
            data=comp.to_dict,
            records=comp.to_records,
            table=lambda out: tables.comparison(out, comp),
            output=output,
        )


@app.command()
def uncertainty(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_names: ScenariosOption = None,
    draws: Annotated[int, typer.Option(min=1, max=1_000_000, help="Monte Carlo draws.")] = 10_000,
    seed: Annotated[int | None, typer.Option(help="Random seed (reproducible results).")] = 0,
    distribution: Annotated[str | None, typer.Option(help="pert or triangular (default: data/timing.toml).")] = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: OutputOption = None,
    with_sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Also swing each uncertain input over its low..high (a tornado) with its break-even value.",
        ),
    ] = False,
    claim: Annotated[str, typer.Option(help="With --sensitivity: the corridor or family claimed faster.")] = "cku",
    target_days: Annotated[
        float, typer.Option("--target-days", help="With --sensitivity: the saving break-even values are found for.")
    ] = 7.0,
) -> None:
    """Monte Carlo door-to-door days per corridor: P10/P50/P90 and P(a faster than b by >= 7 / 10 days)."""
    from silkroute import sensitivity as _sensitivity
    from silkroute import uncertainty as _uncertainty

    with _errors():
        from silkroute.timing import DISTRIBUTIONS

        if distribution is not None and distribution not in DISTRIBUTIONS:
            msg = f"--distribution must be one of {', '.join(DISTRIBUTIONS)}, not {distribution!r}"
            raise InputError(msg)
        networks = _networks(scenario_names or ["baseline"], network_path)
        results = []
        for G in networks.values():
            model = G.graph["time_model"]
            if distribution:
                model = model.with_distribution(distribution)
            results.append(_uncertainty.simulate_on(G, origin, destination, draws=draws, seed=seed, model=model))
        if not math.isfinite(target_days):
            msg = f"--target-days must be a finite number of days, not {target_days:g}"
            raise InputError(msg)
        tornados = (
            [
                _sensitivity.sensitivity(G, origin, destination, claim=claim, target_days=target_days)
                for G in networks.values()
            ]
            if with_sensitivity
            else []
        )

        def records() -> list[dict[str, Any]]:
            if tornados:
                return [
                    {"scenario": t.scenario, "origin": t.origin, "destination": t.destination, **w.to_dict()}
                    for t in tornados
                    for w in t.swings
                ]
            return [
                {"scenario": r.scenario, "origin": r.origin, "destination": r.destination, **c}
                for r in results
                for c in r.to_dict()["corridors"]
            ]

        def table(out: Any) -> None:
            for res in results:
                tables.uncertainty(out, res)
            for t in tornados:
                tables.sensitivity(out, t)

        def data() -> Any:
            items = [
                {**r.to_dict(), **({"sensitivity": tornados[i].to_dict()} if tornados else {})}
                for i, r in enumerate(results)
            ]
            return items[0] if len(items) == 1 else items

        emit(fmt, data=data, records=records, table=table, output=output)


@app.command()
def criticality(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_name: ScenarioOption = "baseline",
    layer: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the ranking as a GeoJSON layer.")
    ] = None,
    map_path: MapOption = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
) -> None:
    """Chokepoints: close each crossing, break of gauge, ferry and line section in turn and rank by added days."""
    from silkroute import criticality as _criticality

    with _errors():
        G = _one(scenario_name, network_path)
        net = routing.compile(G)
        o, t = routing.resolve_pair(net, origin, destination)
        points = _criticality.criticality_on(net, o, t)
        gdf = _criticality.to_gdf(G, points)
        if layer is not None:
            _write_layer(gdf, layer)
        if map_path is not None:
            _write_map(
                G, gdf, f"Chokepoints {origin} → {destination}", "max_added_days", map_path, fields=("used_by", "cuts")
            )
        data = {
            "origin": o,
            "destination": t,
            "scenario": G.graph["scenario"],
            "chokepoints": [p.to_dict() for p in points],
        }
        title = f"{origin} → {destination} — chokepoints, scenario {G.graph['scenario']}"
        emit(
            fmt,
            data=lambda: data,
            records=lambda: gdf.drop(columns="geometry").to_dict("records"),
            table=lambda out: tables.chokepoints(out, points, title),
        )


@app.command()
def reach(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    days: Annotated[str, typer.Option(help="Comma-separated thresholds in days.")] = "5,10,15",
    scenario_name: ScenarioOption = "baseline",
    mode: Annotated[Mode, typer.Option(help="rail, road or any.")] = Mode.rail,
    layers: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Also write the reachable places and network as GeoJSON (PREFIX.places.geojson, PREFIX.network.geojson).",
        ),
    ] = None,
    map_path: MapOption = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
) -> None:
    """Places and network reachable within N days."""
    from silkroute import reach as _reach

    with _errors():
        limits = parse_days(days)
        G = _one(scenario_name, network_path)
        places_gdf, edges_gdf = _reach.reach_on(G, origin, limits, mode=mode.value)
        if layers is not None:
            _write_layer(places_gdf, layers.with_suffix(".places.geojson"))
            _write_layer(edges_gdf, layers.with_suffix(".network.geojson"))
        if map_path is not None:
            _write_map(G, edges_gdf, f"Reach from {origin} (days)", "within_days", map_path, places=places_gdf)
        rows = places_gdf.drop(columns="geometry").to_dict("records")
        data = {"origin": _places.resolve(G, origin), "scenario": G.graph["scenario"], "days": limits, "places": rows}
        title = f"reachable from {origin} — scenario {G.graph['scenario']}"
        emit(
            fmt,
            data=lambda: data,
            records=lambda: rows,
            table=lambda out: tables.reach(out, places_gdf, title),
        )


@app.command()
def sweep(
    pair: Annotated[list[str], typer.Option("--pair", help="'ORIGIN:DESTINATION'. Repeatable.")],
    scenario_names: ScenariosOption = None,
    draws: Annotated[int, typer.Option(min=1, max=1_000_000, help="Monte Carlo draws per task.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Sweep seed.")] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="'local' for a 2-worker Dask LocalCluster, or a scheduler address.")
    ] = None,
    network_path: NetworkOption = None,
    output: OutputOption = None,
) -> None:
    """Monte Carlo for many pairs × scenarios, optionally on a Dask cluster; JSON out."""
    from silkroute import sweep as _sweep

    with _errors():
        pairs = [parse_pair(p) for p in pair]
        results = _sweep.sweep(
            pairs, scenario_names or ["baseline"], draws=draws, seed=seed, scheduler=scheduler, network=network_path
        )
        emit(Fmt.json, data=lambda: results, output=output)


# --------------------------------------------------------------------------- maps and layers


def _write_map(
    G: nx.MultiDiGraph,
    layer: Any,
    name: str,
    value: str,
    path: Path,
    *,
    fields: tuple[str, ...] = (),
    places: Any = None,
) -> None:
    from silkroute import maps

    m = maps.network_map(G, _catalog.load(G.graph.get("catalog")), title=name)
    maps.add_ranked_layer(m, layer, name, value, fields=fields)
    if places is not None:
        maps.add_ranked_layer(m, places, f"{name}: places", value, fields=("time_days",))
    err.print(f"wrote {maps.save(m, path)}")


def _write_layer(gdf: Any, path: Path) -> None:
    from silkroute import io as _io

    _io.write_geojson(gdf, path)
    err.print(f"wrote {path}")


@app.command("map")
def map_(
    origin: Annotated[str | None, typer.Option("--from", help="Origin: draw each corridor's route to --to.")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="Destination.")] = None,
    scenario_names: ScenariosOption = None,
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
        if output.suffix.lower() not in (".html", ".htm"):
            msg = f"-o {output}: a map is an HTML page; give a file name ending in .html"
            raise InputError(msg)
        pairs = parse_pairs(origin, destination)
        networks = _networks(scenario_names or ["baseline"], network_path)
        comparisons = [_corridors.compare_networks(networks, o, t) for o, t in pairs]
        G = next(iter(networks.values()))
        tiles = "CartoDB positron" if cdn else None
        m = maps.corridor_map(comparisons, G, _catalog.load(), tiles=tiles)
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
    scenario_names: ScenariosOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="geojson (one file per layer) or gpkg (one table per layer).")
    ] = "geojson",
    network_path: NetworkOption = None,
) -> None:
    """Export GIS layers (RFC 7946 GeoJSON or GeoPackage), written atomically as a set."""
    from silkroute import io as _io

    with _errors():
        if fmt not in _io.FORMATS:
            msg = f"--format must be geojson or gpkg, not {fmt!r}"
            raise InputError(msg)
        if out_dir.exists() and not out_dir.is_dir():
            msg = f"-o {out_dir} is a file; export writes a directory of layers, give a directory"
            raise InputError(msg)
        names = [s.strip() for s in layers.split(",") if s.strip()]
        if not names:
            msg = f"--layers names no layer; choose from {','.join(_io.LAYERS)}"
            raise InputError(msg)
        unknown = [n for n in names if n not in _io.LAYERS]
        if unknown:
            msg = f"--layers: unknown layer(s) {', '.join(unknown)}; choose from {','.join(_io.LAYERS)}"
            raise InputError(msg)
        pairs = parse_pairs(origin, destination)
        if {"corridors", "routes"} & set(names) and not pairs:
            msg = "--layers corridors and routes need --from and --to"
            raise InputError(msg)
        networks = _networks(scenario_names or ["baseline"], network_path)
        comparisons = [_corridors.compare_networks(networks, o, t) for o, t in pairs]
        G = next(iter(networks.values()))
        paths = _io.export_layers(out_dir, names, network=G, catalog=_catalog.load(), comparisons=comparisons, fmt=fmt)
        for path in paths:
            err.print(f"wrote {path}")


# --------------------------------------------------------------------------- the main job


@app.command()
def report(
    config: Annotated[
        Path | None, typer.Option("--config", help="Report configuration (TOML); data/report.toml by default.")
    ] = None,
    map_path: Annotated[Path | None, typer.Option("--map", help="Write the corridor map (HTML) here.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the GeoJSON layers into this directory.")] = None,
    fmt: FormatOption = Fmt.table,
    output: OutputOption = None,
) -> None:
    """The main job: headline corridor comparisons, the answer to the 7–10 day claim, map and layers."""
    from silkroute import report as _report_module

    with _errors():
        rep = _report_module.run(config)

        def table(out: Any) -> None:
            for f in rep.findings:
                tables.comparison(out, f.comparison)
                if f.simulation is not None:
                    tables.uncertainty(out, f.simulation)
            out.rule(rep.config.claim.text + "?")
            for sentence in rep.sentences:
                out.print("• " + sentence)
            if rep.validation:
                out.print(rep.validation[0])
                for line in rep.validation[1:]:
                    out.print("  " + line)

        def records() -> list[dict[str, Any]]:
            return [row for c in rep.comparisons for row in c.to_records()]

        emit(fmt, data=rep.to_dict, records=records, table=table, output=output)
        if map_path is not None:
            from silkroute import maps

            m = maps.corridor_map(rep.comparisons, rep.base_network, rep.catalog)
            maps.save(m, map_path, offline=True)
            err.print(f"map: {map_path.resolve()}")
        if out_dir is not None:
            from silkroute import io as _io

            paths = _io.export_layers(
                out_dir, network=rep.base_network, catalog=rep.catalog, comparisons=rep.comparisons
            )
            err.print(f"layers: {', '.join(str(p) for p in paths)}")


@app.command()
def validate(
    runs_file: Annotated[
        Path | None,
        typer.Option("--runs", help="Published runs (CSV like data/validation.csv); the embedded set by default."),
    ] = None,
    fmt: FormatOption = Fmt.table,
    output: OutputOption = None,
) -> None:
    """The model against published runs: modelled km and days next to what operators reported, and a summary."""
    from silkroute import validation

    with _errors():
        result = validation.validate(validation.load_runs(runs_file))
        emit(
            fmt,
            data=result.to_dict,
            records=result.to_records,
            table=lambda out: tables.validation(out, result),
            output=output,
        )


# --------------------------------------------------------------------------- networks and scenarios


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
    with_catalog: Annotated[
        bool,
        typer.Option(
            "--with-catalog",
            help="Stitch the catalog on: attach its places; add its border crossings (directional dwell), breaks of "
            "gauge, ferries and terminals; countries, gauges and speed classes for the time model; catalog sections "
            "where the track has gaps.",
        ),
    ] = False,
    attach_km: Annotated[
        float,
        typer.Option(
            "--attach-km", help="Attach a place to a line within this many km (default 2); farther ones are listed."
        ),
    ] = 2.0,
    length_km: Annotated[
        str | None,
        typer.Option(
            "--length-km",
            help="Column with each line's measured length in km (e.g. osm_km of a skeleton): drawn lengths are scaled to it.",
        ),
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
        Path | None,
        typer.Option(
            help="Country polygons with an ISO3 column (for --gauge-by-country; with --with-catalog optional)."
        ),
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
    fmt: Annotated[
        Fmt,
        typer.Option(
            "--format", help="table (the build report), json (the report as data) or csv (one row per place)."
        ),
    ] = Fmt.table,
) -> None:
    """Build a routable network from any line file or OSM extract (or, with --online, Overpass); print the build report."""
    from silkroute import build as _build
    from silkroute import ingest
    from silkroute import io as _io
    from silkroute._progress import progress, quiet

    with _errors(), quiet(fmt is not Fmt.table):
        if output.suffix.lower() != ".gpkg":
            msg = f"-o {output}: a network is written as a GeoPackage; give a file name ending in .gpkg"
            raise InputError(msg)
        if snap_m is not None and not (math.isfinite(snap_m) and snap_m >= 0):
            msg = f"--snap-m must be a finite number of metres >= 0, not {snap_m:g}"
            raise InputError(msg)
        if not (math.isfinite(attach_km) and attach_km >= 0):
            msg = f"--attach-km must be a finite number of km >= 0, not {attach_km:g}"
            raise InputError(msg)
        if sum(x is not None for x in (lines_file, osm_file, place)) != 1:
            msg = "give exactly one of --lines FILE or --osm FILE (or --place NAME with --online)"
            raise InputError(msg)
        if mode is Mode.any:
            msg = "--mode must be rail or road for a build"
            raise InputError(msg)
        if place is not None and not online:
            msg = f"downloading {place!r} from Overpass needs network access: add --online (silkroute never goes online by default)"
            raise InputError(msg)
        options = _build.BuildOptions(
            keep=ingest.WayFilter(mode.value),
            snap_m=snap_m,
            attach_m=attach_km * 1000.0,
            countries=countries,
            gauge_by_country=gauge_by_country,
            layer=layer,
            length_km=length_km,
        )
        cat = _catalog.load() if with_catalog else None
        if place is not None:
            table = ingest.read_places(places_file) if places_file else None
            G = _build.from_overpass(place, options, online=True, places=table, catalog=cat)
        else:
            source = lines_file or osm_file
            assert source is not None
            G = _build.from_file(source, options, places=places_file, catalog=cat)
        with progress(f"Writing {output.name}"):
            path = _io.save_network(G, output)
        report = G.graph["build_report"]

        def records() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = [
                {"id": pid, "attached": True, "layer": layer, "distance_m": metres, "reason": None}
                for pid, layers in report.attach_distance_m.items()
                for layer, metres in layers.items()
            ]
            rows += [
                {
                    "id": pid,
                    "attached": False,
                    "layer": None,
                    "distance_m": round(d, 1),
                    "reason": report.unattached_reason.get(pid),
                }
                for pid, d in report.places_unattached
            ]
            return rows

        emit(
            fmt,
            data=lambda: {**_build.report_dict(G), "output": str(path)},
            records=records,
            table=lambda out: _write(out, _build.summary(G)),
        )
        err.print(f"wrote {path}; use it with --network {path}")


def _write(out: Any, text: str) -> None:
    """Write plain text (a report that must not be wrapped or styled) to a renderer's console."""
    out.file.write(text + "\n")


@app.command()
def scenarios(fmt: FormatOption = Fmt.table, output: OutputOption = None) -> None:
    """List the embedded scenarios and what they change."""
    with _errors():
        rows = []
        for name in scenario.available():
            sc = scenario.load(name)
            rows.append({"name": name, "description": sc.description, "changes": sc.summary()})

        def table(out: Any) -> None:
            from rich.table import Table

            t = Table("name", "description", "changes")
            for r in rows:
                t.add_row(r["name"], r["description"], r["changes"])
            out.print(t)

        emit(fmt, data=lambda: rows, records=lambda: rows, table=table, output=output)


def main() -> None:
    """Run the console script."""
    app()

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

from silkroute import _progress
from silkroute._errors import InputError, NoRouteError, SilkrouteError
from silkroute.cli import tables
from silkroute.cli.options import (
    FormatOption,
    MapOption,
    Mode,
    NetworkOption,
    Optimize,
    OptimizeOption,
    OutputOption,
    RefineOption,
    ScenarioOption,
    ScenariosOption,
    ValueOfTimeOption,
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
    from silkroute._engine import Compiled
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


def _check_value_of_time(value_of_time: float | None) -> None:
    """Reject a ``--value-of-time`` that is not a finite number >= 0, naming the option."""
    if value_of_time is not None and (not math.isfinite(value_of_time) or value_of_time < 0):
        msg = f"--value-of-time must be a finite number of USD per FEU-hour >= 0, not {value_of_time:g}"
        raise InputError(msg)


def _value_time(networks: Sequence[nx.MultiDiGraph], value_of_time: float | None) -> None:
    """Apply ``--value-of-time`` to every network (its generalised cost)."""
    _check_value_of_time(value_of_time)
    if value_of_time is None:
        return
    from silkroute import costs

    for G in networks:
        costs.set_value_of_time(G, value_of_time)


def _compiled(
    names: Sequence[str], network_path: Path | None = None, value_of_time: float | None = None
) -> dict[str, Compiled]:
    """Scenario name → the compiled network under it; a network file is compiled from its tables (no graph)."""
    if network_path is None:
        networks = _networks(names)
        _value_time(list(networks.values()), value_of_time)
        return {s: routing.compile(G) for s, G in networks.items()}
    from silkroute import io as _io

    _check_value_of_time(value_of_time)
    tables = _io.read_network_tables(network_path)
    out = {}
    for name in names:
        net = routing.compile(scenario.apply_tables(tables, name, value_of_time=value_of_time))
        out[str(net.view.graph["scenario"])] = net
    return out


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
    optimize: OptimizeOption = Optimize.time,
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
    value_of_time: ValueOfTimeOption = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: OutputOption = None,
) -> None:
    """Find the fastest, shortest or cheapest routes between two places, with the time, cost and CO2e breakdown."""
    with _errors():
        net = next(iter(_compiled([scenario_name], network_path, value_of_time).values()))
        scenario_id = net.view.graph["scenario"]
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
            "scenario": scenario_id,
            "optimize": optimize.value,
            "routes": [r.to_dict() for r in routes],
        }

        def records() -> list[dict[str, Any]]:
            return [
                {
                    "rank": i,
                    "origin": o,
                    "destination": t,
                    "scenario": scenario_id,
                    **{
                        k: v
                        for k, v in r.to_dict().items()
                        if k
                        not in ("breakdown", "places", "crossings", "gauge_breaks", "cost_breakdown", "co2_breakdown")
                    },
                    **{f"{c}_h": h for c, h in r.breakdown.items()},
                    **{f"cost_{c}_usd": v for c, v in (r.cost_breakdown or {}).items()},
                    **{f"co2_{c}_kg": v for c, v in (r.co2_breakdown or {}).items()},
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
                    f"({scenario_id}, {optimize.value})"
                )
                tables.route(out, r, title)

        emit(fmt, data=lambda: data, records=records, table=table, output=output)


def _place_list(values: str | None, path: Path | None, option: str) -> list[str]:
    """The places of ``--from A,B`` or ``--from-file FILE`` (a CSV with an ``id`` column of ids or names)."""
    if (values is None) == (path is None):
        msg = f"give exactly one of --{option} A,B,... or --{option}-file FILE"
        raise InputError(msg)
    if path is not None:
        import pandas as pd

        if not path.is_file():
            msg = f"--{option}-file {path}: file not found; give a CSV with an 'id' column of place ids or names"
            raise InputError(msg)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (ValueError, UnicodeDecodeError) as exc:
            msg = f"--{option}-file {path}: not a readable CSV ({exc}); give a CSV with an 'id' column"
            raise InputError(msg) from None
        if "id" not in frame.columns:
            msg = f"--{option}-file {path}: no 'id' column (found {', '.join(map(str, frame.columns))}); add one with place ids or names"
            raise InputError(msg)
        names = [v.strip() for v in frame["id"] if v.strip()]
    else:
        names = [v.strip() for v in str(values).split(",") if v.strip()]
    if not names:
        msg = f"--{option} names no place; give place ids or names, comma-separated"
        raise InputError(msg)
    return names


@app.command("matrix")
def matrix_(
    origins: Annotated[str | None, typer.Option("--from", help="Origins: comma-separated place names or ids.")] = None,
    origins_file: Annotated[
        Path | None, typer.Option("--from-file", help="Origins: a CSV with an 'id' column of place ids or names.")
    ] = None,
    destinations: Annotated[
        str | None, typer.Option("--to", help="Destinations: comma-separated (the origins if neither is given).")
    ] = None,
    destinations_file: Annotated[
        Path | None, typer.Option("--to-file", help="Destinations: a CSV with an 'id' column.")
    ] = None,
    optimize: Annotated[
        Optimize, typer.Option(help="Hours (time), km (distance) or USD per FEU (cost, generalized).")
    ] = Optimize.time,
    scenario_name: ScenarioOption = "baseline",
    mode: Annotated[Mode, typer.Option(help="rail, road or any.")] = Mode.rail,
    workers: Annotated[int, typer.Option(min=0, help="Local processes for the origin blocks (0: one per core).")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Run the origin blocks on a Dask scheduler (tcp://host:8786, or 'local' for a LocalCluster)."
        ),
    ] = None,
    block: Annotated[int, typer.Option(min=1, help="Origins per block.")] = 32,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the matrix to FILE.csv, FILE.parquet or FILE.json."),
    ] = None,
) -> None:
    """Origin × destination matrix of least hours, km or USD per FEU: CSV, Parquet or JSON; unreachable cells empty."""
    from silkroute import _blocks

    with _errors():
        suffix = output.suffix.lower() if output is not None else ""
        if output is not None and suffix not in (".csv", ".parquet", ".json"):
            msg = f"-o {output}: the matrix is written as .csv, .parquet or .json; change the file name"
            raise InputError(msg)
        o_names = _place_list(origins, origins_file, "from")
        same = destinations is None and destinations_file is None
        t_names = None if same else _place_list(destinations, destinations_file, "to")
        machine = fmt is not Fmt.table and output is None
        with _progress.quiet(machine):
            net = next(iter(_compiled([scenario_name], network_path).values()))
            frame = routing.matrix(
                net,
                o_names,
                t_names,
                optimize=optimize.value,
                mode=mode.value,
                workers=workers or _blocks.cores(),
                scheduler=scheduler,
                block=block,
            )
        unit = {"time": "h", "distance": "km"}.get(optimize.value, "USD per FEU")
        if suffix == ".parquet":
            _write_parquet(frame, output)  # type: ignore[arg-type]
            return
        chosen = Fmt.json if suffix == ".json" else Fmt.csv if suffix == ".csv" else fmt

        def data() -> dict[str, Any]:
            values = frame.to_numpy()
            return {
                "scenario": net.view.graph["scenario"],
                "optimize": optimize.value,
                "unit": unit,
                "origins": list(frame.index),
                "destinations": list(frame.columns),
                "values": [[None if v != v else round(float(v), 6) for v in row] for row in values],
            }

        def records() -> list[dict[str, Any]]:
            return [{"origin": o, **row} for o, row in zip(frame.index, frame.to_dict("records"), strict=True)]

        def table(out: Any) -> None:
            from rich.table import Table

            t = Table(
                "origin", *map(str, frame.columns), title=f"{unit} ({net.view.graph['scenario']}, {optimize.value})"
            )
            for o, row in zip(frame.index, frame.to_numpy(), strict=True):
                t.add_row(o, *("" if v != v else f"{v:,.1f}" for v in row))
            out.print(t)

        emit(chosen, data=data, records=records, table=table, output=output)


def _write_parquet(frame: Any, path: Path) -> None:
    """Write the matrix as Parquet (one row per origin, ``origin`` first; unreachable = null), atomically."""
    from silkroute._files import atomic_path

    with atomic_path(path) as tmp:
        frame.reset_index().to_parquet(tmp, index=False)
    err.print(f"wrote {path}")


@app.command()
def compare(
    origin: Annotated[str, typer.Option("--from", help="Origin place.")],
    destination: Annotated[str, typer.Option("--to", help="Destination place.")],
    scenario_names: ScenariosOption = None,
    optimize: OptimizeOption = Optimize.time,
    value_of_time: ValueOfTimeOption = None,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    refine_with: RefineOption = None,
    output: OutputOption = None,
) -> None:
    """Compare the named corridors under one or more scenarios: days, cost and CO2e per FEU."""
    with _errors():
        names = scenario_names or ["baseline"]
        if refine_with:
            networks: Any = _networks(names, network_path, refine_with)
            _value_time(list(networks.values()), value_of_time)
        else:
            networks = _compiled(names, network_path, value_of_time)
        comp = _corridors.compare_networks(networks, origin, destination, optimize=optimize.value)
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

    with _errors(), _progress.quiet(fmt is not Fmt.table and output is None):
        from silkroute.timing import DISTRIBUTIONS

        if distribution is not None and distribution not in DISTRIBUTIONS:
            msg = f"--distribution must be one of {', '.join(DISTRIBUTIONS)}, not {distribution!r}"
            raise InputError(msg)
        networks = _compiled(scenario_names or ["baseline"], network_path)
        results = []
        for net in networks.values():
            model = net.view.graph["time_model"]
            if distribution:
                model = model.with_distribution(distribution)
            results.append(_uncertainty.simulate_on(net, origin, destination, draws=draws, seed=seed, model=model))
        if not math.isfinite(target_days):
            msg = f"--target-days must be a finite number of days, not {target_days:g}"
            raise InputError(msg)
        tornados = (
            [
                _sensitivity.sensitivity(net, origin, destination, claim=claim, target_days=target_days)
                for net in networks.values()
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
    weight_by_volume: Annotated[
        bool,
        typer.Option(
            "--weight-by-volume",
            help="Rank by assigned volume x added days (FEU-days lost per day of closure): assigns --demand first.",
        ),
    ] = False,
    demand: Annotated[
        Path | None, typer.Option("--demand", help="With --weight-by-volume: a demand CSV (default data/demand.csv).")
    ] = None,
) -> None:
    """Chokepoints: close each crossing, break of gauge, ferry and line section in turn and rank by added days."""
    from silkroute import criticality as _criticality

    with _errors():
        G = _one(scenario_name, network_path)
        net = routing.compile(G)
        o, t = routing.resolve_pair(net, origin, destination)
        volumes = None
        if weight_by_volume:
            from silkroute import assignment

            volumes = assignment.assign(net, assignment.load_demand(demand)).volumes
        elif demand is not None:
            msg = "--demand is used only with --weight-by-volume; add --weight-by-volume or drop --demand"
            raise InputError(msg)
        points = _criticality.criticality_on(net, o, t, volumes=volumes)
        gdf = _criticality.to_gdf(G, points)
        if layer is not None:
            _write_layer(gdf, layer)
        if map_path is not None:
            from silkroute import maps

            m = maps.network_map(
                G, _catalog.load(G.graph.get("catalog")), title=f"Chokepoints {origin} → {destination}"
            )
            maps.add_chokepoints(m, gdf)
            err.print(f"wrote {maps.save(m, map_path)}")
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
            help="Also write the reachable places, network and bands of days as GeoJSON"
            " (PREFIX.places.geojson, PREFIX.network.geojson, PREFIX.areas.geojson: one polygon per band).",
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
        net = routing.compile(G)
        places_gdf, edges_gdf = _reach.reach_on(net, origin, limits, mode=mode.value)
        areas_gdf = _reach.areas_on(net, origin, limits, mode=mode.value) if layers or map_path else None
        if layers is not None:
            _write_layer(places_gdf, layers.with_suffix(".places.geojson"))
            _write_layer(edges_gdf, layers.with_suffix(".network.geojson"))
            _write_layer(areas_gdf, layers.with_suffix(".areas.geojson"))
        if map_path is not None:
            from silkroute import maps

            name = str(places_gdf["name"].iloc[0]) if len(places_gdf) else origin
            m = maps.network_map(G, _catalog.load(G.graph.get("catalog")), title=f"Reach from {name} by {mode.value}")
            start = places_gdf.geometry.iloc[0] if len(places_gdf) else None
            maps.add_reach(
                m, areas_gdf, places_gdf, name="Reach", origin=None if start is None else (start.y, start.x, name)
            )
            err.print(f"wrote {maps.save(m, map_path)}")
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
    fmt: Annotated[Fmt, typer.Option("--format", help="json (default), table or csv.")] = Fmt.json,
    output: OutputOption = None,
) -> None:
    """Monte Carlo for many pairs × scenarios, optionally on a Dask cluster: P10/P50/P90 days per corridor."""
    from silkroute import sweep as _sweep

    with _errors(), _progress.quiet(output is None and fmt is not Fmt.table):
        pairs = [parse_pair(p) for p in pair]
        results = _sweep.sweep(
            pairs, scenario_names or ["baseline"], draws=draws, seed=seed, scheduler=scheduler, network=network_path
        )

        def records() -> list[dict[str, Any]]:
            keep = ("scenario", "origin", "destination", "draws", "seed")
            return [{**{k: r[k] for k in keep}, **c} for r in results for c in r["corridors"]]

        emit(fmt, data=lambda: results, records=records, table=lambda out: tables.sweep(out, results), output=output)


@app.command()
def assign(
    demand: Annotated[
        Path | None,
        typer.Option(
            "--demand",
            help="Demand CSV: id, origin, destination, quantity, unit[, corridor] (default data/demand.csv).",
        ),
    ] = None,
    scenario_name: ScenarioOption = "baseline",
    tolerance: Annotated[
        float, typer.Option(help="Stop when the relative gap of the equilibrium is below this.")
    ] = 1e-3,
    max_iterations: Annotated[int, typer.Option("--max-iterations", min=1, max=100_000, help="Iteration limit.")] = 500,
    fmt: FormatOption = Fmt.table,
    network_path: NetworkOption = None,
    output: OutputOption = None,
) -> None:
    """Assign a demand to the congested equilibrium: utilisation, queueing wait and dwell per capacitated link."""
    from silkroute import assignment

    with _errors():
        if not (math.isfinite(tolerance) and 0 < tolerance < 1):
            msg = f"--tolerance must be a number between 0 and 1, not {tolerance:g}"
            raise InputError(msg)
        G = _one(scenario_name, network_path)
        flows = assignment.load_demand(demand)
        result = assignment.assign(G, flows, tolerance=tolerance, max_iterations=max_iterations)
        emit(
            fmt,
            data=result.to_dict,
            records=result.to_records,
            table=lambda out: tables.assignment(out, result),
            output=output,
        )


# --------------------------------------------------------------------------- maps and layers


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
    html_path: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the report as one self-contained HTML page (charts, map, sources)."),
    ] = None,
    pdf_path: Annotated[
        Path | None, typer.Option("--pdf", help="Also print the HTML report to this PDF (needs headless Chromium).")
    ] = None,
) -> None:
    """The main job: headline corridor comparisons, the answer to the 7–10 day claim, map and layers."""
    from silkroute import report as _report_module

    with _errors():
        for path, suffixes, option in ((html_path, (".html", ".htm"), "--html"), (pdf_path, (".pdf",), "--pdf")):
            if path is not None and path.suffix.lower() not in suffixes:
                msg = f"{option} {path}: give a file name ending in {suffixes[0]}"
                raise InputError(msg)
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
        map_page = None
        if map_path is not None or html_path is not None or pdf_path is not None:
            from silkroute import maps
            from silkroute.maps.offline import offline_html

            m = maps.corridor_map(rep.comparisons, rep.base_network, rep.catalog)
            if map_path is not None:
                maps.save(m, map_path, offline=True)
                err.print(f"map: {map_path.resolve()}")
            map_page = offline_html(m.get_root().render())
        if html_path is not None or pdf_path is not None:
            import tempfile

            from silkroute import report_html

            page = html_path or Path(tempfile.mkdtemp(prefix="silkroute-report-")) / "report.html"
            report_html.write(rep, page, map_html=map_page)
            if html_path is not None:
                err.print(f"report: {html_path.resolve()}")
            if pdf_path is not None:
                report_html.to_pdf(page, pdf_path)
                err.print(f"pdf: {pdf_path.resolve()}")
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

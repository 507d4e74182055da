"""Line sections between consecutive stops, with their length and where the length comes from.

Every section (a pair of consecutive stops of a ``lines.csv`` row) gets a
length in this order of precedence:

``published``
    the row has a published length (``published_km_mode``): the row's
    sections share it in proportion to their measured or estimated lengths;
``osm``
    the track length measured on OpenStreetMap between the two stops
    (``track.csv``, made by ``scripts/derive_track.py`` from the PyPI package
    ``scgraph-data``), with the geometry along that track;
``circuity``
    the geodesic between the two stops times the circuity factor of the mode:
    the median ratio of OSM track to geodesic over the sections that were
    matched (:func:`circuity`), flagged as an estimate.

A published length shorter than 0.95 × the geodesic between the row's first and
last stop cannot be a track length of that row (the publication's extent
differs) and is not used; :func:`lengths_report` lists such rows.
"""

from __future__ import annotations

import itertools
import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

if TYPE_CHECKING:
    import geopandas as gpd

    from silkroute.catalog import Catalog

__all__ = ["DEFAULT_CIRCUITY", "MIN_MATCHED", "PUBLISHED_MIN_RATIO", "circuity", "lengths_report", "sections"]

log = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
#: Circuity used when a catalog has no (or too few) measured sections of a mode: the medians of the
#: embedded catalog's ``track.csv`` (OSM track km / stop-to-stop geodesic km, matched sections).
DEFAULT_CIRCUITY = {"rail": 1.072, "road": 1.072}
#: A published length must be at least this share of the geodesic between the row's first and last stop.
PUBLISHED_MIN_RATIO = 0.95
#: Fewest matched sections of a mode for its own median circuity.
MIN_MATCHED = 20


def _geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def circuity(track: pd.DataFrame | None, modes: pd.Series) -> dict[str, float]:
    """Return the circuity factor of each mode: median OSM track km / geodesic km of matched sections.

    Parameters
    ----------
    track
        ``track.csv`` (columns ``line_id``, ``status``, ``geodesic_km``, ``osm_km``), or ``None``.
    modes
        The mode of each line id.

    Returns
    -------
    dict
        Mode → factor; :data:`DEFAULT_CIRCUITY` where fewer than :data:`MIN_MATCHED` sections were matched.
    """
    out = dict(DEFAULT_CIRCUITY)
    if track is None or track.empty:
        return out
    matched = track[(track["status"] == "matched") & (track["geodesic_km"] > 0)]
    mode = matched["line_id"].map(modes)
    for m in out:
        ratio = (matched["osm_km"] / matched["geodesic_km"])[mode == m]
        if len(ratio) >= MIN_MATCHED:
            out[m] = float(ratio.median())
    return out


def sections(cat: Catalog) -> gpd.GeoDataFrame:
    """Return every section of the catalog's lines with its length, provenance and geometry.

    Parameters
    ----------
    cat
        A loaded catalog (its ``track`` table may be empty).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per pair of consecutive stops: ``line_id``, ``seq``, ``from``, ``to``, the line's
        ``name``, ``mode``, ``gauge``, ``status``, ``speed_class``, ``country``, ``geodesic_km``,
        ``base_km`` (OSM or circuity), ``length_km``, ``length_source`` (``published``, ``osm`` or
        ``circuity``), ``track`` (the OSM match status or why not) and ``geometry`` (along the OSM
        track where matched, else the straight segment), EPSG:4326.
    """
    import geopandas as gpd

    track = cat.track
    factors = circuity(track, cat.lines["mode"])
    by_pair: dict[tuple[str, int], dict[str, Any]] = (
        {} if track is None else {(r["line_id"], int(r["seq"])): r for r in track.to_dict("records")}
    )
    places = cat.places
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    stale = 0
    for line in cat.lines.itertuples(index=False):
        stops = list(line.stops)
        first = len(rows)
        for seq, (a, b) in enumerate(itertools.pairwise(stops)):
            pa = (float(places.at[a, "lon"]), float(places.at[a, "lat"]))
            pb = (float(places.at[b, "lon"]), float(places.at[b, "lat"]))
            geodesic = _geodesic_km(pa, pb)
            t = by_pair.get((line.id, seq))
            if t is not None and (t["from"], t["to"]) != (a, b):
                stale += 1
                t = None
            if t is not None and t["status"] == "matched" and _finite(t["osm_km"]):
                base, source, geom, note = float(t["osm_km"]), "osm", _on_track(t["geometry"], pa, pb), "matched"
            else:
                base = geodesic * factors[line.mode]
                source, geom = "circuity", shapely.LineString([pa, pb])
                note = "no OSM measurement" if t is None else str(t.get("reason") or t["status"])
            rows.append(
                {
                    "line_id": line.id,
                    "seq": seq,
                    "from": a,
                    "to": b,
                    "name": line.name,
                    "mode": line.mode,
                    "gauge": None if line.gauge is None or line.gauge != line.gauge else int(line.gauge),
                    "status": line.status,
                    "speed_class": line.speed_class,
                    "country": line.country,
                    "geodesic_km": geodesic,
                    "base_km": base,
                    "length_km": base,
                    "length_source": source,
                    "track": note,
                }
            )
            geoms.append(geom)
        published = line.published_km_mode
        own = rows[first:]
        first_xy, last_xy = ((float(places.at[s, "lon"]), float(places.at[s, "lat"])) for s in (stops[0], stops[-1]))
        ends = _geodesic_km(first_xy, last_xy)
        if _finite(published) and float(published) >= PUBLISHED_MIN_RATIO * ends:
            scale = float(published) / math.fsum(r["base_km"] for r in own)
            for r in own:
                r["length_km"] = r["base_km"] * scale
                r["length_source"] = "published"
    if stale:
        log.warning("track.csv is stale for %d sections (stops changed): re-run scripts/derive_track.py", stale)
    frame = pd.DataFrame(rows)
    frame["gauge"] = pd.Series([r["gauge"] for r in rows], dtype=object)  # ints and None, not floats and NaN
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def _on_track(wkt: str, a: tuple[float, float], b: tuple[float, float]) -> shapely.LineString:
    """The section's geometry from stop ``a`` along the OSM track to stop ``b``.

    ``track.csv`` draws stop → snap point → track → snap point → stop; the snap
    points are replaced by the stops, so the line does not run out to the track
    and back at a station that lies off it (a town centre).
    """
    xy = shapely.get_coordinates(shapely.from_wkt(wkt))
    inner = xy[2:-2] if len(xy) >= 5 else np.empty((0, 2))
    return shapely.LineString(np.vstack([a, inner, b]))


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def lengths_report(cat: Catalog, table: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Return one row per line: its length, where it comes from, and published lengths that were not used.

    Parameters
    ----------
    cat
        A loaded catalog.
    table
        Its :func:`sections` (computed if not given).

    Returns
    -------
    pandas.DataFrame
        Indexed by line id: ``mode``, ``length_km``, ``drawn_km`` (polyline through the stops),
        ``osm_sections``, ``circuity_sections``, ``length_source`` (``published``, ``osm``,
        ``osm+circuity`` or ``circuity``), ``published_km`` and ``published_used``.
    """
    table = sections(cat) if table is None else table
    rows = []
    for line_id, group in table.groupby("line_id", sort=False):
        sources = set(group["length_source"])
        n_osm = int((group["track"] == "matched").sum())
        n_circ = len(group) - n_osm
        published = cat.lines.at[line_id, "published_km_mode"]
        if "published" in sources:
            source = "published"
        elif n_circ == 0:
            source = "osm"
        else:
            source = "osm+circuity" if n_osm else "circuity"
        rows.append(
            {
                "line_id": line_id,
                "mode": group["mode"].iloc[0],
                "length_km": float(group["length_km"].sum()),
                "drawn_km": float(group["geodesic_km"].sum()),
                "osm_sections": n_osm,
                "circuity_sections": n_circ,
                "length_source": source,
                "published_km": float(published) if _finite(published) else np.nan,
                "published_used": "published" in sources,
            }
        )
    return pd.DataFrame(rows).set_index("line_id")

"""What a line network needs besides geometry: country, gauge and speed class of each line; merging of ways.

Country membership needs polygons, e.g. Natural Earth admin-0 countries. A
missing gauge can be filled from the country (:data:`GAUGE_BY_COUNTRY`);
without it lines of unknown gauge form layer ``rail``, which never joins the
``rail1435``/``rail1520`` layers. The speed class of the time model follows the
country (:data:`SPEED_CLASS_BY_COUNTRY`).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from silkroute.ingest import ID_COLUMNS, read_countries

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DEFAULT_SPEED_CLASS",
    "GAUGE_BY_COUNTRY",
    "SPEED_CLASS_BY_COUNTRY",
    "assign_countries",
    "merge_lines",
    "parse_gauge",
    "speed_classes",
    "with_gauges",
]

log = logging.getLogger(__name__)

_FORMER_USSR_AND_MONGOLIA = "RUS BLR UKR KAZ KGZ UZB TKM TJK AZE GEO ARM MDA MNG EST LVA LTU"
# Finland's 1524 mm runs 1520 mm wagons (Russian through traffic): same layer.
_STANDARD = (
    "CHN IRN TUR PAK AFG "  # AFG: the Hairatan and Khaf–Herat lines are 1520/1435; see gauge tags where present
    "AUT BEL BGR HRV CZE DNK DEU FRA GRC HUN ITA LUX NLD POL ROU SVK SVN SWE "  # EU members on 1435 mm
    "CHE NOR GBR SRB BIH MNE MKD ALB KOS"
)
#: Track gauge (mm) of a country's main network, by ISO 3166 alpha-3 (Natural Earth ``ADM0_A3``).
GAUGE_BY_COUNTRY: dict[str, int] = {
    **dict.fromkeys(_FORMER_USSR_AND_MONGOLIA.split(), 1520),
    "FIN": 1520,
    **dict.fromkeys(_STANDARD.split(), 1435),
    "ESP": 1668,
    "PRT": 1668,
}
GAUGE_BY_COUNTRY.pop("AFG")  # mixed: never guess
#: Speed class (``speeds.csv`` of the catalog) of a country's rail lines.
SPEED_CLASS_BY_COUNTRY: dict[str, str] = {
    "CHN": "rail_cn_main",
    "KAZ": "rail_kz_main",
    **dict.fromkeys(("UZB", "KGZ", "TKM", "TJK"), "rail_ca"),
    **dict.fromkeys(("AZE", "GEO", "ARM"), "rail_caucasus"),
    "IRN": "rail_ir",
    "TUR": "rail_tr",
    "RUS": "rail_ru_main",
    "BLR": "rail_by",
    **{
        c: "rail_eu" for c, g in GAUGE_BY_COUNTRY.items() if g in (1435, 1668) and c not in ("CHN", "IRN", "TUR", "PAK")
    },
    **dict.fromkeys(("EST", "LVA", "LTU"), "rail_eu"),
}
#: Speed class of lines in no known country, by mode: the Central Asian 1520 mm class for rail
#: (the slowest non-mountain class of the catalog, a conservative choice), 2-lane trunk roads.
DEFAULT_SPEED_CLASS = {"rail": "rail_ca", "road": "road_trunk"}


def assign_countries(
    geoms: gpd.GeoSeries | gpd.GeoDataFrame, countries: gpd.GeoDataFrame | str | os.PathLike[str]
) -> pd.Series:
    """Return the ISO3 country of each line (at its midpoint) or point.

    Parameters
    ----------
    geoms
        Lines or points in EPSG:4326 (a GeoDataFrame's geometry is used).
    countries
        Country polygons with an ISO3 column (``ADM0_A3``, ``ISO_A3``, ``iso3``
        or ``country``), or a file of them. A point within 20 km of a country
        but in none (coasts of generalised polygons) gets the nearest one.

    Returns
    -------
    pandas.Series
        ISO3 codes (``None`` outside every polygon), indexed like ``geoms``.
    """
    import geopandas as gpd
    import shapely

    polygons, column = read_countries(countries)
    series = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
    arr = np.asarray(series.values)
    is_line = np.isin(shapely.get_type_id(arr), (1, 5))
    points = arr.copy()
    points[is_line] = shapely.line_interpolate_point(arr[is_line], 0.5, normalized=True)
    tree = shapely.STRtree(polygons.geometry.values)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    codes = polygons[column].astype(str).str.upper().to_numpy()
    out = np.full(len(arr), None, dtype=object)
    out[pt_idx] = codes[poly_idx]
    lost = np.flatnonzero(pd.isna(out) & ~shapely.is_missing(points))
    if len(lost):
        near_pt, near_poly = tree.query_nearest(points[lost], max_distance=0.2, all_matches=False)
        out[lost[near_pt]] = codes[near_poly]
    out[np.isin(out, ("-99", "NONE", "NAN"))] = None
    return pd.Series(out, index=series.index, name="country")


def parse_gauge(value: Any) -> tuple[int, ...]:
    """Return the gauges in mm of a tag or number.

    Parameters
    ----------
    value
        ``"1520"``, ``1435.0``, ``"1435;1520"``, ``"standard"``, or empty.

    Returns
    -------
    tuple of int
        The gauges, in order, without repeats.

    Examples
    --------
    >>> parse_gauge("1435;1520"), parse_gauge(1520.0), parse_gauge(None)
    ((1435, 1520), (1520,), ())
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, int | float | np.integer | np.floating):
        return (int(value),) if value > 0 else ()
    out = []
    for item in str(value).replace(",", ";").split(";"):
        text = item.strip().lower()
        if text.isdigit():
            out.append(int(text))
        elif text == "standard":
            out.append(1435)
    return tuple(dict.fromkeys(out))


def merge_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge lines with identical attributes where exactly two of them meet end to end.

    Lines of different attributes (gauge, name, …) are never merged; a vertex
    that a merged line shares with any other line still becomes a node in the
    builder, so merging never hides a junction. Vectorised: one
    ``shapely.line_merge`` call for every group of equal attributes at once,
    so a file whose rows all differ (a skeleton with per-edge ids) costs no
    more than a pass over its rows.

    Parameters
    ----------
    gdf
        Lines with attribute columns; an id column (:data:`~silkroute.ingest.ID_COLUMNS`) is ";"-joined on merge.

    Returns
    -------
    geopandas.GeoDataFrame
        The merged lines, group by group in the order groups first appear.
    """
    import geopandas as gpd
    import shapely

    if len(gdf) < 2:
        return gdf
    geometry = gdf.geometry.name
    keys = [c for c in gdf.columns if c != geometry and c not in ID_COLUMNS]
    ids = next((c for c in ID_COLUMNS if c in gdf.columns), None)
    geoms = np.asarray(gdf.geometry.values)
    group = _group_codes(gdf, keys)
    sizes = np.bincount(group)
    multi = sizes[group] > 1
    # rows of a group of one are kept whole; the others are exploded, merged per group and split again
    rows = np.flatnonzero(multi)
    parts, part_row = shapely.get_parts(geoms[rows], return_index=True)
    part_group = group[rows][part_row]
    order = np.argsort(part_group, kind="stable")
    merged_groups = np.unique(part_group)
    dense = np.searchsorted(merged_groups, part_group[order])
    merged = shapely.line_merge(shapely.multilinestrings(parts[order], indices=dense))
    pieces, piece_of = shapely.get_parts(merged, return_index=True)
    piece_group = merged_groups[piece_of]
    # the output: singletons and pieces, ordered by group (first appearance) then piece
    single = np.flatnonzero(~multi)
    out_group = np.r_[group[single], piece_group]
    out_geoms = np.r_[geoms[single], pieces]
    first_row = np.unique(group, return_index=True)[1]  # group codes are 0..n-1 in order of first appearance
    out_rows = np.r_[single, first_row[piece_group]]
    final = np.argsort(out_group, kind="stable")
    columns = [c for c in gdf.columns if c != geometry]
    frame = pd.DataFrame(gdf[columns].iloc[out_rows[final]]).reset_index(drop=True)
    if ids is not None:
        names = np.array([None if pd.isna(v) else str(v) for v in gdf[ids]], dtype=object)
        joined = names[out_rows]
        if len(rows):
            joined[len(single) :] = _piece_ids(pieces, parts, part_row, rows, names)
        frame[ids] = joined[final]
    out = gpd.GeoDataFrame(frame, geometry=out_geoms[final], crs=gdf.crs)
    out.attrs = dict(gdf.attrs)
    log.info("merged %d lines into %d", len(gdf), len(out))
    return out


def _group_codes(gdf: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Dense code per row of its combination of ``keys`` values, numbered in order of first appearance (NaN is a value)."""
    codes = np.zeros(len(gdf), dtype=np.int64)
    for column in keys:
        try:
            k, uniques = pd.factorize(gdf[column], use_na_sentinel=False)
        except TypeError:  # unhashable values (lists): let pandas group them
            return np.asarray(gdf.groupby(keys, dropna=False, sort=False).ngroup().to_numpy())
        codes = pd.factorize(codes * (len(uniques) + 1) + k)[0]
    return codes


def _first_segments(coords: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first segment of non-zero length of each of ``n`` lines (quantised ends, 4 columns), and its line."""
    q = np.round(coords * 1e7).astype(np.int64)
    step = np.r_[(owner[1:] == owner[:-1]) & np.any(q[1:] != q[:-1], axis=1), False]
    at = np.flatnonzero(step)
    line = owner[at]
    first = np.unique(line, return_index=True)[1]
    at, line = at[first], line[first]
    return np.c_[q[at], q[at + 1]], line


def _segment_keys(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two uint64 per segment (its quantised ends, the smaller first): equal segments, equal keys."""
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    a, b = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)

    def pack(p: np.ndarray) -> np.ndarray:
        return ((p[:, 0] + 2**31).astype(np.uint64) << np.uint64(32)) | (p[:, 1] + 2**31).astype(np.uint64)

    return pack(a), pack(b)


def _piece_ids(
    pieces: np.ndarray, parts: np.ndarray, part_row: np.ndarray, rows: np.ndarray, names: np.ndarray
) -> list[str | None]:
    """The ";"-joined ids of the ways inside each merged piece, in the order the ways were read.

    A way belongs to the piece that holds its first segment (``line_merge``
    keeps every input segment); ways drawn twice give their ids to both copies.
    """
    import shapely

    pc, pi = shapely.get_coordinates(pieces, return_index=True)
    seg = np.flatnonzero(pi[1:] == pi[:-1])
    q = np.round(pc * 1e7).astype(np.int64)
    p1, p2 = _segment_keys(q[seg], q[seg + 1])
    wc, wi = shapely.get_coordinates(parts, return_index=True)
    first, part = _first_segments(wc, wi, len(parts))
    w1, w2 = _segment_keys(first[:, :2], first[:, 2:])
    c1 = pd.factorize(np.r_[p1, w1])[0]
    c2 = pd.factorize(np.r_[p2, w2])[0]
    key = c1.astype(np.int64) * (int(c2.max()) + 1) + c2
    piece_key, way_key = key[: len(seg)], key[len(seg) :]
    order = np.argsort(piece_key, kind="stable")
    sorted_keys = piece_key[order]
    lo = np.searchsorted(sorted_keys, way_key, side="left")
    hi = np.searchsorted(sorted_keys, way_key, side="right")
    count = hi - lo
    way = np.repeat(np.arange(len(way_key)), count)
    at = np.repeat(lo, count) + (np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count))
    pairs = pd.DataFrame({"row": part_row[part][way], "piece": pi[seg][order][at]}).drop_duplicates()
    pairs = pairs.sort_values(["piece", "row"], kind="stable")
    piece = pairs["piece"].to_numpy()
    found = names[rows][pairs["row"].to_numpy()]
    bounds = np.searchsorted(piece, np.arange(len(pieces) + 1))
    return [";".join(n for n in found[bounds[k] : bounds[k + 1]] if n is not None) or None for k in range(len(pieces))]


def with_gauges(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Parse ``gauge`` to int mm; a multi-gauge line becomes one row per gauge (``dual_gauge``).

    Parameters
    ----------
    gdf
        Lines, with or without a ``gauge`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        With ``gauge`` (int or None), ``dual_gauge`` and, for tags, ``gauge_osm``.
    """
    if "gauge" not in gdf.columns:
        gdf["gauge"] = None
        return gdf
    raw = gdf["gauge"]
    parsed = raw.map(parse_gauge)
    if raw.map(lambda v: isinstance(v, str)).any():
        gdf["gauge_osm"] = raw.where(raw.notna(), None)
    gdf["dual_gauge"] = parsed.map(len) > 1
    gdf["gauge"] = parsed.map(lambda g: list(g) if g else [None])
    out = gdf.explode("gauge", ignore_index=True)
    out["gauge"] = out["gauge"].astype(object).where(out["gauge"].notna(), None)
    return out


def _points(table: pd.DataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def speed_classes(gdf: gpd.GeoDataFrame, speed_class: str | None = None) -> pd.Series:
    """Return the speed class of each line: the given one, else by country, else by mode.

    Parameters
    ----------
    gdf
        Lines with ``mode`` and optionally ``country``.
    speed_class
        One class for every line.

    Returns
    -------
    pandas.Series
        Speed class per line.
    """
    if speed_class is not None:
        return pd.Series(speed_class, index=gdf.index)
    default = gdf["mode"].map(DEFAULT_SPEED_CLASS).fillna(DEFAULT_SPEED_CLASS["rail"])
    if "country" not in gdf.columns:
        return default
    by_country = gdf["country"].map(SPEED_CLASS_BY_COUNTRY).where(gdf["mode"] == "rail")
    return by_country.fillna(default)

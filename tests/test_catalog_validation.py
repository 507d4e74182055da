"""The catalog loader rejects bad input with file, row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from silkroute import catalog
from silkroute._errors import CatalogError


def edit(directory: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (row numbered as in a spreadsheet: header = 1)."""
    path = directory / name
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    rows[row - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_mini_catalog_loads(mini_catalog_dir: Path) -> None:
    cat = catalog.load(mini_catalog_dir)
    assert len(cat.places) == 10
    assert list(cat.lines.loc["KZ-TURKSIB-ALMATY-SARYAGASH", "stops"]) == [
        "KZ-ALMATY",
        "KZ-SHU",
        "KZ-SHYMKENT",
        "KZ-SARYAGASH",
    ]
    assert cat.lines.loc["KZ-M39-ALMATY-SHYMKENT", "gauge"] is None
    assert cat.lines.loc["UZ-KELES-TASHKENT", "country"] == "UZB"
    assert cat.crossings.loc["KHORGOS-ALTYNKOL-RAIL", "gauge"] == (1435,)
    assert cat.places.loc["CN-KHORGOS", "aliases"] == ("Horgos", "Korgas", "霍尔果斯")


BAD_CELLS = [
    # (file, row, column, value, words expected in the message)
    ("places.csv", 3, "id", "CN-YINING", "duplicate id"),
    ("places.csv", 2, "lon", "200", "outside"),
    ("places.csv", 4, "lat", "forty-four", "not a number"),
    ("places.csv", 5, "kind", "village", "not one of"),
    ("places.csv", 6, "id", "kz zharkent", "not a valid value"),
    ("places.csv", 2, "country", "", "is empty"),
    ("lines.csv", 2, "stops", "CN-YINING;CN-NOWHERE", "unknown place 'CN-NOWHERE'"),
    ("lines.csv", 3, "mode", "ship", "not one of"),
    ("lines.csv", 3, "gauge", "1000", "not one of"),
    ("lines.csv", 2, "gauge", "", "needs a gauge"),
    ("lines.csv", 6, "gauge", "1520", "road has no gauge"),
    ("lines.csv", 4, "stops", "KZ-SHYMKENT;KZ-SARYAGASH;UZ-KELES", "more than one country"),
    ("lines.csv", 4, "status", "open", "not one of"),
    ("lines.csv", 4, "speed_class", "rail_mars", "unknown speed class"),
    ("lines.csv", 6, "speed_class", "rail_kz_main", "is a rail class"),
    ("crossings.csv", 2, "dwell_low_h", "50", "low <= mode <= high"),
    ("crossings.csv", 3, "to", "KZ-SHYMKENT", "both in KAZ"),
    ("crossings.csv", 2, "customs", "maybe", "not one of"),
    ("crossings.csv", 2, "dwell_high_h", "-3", "outside"),
    ("gauge_changes.csv", 2, "place", "KZ-ATLANTIS", "unknown place"),
    ("gauge_changes.csv", 2, "gauges", "1520", "at least two gauges"),
    ("speeds.csv", 2, "speed_mode_kph", "0", "greater than 0"),
    ("terminals.csv", 2, "transfer_mode_h", "", "is empty"),
]


@pytest.mark.parametrize(("name", "row", "column", "value", "words"), BAD_CELLS)
def test_bad_cell_names_file_row_column(
    mini_catalog_dir: Path, name: str, row: int, column: str, value: str, words: str
) -> None:
    edit(mini_catalog_dir, name, row, column, value)
    with pytest.raises(CatalogError) as info:
        catalog.load(mini_catalog_dir)
    msg = str(info.value)
    assert str(mini_catalog_dir / name) in msg
    assert f"row {row}" in msg
    assert f"column '{column}'" in msg
    assert words in msg
    assert isinstance(info.value, ValueError)


def test_missing_column(mini_catalog_dir: Path) -> None:
    path = mini_catalog_dir / "places.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace(",lat,", ",latitude,")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"places.csv, row 1, column 'lat': missing column"):
        catalog.load(mini_catalog_dir)


def test_missing_file(mini_catalog_dir: Path) -> None:
    (mini_catalog_dir / "crossings.csv").unlink()
    with pytest.raises(CatalogError, match=r"crossings.csv: catalog file is missing"):
        catalog.load(mini_catalog_dir)


def test_ferry_needs_ports(mini_catalog_dir: Path) -> None:
    path = mini_catalog_dir / "ferries.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "X-FERRY,Test ferry,KZ-ALMATY,UZ-TASHKENT,rail,operational,10,12,20,24,48,240,test\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"ferries.csv, row 2, column 'from': KZ-ALMATY is a terminal, not a port"):
        catalog.load(mini_catalog_dir)


def test_not_utf8(mini_catalog_dir: Path) -> None:
    path = mini_catalog_dir / "places.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("伊宁", "x").encode("utf-8") + "Łódź".encode("cp1250"))
    with pytest.raises(CatalogError, match="UTF-8"):
        catalog.load(mini_catalog_dir)


def test_unknown_column_warns(mini_catalog_dir: Path) -> None:
    path = mini_catalog_dir / "terminals.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",colour"] + [line + ",red" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="ignoring unknown column"):
        catalog.load(mini_catalog_dir)


def test_partial_triple(mini_catalog_dir: Path) -> None:
    edit(mini_catalog_dir, "lines.csv", 2, "published_km_low", "100")
    with pytest.raises(
        CatalogError, match=r"lines.csv, row 2, column 'published_km_mode': give all of low, mode and high"
    ):
        catalog.load(mini_catalog_dir)


def test_catalog_is_found_from_an_installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel ships the catalog as silkroute/data: data_dir() must prefer it, never the CWD."""
    import importlib.util
    import shutil
    import sys

    import silkroute

    pkg = tmp_path / "site" / "silkroute"
    shutil.copytree(Path(silkroute.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(catalog.data_dir(), pkg / "data")
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("wheel_catalog", pkg / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "wheel_catalog", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    assert module.data_dir() == (pkg / "data").resolve()

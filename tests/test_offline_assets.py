"""Offline folium pages (DESIGN.md §8): unit tests of ``offline_html`` and real
headless-Chromium checks with every network request aborted."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import folium
import pytest
from folium.plugins import Fullscreen

from silkroute.maps import offline as _offline
from silkroute.maps.offline import assets_dir, offline_html

from .browser import browser_required, render_page, require_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

CITIES = {
    "Almaty": (43.2525, 76.9115),
    "Bishkek": (42.8746, 74.5698),
    "Tashkent": (41.2646, 69.2163),
    "Samarkand": (39.6546, 66.9645),
}
LINES = {
    "Almaty – Bishkek": ("Almaty", "Bishkek"),
    "Bishkek – Tashkent": ("Bishkek", "Tashkent"),
    "Tashkent – Samarkand": ("Tashkent", "Samarkand"),
}
LINE_RGB = (0xD7, 0x30, 0x1F)
AWESOME = ("Almaty", "Tashkent", "Samarkand")  # folium.Icon(prefix="fa")
DEFAULT = ("Bishkek",)  # Leaflet's default marker image
GROUP_NAMES = [*LINES, "Stations"]


def _require_assets() -> None:
    try:
        assets_dir()
    except FileNotFoundError as exc:
        if browser_required():
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def build_map(*, angle: int = 0) -> folium.Map:
    """A small corridor map: one FeatureGroup per line, no tile layer."""
    m = folium.Map(tiles=None)
    for name, (a, b) in LINES.items():
        group = folium.FeatureGroup(name=name)
        folium.PolyLine([CITIES[a], CITIES[b]], color="#d7301f", weight=6, opacity=1.0).add_to(group)
        group.add_to(m)
    stations = folium.FeatureGroup(name="Stations")
    for city in AWESOME:
        folium.Marker(CITIES[city], tooltip=city, icon=folium.Icon(prefix="fa", icon="train", angle=angle)).add_to(
            stations
        )
    for city in DEFAULT:
        folium.Marker(CITIES[city], tooltip=city).add_to(stations)
    stations.add_to(m)
    Fullscreen().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([min(CITIES.values()), max(CITIES.values())], padding=(40, 40))
    return m


@pytest.fixture(scope="module")
def cdn_html() -> str:
    return build_map().get_root().render()


@pytest.fixture(scope="module")
def offline(cdn_html: str) -> str:
    _require_assets()
    return offline_html(cdn_html)


# --------------------------------------------------------------------------- unit


def test_unknown_external_url_is_rejected(cdn_html: str) -> None:
    _require_assets()
    url = "https://cdn.example.org/leaflet-plugin@9.9.9/plugin.min.js"
    html = cdn_html.replace("</head>", f'<script src="{url}"></script>\n</head>')
    with pytest.raises(ValueError, match=re.escape(url)):
        offline_html(html)


def test_unknown_stylesheet_is_rejected(cdn_html: str) -> None:
    _require_assets()
    url = "https://cdn.example.org/theme.css"
    html = cdn_html.replace("</head>", f'<link rel="stylesheet" href="{url}"/>\n</head>')
    with pytest.raises(ValueError, match=re.escape(url)):
        offline_html(html)


def test_no_fetchable_external_url(offline: str) -> None:
    fetching = [
        r"\bsrc\s*=\s*[\"']?(?:https?:)?//",
        r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//",
        r"url\(\s*[\"']?(?:https?:)?//",
        r"@import\b",
        r"sourceMappingURL",
    ]
    for pattern in fetching:
        assert re.search(pattern, offline, re.IGNORECASE) is None, pattern
    assert "<script src=" not in offline
    assert "glyphicons" not in offline


def test_font_awesome_inlined(offline: str) -> None:
    assert re.search(r"\.fa-train:before\{content:\"\\f238\"\}", offline)
    assert "font/woff2;base64," in offline
    # only WOFF2 in @font-face, each font file once
    faces = re.findall(r"@font-face\s*\{[^}]*\}", offline)
    assert faces
    assert all("truetype" not in f and ".ttf" not in f for f in faces)
    payloads = re.findall(r"data:font/woff2;base64,([A-Za-z0-9+/=]{64})", offline)
    assert len(payloads) == len(set(payloads))
    # leaflet and awesome-markers images embedded
    assert offline.count("data:image/png;base64,") >= 6


def test_page_size_reasonable(offline: str) -> None:
    assert 500_000 < len(offline.encode()) < 2_000_000


def test_rotate_css_written_for_used_angles() -> None:
    _require_assets()
    html = offline_html(build_map(angle=45).get_root().render())
    assert ".fa-rotate-45{transform:rotate(45deg)}" in html
    assert "leaflet.awesome.rotate" not in html


def test_assets_dir_missing_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SILKROUTE_ASSETS_DIR", str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match=r"run \./run\.sh or npm ci in the repository"):
        assets_dir()


def test_assets_dir_default_is_repo_node_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    _require_assets()
    monkeypatch.delenv("SILKROUTE_ASSETS_DIR", raising=False)
    monkeypatch.chdir("/")
    expected = Path(_offline.__file__).resolve().parents[3] / "node_modules"
    assert assets_dir() == expected


def test_pinned_versions_match_package_json() -> None:
    import json

    manifest = Path(_offline.__file__).resolve().parents[3] / "package.json"
    pins = json.loads(manifest.read_text(encoding="utf-8"))["dependencies"]
    assert pins == _offline._PINNED


# ------------------------------------------------------------------------ browser


def _png_pixels(path: Path) -> tuple[int, int, set[tuple[int, ...]]]:
    """Decode an 8-bit RGB/RGBA PNG (as Chromium writes): width, height, colours."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        colours.update(tuple(line[i : i + 3]) for i in range(0, stride, bpp))
        prev = line
    return width, height, colours


@pytest.mark.browser
def test_offline_page_renders_with_network_blocked(offline: str, tmp_path: Path) -> None:
    require_chromium()
    page = tmp_path / "offline_map.html"
    page.write_text(offline, encoding="utf-8")
    shot = ARTIFACTS / "offline_map.png"
    shot.unlink(missing_ok=True)

    report = render_page(page, shot)

    assert report.errors == []
    assert report.blocked_requests == []
    assert report.leaflet_defined
    assert report.paths == len(LINES)
    assert report.markers == len(AWESOME) + len(DEFAULT)
    assert report.awesome_markers == len(AWESOME)
    assert report.leaflet_marker_icons == len(DEFAULT)
    assert report.broken_images == 0
    assert report.fa_font_loaded
    assert report.layer_control
    assert report.layer_labels == GROUP_NAMES

    assert shot.is_file() and shot.stat().st_size > 5_000
    width, height, colours = _png_pixels(shot)
    assert (width, height) == (1024, 768)
    assert len(colours) > 20, "screenshot is (nearly) a single colour"
    assert LINE_RGB in colours, "no pixel of the polyline colour in the screenshot"


@pytest.mark.browser
def test_cdn_page_is_blank_offline(cdn_html: str, tmp_path: Path) -> None:
    """folium's normal page with no network fails as DESIGN.md §8 says: the harness can fail."""
    require_chromium()
    page = tmp_path / "cdn_map.html"
    page.write_text(cdn_html, encoding="utf-8")
    shot = ARTIFACTS / "cdn_map_offline.png"

    report = render_page(page, shot)

    assert any("leaflet.js" in url for url in report.blocked_requests)
    assert not report.leaflet_defined
    assert any("L is not defined" in e for e in report.errors)
    assert report.paths == 0
    assert report.markers == 0
    assert report.layer_labels == []
    _, _, colours = _png_pixels(shot)
    assert LINE_RGB not in colours

"""Headless-Chromium harness for the project's browser tests (not a test module).

Opens a local HTML file in Debian's ``chromium`` through Playwright (PyPI
``playwright``; its bundled driver talks to ``/usr/bin/chromium``, so
``playwright install`` is never needed), aborts every request that is not
``file:`` or ``data:``, and reports what a user would see of a Leaflet map.

Usage in a test::

    from .browser import render_page, require_chromium

    def test_map(tmp_path):
        require_chromium()
        report = render_page(tmp_path / "map.html", tmp_path / "map.png")
        assert report.errors == [] and report.blocked_requests == []
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PageReport",
    "PageState",
    "browser_required",
    "chromium_available",
    "render_page",
    "require_chromium",
    "unavailable_reason",
]

#: Browser binary (Debian package ``chromium``); override with ``SILKROUTE_CHROMIUM``.
CHROMIUM = os.environ.get("SILKROUTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Resolves once the folium map is on the page, or once it is clear it never
# will be (no Leaflet at all): `L` undefined after the load event.
_READY_JS = """() => {
    if (document.readyState !== 'complete') return false;
    if (typeof window.L === 'undefined') return true;
    const pane = document.querySelector('.leaflet-container .leaflet-map-pane');
    return pane !== null && document.fonts.status === 'loaded';
}"""

# True once no Leaflet map is zooming or panning (labels and positions are final).
_IDLE_JS = """() => {
    if (typeof window.L === 'undefined') return true;
    return Object.values(window).filter((v) => v instanceof L.Map).every(
        (m) => !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress) && !m._flyToFrame);
}"""

_COLLECT_JS = """() => {
    const count = (sel) => document.querySelectorAll(sel).length;
    const imgs = Array.from(document.querySelectorAll('img'));
    return {
        leaflet_defined: typeof window.L !== 'undefined',
        paths: count('path.leaflet-interactive'),
        markers: count('.leaflet-marker-pane > *'),
        leaflet_marker_icons: count('.leaflet-marker-icon'),
        awesome_markers: count('.leaflet-marker-pane .awesome-marker'),
        layer_control: count('.leaflet-control-layers') > 0,
        layer_labels: Array.from(
            document.querySelectorAll('.leaflet-control-layers-overlays label'),
            (el) => el.textContent.trim()),
        broken_images: imgs.filter((i) => !i.complete || i.naturalWidth === 0).length,
        fa_font_loaded: Array.from(document.fonts).some(
            (f) => f.family.replace(/["']/g, '') === 'Font Awesome 6 Free'
                && String(f.weight) === '900' && f.status === 'loaded'),
    };
}"""


@dataclass
class PageState:
    """What the browser saw after one of the ``states`` actions of :func:`render_page`."""

    values: dict[str, object] = field(default_factory=dict)
    """Result of each ``evaluate`` function, run in this state."""
    colours: dict[str, float] = field(default_factory=dict)
    """Share of the screenshot's pixels of each ``colours`` entry (within ±6 per channel)."""
    screenshot: Path | None = None
    """The PNG of this state (``<screenshot stem>_<state>.png``), if a screenshot was asked for."""


@dataclass
class PageReport:
    """What the browser saw of one page."""

    errors: list[str] = field(default_factory=list)
    """Console messages of type ``error`` and uncaught page errors."""
    blocked_requests: list[str] = field(default_factory=list)
    """URLs of the aborted (non ``file:``/``data:``) requests."""
    leaflet_defined: bool = False
    """Whether ``window.L`` is defined."""
    paths: int = 0
    """Number of ``path.leaflet-interactive`` elements (vector layers)."""
    markers: int = 0
    """Number of marker icons of any kind (children of ``.leaflet-marker-pane``)."""
    leaflet_marker_icons: int = 0
    """Number of ``.leaflet-marker-icon`` elements: Leaflet's own icons (``L.Icon``,
    ``folium.Marker`` without ``icon=``); awesome-markers 2.0.2 does not set that class."""
    awesome_markers: int = 0
    """Number of ``.awesome-marker`` icons (``folium.Icon``), shadows not counted."""
    layer_control: bool = False
    """Whether a ``.leaflet-control-layers`` element exists."""
    layer_labels: list[str] = field(default_factory=list)
    """Stripped text of the overlay entries of the layer control."""
    broken_images: int = 0
    """Number of ``<img>`` elements that failed to load."""
    fa_font_loaded: bool = False
    """Whether the Font Awesome 6 solid font (weight 900) has loaded."""
    screenshot: Path | None = None
    """The PNG written, if one was asked for."""
    areas: dict[str, float] = field(default_factory=dict)
    """Share of the viewport covered by the first element of each ``areas`` selector."""
    counts: dict[str, int] = field(default_factory=dict)
    """Number of elements matching each CSS selector passed as ``count=``."""
    values: dict[str, object] = field(default_factory=dict)
    """Result (JSON-serialisable) of each JavaScript function passed as ``evaluate=``."""
    colours: dict[str, float] = field(default_factory=dict)
    """Share of the screenshot's pixels of each colour passed as ``colours=`` (within ±6 per channel)."""
    states: dict[str, PageState] = field(default_factory=dict)
    """What was seen after each action passed as ``states=``, in order."""


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Say why browser tests cannot run here, or return None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the PyPI package playwright is not installed (pip install playwright)"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


def chromium_available() -> bool:
    """Return True if playwright and the Chromium binary are both present."""
    return unavailable_reason() is None


def browser_required() -> bool:
    """Return True if browser tests must fail rather than skip (CI sets this)."""
    return bool(os.environ.get("SILKROUTE_REQUIRE_BROWSER") or os.environ.get("CI"))


def require_chromium() -> None:
    """Skip the calling test if Chromium is unavailable.

    Fails instead when ``SILKROUTE_REQUIRE_BROWSER`` (set by ``.ci/run``) or ``CI`` is set.
    """
    import pytest

    reason = unavailable_reason()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"browser tests are required here (SILKROUTE_REQUIRE_BROWSER/CI): {reason}")
    pytest.skip(reason)


# Count, in a screenshot (a PNG data URI), the pixels close to each colour, as shares of the pixels
# looked at: "#rrggbb" looks at the whole screenshot, "#rrggbb@lat,lon,r" at the square of
# half-width r pixels around that point of the Leaflet map.
_PIXELS_JS = """async ([uri, colours]) => {
    const img = new Image(); img.src = uri; await img.decode();
    const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data, out = {};
    const map = Object.values(window).find((v) => window.L && v instanceof L.Map);
    for (const [name, spec] of Object.entries(colours)) {
        const [hex, at] = spec.split('@');
        const r = parseInt(hex.slice(1, 3), 16), gr = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
        let x0 = 0, y0 = 0, x1 = c.width, y1 = c.height;
        if (at) {
            const [lat, lon, half] = at.split(',').map(Number);
            const k = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint([lat, lon]);
            const x = Math.round(p.x + k.left), y = Math.round(p.y + k.top);
            x0 = Math.max(0, x - half); y0 = Math.max(0, y - half);
            x1 = Math.min(c.width, x + half + 1); y1 = Math.min(c.height, y + half + 1);
        }
        let hits = 0, n = 0;
        for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
                const i = 4 * (y * c.width + x); n++;
                if (Math.abs(px[i] - r) <= 6 && Math.abs(px[i + 1] - gr) <= 6 && Math.abs(px[i + 2] - b) <= 6) hits++;
            }
        }
        out[name] = n ? hits / n : 0;
    }
    return out;
}"""

_AREA_JS = """(s) => { const e = document.querySelector(s); if (!e) return 0;
  const r = e.getBoundingClientRect(); return (r.width * r.height) / (innerWidth * innerHeight); }"""


def render_page(
    path: Path,
    screenshot: Path | None = None,
    *,
    wait_ms: int = 10_000,
    viewport: tuple[int, int] = (1024, 768),
    count: tuple[str, ...] = (),
    areas: tuple[str, ...] = (),
    evaluate: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    states: Sequence[tuple[str, str]] = (),
) -> PageReport:
    """Open ``path`` in headless Chromium with the network cut off and report.

    Parameters
    ----------
    path : Path
        Local HTML file.
    screenshot : Path, optional
        Where to write a PNG of the viewport (parent folders are created).
    wait_ms : int
        Longest wait for the page load and for the Leaflet map to be ready.
    viewport : tuple of int
        Width and height of the page in CSS pixels.
    count : tuple of str
        CSS selectors whose matching elements are counted into ``PageReport.counts``.
    areas : tuple of str
        CSS selectors whose first element's on-screen box, as a share of the
        viewport area, goes into ``PageReport.areas`` (0 when absent).
    evaluate : mapping of str to str, optional
        Name → JavaScript function source (e.g. ``"() => document.title"``),
        run once the map is ready; the results go into ``PageReport.values``.
    colours : mapping of str to str, optional
        Name → ``"#rrggbb"``: the share of the screenshot's pixels of that colour
        (±6 per channel) goes into ``PageReport.colours`` (needs ``screenshot``);
        ``"#rrggbb@lat,lon,r"`` counts only the square of half-width ``r`` pixels
        around that point of the map.
    states : sequence of (str, str)
        (name, JavaScript function) pairs run in order after the first look (e.g.
        select another pair, zoom out); after each, ``evaluate`` and ``colours``
        are taken again, with a screenshot ``<stem>_<name>.png``, into
        ``PageReport.states[name]``.

    Returns
    -------
    PageReport
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route, sync_playwright

    report = PageReport()

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            report.blocked_requests.append(url)
            r.abort("internetdisconnected")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.on(
                "console",
                lambda m: report.errors.append(f"console: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: report.errors.append(f"pageerror: {e}"))
            page.route("**/*", route)
            page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=wait_ms)
            try:
                page.wait_for_function(_READY_JS, timeout=wait_ms)
            except PlaywrightError as exc:  # report what is there; assertions decide
                report.errors.append(f"harness: map not ready after {wait_ms} ms: {exc}")
            page.wait_for_timeout(100)  # let Leaflet finish its first layout frame

            def idle() -> None:
                try:
                    page.wait_for_function(_IDLE_JS, timeout=wait_ms)
                except PlaywrightError as exc:
                    report.errors.append(f"harness: map still moving after {wait_ms} ms: {exc}")
                page.wait_for_timeout(100)

            idle()
            for key, value in page.evaluate(_COLLECT_JS).items():
                setattr(report, key, value)
            report.counts = {sel: page.evaluate("(s) => document.querySelectorAll(s).length", sel) for sel in count}
            report.areas = {sel: page.evaluate(_AREA_JS, sel) for sel in areas}
            report.values = {name: page.evaluate(js) for name, js in (evaluate or {}).items()}

            def shoot(path: Path | None) -> dict[str, float]:
                if path is None:
                    return {}
                path.parent.mkdir(parents=True, exist_ok=True)
                png = page.screenshot(path=str(path))
                if not colours:
                    return {}
                uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
                shares: dict[str, float] = page.evaluate(_PIXELS_JS, [uri, dict(colours)])
                return shares

            if screenshot is not None:
                screenshot = Path(screenshot)
                report.colours = shoot(screenshot)
                report.screenshot = screenshot
            for state, action in states:
                page.evaluate(action)
                idle()
                shot = None if screenshot is None else screenshot.with_name(f"{screenshot.stem}_{state}.png")
                seen = PageState(values={name: page.evaluate(js) for name, js in (evaluate or {}).items()})
                seen.colours = shoot(shot)
                seen.screenshot = shot
                report.states[state] = seen
        finally:
            browser.close()
    return report

"""Self-contained folium pages that render with no network.

folium 0.20.0 pages load Leaflet, jQuery, Bootstrap, Font Awesome and
Leaflet.awesome-markers from CDNs; opened with no network they stay blank
(``L is not defined``).  :func:`offline_html` replaces every such ``<script>``
and stylesheet ``<link>`` by the content of the same library version installed
from the npm registry into ``<repo>/node_modules`` (see ``package.json`` and
``package-lock.json`` at the repository root, installed with
``npm ci --no-audit --no-fund``), with the images and fonts the CSS needs
embedded as ``data:`` URIs.

The URL mapping is strict: a CDN URL that is not in :data:`_ASSETS` raises
:class:`ValueError`, so an upgrade of folium that changes its assets is noticed
at once instead of producing a page that silently loads from the network.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from silkroute._errors import AssetError

__all__ = ["assets_dir", "offline_html", "package_file"]

_FIX_HINT = "run ./run.sh or npm ci in the repository, or pass --cdn"

#: npm packages and the exact versions folium 0.20.0 references (kept equal to
#: the pins in the repository's package.json).
_PINNED: dict[str, str] = {
    "leaflet": "1.9.3",
    "jquery": "3.7.1",
    "bootstrap": "5.2.2",
    "@fortawesome/fontawesome-free": "6.2.0",
    # Same files as cdnjs "Leaflet.awesome-markers/2.0.2" (lvoogdt/Leaflet.awesome-markers).
    "drmonty-leaflet-awesome-markers": "2.0.2",
    "leaflet.fullscreen": "3.0.0",
    # Not a folium asset: the Natural Earth source of scripts/derive_basemap.py (data/basemap.geojson).
    "world-atlas": "2.0.2",
}


@dataclass(frozen=True)
class _Asset:
    """One npm file standing in for one CDN URL."""

    package: str
    path: str


# Marker for folium's leaflet.awesome.rotate.min.css (folium's gh-pages, not on
# npm): it only defines ``.fa-rotate-<N> {transform: rotate(<N>deg)}`` for the
# ``Icon(angle=N)`` extra class; :func:`_rotate_css` writes those rules for the
# angles the page actually uses.
_ROTATE = "rotate"
# Marker for assets dropped on purpose: the Bootstrap 3 glyphicons CSS (its
# fonts live only on a CDN; the project uses Font Awesome icons instead).
_DROP = "drop"

_CDN_JSD = "https://cdn.jsdelivr.net/npm"
_CDN_AWESOME = "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2"

#: CDN URL emitted by folium 0.20.0 -> replacement.
_ASSETS: dict[str, _Asset | str] = {
    # folium.folium._default_js
    f"{_CDN_JSD}/leaflet@1.9.3/dist/leaflet.js": _Asset("leaflet", "dist/leaflet.js"),
    "https://code.jquery.com/jquery-3.7.1.min.js": _Asset("jquery", "dist/jquery.min.js"),
    f"{_CDN_JSD}/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": _Asset(
        "bootstrap", "dist/js/bootstrap.bundle.min.js"
    ),
    f"{_CDN_AWESOME}/leaflet.awesome-markers.js": _Asset(
        "drmonty-leaflet-awesome-markers", "js/leaflet.awesome-markers.js"
    ),
    # folium.folium._default_css
    f"{_CDN_JSD}/leaflet@1.9.3/dist/leaflet.css": _Asset("leaflet", "dist/leaflet.css"),
    f"{_CDN_JSD}/bootstrap@5.2.2/dist/css/bootstrap.min.css": _Asset("bootstrap", "dist/css/bootstrap.min.css"),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": _DROP,
    f"{_CDN_JSD}/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": _Asset(
        "@fortawesome/fontawesome-free", "css/all.min.css"
    ),
    f"{_CDN_AWESOME}/leaflet.awesome-markers.css": _Asset(
        "drmonty-leaflet-awesome-markers", "css/leaflet.awesome-markers.css"
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": _ROTATE,
    # folium.plugins.Fullscreen (the npm package has no .min.js; same code unminified)
    f"{_CDN_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": _Asset(
        "leaflet.fullscreen", "Control.FullScreen.js"
    ),
    f"{_CDN_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.css": _Asset(
        "leaflet.fullscreen", "Control.FullScreen.css"
    ),
}

_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}

_EXTERNAL = r"(?:https?:)?//[^\"'\s>]+"
_ASSET_TAG_RE = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"']?(?P<script>" + _EXTERNAL + r")[\"']?[^>]*>\s*</script\s*>"
    r"|<link\b[^>]*?\bhref\s*=\s*[\"']?(?P<link>" + _EXTERNAL + r")[\"']?[^>]*>",
    re.IGNORECASE,
)
_LEFTOVER_RE = re.compile(
    r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?(?P<url>" + _EXTERNAL + ")",
    re.IGNORECASE,
)
_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
_FONT_SRC_RE = re.compile(r"(?P<head>\bsrc\s*:)(?P<value>[^;}]*)", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"url\(\s*(?P<q>[\"']?)(?P<ref>.*?)(?P=q)\s*\)", re.IGNORECASE)
_JS_SOURCEMAP_RE = re.compile(r"^[ \t]*//[#@] sourceMappingURL=.*$", re.MULTILINE)
_CSS_SOURCEMAP_RE = re.compile(r"/\*[#@] sourceMappingURL=.*?\*/", re.DOTALL)
_ROTATE_CLASS_RE = re.compile(r"\bfa-rotate-(-?\d+)\b")


def assets_dir() -> Path:
    """Return the ``node_modules`` directory holding the pinned map libraries.

    Returns
    -------
    pathlib.Path
        ``$SILKROUTE_ASSETS_DIR`` if that variable is set, else the repository's
        ``node_modules`` located relative to this file (never to the current
        working directory).

    Raises
    ------
    silkroute.AssetError
        If the directory does not exist; the message says how to install it.
    """
    env = os.environ.get("SILKROUTE_ASSETS_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[3] / "node_modules"
    if not path.is_dir():
        raise AssetError(
            f"offline map assets not found at {path}: {_FIX_HINT}"
            " (SILKROUTE_ASSETS_DIR may point to another node_modules directory)"
        )
    return path


def package_file(package: str, path: str) -> Path:
    """Return a file of one of the pinned npm packages, checking the package version.

    Parameters
    ----------
    package
        An npm package pinned in :data:`_PINNED` (e.g. ``"world-atlas"``).
    path
        The file's path inside the package (``"countries-50m.json"``).

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    silkroute.AssetError
        If ``node_modules``, the package or the file is missing, or the installed
        package has another version than the pinned one; the message says how to fix it.
    """
    root = str(assets_dir())
    try:
        file = _package_dir(root, package) / path
    except FileNotFoundError:
        msg = f"npm package {package} not installed in {root}: {_FIX_HINT}"
        raise AssetError(msg) from None
    if not file.is_file():
        msg = f"{file} not found: {_FIX_HINT}"
        raise AssetError(msg)
    return file


def offline_html(html: str) -> str:
    """Make a rendered folium page self-contained.

    Parameters
    ----------
    html : str
        A complete page as rendered by folium, ``m.get_root().render()``.

    Returns
    -------
    str
        The same page with every CDN ``<script src>`` and ``<link href>`` folium
        emits replaced by the inline content of the pinned npm file; images and
        WOFF2 fonts referenced by that CSS are embedded as ``data:`` URIs (other
        font formats are removed from ``@font-face`` source lists, and a font
        file aliased by several ``@font-face`` rules is embedded only once: the
        later alias rules, Font Awesome's v4/v5 family names, are dropped); the
        Bootstrap 3 glyphicons stylesheet is removed.  The page then triggers
        no network request.  URLs inside the page's own scripts and HTML (tile
        layers, links, images in popups) are left as they are: they are the
        caller's business.

    Raises
    ------
    ValueError
        If the page references an external script or stylesheet that is not
        in the pinned mapping; the message names the URL.
    silkroute.AssetError
        If ``node_modules`` or one of its files is missing, or an installed npm
        package has another version than the pinned one.
    """
    root = str(assets_dir())

    def replace(match: re.Match[str]) -> str:
        url = match["script"] or match["link"]
        if match["link"] and not re.search(r"\brel\s*=\s*[\"']?stylesheet\b", match.group(0), re.IGNORECASE):
            raise ValueError(f"external <link> that is not a stylesheet: {url!r}")
        return _replacement(url, root, html)

    # One pass over the page: inlined library code is never rescanned.
    parts: list[str] = []
    pos = 0
    for match in _ASSET_TAG_RE.finditer(html):
        leftover = _LEFTOVER_RE.search(html, pos, match.start())
        if leftover:
            raise ValueError(f"external asset {leftover['url']!r} in an unsupported tag form")
        parts += [html[pos : match.start()], replace(match)]
        pos = match.end()
    leftover = _LEFTOVER_RE.search(html, pos)
    if leftover:
        raise ValueError(f"external asset {leftover['url']!r} in an unsupported tag form")
    parts.append(html[pos:])
    return "".join(parts)


def _replacement(url: str, root: str, html: str) -> str:
    """Return the inline HTML standing in for the external asset ``url``."""
    asset = _ASSETS.get(url)
    if asset is None:
        raise ValueError(
            f"no offline copy for external asset {url!r}: add it to "
            "silkroute.maps.offline._ASSETS and package.json (npm registry package)"
        )
    if asset == _DROP:
        return ""
    if asset == _ROTATE:
        return _rotate_css(html)
    assert isinstance(asset, _Asset)
    return _inline_asset(asset, root)


def _rotate_css(html: str) -> str:
    """Write the ``fa-rotate-<N>`` rules of folium's leaflet.awesome.rotate.css.

    Only the angles used in ``html`` (``folium.Icon(angle=N)``) get a rule.
    """
    angles = sorted({int(a) for a in _ROTATE_CLASS_RE.findall(html)})
    if not angles:
        return ""
    rules = "".join(f".fa-rotate-{a}{{transform:rotate({a}deg)}}" for a in angles)
    return f"<style>{rules}</style>"


@lru_cache(maxsize=64)
def _inline_asset(asset: _Asset, root: str) -> str:
    """Return the ``<script>`` or ``<style>`` element inlining ``asset``."""
    path = _package_dir(root, asset.package) / asset.path
    text = _read_bytes(str(path)).decode("utf-8")
    if path.suffix == ".css":
        css = _CSS_SOURCEMAP_RE.sub("", text)
        css = _inline_css_urls(css, path.parent, Path(root))
        return f"<style>\n{css}\n</style>"
    js = _JS_SOURCEMAP_RE.sub("", text)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    js = js.replace("<!--", "<\\!--")
    extra = _leaflet_icon_js(Path(root)) if asset.package == "leaflet" else ""
    return f"<script>\n{js}\n</script>{extra}"


def _leaflet_icon_js(root: Path) -> str:
    """Point ``L.Icon.Default`` at embedded images.

    Leaflet finds its default marker images by parsing the CSS ``url()`` of
    ``.leaflet-default-icon-path``, which fails once that URL is a data URI.
    """
    images = root / "leaflet" / "dist" / "images"
    urls = {
        key: _data_uri(images / name)
        for key, name in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
    }
    return f"\n<script>L.Icon.Default.imagePath = '';L.Icon.Default.mergeOptions({json.dumps(urls)});</script>"


def _inline_css_urls(css: str, base: Path, root: Path) -> str:
    """Embed the files referenced by ``url()`` in ``css`` as data URIs."""
    seen_fonts: set[tuple[str, ...]] = set()

    def font_face(match: re.Match[str]) -> str:
        block = match.group(0)
        src = _FONT_SRC_RE.search(block)
        if src is None:
            return block
        entries = [e.strip() for e in src["value"].split(",") if e.strip()]
        woff2 = [e for e in entries if "woff2" in e.lower()]
        if not woff2:
            return block
        files = tuple(str((base / m["ref"]).resolve()) for e in woff2 for m in _CSS_URL_RE.finditer(e))
        if files in seen_fonts:
            return ""  # an alias of a font file already embedded
        seen_fonts.add(files)
        return block[: src.start("value")] + ",".join(woff2) + block[src.end("value") :]

    def url(match: re.Match[str]) -> str:
        ref = match["ref"].strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", ref, re.IGNORECASE):
            raise ValueError(f"stylesheet under {base} references external URL {ref!r}")
        target = (base / re.split(r"[?#]", ref, maxsplit=1)[0]).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"stylesheet under {base} references {ref!r} outside {root}")
        return f'url("{_data_uri(target)}")'

    css = _FONT_FACE_RE.sub(font_face, css)
    return _CSS_URL_RE.sub(url, css)


def _data_uri(path: Path) -> str:
    """Return ``path`` as a base64 ``data:`` URI."""
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"no MIME type known for {path}")
    payload = base64.b64encode(_read_bytes(str(path))).decode("ascii")
    return f"data:{mime};base64,{payload}"


def _package_dir(root: str, package: str) -> Path:
    """Return the installed directory of an npm package, checking its version."""
    directory = Path(root) / package
    manifest = directory / "package.json"
    version = json.loads(_read_bytes(str(manifest)))["version"]
    if version != _PINNED[package]:
        raise AssetError(f"{package} {version} is installed in {root}, expected {_PINNED[package]}: {_FIX_HINT}")
    return directory


@lru_cache(maxsize=128)
def _read_bytes(path: str) -> bytes:
    """Read a file once per process."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"offline map asset missing: {path}: {_FIX_HINT}") from None

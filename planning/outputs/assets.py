"""Browser assets the app serves itself, so the map works without internet.

The map (folium + streamlit-folium) needs Leaflet, and folium's popups jQuery. Instead of the CDN addresses folium
writes by default, the app serves Leaflet from the project: ``npm ci`` installs the
version pinned in ``package.json``/``package-lock.json`` into ``node_modules/``, and
:func:`install` copies the files the browser loads into ``static/vendor/``, which
Streamlit serves at ``/app/static/vendor/...`` (``server.enableStaticServing`` in
``.streamlit/config.toml``).

Run ``python -m planning.outputs.assets`` after ``npm ci`` (the Makefile does both).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from planning.settings import ROOT

#: where Streamlit serves static files from (``<app folder>/static``)
STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: the URL prefix under which the browser finds ``static/``
STATIC_URL = "/app/static"

#: npm package -> (the folder inside the package to copy, the folder under ``vendor/``)
PACKAGES: dict[str, tuple[str, str]] = {
    "leaflet": ("dist", "leaflet"),
    "jquery": ("dist", "jquery"),  # folium's Popup template calls $(...)
}
#: the files the map loads, as (kind, name, path under ``vendor/``)
FILES: tuple[tuple[str, str, str], ...] = (
    ("js", "leaflet", "leaflet/leaflet.js"),
    ("js", "jquery", "jquery/jquery.min.js"),
    ("css", "leaflet_css", "leaflet/leaflet.css"),
)
_SKIP = (".map", ".esm.js", "-src.js", ".slim.js", ".slim.min.js", "jquery.js")


def pinned_versions(root: Path = ROOT) -> dict[str, str]:
    """The npm package versions pinned in ``package-lock.json`` (package -> version)."""
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in PACKAGES}


def js_links() -> list[tuple[str, str]]:
    """``(name, url)`` of the scripts to load, served by the app (for folium's ``default_js``)."""
    return [(name, f"{STATIC_URL}/vendor/{path}") for kind, name, path in FILES if kind == "js"]


def css_links() -> list[tuple[str, str]]:
    """``(name, url)`` of the style sheets to load (for folium's ``default_css``)."""
    return [(name, f"{STATIC_URL}/vendor/{path}") for kind, name, path in FILES if kind == "css"]


def missing(vendor: Path = VENDOR_DIR) -> list[str]:
    """The asset files not yet in ``static/vendor`` (empty when the map can load)."""
    return [path for _, _, path in FILES if not (vendor / path).is_file()]


def install(node_modules: Path = ROOT / "node_modules", vendor: Path = VENDOR_DIR) -> list[Path]:
    """Copy the pinned packages' browser files from ``node_modules`` to ``static/vendor``.

    Raises
    ------
    RuntimeError
        When a package is not installed or its version differs from the pin (run ``npm ci``).

    Returns
    -------
    list of Path
        The files copied.
    """
    pins = pinned_versions()
    copied: list[Path] = []
    for name, (inside, target) in PACKAGES.items():
        meta = node_modules / name / "package.json"
        if not meta.is_file():
            raise RuntimeError(f"{name} is not installed in {node_modules}: run `npm ci` first")
        version = json.loads(meta.read_text(encoding="utf-8"))["version"]
        if version != pins[name]:
            raise RuntimeError(f"{name} {version} is installed but {pins[name]} is pinned: "
                               "run `npm ci`")
        src, dst = node_modules / name / inside, vendor / target
        if dst.exists():
            shutil.rmtree(dst)
        for file in sorted(src.rglob("*")):
            if file.is_file() and not file.name.endswith(_SKIP):
                out = dst / file.relative_to(src)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, out)
                copied.append(out)
        (dst / "VERSION").write_text(f"{name} {version} (npm)\n", encoding="utf-8")
    return copied


if __name__ == "__main__":  # pragma: no cover - set-up step
    try:
        files = install()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    print(f"copied {len(files)} asset files to {VENDOR_DIR.relative_to(ROOT)}")

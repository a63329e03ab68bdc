"""The map's frame: basemaps and the coordinates they are drawn in, an empty map that loads
Leaflet from the app (never a CDN), the village pane.

A GCJ-02 basemap (Amap, Tencent) gets every overlay shifted to GCJ-02 for display
(:func:`to_display`, with :func:`planning.crs.wgs84_to_gcj02`) and a click's position back
(:func:`click_to_wgs84`); Tianditu (CGCS2000, centimetres from WGS84) and OpenStreetMap
are drawn as they are. Without a basemap the map shows only its own reference layers
(offline), the default.
"""

from __future__ import annotations

import json
import os

import folium
import geopandas as gpd
import numpy as np
import pyproj
from branca.element import MacroElement, Template

from planning.crs import WGS84, gcj02_to_wgs84, geometry_from_wgs84, wgs84_to_gcj02
from planning.outputs import assets as _assets
from planning.outputs.map_legend import MetricScale
from planning.words import t

#: the environment variable that replaces a basemap's tile address (``{key}`` upper case),
#: e.g. ``PLANNING_TILES_AMAP=http://10.0.0.5/amap/{z}/{x}/{y}.png`` for a tile mirror on an
#: intranet (the browser test serves Amap-style tiles from 127.0.0.1 this way)
TILES_ENV = "PLANNING_TILES_{key}"
#: the Leaflet pane of the village markers: above the facility icons (markerPane, 600),
#: below tooltips (650) and popups (700)
VILLAGE_PANE, VILLAGE_PANE_Z = "villages", 620

#: basemaps planners may choose: key -> (tile URL template or None, attribution, coordinates)
BASEMAPS: dict[str, tuple[str | None, str, str]] = {
    "none": (None, "", "wgs84"),
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "wgs84"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                 "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                 "&TILECOL={x}&tk={key}", "© 天地图 Tianditu", "cgcs2000"),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}", "© 高德 Amap", "gcj02"),
    "tencent": ("https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={y}", "© 腾讯 Tencent", "gcj02"),
}


def basemap_coords(key: str) -> str:
    """The coordinates a basemap's tiles are drawn in: ``"gcj02"`` for Amap and Tencent
    (draw the overlays with :func:`to_display`), ``"wgs84"`` otherwise (Tianditu's
    CGCS2000 lies centimetres from WGS84 and is drawn as it is)."""
    return "gcj02" if BASEMAPS.get(key, BASEMAPS["none"])[2] == "gcj02" else "wgs84"


def basemap(key: str, lang: str = "zh", token: str = "") -> tuple[folium.TileLayer | None, str | None]:
    """A tile layer for a basemap choice, or None with the reason.

    GCJ-02 tiles (Amap, Tencent) come with a note: the map draws its layers shifted to
    GCJ-02 on them (``build_map(coords=basemap_coords(key))``). Tianditu (CGCS2000,
    centimetres from WGS84) needs ``token``. The environment variable :data:`TILES_ENV`
    replaces a basemap's address (a tile mirror).

    Returns
    -------
    (folium.TileLayer or None, str or None)
        The layer, and a message for the planner when the choice is refused or online.
    """
    url, attribution, system = BASEMAPS.get(key, BASEMAPS["none"])
    if url is None:
        return None, None
    url = os.environ.get(TILES_ENV.format(key=key.upper()), url)
    if "{key}" in url:
        if not token:
            return None, t("basemap.tianditu_key", lang)
        url = url.replace("{key}", token)
    subdomains = {"tianditu": "01234567", "amap": "1234", "tencent": "0123"}.get(key, "abc")
    layer = folium.TileLayer(url, attr=attribution, name=t(f"basemap.{key}", lang),
                             subdomains=subdomains, overlay=False, control=True)
    if system == "gcj02":
        return layer, t("basemap.gcj", lang, name=t(f"basemap.{key}", lang))
    return layer, t("basemap.online", lang)


def to_display(layers: dict, coords: str = "wgs84") -> dict:
    """The WGS84 layers of a map (:func:`display_layers`, :func:`scenario_layers`) in the
    basemap's ``coords``: every GeoDataFrame shifted to GCJ-02 for ``"gcj02"`` (a copy),
    anything else as it is."""
    if coords != "gcj02":
        return layers
    return {k: v.set_geometry(geometry_from_wgs84(v.geometry.values, "gcj02"), crs=v.crs)
            if isinstance(v, gpd.GeoDataFrame) else v for k, v in layers.items()}


#: the largest side of a map image, pixels
IMAGE_MAX_PX = 2048
#: a map image's source positions are computed exactly every this many pixels and
#: interpolated between (the projections and the GCJ-02 shift are smooth: under 1 cm)
_LATTICE_PX = 16
_R = 6378137.0  # Web Mercator's sphere, metres


def raster_to_display(codes: np.ndarray, transform, crs, coords: str = "wgs84", *,
                      max_px: int = IMAGE_MAX_PX) -> tuple[np.ndarray, list[list[float]]]:
    """A grid of codes in a metric CRS resampled for a Leaflet image overlay.

    Leaflet stretches an image linearly between its corners in Web Mercator, so the
    image is resampled (nearest cell) onto a Web Mercator pixel grid whose corners are
    the box returned, in the map's ``coords`` (on a GCJ-02 basemap each pixel takes the
    cell under its WGS84 position, so the image is shifted as every other layer).

    Parameters
    ----------
    codes : numpy.ndarray, shape (rows, cols)
        North-up cells; 0 is drawn as nothing.
    transform : affine.Affine
        Pixel to CRS coordinates (metres) of ``codes``.
    crs : pyproj.CRS or str
        The grid's metric CRS.
    coords : {"wgs84", "gcj02"}
    max_px : int
        The longest side of the image, pixels (at most the grid's own longest side).

    Returns
    -------
    (numpy.ndarray, list)
        Codes per image pixel (rows north to south), and ``[[south, west], [north, east]]``
        in degrees of ``coords``.
    """
    rows, cols = codes.shape
    to_ll = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    to_xy = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    # the grid's outline in display degrees
    t = np.linspace(0, 1, 33)
    edge = np.concatenate([np.column_stack([t * cols, np.zeros_like(t)]),
                           np.column_stack([t * cols, np.full_like(t, rows)]),
                           np.column_stack([np.zeros_like(t), t * rows]),
                           np.column_stack([np.full_like(t, cols), t * rows])])
    ex, ey = _affine(transform, edge[:, 0], edge[:, 1])
    lon, lat = to_ll.transform(ex, ey)
    if coords == "gcj02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    west, east, south, north = float(np.min(lon)), float(np.max(lon)), float(np.min(lat)), float(np.max(lat))
    y_n, y_s = _merc_y(north), _merc_y(south)
    x_w, x_e = np.radians(west) * _R, np.radians(east) * _R
    scale = max(x_e - x_w, y_n - y_s) / min(max_px, max(rows, cols))
    width, height = max(1, int(np.ceil((x_e - x_w) / scale))), max(1, int(np.ceil((y_n - y_s) / scale)))
    # exact source positions on a lattice of pixel centres, interpolated in between
    li = np.unique(np.r_[np.arange(0, height, _LATTICE_PX), height - 1])
    lj = np.unique(np.r_[np.arange(0, width, _LATTICE_PX), width - 1])
    my = y_n - (li + 0.5) * (y_n - y_s) / height
    mx = x_w + (lj + 0.5) * (x_e - x_w) / width
    glon = np.degrees(mx / _R)[None, :].repeat(len(li), 0)
    glat = np.degrees(2 * np.arctan(np.exp(my / _R)) - np.pi / 2)[:, None].repeat(len(lj), 1)
    if coords == "gcj02":
        glon, glat = gcj02_to_wgs84(glon, glat)
    gx, gy = to_xy.transform(glon, glat)
    inv = ~transform
    gc, gr = _affine(inv, np.asarray(gx), np.asarray(gy))
    fr, fc = (_bilinear(_bilinear(np.asarray(g), li, np.arange(height)).T, lj, np.arange(width)).T
              for g in (gr, gc))
    r, c = np.floor(fr).astype(np.int64), np.floor(fc).astype(np.int64)
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    out = np.zeros((height, width), dtype=codes.dtype)
    out[ok] = codes[r[ok], c[ok]]
    return out, [[south, west], [north, east]]


def _affine(t, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An affine transform applied to arrays of x and y."""
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


def _merc_y(lat: float) -> float:
    return float(_R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def _bilinear(values: np.ndarray, at: np.ndarray, to: np.ndarray) -> np.ndarray:
    """``values`` given at rows ``at`` (ascending) linearly interpolated to rows ``to``."""
    k = np.clip(np.searchsorted(at, to, side="right") - 1, 0, max(len(at) - 2, 0))
    if len(at) == 1:
        return np.repeat(values[:1], len(to), axis=0)
    w = ((to - at[k]) / (at[k + 1] - at[k]))[:, None]
    return values[k] * (1 - w) + values[k + 1] * w


def click_to_wgs84(lon: float, lat: float, coords: str = "wgs84") -> tuple[float, float]:
    """A position clicked on a map drawn in ``coords`` (degrees) as WGS84 lon/lat."""
    if coords != "gcj02":
        return float(lon), float(lat)
    x, y = gcj02_to_wgs84(lon, lat)
    return float(x), float(y)


def new_map(bounds: list[list[float]], *, tiles: folium.TileLayer | None = None) -> folium.Map:
    """An empty map fitted to ``bounds`` (``[[south, west], [north, east]]``, degrees)
    that loads Leaflet from the app (see :func:`use_local_assets`)."""
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                   tiles=None, zoom_start=10, control_scale=False, prefer_canvas=False)
    MetricScale().add_to(m)
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-container{background:#f4f1ea}"
        ".town-label{display:inline-block;white-space:nowrap;color:#263238;font:bold 12px sans-serif;"
        "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none}"
        ".town-label-icon{background:transparent;border:none;text-align:center}</style>"))
    if tiles is not None:
        tiles.add_to(m)
    folium.map.CustomPane(VILLAGE_PANE, z_index=VILLAGE_PANE_Z, pointer_events=True).add_to(m)
    _IconPath().add_to(m)
    LabelsApart().add_to(m)
    m.fit_bounds(bounds)
    use_local_assets(m)
    return m


class _IconPath(MacroElement):
    """Leaflet's default marker images from the app (Leaflet guesses their folder from
    its style sheet's address and, served by the app, guessed it without a "/")."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.prototype.options.imagePath = "
        f"{json.dumps(_assets.STATIC_URL + '/vendor/leaflet/images/')};"
        "{% endmacro %}")


class LabelsApart(MacroElement):
    """Township names that do not overlap: after every zoom or pan, each label is shown
    unless its box overlaps one shown before it (labels in drawing order), so at city
    zoom the map shows the names that fit and each zoom step reveals more."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  function apart() {
    var shown = [];
    map.getContainer().querySelectorAll('.town-label').forEach(function (el) {
      el.style.visibility = 'visible';
      var r = el.getBoundingClientRect();
      if (!r.width) { return; }
      var hit = shown.some(function (s) {
        return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top;
      });
      if (hit) { el.style.visibility = 'hidden'; } else { shown.push(r); }
    });
  }
  map.on('zoomend moveend overlayadd', function () { setTimeout(apart, 0); });
  map.whenReady(function () { setTimeout(apart, 0); });
})({{ this._parent.get_name() }});
{% endmacro %}""")


def use_local_assets(m: folium.Map) -> folium.Map:
    """Point the map at Leaflet served by the app instead of folium's CDN addresses.

    Raises
    ------
    ValueError
        When an element of the map still asks for a script or style sheet from outside
        (an element whose library the project does not ship).
    """
    m.default_js = _assets.js_links()
    m.default_css = _assets.css_links()
    for element in _walk(m):
        if element is m:
            continue
        for _, url in list(getattr(element, "default_js", [])) + list(getattr(element, "default_css", [])):
            if not url.startswith(_assets.STATIC_URL):
                raise ValueError(f"{type(element).__name__} loads {url}: not served offline")
    return m


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)

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
from branca.element import MacroElement, Template

from planning.crs import gcj02_to_wgs84, geometry_from_wgs84
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

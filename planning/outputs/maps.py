"""Maps of an assessment (folium).

Pure functions: they take an :class:`~planning.rules.assess.Assessment` (or a
:class:`~planning.region.Region`, or preview layers) and return folium objects; nothing
here knows about Streamlit. The display tables and layers they draw
(:func:`township_status`, :func:`district_breakdown`, :func:`reference_layers`,
:func:`display_layers`) are in :mod:`planning.outputs.layers` (and named here too).

- :func:`build_map`: the assessment map — townships coloured by compliance, villages by
  distance to a clinic and by minutes to care, facilities by kind, the 15-minute reach
  and what it misses, R4 candidates, R7 groups, GPs within reach (R8) by township and
  village; popups with the numbers; a legend and a layer control.
- :func:`preview_map`: uploaded points and polygons before an assessment runs.

The GCJ-02 offset check for uploads lives in :mod:`planning.inputs.offsets`.

Every map loads Leaflet from the app itself (:mod:`planning.outputs.assets`), never a CDN, and
has no tiles unless :func:`basemap` gives some. Display geometries are in WGS84
(EPSG:4326), simplified in the region's metric CRS first (tolerances in metres); on a
GCJ-02 basemap (Amap, Tencent) every overlay is drawn shifted to GCJ-02
(:func:`to_display`) and a click's position comes back through :func:`click_to_wgs84`.

One colour language (:mod:`planning.outputs.map_legend`): a village's or township's fill
is its status colour (:data:`planning.words.STATUS_COLOURS`); the distance band is the
village marker's size, the minute band a sequential ramp. Villages lie in their own pane
above the facility icons (:data:`VILLAGE_PANE`), so no failing village is hidden.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import os

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from planning.outputs import assets as _assets
from planning.outputs.map_legend import (BAND_RADII, FACILITY_ICONS, ICON_CSS, Legend, MetricScale,
                                         band, band_colour, icon_html, legend_html, minutes_legend,
                                         r8_legend, ring_html, scenario_legend)
# the display tables and layers live in planning.outputs.layers; the names stay here too, as
# the app and the notebook call them (maps.display_layers, maps.township_status …)
from planning.outputs.layers import (FAILED, MAIN_ROADS, OUTSIDE, _wgs84,  # noqa: F401
                                     display_layers, district_breakdown, reference_layers,
                                     scenario_layers, township_status, valid_geometries)
from planning.crs import WGS84, gcj02_to_wgs84, geometry_from_wgs84
from planning.travel.access import STRAIGHT_LABEL
from planning.words import (COVERAGE, MODES, STATUS_COLOURS, kind_name, pair_word, people,
                            r8_colour, render_units, status_word, t)

# --------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class Focus:
    """What the map zooms to: a district name, a township id, or everything (both None)."""

    district: str | None = None
    township_id: str | None = None


#: the environment variable that replaces a basemap's tile address (``{key}`` upper case),
#: e.g. ``PLANNING_TILES_AMAP=http://10.0.0.5/amap/{z}/{x}/{y}.png`` for a tile mirror on an
#: intranet (the browser test serves Amap-style tiles from 127.0.0.1 this way)
TILES_ENV = "PLANNING_TILES_{key}"
#: the Leaflet pane of the village markers: above the facility icons (markerPane, 600),
#: below tooltips (650) and popups (700)
VILLAGE_PANE, VILLAGE_PANE_Z = "villages", 620
#: the zoom the map goes to when a planner picks a failing village from the list
UNIT_ZOOM = 15

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
        ".town-label{text-align:center;white-space:nowrap;color:#263238;font:bold 12px sans-serif;"
        "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none}"
        ".town-label-icon{background:transparent;border:none}</style>"))
    if tiles is not None:
        tiles.add_to(m)
    folium.map.CustomPane(VILLAGE_PANE, z_index=VILLAGE_PANE_Z, pointer_events=True).add_to(m)
    _IconPath().add_to(m)
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


def build_map(assessment, lang: str = "zh", *, focus: Focus | None = None,
              tiles: folium.TileLayer | None = None,
              display: dict[str, gpd.GeoDataFrame] | None = None,
              scenario: dict[str, gpd.GeoDataFrame] | None = None,
              coords: str = "wgs84") -> folium.Map:
    """The assessment map.

    Parameters
    ----------
    assessment : Assessment
    lang : {"zh", "en"}
        Language of layer names, legend and popups.
    focus : Focus, optional
        Zoom to a district or a township (everything stays drawn).
    tiles : folium.TileLayer, optional
        A basemap (see :func:`basemap`); without one the reference layer is the base.
    display : dict, optional
        :func:`display_layers` of the assessment (pass a cached one; computed otherwise).
    scenario : dict, optional
        :func:`scenario_layers` of a scenario drawn over the map: newly covered and
        newly uncovered villages ringed, proposed sites, closed facilities, suggested
        sites and the selected facility.
    coords : {"wgs84", "gcj02"}
        The basemap's coordinates (:func:`basemap_coords`): on ``"gcj02"`` every layer
        is drawn shifted to GCJ-02 (:func:`to_display`).

    Returns
    -------
    folium.Map
        Layers (each in the layer control, folded like the legend): reference
        (boundary, township names, main roads), townships by overall status, village
        committees by R2 status (colour) and distance band (size), all villages by R3
        minutes (a ramp; hidden at first), facilities by kind, the R3 reach and gap, R4
        candidates, R7 groups, and R8's GPs within reach by township (a choropleth) and
        by village (both hidden at first; when present). Village markers carry the CSS
        class ``village-marker`` and lie above the facility icons.
    """
    region, res = assessment.region, assessment.results
    d = display if display is not None else display_layers(assessment)
    d = {k: render_units(v, lang) if isinstance(v, pd.DataFrame) and "reason_code" in v else v
         for k, v in d.items()}                    # the rules' reasons and actions in lang
    d = to_display(d, coords)
    m = new_map(_bounds(d["townships"], focus, region), tiles=tiles)
    _add_reference(m, d, lang)
    _add_townships(m, d["township_status"], res.get("R1"), lang)
    if "R3" in res:
        _add_reach(m, d, res["R3"], lang, estimate=getattr(assessment, "straight", False))
    if "r2" in d:
        _add_r2_villages(m, d["r2"], res["R2"], d.get("r3"), region, lang)
    if "r3" in d:
        _add_r3_villages(m, d["r3"], res["R3"], lang)
    _add_facilities(m, d["facilities"], lang)
    if "candidates" in d:
        _add_candidates(m, d["candidates"], res["R4"], lang)
    if "groups" in d:
        _add_groups(m, d["groups"], lang)
    if "r8_towns" in d:
        _add_r8(m, d, res["R8"], lang)
    if scenario:
        _add_scenario(m, to_display(scenario, coords), lang)
    limit = res["R2"].figures.get("max_distance_m", 1500) if "R2" in res else 1500
    measure = res["R2"].figures.get("measure", "road") if "R2" in res else "road"
    legend = legend_html(lang, limit, measure, region)
    if "r3" in d:
        legend += minutes_legend(lang, float(res["R3"].figures.get("max_minutes", 15)))
    if "r8_towns" in d:
        legend += r8_legend(lang, res["R8"].figures.get("target_gps_per_10000", 4.0))
    if getattr(assessment, "straight", False):  # no road network: every figure an estimate
        factor = assessment.rulebook.value("travel", "detour_factor")
        legend = (f"<div class='estimate-label' style='color:#6a1b9a;font-weight:bold;"
                  f"margin-bottom:4px'>{html.escape(STRAIGHT_LABEL)}</div><div style='margin-bottom:4px'>"
                  f"{html.escape(t('legend.estimate', lang, factor=f'{factor:g}'))}</div>") + legend
    if scenario:
        legend += scenario_legend(lang)
    Legend(legend, open_=False, title=t("legend.title", lang)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return use_local_assets(m)


def _bounds(towns_wgs84: gpd.GeoDataFrame, focus: Focus | None, region) -> list[list[float]]:
    frame = towns_wgs84
    if focus is not None and focus.township_id:
        frame = towns_wgs84[towns_wgs84["township_id"] == focus.township_id]
    elif focus is not None and focus.district and "district" in region.townships:
        ids = region.townships.loc[region.townships["district"] == focus.district, "township_id"]
        frame = towns_wgs84[towns_wgs84["township_id"].isin(ids)]
    if not len(frame):
        frame = towns_wgs84
    x0, y0, x1, y1 = frame.total_bounds
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def _geojson(gdf: gpd.GeoDataFrame, columns: list[str], raw: tuple[str, ...] = ("popup",)) -> dict:
    """Compact GeoJSON of ``columns`` (WGS84 input): no bounding boxes, text HTML-escaped
    (popups and tooltips insert it as HTML) except the ``raw`` columns."""
    props = pd.DataFrame({c: [html.escape(v) if isinstance(v, str) and c not in raw else
                              (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)
                              for v in gdf[c].astype(object)] for c in columns})
    geoms = shapely.to_geojson(gdf.geometry.values)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": json.loads(g) if g else None}
        for p, g in zip(props.to_dict("records"), geoms)]}


def _add_reference(m: folium.Map, ref: dict[str, gpd.GeoDataFrame], lang: str) -> None:
    if len(ref["roads"]):
        folium.GeoJson(_geojson(ref["roads"], ["highway"]), name=t("layer.roads", lang),
                       style_function=lambda f: {"color": "#b0a48a", "weight": 2.5 if f["properties"]["highway"]
                                                 in ("motorway", "trunk") else 1.5, "opacity": 0.9},
                       interactive=False).add_to(m)
    folium.GeoJson(_geojson(ref["boundary"], ["name"]), name=t("layer.boundary", lang),
                   style_function=lambda f: {"color": "#424242", "weight": 3, "fill": False},
                   interactive=False).add_to(m)
    labels = folium.FeatureGroup(name=t("layer.township_names", lang))
    for name, point in zip(ref["labels"]["name"], ref["labels"].geometry):
        folium.Marker([point.y, point.x], interactive=False, icon=folium.DivIcon(
            html=f"<div class='town-label'>{html.escape(str(name))}</div>",
            icon_size=(120, 16), icon_anchor=(60, 8), class_name="town-label-icon")).add_to(labels)
    labels.add_to(m)


def _popup_table(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th style='text-align:left;padding-right:8px;white-space:nowrap'>"
                    f"{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table class='popup-table' style='font-size:12px'>{cells}</table>"


def _fmt_m(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else \
        t("pop.metres", lang, m=f"{value:,.0f}")


def _fmt_min(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else \
        t("pop.min", lang, m=f"{value:.1f}")


def _add_townships(m: folium.Map, towns: gpd.GeoDataFrame, r1, lang: str) -> None:
    towns = towns.copy()
    clause = r1.clause if r1 is not None else ""
    towns["popup"] = [
        f"<b>{html.escape(str(r.name))}</b> ({kind_name(r.kind, lang)})" + _popup_table([
            (t("pop.population", lang), people(r.population, lang)),
            (t("pop.r1", lang), status_word(r.r1, lang)),
            (t("pop.r2", lang), f"{r.r2_gaps} / {r.r2_units}"),
            (t("pop.r3", lang), t("pop.none", lang) if pd.isna(r.r3_share) else f"{r.r3_share:.0%}"),
            (t("pop.r6", lang), status_word(r.r6, lang)),
            (t("pop.r8", lang), t("pop.none", lang) if pd.isna(r.r8_gps) else
             f"{r.r8_gps:.2f} · {status_word(r.r8, lang)}"),
            (t("pop.status", lang), status_word(r.overall, lang)),
            (t("pop.clause", lang), clause)])
        for r in towns.itertuples()]
    towns["status_word"] = [status_word(s, lang) for s in towns["overall"]]
    folium.GeoJson(
        _geojson(towns, ["township_id", "name", "overall", "status_word", "popup"]),
        name=t("layer.townships", lang),
        style_function=lambda f: {"color": STATUS_COLOURS.get(f["properties"]["overall"], "#777"),
                                  "weight": 1.5, "fillColor": STATUS_COLOURS.get(f["properties"]["overall"], "#777"),
                                  "fillOpacity": 0.12},
        highlight_function=lambda f: {"weight": 3, "fillOpacity": 0.25},
        tooltip=folium.GeoJsonTooltip(fields=["name", "status_word"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(m)


def _village_dot(radius: int, opacity: float, css_class: str) -> folium.CircleMarker:
    """A village's dot (radius px, white rim) in :data:`VILLAGE_PANE`, above the facility
    icons (folium's CircleMarker drops a ``pane`` argument: it is set on the options)."""
    marker = folium.CircleMarker(radius=radius, weight=1, color="#ffffff", fill=True,
                                 fill_opacity=opacity, class_name=css_class)
    marker.options["pane"] = VILLAGE_PANE
    return marker


#: the order villages are drawn in (later on top): failing ones last
_DRAW_ORDER = {"pass": 0, "not_applicable": 1, "unknown": 2, "warn": 3, "fail": 4}


def _add_r2_villages(m: folium.Map, v: gpd.GeoDataFrame, r2, r3: gpd.GeoDataFrame | None,
                     region, lang: str) -> None:
    limit = float(r2.figures.get("max_distance_m", 1500))
    minutes = r3.set_index("unit_id")["minutes_to_care"] if r3 is not None else {}
    town_names = region.townships.set_index("township_id")["name"]
    v = v.iloc[np.argsort([_DRAW_ORDER.get(s_, 0) for s_ in v["status"]], kind="stable")].copy()
    v["colour"] = [STATUS_COLOURS.get(s_, STATUS_COLOURS["unknown"]) for s_ in v["status"]]
    v["radius"] = [BAND_RADII[band(d, limit)] for d in v["clinic_distance_m"].astype(float)]
    fields = {
        "name": t("pop.village", lang),
        "township": t("pop.township", lang),
        "residents": t("pop.population", lang),
        "clinic": t("pop.nearest_clinic", lang),
        "road": t("pop.road_m", lang),
        "straight": t("pop.straight_m", lang),
        "minutes": t("pop.minutes", lang),
        "status_word": t("pop.status", lang),
        "reason": t("pop.reason", lang),
        "action": t("pop.action", lang),
        "clause": t("pop.clause", lang),
    }
    v["township"] = v["township_id"].map(town_names).fillna("")
    v["residents"] = [people(p, lang) for p in v["population"]]
    v["clinic"] = v["nearest_clinic"].fillna(t("pop.none", lang))
    v["road"] = [_fmt_m(d, lang) for d in v["clinic_road_m"]]
    v["straight"] = [_fmt_m(d, lang) for d in v["clinic_straight_m"]]
    v["minutes"] = [_fmt_min(_get(minutes, i), lang) for i in v["unit_id"]]
    v["status_word"] = [f"{status_word(s_, lang)} · {pair_word(COVERAGE, c, lang)}"
                        for s_, c in zip(v["status"], v["coverage"])]
    v["action"] = v["action"].replace("", t("pop.none", lang))
    v["clause"] = r2.clause
    folium.GeoJson(
        _geojson(v, ["unit_id", "colour", "radius"] + list(fields)),
        name=t("layer.villages_r2", lang),
        marker=_village_dot(5, 0.95, "village-marker"),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#ffffff",
                                  "radius": f["properties"]["radius"]},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values()),
                                  class_name="village-popup", max_width=360),
    ).add_to(m)


def _get(series, key):
    try:
        value = series.get(key)
    except AttributeError:
        return None
    return None if value is None or pd.isna(value) else float(value)


def _add_r3_villages(m: folium.Map, v: gpd.GeoDataFrame, r3, lang: str) -> None:
    limit = float(r3.figures.get("max_minutes", 15))
    v = v.copy()
    v["colour"] = [band_colour(x, limit) for x in v["minutes_to_care"].astype(float)]
    fields = {"name": t("pop.village", lang), "kind_name": t("pop.kind", lang),
              "residents": t("pop.population", lang), "minutes": t("pop.minutes", lang),
              "status_word": t("pop.status", lang), "clause": t("pop.clause", lang)}
    v["kind_name"] = [kind_name(k, lang) for k in v["kind"]]
    v["residents"] = [people(p, lang) for p in v["population"]]
    v["minutes"] = [_fmt_min(x, lang) for x in v["minutes_to_care"].astype(float)]
    v["status_word"] = [status_word(s_, lang) for s_ in v["status"]]
    v["clause"] = r3.clause
    folium.GeoJson(
        _geojson(v, ["colour"] + list(fields)),
        name=t("layer.villages_r3", lang), show=False,
        marker=_village_dot(4, 0.9, "village-minutes"),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#ffffff"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values())),
    ).add_to(m)


def _add_facilities(m: folium.Map, fac: gpd.GeoDataFrame, lang: str) -> None:
    if not len(fac):
        return
    group = folium.FeatureGroup(name=t("layer.facilities", lang))
    fields = {"name": t("pop.facility", lang), "kind_name": t("pop.kind", lang),
              "level_text": t("pop.level", lang)}
    for kind in FACILITY_ICONS:
        part = fac[fac["kind"] == kind]
        if not len(part):
            continue
        size = FACILITY_ICONS[kind][2]
        level = part["level"] if "level" in part else pd.Series(None, index=part.index)
        part = part.assign(kind_name=kind_name(kind, lang),
                           level_text=level.astype(object).where(level.notna(), t("pop.none", lang)))
        folium.GeoJson(
            _geojson(part, list(fields)),
            marker=folium.Marker(icon=folium.DivIcon(html=icon_html(kind, lang), icon_size=(size, size),
                                                     icon_anchor=(size // 2, size // 2),
                                                     class_name=f"facility-icon facility-{kind}")),
            tooltip=folium.GeoJsonTooltip(fields=["name", "kind_name"], labels=False),
            popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values())),
        ).add_to(group)
    group.add_to(m)


def _add_reach(m: folium.Map, d: dict, r3, lang: str, estimate: bool = False) -> None:
    mode = pair_word(MODES, r3.figures.get("mode", "walk"), lang)
    minutes = float(r3.figures.get("max_minutes", 15))
    for key, colour, show in (("covered", "#1e88e5", True), ("uncovered", "#e53935", False)):
        if key not in d:
            continue
        name = t(f"layer.{key}", lang, minutes=minutes, mode=mode)
        if estimate:
            name += f" ({STRAIGHT_LABEL})"
        folium.GeoJson(_geojson(d[key], ["status"]), name=name, show=show, interactive=False,
                       style_function=lambda f, c=colour: {"color": c, "weight": 0.5,
                                                           "fillColor": c, "fillOpacity": 0.15}
                       ).add_to(m)


def _add_candidates(m: folium.Map, c: gpd.GeoDataFrame, r4, lang: str) -> None:
    group = folium.FeatureGroup(name=t("layer.r4", lang))
    for r in c.itertuples():
        popup = f"<b>{html.escape(str(r.name))}</b>" + _popup_table([
            (t("pop.rank", lang), r.rank), (t("pop.newly_within", lang), f"{r.newly_within:,.0f}"),
            (t("pop.reason", lang), r.reason), (t("pop.clause", lang), r4.clause)])
        folium.Marker([r.geometry.y, r.geometry.x], popup=folium.Popup(popup, max_width=320),
                      tooltip=str(r.name),
                      icon=folium.DivIcon(html="<div style='font:28px sans-serif;color:#ff6f00;"
                                               "text-shadow:0 0 3px #fff'>★</div>",
                                          icon_size=(28, 28), icon_anchor=(14, 18))).add_to(group)
    group.add_to(m)


_GROUP_COLOURS = ("#5e35b1", "#00897b", "#f4511e", "#3949ab", "#7cb342", "#c0ca33", "#8d6e63")


def _add_groups(m: folium.Map, groups: gpd.GeoDataFrame, lang: str) -> None:
    g = groups.copy()
    g["colour"] = [_GROUP_COLOURS[i % len(_GROUP_COLOURS)] for i in range(len(g))]
    g["popup"] = [f"<b>{html.escape(str(r.group_id))}</b>" + _popup_table([
        (t("pop.lead", lang), r.lead or t("pop.none", lang)), (t("pop.members", lang), r.members),
        (t("pop.status", lang), status_word(r.status, lang)), (t("pop.reason", lang), r.reason)])
        for r in g.itertuples()]
    folium.GeoJson(_geojson(g, ["group_id", "colour", "popup"]), name=t("layer.groups", lang),
                   show=False,
                   style_function=lambda f: {"color": f["properties"]["colour"], "weight": 3,
                                             "dashArray": "6 4", "fill": False},
                   popup=folium.GeoJsonPopup(fields=["popup"], labels=False)).add_to(m)


def _add_r8(m: folium.Map, d: dict, r8, lang: str) -> None:
    target = float(r8.figures.get("target_gps_per_10000", 4.0))
    mode = pair_word(MODES, r8.figures.get("mode", "ebike"), lang)
    minutes = float(r8.figures.get("minutes", 30))
    towns = d["r8_towns"].copy()
    towns["colour"] = [r8_colour(v, target) for v in towns["gps_per_10000"].astype(float)]
    towns["popup"] = [
        f"<b>{html.escape(str(r.name))}</b>" + _popup_table([
            (t("pop.population", lang), f"{(r.population or 0):,.0f}"),
            (t("pop.r8_within", lang, minutes=f"{minutes:g}", mode=mode),
             _fmt_rate(r.gps_per_10000, lang)),
            (t("pop.r8_plain", lang), _fmt_rate(r.gps_per_10000_plain, lang)),
            (t("pop.r8_below", lang), f"{r.residents_below:,.0f}"),
            (t("pop.r8_needed", lang), f"{r.gps_needed:,}"),
            (t("pop.status", lang), status_word(r.status, lang)),
            (t("pop.clause", lang), r8.clause)])
        for r in towns.itertuples()]
    towns["label"] = [f"{n} · {_fmt_rate(v, lang)}" for n, v in zip(towns["name"], towns["gps_per_10000"])]
    folium.GeoJson(
        _geojson(towns, ["township_id", "colour", "label", "popup"]),
        name=t("layer.r8_towns", lang), show=False,
        style_function=lambda f: {"color": "#616161", "weight": 1, "fillColor": f["properties"]["colour"],
                                  "fillOpacity": 0.65},
        highlight_function=lambda f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(m)
    v = d["r8_villages"].copy()
    v["colour"] = [r8_colour(x, target) for x in v["gps_per_10000"].astype(float)]
    fields = {"name": t("pop.village", lang), "residents": t("pop.population", lang),
              "gps": t("pop.r8_within", lang, minutes=f"{minutes:g}", mode=mode),
              "nurses": t("pop.r8_nurses", lang), "vdocs": t("pop.r8_vdocs", lang),
              "status_word": t("pop.status", lang), "reason": t("pop.reason", lang),
              "clause": t("pop.clause", lang)}
    v["residents"] = [f"{p:,.0f}" if np.isfinite(p) else t("pop.none", lang)
                      for p in v["population"].astype(float)]
    v["gps"] = [_fmt_rate(x, lang) for x in v["gps_per_10000"].astype(float)]
    v["nurses"] = [_fmt_rate(x, lang) for x in v["nurses_per_1000"].astype(float)]
    v["vdocs"] = [_fmt_rate(x, lang) for x in v["village_doctors_per_1000"].astype(float)]
    v["status_word"] = [status_word(s_, lang) + (" · " + t("pop.r8_border", lang) if b else "")
                        for s_, b in zip(v["status"], v["near_border"])]
    v["clause"] = r8.clause
    folium.GeoJson(
        _geojson(v, ["colour"] + list(fields)),
        name=t("layer.r8_villages", lang), show=False,
        marker=_village_dot(4, 0.95, "r8-village"),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#ffffff"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "gps"], labels=False),
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values()), max_width=360),
    ).add_to(m)


def _fmt_rate(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else f"{value:.2f}"


# --------------------------------------------------------------------------- scenarios


def _add_scenario(m: folium.Map, layers: dict[str, gpd.GeoDataFrame], lang: str) -> None:
    rings = (("newly_covered", "#00c853", "layer.sc_newly_covered"),
             ("newly_uncovered", "#d50000", "layer.sc_newly_uncovered"))
    for key, colour, label in rings:
        if key not in layers:
            continue
        g = layers[key].copy()
        g["residents"] = [people(p, lang) for p in g["population"]]
        fields = {"name": t("pop.village", lang), "residents": t("pop.population", lang),
                  "rules": t("pop.rule", lang)}
        folium.GeoJson(
            _geojson(g, list(fields)), name=t(label, lang),
            marker=folium.CircleMarker(radius=11, weight=3, color=colour, fill=False,
                                       class_name=key.replace("_", "-")),
            style_function=lambda f, c=colour: {"color": c, "weight": 3, "fill": False},
            tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(fields.values())),
        ).add_to(m)
    group = folium.FeatureGroup(name=t("layer.sc_sites", lang))
    for r in layers.get("proposed", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(f"{r.name}（{kind_name(r.kind, lang)}）" if lang == "zh"
                                          else f"{r.name} ({kind_name(r.kind, lang)})"),
                      icon=folium.DivIcon(html=ring_html(icon_html(r.kind, lang), "#ffab00"),
                                          icon_size=(30, 30), icon_anchor=(15, 15),
                                          class_name="proposed-site")).add_to(group)
    for r in layers.get("closed", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(t("pop.closed", lang, name=r.name)),
                      icon=folium.DivIcon(html="<div style='font:bold 20px sans-serif;color:#424242;"
                                               "text-shadow:0 0 3px #fff'>✕</div>",
                                          icon_size=(20, 20), icon_anchor=(7, 12),
                                          class_name="closed-site")).add_to(group)
    for r in layers.get("suggested", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(t("pop.suggested", lang, rank=r.rank, name=r.name,
                                            n=f"{r.newly_covered:,.0f}")),
                      icon=folium.DivIcon(html=f"<div style='{ICON_CSS.format(font=11, size=20, colour='#ff6f00', border=2)}'>"
                                               f"{int(r.rank)}</div>",
                                          icon_size=(20, 20), icon_anchor=(10, 10),
                                          class_name="suggested-site")).add_to(group)
    for r in layers.get("selected", gpd.GeoDataFrame()).itertuples():
        folium.CircleMarker([r.geometry.y, r.geometry.x], radius=17, weight=3, color="#2962ff",
                            dash_array="5 4", fill=False, interactive=False,
                            class_name="selected-facility").add_to(group)
    group.add_to(m)


# --------------------------------------------------------------------------- uploads


def preview_map(layers: dict[str, gpd.GeoDataFrame], lang: str = "zh") -> folium.Map:
    """Uploaded layers before any assessment: polygons as outlines, points as dots.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        ``townships``, ``villages``, ``facilities`` as :func:`planning.inputs.read_layer`
        returns them (any may be missing), any CRS.
    """
    present = {k: g.to_crs(WGS84) for k, g in layers.items() if g is not None and len(g)}
    if not present:
        return new_map([[39.0, 117.0], [40.0, 118.0]])
    x0, y0, x1, y1 = np.array([g.total_bounds for g in present.values()]).T
    m = new_map([[float(y0.min()), float(x0.min())], [float(y1.max()), float(x1.max())]])
    styles = {"townships": "#455a64", "villages": "#2e7d32", "facilities": "#c62828"}
    for name, g in present.items():
        g = g[["name", "geometry"]].copy()
        g["name"] = g["name"].astype(str)
        colour = styles.get(name, "#1565c0")
        kwargs = {}
        if g.geom_type.isin(["Point", "MultiPoint"]).all():
            kwargs["marker"] = folium.CircleMarker(radius=3, weight=0, fill=True, fill_color=colour,
                                                   fill_opacity=0.9)
        folium.GeoJson(_geojson(g, ["name"]), name=t(f"up.{name}", lang),
                       style_function=lambda f, c=colour: {"color": c, "weight": 1.5, "fillColor": c,
                                                           "fillOpacity": 0.05},
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
                       **kwargs).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return use_local_assets(m)
